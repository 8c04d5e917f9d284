// The error report: the user's own sheet, in its own format, every row in its original order,
// with a result and the errors added as the last two columns.
import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB } from '../db/schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { ERRORS_HEADER, RESULT_HEADER } from './headers.ts';
import { findUpload, inBatches, kindFor, readStoredFile, storedColumns } from './pipeline.ts';
import { streamCsv } from './sheets/csv.ts';
import type { TextEncoding } from './sheets/encoding.ts';
import type { Sheet } from './sheets/sheet.ts';
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

interface StagedError {
  column: number | null;
  message: string;
  skip?: boolean;
}

function resultText(outcome: string, errors: StagedError[]): string {
  if (outcome === 'change') return 'Passed';
  if (outcome === 'skip') return errors[0]?.message ?? 'Skipped';
  return `${errors.length} ${errors.length === 1 ? 'error' : 'errors'}`;
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
 * file) with its staged result, the staged rows read a batch at a time by row-number range.
 */
async function* reportLines(db: Kysely<DB>, sheet: Sheet, uploadId: string, width: number): AsyncGenerator<ReportLine> {
  for (const batch of inBatches(sheet.rows, REPORT_BATCH)) {
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
      const messages = outcome === 'error' ? errors.map((e) => e.message).join('\n') : '';
      yield {
        cells: [...cells, resultText(outcome, errors), messages],
        highlight: outcome === 'error' ? errors.flatMap((e) => (e.column === null ? [] : [e.column])) : [],
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
  const { sheet } = await readStoredFile(database, kindFor(actor, upload.kind), uploadId, storedColumns(upload));
  // A header block above the header row comes back as the user wrote it.
  const above = Array.isArray(upload.preamble) ? (upload.preamble as string[][]) : [];
  const headers = [...(upload.headers as string[]), RESULT_HEADER, ERRORS_HEADER];
  const lines = reportLines(db, sheet, uploadId, (upload.headers as string[]).length);
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
        { delimiter: upload.delimiter ?? ',', encoding, above },
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
