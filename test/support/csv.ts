// Reading and writing the CSV files tests send and get back: one helper instead of a copy per file.

import type { Kysely } from 'kysely';
import Papa from 'papaparse';
import type { DB } from '../../src/db/schema.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { templateFile } from '../../src/uploads/template.ts';

/** A CSV file's rows (a byte order mark dropped, blank lines left out). */
export function readCsv(body: string | Uint8Array): string[][] {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  return Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data;
}

/** Rows as a CSV file, as a spreadsheet would save them. */
export function csvFile(rows: string[][], delimiter = ','): Buffer {
  return Buffer.from(Papa.unparse(rows, { delimiter }), 'utf8');
}

/** A kind's CSV template for the actor, as its heading row, data rows and a column finder. */
export async function templateRows(
  db: Kysely<DB>,
  actor: Actor,
  kindId: string,
  options: Record<string, string> = {},
  today = todayInEngland(),
) {
  const file = await templateFile(db, actor, kindId, 'csv', today, options);
  const [headers, ...rows] = readCsv(file.body);
  return { headers, rows, column: (header: string) => headers.indexOf(header) };
}
