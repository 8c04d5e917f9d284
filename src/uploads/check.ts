// Checking an upload: the kind's one lookup for the whole file, each row's outcome (typed cells
// parsed first), repeated records failed, every outcome staged in upload_rows by COPY. A check
// keeps a heartbeat (stalled-checks.ts) and, when an outside lookup does not answer, waits.
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { copyRows } from '../db/copy.ts';
import type { Database } from '../db/database.ts';
import type { DB, Upload } from '../db/schema.ts';
import { REFRESH_STATISTICS_FROM_ROWS } from '../db/statistics.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { parseTypedCell } from './cells/types.ts';
import { normaliseHeader } from './headers.ts';
import {
  type HeaderBlock,
  type HeaderBlockValues,
  type LookupAdapters,
  LookupUnavailable,
  type ParsedRow,
  type RowCheck,
  type RowError,
  type RowOutcome,
  type UploadContext,
  type UploadKind,
} from './kinds/kind.ts';
import { type ReadFile, readStoredFile, storedColumns } from './read-file.ts';
import { FileRefusal, type SheetRow } from './sheets/sheet.ts';
import { heartbeatEvery, keepCheckAlive, STALLED_CHECK_RULES } from './stalled-checks.ts';
import { findUpload, kindFor } from './states.ts';

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
  return {
    outcome: 'error',
    errors: [...typeErrors, ...kindErrors],
    recordKey: outcome.recordKey,
    warnings: outcome.warnings,
  };
}

/** The most characters of a cell kept with its error, for the summary page's short list. */
const VALUE_KEPT = 100;

/**
 * An error or warning as staged: the index of its column in the file (to highlight the cell) and
 * the cell's text as checked (for the summary page's short list of errors).
 */
function stagedNote(row: ParsedRow, note: RowError, columnIndex: (key?: string) => number | null) {
  const value = note.column === undefined ? '' : (row.cells[note.column] ?? '');
  return {
    column: columnIndex(note.column),
    message: note.message,
    ...(value ? { value: value.length > VALUE_KEPT ? `${value.slice(0, VALUE_KEPT).toWellFormed()}…` : value } : {}),
  };
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
  // Rows with warnings, whatever their outcome.
  let warned = 0;
  await database.db.deleteFrom('upload_rows').where('upload_id', '=', uploadId).execute();
  // The kind's one lookup for the whole file (its rows read from the compact copy), then each row
  // checked as COPY asks for it, so only the rows in flight exist as objects.
  const parsedRows = function* () {
    for (const row of sheet.rows) yield parsedRow(row, file);
  };
  let checkRow: RowCheck | undefined = await kind.startCheck(
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
      const outcome = withTypeErrors((checkRow as RowCheck)(row), typeErrors);
      counts[outcome.outcome]++;
      // Warnings are staged with the errors, marked, after them: they never fail the row.
      const warnings = (outcome.warnings ?? []).map((w) => ({ ...stagedNote(row, w, columnIndex), warning: true }));
      if (warnings.length) warned++;
      const errors =
        outcome.outcome === 'error'
          ? [...outcome.errors.map((e) => stagedNote(row, e, columnIndex)), ...warnings]
          : outcome.outcome === 'skip'
            ? [{ column: null, message: outcome.reason, skip: true }, ...warnings]
            : warnings;
      // The record, for the one-row-per-record rule: rows that share one are found in SQL below.
      const recordKey = kind.oneRowPerRecord ? (outcome.recordKey ?? null) : null;
      yield [
        uploadId,
        row.rowNumber,
        outcome.outcome,
        errors,
        outcome.outcome === 'change' ? outcome.change : null,
        recordKey,
      ];
      if (++checked % PROGRESS_EVERY === 0 && onProgress) await onProgress(checked);
      // Let other requests in between batches of rows, however long the file.
      if (checked % YIELD_EVERY === 0) await yieldToOthers();
    }
  };
  await copyRows(
    database,
    'upload_rows',
    ['upload_id', 'row_number', 'outcome', 'errors', 'change', 'record_key'],
    checkedRows(),
  );
  // The kind's lookup (as large as the file's records) goes now: a pending turn of the rows'
  // generator kept this scope, and so the lookup, alive into the error report.
  checkRow = undefined;
  // The review, the report and the submission join these rows to the records.
  // Only the columns they filter and join on: the JSON columns' statistics (which no query uses)
  // took most of the time.
  if (sheet.rows.length >= REFRESH_STATISTICS_FROM_ROWS)
    await sql`analyze upload_rows (upload_id, row_number, outcome)`.execute(database.db);

  // The kind's rules across rows, over the staged rows: the rows they fail are errors, and no
  // longer count as rows of their record (for the one-row-per-record rule below).
  if (kind.checkStaged) {
    const failedTogether = await kind.checkStaged(database.db, { ...ctx, uploadId });
    if (failedTogether.size) {
      const numbers = [...failedTogether.keys()];
      const errors = numbers.map((n) =>
        JSON.stringify(
          (failedTogether.get(n) ?? []).map((e) => ({ column: columnIndex(e.column), message: e.message })),
        ),
      );
      const { rows: failed } = await sql<{ row_number: number }>`
        update upload_rows set outcome = 'error', change = null, record_key = null, errors = d.errors || upload_rows.errors
        from unnest(${numbers}::int[], ${errors}::jsonb[]) as d(row_number, errors)
        where upload_rows.upload_id = ${uploadId} and upload_rows.row_number = d.row_number
          and upload_rows.outcome = 'change'
        returning upload_rows.row_number
      `.execute(database.db);
      counts.change -= failed.length;
      counts.error += failed.length;
    }
  }

  // The one-row-per-record rule: every row of a record found in more than one row fails, each
  // naming the others (in file order).
  const repeated = kind.oneRowPerRecord
    ? (
        await sql<{ numbers: number[]; outcomes: (typeof OUTCOMES)[number][] }>`
          select array_agg(row_number order by row_number) as numbers,
            array_agg(outcome::text order by row_number) as outcomes
          from upload_rows
          where upload_id = ${uploadId} and record_key is not null
          group by record_key
          having count(*) > 1
        `.execute(database.db)
      ).rows
    : [];
  const duplicates: { rowNumber: number; message: string }[] = [];
  for (const { numbers, outcomes } of repeated) {
    for (const [i, number] of numbers.entries()) {
      const others = otherRows(numbers, number);
      duplicates.push({
        rowNumber: number,
        message: `The same record is also in row ${others}. Keep one row for it and delete the others`,
      });
      counts[outcomes[i]]--;
      counts.error++;
    }
  }
  if (duplicates.length) {
    await sql`
      update upload_rows set outcome = 'error', change = null,
        errors = case when upload_rows.outcome = 'error' then upload_rows.errors else coalesce(
          (select jsonb_agg(e) from jsonb_array_elements(upload_rows.errors) e where e->>'warning' = 'true'),
          '[]'::jsonb) end || d.error
      from unnest(
        ${duplicates.map((d) => d.rowNumber)}::int[],
        ${duplicates.map((d) => JSON.stringify([{ column: null, message: d.message }]))}::jsonb[]
      ) as d(row_number, error)
      where upload_rows.upload_id = ${uploadId} and upload_rows.row_number = d.row_number
    `.execute(database.db);
  }
  return { ...counts, warned };
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
        warning_count: counts.warned,
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
