// Uploaded files, kept in the database until the upload is purged. On PGlite, which runs on the
// web process's one thread, a file is written and read in 1 MB parts by binary COPY with a turn
// for other requests between parts: a 45 MB file in one piece held everything else for over a
// second. On PostgreSQL a file is written in 8 MB parts, each a parameter (one piece would be
// copied whole into the driver's message: another copy of a 150 MB file), and read back as a
// stream, part by part.
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { sql } from 'kysely';
import { binaryInt, binaryUuid, copyBinaryRow, readBytes } from '../db/copy.ts';
import type { Database } from '../db/database.ts';
import { isUuid } from '../domain/organisations/organisations.ts';

const PART_BYTES = 1 << 20;
/** PostgreSQL's parts: few statements for a large file, and little more memory than the file itself. */
const POSTGRES_PART_BYTES = 8 << 20;

/** Stores an upload's file (outside any transaction: on PGlite, COPY waits for one to end). */
export async function storeUploadFile(database: Database, uploadId: string, bytes: Uint8Array): Promise<void> {
  const { pglite } = database;
  if (!pglite) {
    for (let part = 0, at = 0; at < bytes.length || part === 0; part++, at += POSTGRES_PART_BYTES) {
      const content = bytes.subarray(at, at + POSTGRES_PART_BYTES);
      await database.db.insertInto('upload_files').values({ upload_id: uploadId, part, content }).execute();
    }
    return;
  }
  const id = binaryUuid(uploadId);
  for (let part = 0, at = 0; at < bytes.length || part === 0; part++, at += PART_BYTES) {
    if (part > 0) await yieldToOthers();
    const content = bytes.subarray(at, at + PART_BYTES);
    await copyBinaryRow(pglite, 'upload_files', ['upload_id', 'part', 'content'], [id, binaryInt(part), content]);
  }
}

/** An upload's file, its parts put together again; undefined when it is not stored. */
export async function readUploadFileBytes(
  database: Pick<Database, 'db' | 'pool' | 'pglite'>,
  uploadId: string,
): Promise<Buffer | undefined> {
  // The id is inlined (COPY takes no parameters): only ever a UUID here.
  if (!isUuid(uploadId)) return undefined;
  const { rows } = await sql<{ part: number; size: number }>`
    select part, octet_length(content) as size from upload_files where upload_id = ${uploadId} order by part
  `.execute(database.db);
  if (rows.length === 0) return undefined;
  const partQuery = (part: number) =>
    `select content from upload_files where upload_id = '${uploadId}' and part = ${part}`;
  if (rows.length === 1) return readBytes(database, partQuery(rows[0].part));
  const whole = Buffer.allocUnsafe(rows.reduce((sum, row) => sum + Number(row.size), 0));
  let at = 0;
  for (const { part } of rows) {
    await yieldToOthers();
    const bytes = await readBytes(database, partQuery(part));
    if (!bytes) return undefined;
    at += bytes.copy(whole, at);
  }
  return whole;
}
