// The error report: the user's own sheet, in its own format, every row in its original order,
// with a result and the errors added as the last two columns.
import { Readable } from 'node:stream';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, Upload } from '../db/schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { ERRORS_HEADER, RESULT_HEADER } from './headers.ts';
import { findUpload, kindFor } from './pipeline.ts';
import { storedFileRowBatches } from './read-file.ts';
import { streamCsv } from './sheets/csv.ts';
import type { TextEncoding } from './sheets/encoding.ts';
import type { SheetRow } from './sheets/sheet.ts';
import { streamXlsx } from './sheets/xlsx.ts';

export interface ReportFile {
  fileName: string;
  contentType: string;
  body: Buffer;
}

/** Content-Disposition for downloading a file under its own name, safe for any name (RFC 6266). */
export function attachmentHeader(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** An error, a skipped row's reason or a warning, as check.ts stages it in upload_rows.errors. */
interface StagedError {
  column: number | null;
  message: string;
  skip?: boolean;
  /** A note that does not fail the row. */
  warning?: boolean;
  /** The cell's text as checked (the first 100 characters). */
  value?: string;
}

const isError = (e: StagedError) => !e.skip && !e.warning;

function resultText(outcome: string, errors: StagedError[]): string {
  if (outcome === 'change') return 'Passed';
  if (outcome === 'skip') return errors.find((e) => e.skip)?.message ?? 'Skipped';
  const n = errors.filter(isError).length;
  return `${n} ${n === 1 ? 'error' : 'errors'}`;
}

/** The report's Errors cell: the row's errors, then its warnings, each on its own line. */
function errorsText(outcome: string, errors: StagedError[]): string {
  const failed = outcome === 'error' ? errors.filter(isError).map((e) => e.message) : [];
  const warned = errors.filter((e) => e.warning).map((e) => `Warning: ${e.message}`);
  return [...failed, ...warned].join('\n');
}

function reportName(fileName: string, format: string): string {
  const base = fileName.replace(/\.(csv|xlsx|txt)$/i, '') || 'upload';
  return `${base}-checked.${format}`;
}

/** Rows of a report looked up in the staged rows at a time. */
const REPORT_BATCH = 1_000;

interface ReportLine {
  cells: string[];
  highlight: number[];
}

/**
 * The report's rows in the sheet's order: each of the user's rows (read again from the stored
 * file, a batch at a time) with its staged result, the staged rows read by row-number range.
 */
async function* reportLines(
  db: Kysely<DB>,
  batches: AsyncIterable<SheetRow[]>,
  uploadId: string,
  width: number,
): AsyncGenerator<ReportLine> {
  for await (const batch of batches) {
    let low = batch[0].rowNumber;
    let high = low;
    for (const row of batch) {
      low = Math.min(low, row.rowNumber);
      high = Math.max(high, row.rowNumber);
    }
    const staged = await db
      .selectFrom('upload_rows')
      .select(['row_number', 'outcome', 'errors'])
      .where('upload_id', '=', uploadId)
      .where('row_number', '>=', low)
      .where('row_number', '<=', high)
      .execute();
    const results = new Map(staged.map((row) => [row.row_number, row]));
    for (const row of batch) {
      const result = results.get(row.rowNumber);
      const errors = (result?.errors ?? []) as StagedError[];
      const outcome = result?.outcome ?? 'skip';
      const cells = Array.from({ length: width }, (_, i) => row.cells[i] ?? '');
      yield {
        cells: [...cells, resultText(outcome, errors), errorsText(outcome, errors)],
        highlight:
          outcome === 'error' ? errors.flatMap((e) => (e.column === null || !isError(e) ? [] : [e.column])) : [],
      };
    }
  }
}

export interface ReportStream {
  fileName: string;
  contentType: string;
  /** The file, made as it is read. */
  body: Readable;
}

/**
 * The error report as a stream, for sending: the user's file and the staged results are read a
 * batch at a time as the report is written, so a large report is never held whole in memory.
 */
export async function streamErrorReport(
  database: Pick<Database, 'db' | 'pool'>,
  actor: Actor,
  uploadId: string,
): Promise<ReportStream> {
  const { db } = database;
  const upload = await findUpload(db, actor, uploadId);
  if (upload.purged_at) throw new NotFoundError('Report');
  // The user's own rows come from their stored file; each row's result from the staged rows.
  const rows = await storedFileRowBatches(database, kindFor(actor, upload.kind), uploadId, REPORT_BATCH);
  // A header block above the header row comes back as the user wrote it.
  const above = Array.isArray(upload.preamble) ? (upload.preamble as string[][]) : [];
  const headers = [...(upload.headers as string[]), RESULT_HEADER, ERRORS_HEADER];
  const lines = reportLines(db, rows, uploadId, (upload.headers as string[]).length);
  if (upload.file_format === 'xlsx') {
    return {
      fileName: reportName(upload.file_name, 'xlsx'),
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: streamXlsx(upload.sheet_name ?? 'Sheet1', headers, lines, { above }),
    };
  }
  const encoding = (upload.encoding ?? 'utf-8') as TextEncoding;
  return {
    fileName: reportName(upload.file_name, 'csv'),
    contentType: `text/csv; charset=${encoding === 'windows-1252' ? 'windows-1252' : encoding.startsWith('utf-16') ? 'utf-16' : 'utf-8'}`,
    body: Readable.from(
      streamCsv(
        headers,
        (async function* () {
          for await (const line of lines) yield line.cells;
        })(),
        // Identifiers kept as text in Excel, as in templates, so a report fixed in Excel comes back whole.
        { delimiter: upload.delimiter ?? ',', encoding, above, keepIdentifiers: true },
      ),
      { objectMode: false },
    ),
  };
}

/** The error report as one buffer. */
export async function errorReport(db: Kysely<DB>, actor: Actor, uploadId: string): Promise<ReportFile> {
  const { body, ...file } = await streamErrorReport({ db }, actor, uploadId);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return { ...file, body: Buffer.concat(chunks) };
}

/** One error or warning of a row, as the summary page lists it. */
export interface ListedNote {
  row: number;
  /** The column's heading in the file; '' for a whole-row error. */
  column: string;
  value: string;
  message: string;
}

/** The summary page lists the errors (or warnings) itself when this many rows or fewer have them. */
export const SHORT_LIST_ROWS = 20;

/**
 * The errors of an upload's rows with errors, or the warnings of its rows with warnings, one line
 * each in row order, when at most maxRows rows have them; undefined when more do (the error
 * report has them all).
 */
export async function shortList(
  db: Kysely<DB>,
  upload: Pick<Upload, 'id' | 'headers'>,
  which: 'errors' | 'warnings',
  maxRows = SHORT_LIST_ROWS,
): Promise<ListedNote[] | undefined> {
  const rows = await db
    .selectFrom('upload_rows')
    .select(['row_number', 'errors'])
    .where('upload_id', '=', upload.id)
    .where(which === 'errors' ? sql<boolean>`outcome = 'error'` : sql<boolean>`errors @> '[{"warning": true}]'::jsonb`)
    .orderBy('row_number')
    .limit(maxRows + 1)
    .execute();
  if (rows.length > maxRows) return undefined;
  const headers = upload.headers as string[];
  return rows.flatMap((row) =>
    (row.errors as StagedError[])
      .filter((e) => (which === 'errors' ? isError(e) : e.warning))
      .map((e) => ({
        row: row.row_number,
        column: e.column === null ? '' : (headers[e.column] ?? ''),
        value: e.value ?? '',
        message: e.message,
      })),
  );
}
