// Reading and writing the CSV files tests send and get back: the one place tests use PapaParse.
import type { Kysely } from 'kysely';
import Papa from 'papaparse';
import type { DB } from '../../src/db/schema.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { templateFile } from '../../src/uploads/template.ts';

/**
 * A CSV file's rows (UTF-8, a byte order mark dropped). Blank lines are left out unless
 * `keepBlankLines` (a header block's spacing, say, is part of what a test checks).
 */
export function readCsv(body: string | Uint8Array, { keepBlankLines = false } = {}): string[][] {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  return Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: !keepBlankLines }).data;
}

/**
 * Rows as a CSV file (UTF-8), as a spreadsheet would save them: lines end in CRLF, cells are quoted
 * only when they must be. `delimiter` for a file saved with semicolons or tabs; `finalNewline`
 * ends the last line too.
 */
export function csvFile(
  rows: string[][],
  { delimiter = ',', finalNewline = false }: { delimiter?: string; finalNewline?: boolean } = {},
): Buffer {
  const text = Papa.unparse(rows, { delimiter, newline: '\r\n' });
  return Buffer.from(finalNewline ? `${text}\r\n` : text, 'utf8');
}

/** Rows as CSV text, for a test that changes or re-encodes the text itself. */
export function csvText(rows: string[][], options: { delimiter?: string; finalNewline?: boolean } = {}): string {
  return csvFile(rows, options).toString('utf8');
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
