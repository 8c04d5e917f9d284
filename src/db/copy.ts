// Bulk writes with COPY: pg-copy-streams on PostgreSQL, a blob on PGlite. Never a row at a time.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from './database.ts';

/** One CSV field for COPY: null is an unquoted empty field, anything else is quoted. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

function* csvLines(rows: Iterable<unknown[]>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += `${row.map(csvField).join(',')}\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** Copies rows into a table (outside any open Kysely transaction on PGlite). */
export async function copyRows(
  database: Database,
  table: string,
  columns: string[],
  rows: Iterable<unknown[]>,
): Promise<void> {
  const target = `${table} (${columns.join(', ')})`;
  if (database.pglite) {
    const blob = new Blob([...csvLines(rows)]);
    await database.pglite.query(`copy ${target} from '/dev/blob' with (format csv)`, [], { blob });
    return;
  }
  if (!database.pool) throw new Error('No connection for COPY');
  const client = await database.pool.connect();
  try {
    const stream = client.query(copyFrom(`copy ${target} from stdin with (format csv)`));
    await pipeline(Readable.from(csvLines(rows)), stream);
  } finally {
    client.release();
  }
}
