// Benchmark set-up for the qts-recommendations kind: a provider with N eligible trainees and
// their prefilled template with today's date in every row, so that every row is a change.
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { seedProviderWithTrainees, templateRows } from '../bench-provider.ts';

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
): Promise<{ actor: Actor; csv: string }> {
  const actor = await seedProviderWithTrainees(database, rows, today);
  const { headers, rows: data } = await templateRows(database, actor, 'qts-recommendations', today);
  const [y, m, d] = today.split('-');
  // The standards date is the last column.
  for (const row of data) row[headers.length - 1] = `${d}/${m}/${y}`;
  return { actor, csv: Papa.unparse([headers, ...data]) };
}
