// Bulk writes with COPY: pg-copy-streams on PostgreSQL, a blob on PGlite. Never a row at a time.

import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Database } from './database.ts';

/** One CSV field for COPY: null is an unquoted empty field, anything else is quoted. */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `"${text.replaceAll('"', '""')}"`;
}

/** CSV text for COPY, in chunks of about CHUNK_CHARS characters. */
async function* csvChunks(rows: Iterable<unknown[]> | AsyncIterable<unknown[]>): AsyncGenerator<string> {
  let chunk = '';
  const add = (row: unknown[]) => {
    chunk += `${row.map(csvField).join(',')}\n`;
    return chunk.length > CHUNK_CHARS;
  };
  // Rows already in memory are read without waiting a turn for each.
  if (Symbol.iterator in rows) {
    for (const row of rows) {
      if (!add(row)) continue;
      yield chunk;
      chunk = '';
    }
  } else {
    for await (const row of rows) {
      if (!add(row)) continue;
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

// Short enough that each chunk is an ordinary young string, not a large object that only a full
// garbage collection frees.
const CHUNK_CHARS = 1 << 15;
/** PGlite copies from a blob: rows are sent in blobs of at most this many characters of CSV. */
const PGLITE_BLOB_CHARS = 2 << 20;

/**
 * Copies rows into a table (outside any open Kysely transaction on PGlite). The rows are pulled
 * as they are sent, so a generator's rows need never all exist at once.
 */
export async function copyRows(
  database: Database,
  table: string,
  columns: string[],
  rows: Iterable<unknown[]> | AsyncIterable<unknown[]>,
): Promise<void> {
  const target = `${table} (${columns.join(', ')})`;
  const { pglite } = database;
  if (pglite) {
    const send = (parts: string[]) =>
      pglite.query(`copy ${target} from '/dev/blob' with (format csv)`, [], { blob: new Blob(parts) });
    let parts: string[] = [];
    let size = 0;
    for await (const chunk of csvChunks(rows)) {
      parts.push(chunk);
      size += chunk.length;
      if (size >= PGLITE_BLOB_CHARS) {
        await send(parts);
        parts = [];
        size = 0;
      }
    }
    if (parts.length) await send(parts);
    return;
  }
  if (!database.pool) throw new Error('No connection for COPY');
  const client = await database.pool.connect();
  try {
    const stream = client.query(copyFrom(`copy ${target} from stdin with (format csv)`));
    // As bytes, so the stream holds one chunk ahead rather than sixteen.
    await pipeline(Readable.from(csvChunks(rows), { objectMode: false }), stream);
  } finally {
    client.release();
  }
}

/**
 * One bytea value, from `query` (a SELECT of one row with one bytea column, no parameters).
 * On PostgreSQL it comes through COPY as a stream of hex text, decoded a piece at a time straight
 * into a buffer of its size, rather than as one result message, one string of twice its size and
 * then the bytes. Undefined when there is no row.
 */
export async function readBytes(database: Pick<Database, 'db' | 'pool'>, query: string): Promise<Buffer | undefined> {
  if (!database.pool) {
    const { rows } = await sql.raw<Record<string, Uint8Array>>(query).execute(database.db);
    const bytes = rows[0] && Object.values(rows[0])[0];
    return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : undefined;
  }
  const client = await database.pool.connect();
  try {
    const { rows } = await client.query<{ size: number }>(`select octet_length(v) as size from (${query}) as q(v)`);
    if (rows.length === 0) return undefined;
    const bytes = Buffer.allocUnsafe(rows[0].size);
    let written = 0;
    // Text COPY writes the value as \\x, its hex digits, then a newline.
    const stream = client.query(copyTo(`copy (${query}) to stdout`));
    let pending = '';
    let started = false;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      pending += chunk.toString('latin1');
      if (!started) {
        if (pending.length < 3) continue;
        if (!pending.startsWith('\\\\x')) throw new Error('Unexpected COPY output for a bytea value');
        pending = pending.slice(3);
        started = true;
      }
      const digits = pending.endsWith('\n') ? pending.length - 1 : pending.length;
      const even = digits - (digits % 2);
      written += bytes.write(pending.slice(0, even), written, 'hex');
      pending = pending.slice(even);
    }
    if (written !== bytes.length || pending !== '\n')
      throw new Error('Unexpected end of COPY output for a bytea value');
    return bytes;
  } finally {
    client.release();
  }
}
