// A qts-recommendations file large enough to be checked in the background (over 5,000 rows):
// the provider's own template with a date in its first two rows, padded with rows that identify
// nobody (skipped).
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { today } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { CHECK_IN_REQUEST_MAX_ROWS } from '../../src/uploads/pipeline.ts';
import { templateFile } from '../../src/uploads/template.ts';
import { csvFile, readCsv } from './csv.ts';

export async function largeRecommendationsFile(
  db: Kysely<DB>,
  actor: Actor,
): Promise<{ bytes: Buffer; recommended: string[][]; rowCount: number }> {
  const template = await templateFile(db, actor, 'qts-recommendations', 'csv', today());
  const [headers, ...rows] = readCsv(template.body);
  const dateIndex = headers.length - 1;
  const [d, m, y] = today().split('-').reverse();
  rows[0][dateIndex] = `${d}/${m}/${y}`;
  rows[1][dateIndex] = `${d}/${m}/${y}`;
  const padding = Array.from({ length: CHECK_IN_REQUEST_MAX_ROWS + 1 }, () => headers.map(() => ''));
  for (const row of padding) row[1] = 'nobody';
  return {
    bytes: csvFile([headers, ...rows, ...padding]),
    recommended: rows.slice(0, 2),
    rowCount: rows.length + padding.length,
  };
}
