// Taking an upload: the file read and refused or recorded (its row, an audit event, the stored
// file), then checked at once or queued for the background.
import type { Database } from '../db/database.ts';
import type { Upload } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { recordEvents } from '../domain/audit/events.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { checkUpload, headerBlockValues } from './check.ts';
import { readUploadFile } from './read-file.ts';
import { FileRefusal, normaliseHeader } from './sheets/sheet.ts';

import { kindFor } from './states.ts';
import { storeUploadFile } from './stored-files.ts';

/**
 * The name to keep for an uploaded file: the browser's name without any folder path, control
 * characters (PostgreSQL cannot store NUL) or broken surrogates, at most 255 characters; or a
 * plain one when nothing is left.
 */
export function uploadFileName(name: string, format: string): string {
  const cleaned = name
    .replace(/\p{Cc}/gu, '')
    .replace(/^.*[\\/]/, '')
    .trim()
    .slice(0, 255)
    .toWellFormed()
    .trim();
  return cleaned || `upload.${format}`;
}

export interface ReceivedFile {
  name: string;
  bytes: Uint8Array;
}

/**
 * Takes an upload: refuses a file that cannot be used (storing nothing), otherwise records it
 * and checks every row. Returns the upload, checked.
 */
/** Files with more rows than this are checked by a background job, with a progress page. */
export const CHECK_IN_REQUEST_MAX_ROWS = 5_000;

export async function receiveUpload(
  database: Database,
  actor: Actor,
  kindId: string,
  file: ReceivedFile,
  today: string,
  {
    checkLater,
    via = 'page',
    headerBlock: given,
  }: {
    checkLater?: (uploadId: string) => Promise<void>;
    via?: string;
    /** Values of the kind's header block given beside the file, by label (any case or punctuation). */
    headerBlock?: Record<string, string>;
  } = {},
): Promise<Upload> {
  const kind = kindFor(actor, kindId);
  // The file's bytes are lent to the reader and given back: from here on, read.bytes.
  const read = await readUploadFile(kind, file.bytes);
  const fileSize = read.bytes.length;
  const { sheet, match } = read;
  // Header block values given beside the file (a form's fields) fill what the file leaves blank,
  // as rows after its own, so the check, the report and the submit read them as the file's.
  if (kind.headerBlock && given && Object.keys(given).length) {
    const inFile = headerBlockValues(kind.headerBlock, sheet.preamble ?? []);
    const byName = new Map(Object.entries(given).map(([name, value]) => [normaliseHeader(name), value.trim()]));
    const extra = kind.headerBlock.labels
      .filter((label) => !inFile.values[label] && byName.get(normaliseHeader(label)))
      .map((label) => [label, byName.get(normaliseHeader(label)) ?? '']);
    if (extra.length) sheet.preamble = [...(sheet.preamble ?? []), ...extra];
  }
  if (kind.headerBlock && kind.checkHeaderBlock) {
    const refusal = await kind.checkHeaderBlock(headerBlockValues(kind.headerBlock, sheet.preamble ?? []), {
      db: database.db,
      actor,
      today,
    });
    if (refusal) throw new FileRefusal(refusal);
  }
  const upload = await inTransaction(database.db, async (tx) => {
    const created = await tx
      .insertInto('uploads')
      .values({
        organisation_id: actor.organisation.id,
        kind: kind.id,
        state: 'received',
        file_name: uploadFileName(file.name, sheet.format),
        file_format: sheet.format,
        file_size: fileSize,
        encoding: sheet.encoding ?? null,
        delimiter: sheet.delimiter ?? null,
        sheet_name: sheet.sheetName ?? null,
        headers: JSON.stringify(sheet.headers),
        unknown_columns: JSON.stringify(match.unknown),
        columns: JSON.stringify(read.columns),
        preamble: sheet.preamble ? JSON.stringify(sheet.preamble) : null,
        row_count: sheet.rows.length,
        uploaded_by: actor.userId,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'upload',
        subjectId: created.id,
        action: 'received',
        changes: { kind: { to: kind.id }, file_name: { to: created.file_name }, rows: { to: sheet.rows.length } },
      },
    ]);
    return created;
  });
  // The file is stored after the upload's row (by COPY, outside any transaction on PGlite). If it
  // cannot be, the upload is failed, and a check started meanwhile finds no file and fails it too.
  try {
    await storeUploadFile(database, upload.id, read.bytes);
    // Stored: the check needs the rows read, not the bytes, which a large file need not keep.
    read.bytes = new Uint8Array(0);
  } catch (error) {
    await database.db
      .updateTable('uploads')
      .set({ state: 'failed', ended_at: new Date(), failure_message: 'The file could not be stored. Upload it again' })
      .where('id', '=', upload.id)
      .execute();
    throw error;
  }
  // A kind that looks things up in an outside system is always checked in the background, where
  // a lookup that does not answer can wait and be tried again.
  const inBackground = kind.checkIn === 'background' || sheet.rows.length > CHECK_IN_REQUEST_MAX_ROWS;
  if (checkLater && inBackground) {
    await checkLater(upload.id);
    return upload;
  }
  return checkUpload(database, actor, upload.id, today, read);
}
