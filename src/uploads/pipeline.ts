// The shared bulk-upload pipeline: read → match headers → check → stage → report → commit.
// Every kind goes through here; a kind only supplies its columns and row rules (kinds/kind.ts).

import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { copyRows } from '../db/copy.ts';
import type { Database } from '../db/database.ts';
import type { DB, Upload, UploadState } from '../db/schema.ts';
import { REFRESH_STATISTICS_FROM_ROWS, refreshStatistics } from '../db/statistics.ts';
import { inTransaction } from '../db/transaction.ts';
import { recordEvents } from '../domain/audit/events.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { isUuid } from '../domain/organisations/organisations.ts';
import { parseTypedCell } from './cells/types.ts';
import { type ColumnSpec, columnsOfFile, type HeaderMatch, matchHeaders, normaliseHeader } from './headers.ts';
import { findKind } from './kinds/index.ts';
import {
  type HeaderBlock,
  type HeaderBlockValues,
  type LookupAdapters,
  LookupUnavailable,
  type ParsedRow,
  type RowError,
  type RowOutcome,
  type UploadContext,
  type UploadKind,
} from './kinds/kind.ts';
import { readSheetInWorker } from './sheets/read-sheet-in-worker.ts';
import { FileRefusal, type HeaderRowRule, type Sheet, type SheetRow } from './sheets/sheet.ts';
import { heartbeatEvery, keepCheckAlive, STALLED_CHECK_RULES } from './stalled-checks.ts';
import { readUploadFileBytes, storeUploadFile } from './stored-files.ts';
import { UploadConflict } from './upload-conflict.ts';

// Pages and the API catch it from here.
export { UploadConflict };

export const MAX_FILE_BYTES = 50 * 1024 * 1024;

export const UPLOAD_STATE_NAMES: Record<UploadState, string> = {
  received: 'Received',
  checking: 'Checking',
  waiting: 'Waiting',
  checked: 'Checked',
  committing: 'Submitting',
  committed: 'Submitted',
  cancelled: 'Cancelled',
  failed: 'Failed',
  undone: 'Undone',
};

/** The kind, if this actor's organisation may use it; otherwise it does not exist for them. */
export function kindFor(actor: Actor, kindId: string): UploadKind {
  const kind = findKind(kindId);
  if (!kind?.allowedFor.includes(actor.organisation.type)) throw new NotFoundError('Upload kind');
  return kind;
}

export async function findUpload(db: Kysely<DB>, actor: Actor, id: string): Promise<Upload> {
  const upload = isUuid(id)
    ? await db
        .selectFrom('uploads')
        .selectAll()
        .where('id', '=', id)
        .where('organisation_id', '=', actor.organisation.id)
        .executeTakeFirst()
    : undefined;
  if (!upload) throw new NotFoundError('Upload');
  return upload;
}

/** Who a background job acts as: the person who uploaded, for the organisation they uploaded for. */
export async function uploadActor(db: Kysely<DB>, uploadId: string): Promise<Actor> {
  const row = await db
    .selectFrom('uploads')
    .innerJoin('organisations', 'organisations.id', 'uploads.organisation_id')
    .leftJoin('users', 'users.id', 'uploads.uploaded_by')
    .leftJoin('memberships', (join) =>
      join.onRef('memberships.user_id', '=', 'users.id').onRef('memberships.organisation_id', '=', 'organisations.id'),
    )
    .select([
      'users.id as userId',
      'users.email',
      'users.first_name',
      'users.last_name',
      'organisations.id as organisationId',
      'organisations.type',
      'organisations.name',
      'memberships.role',
    ])
    .where('uploads.id', '=', uploadId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Upload');
  return {
    userId: row.userId,
    email: row.email ?? '',
    firstName: row.first_name ?? 'Rollbook',
    lastName: row.last_name ?? '',
    organisation: { id: row.organisationId, type: row.type, name: row.name },
    role: row.role ?? 'member',
  };
}

export const UPLOADS_PAGE_SIZE = 25;

export async function listUploads(
  db: Kysely<DB>,
  actor: Actor,
  { kind, state, page }: { kind?: string; state?: string; page: number },
): Promise<{ uploads: (Upload & { uploaded_by_name: string | null })[]; total: number }> {
  let query = db.selectFrom('uploads').where('uploads.organisation_id', '=', actor.organisation.id);
  if (kind) query = query.where('uploads.kind', '=', kind);
  if (state) query = query.where('uploads.state', '=', state as UploadState);
  const [uploads, count] = await Promise.all([
    query
      .leftJoin('users', 'users.id', 'uploads.uploaded_by')
      .selectAll('uploads')
      .select(sql<string>`users.first_name || ' ' || users.last_name`.as('uploaded_by_name'))
      .orderBy('uploads.created_at', 'desc')
      .orderBy('uploads.id')
      .limit(UPLOADS_PAGE_SIZE)
      .offset((page - 1) * UPLOADS_PAGE_SIZE)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { uploads, total: Number(count.n) };
}

/** The stored file of an upload, read again (for a background check, or for its report). */
export async function readStoredFile(
  database: Pick<Database, 'db' | 'pool' | 'pglite'>,
  kind: UploadKind,
  uploadId: string,
  /** The columns resolved when the file was received, when they were kept. */
  columns?: ColumnSpec[],
): Promise<ReadFile> {
  const stored = await readUploadFileBytes(database, uploadId);
  if (!stored) throw new NotFoundError('Upload file');
  return readUploadFile(kind, stored, columns);
}

/** The columns an upload's file was received with, when they were kept. */
export function storedColumns(upload: Upload): ColumnSpec[] | undefined {
  return Array.isArray(upload.columns) ? (upload.columns as unknown as ColumnSpec[]) : undefined;
}

/** A file read and matched to its columns: what the check works from. */
export interface ReadFile {
  sheet: Sheet;
  /** The kind's fixed columns and, for a kind that allows them, the file's own free ones. */
  columns: ColumnSpec[];
  match: HeaderMatch;
}

/** How a kind with a header block finds its header row: by its required columns' names. */
function headerRowRule(kind: UploadKind): HeaderRowRule | undefined {
  if (!kind.headerBlock) return undefined;
  const required = kind.columns
    .filter((column) => column.required)
    .map((column) => [column.header, ...(column.aliases ?? [])].map(normaliseHeader));
  // Each label/value row, each text row, and a few blank rows between them.
  return { required, maxRowsAbove: kind.headerBlock.labels.length + kind.headerBlock.textRows + 5 };
}

/** Reads and checks the file as a whole. Throws FileRefusal, and nothing is stored, when it cannot be used. */
async function readUploadFile(kind: UploadKind, bytes: Uint8Array, resolved?: ColumnSpec[]): Promise<ReadFile> {
  if (bytes.length > MAX_FILE_BYTES) {
    throw new FileRefusal(
      `The file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB. Split it into smaller files and upload each one`,
    );
  }
  // In a worker thread: reading a large or hostile file never holds up anyone else's request.
  const sheet = await readSheetInWorker(bytes, {
    maxRows: kind.maxRows,
    sheetName: kind.sheetName,
    headerRow: headerRowRule(kind),
  });
  const columns = resolved ?? columnsOfFile(kind.columns, sheet.headers, kind.freeColumns);
  const match = matchHeaders(sheet.headers, columns);
  if (kind.requiredOneOf && !kind.requiredOneOf.some((key) => match.indexes.has(key))) {
    const names = kind.requiredOneOf.map((key) => `"${kind.columns.find((c) => c.key === key)?.header}"`);
    throw new FileRefusal(
      `The file needs a ${names.join(' or ')} column to find each record. Check the first row holds the column headings from the template`,
    );
  }
  if (sheet.rows.length === 0) {
    throw new FileRefusal('The file has column headings but no rows. Add a row for each record and upload it again');
  }
  return { sheet, columns, match };
}

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
  { checkLater, via = 'page' }: { checkLater?: (uploadId: string) => Promise<void>; via?: string } = {},
): Promise<Upload> {
  const kind = kindFor(actor, kindId);
  const read = await readUploadFile(kind, file.bytes);
  const { sheet, match } = read;
  const upload = await inTransaction(database.db, async (tx) => {
    const created = await tx
      .insertInto('uploads')
      .values({
        organisation_id: actor.organisation.id,
        kind: kind.id,
        state: 'received',
        file_name: uploadFileName(file.name, sheet.format),
        file_format: sheet.format,
        file_size: file.bytes.length,
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
    await storeUploadFile(database, upload.id, file.bytes);
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

/** A sheet row as the kind sees it: each known column's cell by key, typed ones parsed. */
function parsedRow(row: SheetRow, { match, columns }: ReadFile): { row: ParsedRow; typeErrors: RowError[] } {
  const cells: Record<string, string> = {};
  const values: ParsedRow['values'] = {};
  const typeErrors: RowError[] = [];
  for (const column of columns) {
    const index = match.indexes.get(column.key);
    const text = index === undefined ? '' : (row.cells[index] ?? '').trim();
    cells[column.key] = text;
    if (!column.type || text === '') continue;
    const parsed = parseTypedCell(column.type, text);
    if (parsed.ok) values[column.key] = parsed.value;
    else typeErrors.push({ column: column.key, message: `${column.header}: ${parsed.message}` });
  }
  return { row: { rowNumber: row.rowNumber, cells, values, has: (key) => match.indexes.has(key) }, typeErrors };
}

/** The kind's outcome for a row, with the cells that did not parse as their type as errors too. */
function withTypeErrors(outcome: RowOutcome<unknown>, typeErrors: RowError[]): RowOutcome<unknown> {
  if (typeErrors.length === 0) return outcome;
  const columns = new Set(typeErrors.map((error) => error.column));
  const kindErrors = outcome.outcome === 'error' ? outcome.errors.filter((e) => !columns.has(e.column)) : [];
  return { outcome: 'error', errors: [...typeErrors, ...kindErrors], recordKey: outcome.recordKey };
}

/** The header block's labelled values and text rows, from the rows above the header row. */
export function headerBlockValues(block: HeaderBlock, preamble: string[][]): HeaderBlockValues {
  const labels = new Map(block.labels.map((label) => [normaliseHeader(label), label]));
  const values: Record<string, string> = Object.fromEntries(block.labels.map((label) => [label, '']));
  const text: string[] = [];
  for (const cells of preamble) {
    const label = labels.get(normaliseHeader(cells[0] ?? ''));
    if (label) values[label] = (cells[1] ?? '').trim();
    else if ((cells[0] ?? '').trim() && text.length < block.textRows) text.push(cells[0].trim());
  }
  return { values, text };
}

/** The other rows of a repeated record, for its message: the first few, then how many more. */
const OTHER_ROWS_LISTED = 10;
function otherRows(numbers: number[], number: number): string {
  // Only the first few are looked at, so a record repeated 20,000 times costs 20,000 short lists.
  const listed: number[] = [];
  for (const n of numbers) {
    if (listed.length === OTHER_ROWS_LISTED) break;
    if (n !== number) listed.push(n);
  }
  const more = numbers.length - 1 - listed.length;
  return more > 0 ? `${listed.join(', ')} and ${more.toLocaleString('en-GB')} more` : listed.join(', ');
}

/** A background check records how far it has got every this many rows. */
const PROGRESS_EVERY = 5_000;
const OUTCOMES = ['change', 'skip', 'error'] as const;
/** The check gives other requests a turn every this many rows. */
const YIELD_EVERY = 500;

/** Items in arrays of `size` (the last one shorter). */
export function* inBatches<T>(items: Iterable<T>, size: number): Generator<T[]> {
  let batch: T[] = [];
  for (const item of items) {
    batch.push(item);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
}

/**
 * Runs the kind's one lookup for the whole file, then checks the rows one by one as they are
 * staged (one streaming COPY), then fails rows that share a record, set-based. Returns the counts.
 */
async function checkAndStage(
  database: Database,
  kind: UploadKind,
  ctx: UploadContext,
  uploadId: string,
  file: ReadFile,
  onProgress?: (rowsChecked: number) => Promise<void>,
) {
  const { sheet, match } = file;
  const columnIndex = (key?: string) => (key === undefined ? null : (match.indexes.get(key) ?? null));
  const counts = { change: 0, skip: 0, error: 0 };
  // For the one-row-per-record rule: the first row that found each record, with its outcome,
  // packed in one number (row × 4 + outcome) so 100,000 records cost no object each; and every
  // row of the records found more than once.
  const firstRowOf = new Map<string, number>();
  const rowsOfRepeated = new Map<string, number[]>();

  await database.db.deleteFrom('upload_rows').where('upload_id', '=', uploadId).execute();
  // The kind's one lookup for the whole file (its rows read from the compact copy), then each row
  // checked as COPY asks for it, so only the rows in flight exist as objects.
  const parsedRows = function* () {
    for (const row of sheet.rows) yield parsedRow(row, file);
  };
  const checkRow = await kind.startCheck(
    ctx,
    (async function* () {
      let read = 0;
      for (const { row } of parsedRows()) {
        yield row;
        if (++read % YIELD_EVERY === 0) await yieldToOthers();
      }
    })(),
  );
  const checkedRows = async function* () {
    let checked = 0;
    for (const { row, typeErrors } of parsedRows()) {
      const outcome = withTypeErrors(checkRow(row), typeErrors);
      counts[outcome.outcome]++;
      if (kind.oneRowPerRecord && outcome.recordKey) {
        const packed = row.rowNumber * 4 + OUTCOMES.indexOf(outcome.outcome);
        const first = firstRowOf.get(outcome.recordKey);
        if (first === undefined) firstRowOf.set(outcome.recordKey, packed);
        else {
          const repeated = rowsOfRepeated.get(outcome.recordKey);
          if (repeated) repeated.push(packed);
          else rowsOfRepeated.set(outcome.recordKey, [first, packed]);
        }
      }
      const errors =
        outcome.outcome === 'error'
          ? outcome.errors.map((e) => ({ column: columnIndex(e.column), message: e.message }))
          : outcome.outcome === 'skip'
            ? [{ column: null, message: outcome.reason, skip: true }]
            : [];
      yield [uploadId, row.rowNumber, outcome.outcome, errors, outcome.outcome === 'change' ? outcome.change : null];
      if (++checked % PROGRESS_EVERY === 0 && onProgress) await onProgress(checked);
      // Let other requests in between batches of rows, however long the file.
      if (checked % YIELD_EVERY === 0) await yieldToOthers();
    }
  };
  await copyRows(database, 'upload_rows', ['upload_id', 'row_number', 'outcome', 'errors', 'change'], checkedRows());
  firstRowOf.clear();
  // The review, the report and the commit join these rows to the records.
  if (sheet.rows.length >= REFRESH_STATISTICS_FROM_ROWS) await refreshStatistics(database.db, ['upload_rows']);

  const duplicates: { rowNumber: number; message: string }[] = [];
  for (const packedRows of rowsOfRepeated.values()) {
    const numbers = packedRows.map((packed) => Math.floor(packed / 4));
    for (const [i, number] of numbers.entries()) {
      const others = otherRows(numbers, number);
      duplicates.push({
        rowNumber: number,
        message: `The same record is also in row ${others}. Keep one row for it and delete the others`,
      });
      counts[OUTCOMES[packedRows[i] % 4]]--;
      counts.error++;
    }
  }
  if (duplicates.length) {
    await sql`
      update upload_rows set outcome = 'error', change = null,
        errors = case when upload_rows.outcome = 'error' then upload_rows.errors else '[]'::jsonb end || d.error
      from unnest(
        ${duplicates.map((d) => d.rowNumber)}::int[],
        ${duplicates.map((d) => JSON.stringify([{ column: null, message: d.message }]))}::jsonb[]
      ) as d(row_number, error)
      where upload_rows.upload_id = ${uploadId} and upload_rows.row_number = d.row_number
    `.execute(database.db);
  }
  return counts;
}

/**
 * Checks a received upload and stages its rows (COPY). Used in the request for small files and
 * by the job for large ones; the state guard means only one of them checks it. While it runs it
 * keeps the upload's heartbeat fresh, so that a check whose process dies is found and started
 * again (stalled-checks.ts); each start is counted, and only the latest attempt may write its
 * result, so a check given up on and started again elsewhere can never finish it twice.
 */
export async function checkUpload(
  database: Database,
  actor: Actor,
  uploadId: string,
  today: string,
  read?: ReadFile,
  {
    heartbeatEveryMs = heartbeatEvery(STALLED_CHECK_RULES.staleAfterMs),
    adapters = {},
  }: { heartbeatEveryMs?: number; adapters?: Partial<LookupAdapters> } = {},
): Promise<Upload> {
  const db = database.db;
  const upload = await findUpload(db, actor, uploadId);
  const kind = kindFor(actor, upload.kind);
  const started = await db
    .updateTable('uploads')
    .set((eb) => ({ state: 'checking', check_attempts: eb('check_attempts', '+', 1), check_heartbeat_at: sql`now()` }))
    .where('id', '=', uploadId)
    .where('state', '=', 'received')
    .returning('check_attempts')
    .executeTakeFirst();
  if (!started) return findUpload(db, actor, uploadId);
  const attempt = started.check_attempts;
  const thisAttempt = db
    .updateTable('uploads')
    .where('id', '=', uploadId)
    .where('state', '=', 'checking')
    .where('check_attempts', '=', attempt);
  const heartbeat = keepCheckAlive(db, uploadId, attempt, heartbeatEveryMs);
  try {
    const file = read ?? (await readStoredFile(database, kind, uploadId, storedColumns(upload)));
    const headerBlock = kind.headerBlock ? headerBlockValues(kind.headerBlock, file.sheet.preamble ?? []) : undefined;
    const rowCount = file.sheet.rows.length;
    // In a job, the progress page shows how far the check has gone.
    const onProgress = read
      ? undefined
      : async (rowsChecked: number) => {
          await thisAttempt.set({ rows_checked: rowsChecked, check_heartbeat_at: sql`now()` }).execute();
        };
    const ctx = { db, actor, today, headerBlock, adapters };
    const counts = await checkAndStage(database, kind, ctx, uploadId, file, onProgress);
    const checked = await thisAttempt
      .set({
        state: 'checked',
        rows_checked: rowCount,
        change_count: counts.change,
        skip_count: counts.skip,
        error_count: counts.error,
        checked_at: new Date(),
      })
      .returningAll()
      .executeTakeFirst();
    // Cancelled meanwhile (or given up on and started again): what it is now stands.
    return checked ?? (await findUpload(db, actor, uploadId));
  } catch (error) {
    if (error instanceof LookupUnavailable) return waitForLookup(db, actor, upload, attempt, error);
    await thisAttempt
      .set({
        state: 'failed',
        ended_at: new Date(),
        failure_message: error instanceof FileRefusal ? error.message : 'The file could not be checked',
      })
      .execute();
    throw error;
  } finally {
    heartbeat.stop();
  }
}

/** A check whose outside lookup did not answer waits this long before its next try, then twice as long each time. */
export const LOOKUP_RETRY_FIRST_MS = 60_000;
const LOOKUP_RETRY_MAX_MS = 30 * 60_000;

/**
 * The outside system did not answer: the upload waits (it has not failed) and is checked again
 * once retry_at has passed (stalled-checks.ts's sweep queues it), with a message on its page.
 */
async function waitForLookup(
  db: Kysely<DB>,
  actor: Actor,
  upload: Upload,
  attempt: number,
  error: LookupUnavailable,
): Promise<Upload> {
  const delayMs = Math.min(LOOKUP_RETRY_MAX_MS, LOOKUP_RETRY_FIRST_MS * 2 ** upload.lookup_failures);
  const retryAt = new Date(Date.now() + delayMs);
  const minutes = Math.round(delayMs / 60_000);
  await db
    .updateTable('uploads')
    .set((eb) => ({
      state: 'waiting',
      retry_at: retryAt,
      lookup_failures: eb('lookup_failures', '+', 1),
      rows_checked: 0,
      failure_message: `${error.system} did not answer, so your file could not be checked yet. Rollbook will try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}: you do not need to upload it again`,
    }))
    .where('id', '=', upload.id)
    .where('state', '=', 'checking')
    .where('check_attempts', '=', attempt)
    .execute();
  return findUpload(db, actor, upload.id);
}

export type CommitResult = { state: 'committed'; committed: number } | { state: 'checked'; stale: number };

/**
 * Submits a checked upload in one transaction. Records that changed since the check become
 * errors and nothing is applied; the user is told and may continue without them.
 */
export async function commitUpload(
  database: Database,
  actor: Actor,
  uploadId: string,
  {
    skipErrors,
    today,
    afterCommit,
    via = 'page',
  }: { skipErrors: boolean; today: string; afterCommit?: (kindId: string) => Promise<void>; via?: string },
): Promise<CommitResult> {
  const result = await commitInTransaction(database, actor, uploadId, { skipErrors, today, via });
  if (result.state !== 'committed') return result;
  const kind = kindFor(actor, (await findUpload(database.db, actor, uploadId)).kind);
  if (result.committed >= REFRESH_STATISTICS_FROM_ROWS) await refreshStatistics(database.db, kind.writes);
  // Work that follows a commit (sending award requests) is signalled once the transaction is
  // done; a lost signal is caught by the job's regular sweep.
  if (afterCommit) await afterCommit(kind.id);
  return result;
}

/** Throws the reason an upload in this state cannot be submitted, if there is one. */
function refuseCommit(upload: Upload, skipErrors: boolean): void {
  if (upload.state !== 'checked') {
    throw new UploadConflict(
      `This upload is ${UPLOAD_STATE_NAMES[upload.state].toLowerCase()}, so it cannot be submitted`,
    );
  }
  if (upload.change_count === 0) {
    throw new UploadConflict(
      'There is nothing to submit in this file: no row makes a change. Upload a file with changes in it',
    );
  }
  if (upload.error_count > 0 && !skipErrors) {
    throw new UploadConflict(
      'Some rows have errors. Upload a fixed file, or choose to continue without the rows with errors',
    );
  }
}

async function commitInTransaction(
  database: Database,
  actor: Actor,
  uploadId: string,
  { skipErrors, today, via }: { skipErrors: boolean; today: string; via: string },
): Promise<CommitResult> {
  const db = database.db;
  const upload = await findUpload(db, actor, uploadId);
  if (upload.state === 'committed') return { state: 'committed', committed: upload.change_count };
  refuseCommit(upload, skipErrors);
  const kind = kindFor(actor, upload.kind);
  return inTransaction(db, async (tx) => {
    // The guard: only one request moves the upload out of "checked", so it is applied once; and
    // only while what was read above still holds (another submit may have found stale rows since).
    const locked = await tx
      .updateTable('uploads')
      .set({ state: 'committing' })
      .where('id', '=', uploadId)
      .where('state', '=', 'checked')
      .where('change_count', '>', 0)
      .where((eb) => (skipErrors ? eb.lit(true) : eb('error_count', '=', 0)))
      .returning('id')
      .executeTakeFirst();
    if (!locked) {
      const now = await findUpload(tx, actor, uploadId);
      if (now.state === 'committed') return { state: 'committed', committed: now.change_count };
      refuseCommit(now, skipErrors);
      throw new UploadConflict('This upload could not be submitted. Try again');
    }
    const ctx = { db: tx, actor, today, uploadId };
    const stale = await kind.recheck(tx, ctx);
    if (stale.size > 0) {
      const numbers = [...stale.keys()];
      await sql`
        update upload_rows set outcome = 'error', change = null, errors = s.errors
        from unnest(${numbers}::int[], ${numbers.map((n) => JSON.stringify([{ column: null, message: stale.get(n) }]))}::jsonb[])
          as s(row_number, errors)
        where upload_rows.upload_id = ${uploadId} and upload_rows.row_number = s.row_number
      `.execute(tx);
      await tx
        .updateTable('uploads')
        .set((eb) => ({
          state: 'checked',
          change_count: eb('change_count', '-', stale.size),
          error_count: eb('error_count', '+', stale.size),
        }))
        .where('id', '=', uploadId)
        .execute();
      return { state: 'checked', stale: stale.size };
    }
    const expected = (await findUpload(tx, actor, uploadId)).change_count;
    await kind.apply(tx, { ...ctx, expected });
    await tx
      .updateTable('uploads')
      .set({ state: 'committed', committed_at: new Date(), ended_at: new Date(), skip_errors: skipErrors })
      .where('id', '=', uploadId)
      .execute();
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'upload',
        subjectId: uploadId,
        action: 'submitted',
        changes: {
          state: { from: 'checked', to: 'committed' },
          changes: { to: expected },
          skipped_errors: { to: skipErrors },
        },
      },
    ]);
    return { state: 'committed', committed: expected };
  });
}

export async function cancelUpload(db: Kysely<DB>, actor: Actor, uploadId: string, via = 'page'): Promise<void> {
  const upload = await findUpload(db, actor, uploadId);
  if (upload.state === 'cancelled') return;
  const cancelled = await db
    .updateTable('uploads')
    .set({ state: 'cancelled', ended_at: new Date() })
    .where('id', '=', uploadId)
    .where('state', 'in', ['received', 'checking', 'waiting', 'checked', 'failed'])
    .returning('id')
    .executeTakeFirst();
  if (!cancelled) throw new UploadConflict('This upload has been submitted, so it cannot be cancelled');
  await recordEvents(db, actor, via, [
    {
      organisationId: actor.organisation.id,
      subjectType: 'upload',
      subjectId: uploadId,
      action: 'cancelled',
      changes: { state: { from: upload.state, to: 'cancelled' } },
    },
  ]);
}

/** Days an upload's file and staged rows are kept after it ends. */
export const KEEP_UPLOAD_DAYS = 7;

/** Deletes files and staged rows of uploads that ended (or were left) over 7 days ago; summaries stay. */
export async function purgeOldUploads(db: Kysely<DB>, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - KEEP_UPLOAD_DAYS * 86_400_000);
  return inTransaction(db, async (tx) => {
    const old = await tx
      .updateTable('uploads')
      .set((eb) => ({
        purged_at: now,
        ended_at: eb.fn.coalesce('ended_at', eb.val(now)),
        state: sql`case when state in ('committed', 'cancelled', 'failed', 'undone') then state else 'cancelled' end`,
      }))
      .where('purged_at', 'is', null)
      .where((eb) =>
        eb.or([eb('ended_at', '<', cutoff), eb.and([eb('ended_at', 'is', null), eb('created_at', '<', cutoff)])]),
      )
      .returning('id')
      .execute();
    if (old.length === 0) return 0;
    const ids = old.map((u) => u.id);
    await tx.deleteFrom('upload_rows').where(sql<boolean>`upload_id = any(${ids}::uuid[])`).execute();
    await tx.deleteFrom('upload_files').where(sql<boolean>`upload_id = any(${ids}::uuid[])`).execute();
    return old.length;
  });
}
