// The error report: the user's own sheet, in its own format, every row in its original order,
// with a result and the errors added as the last two columns.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { ERRORS_HEADER, RESULT_HEADER } from './headers.ts';
import { findUpload, kindFor, readStoredFile } from './pipeline.ts';
import { writeCsv } from './sheets/csv.ts';
import type { TextEncoding } from './sheets/encoding.ts';
import { writeXlsx } from './sheets/xlsx.ts';

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

export async function errorReport(db: Kysely<DB>, actor: Actor, uploadId: string): Promise<ReportFile> {
  const upload = await findUpload(db, actor, uploadId);
  if (upload.purged_at) throw new NotFoundError('Report');
  // The user's own rows come from their stored file; each row's result from the staged rows.
  const [{ sheet }, staged] = await Promise.all([
    readStoredFile(db, kindFor(actor, upload.kind), uploadId),
    db
      .selectFrom('upload_rows')
      .select(['row_number', 'outcome', 'errors'])
      .where('upload_id', '=', uploadId)
      .execute(),
  ]);
  const results = new Map(staged.map((row) => [row.row_number, row]));
  const headers = [...(upload.headers as string[]), RESULT_HEADER, ERRORS_HEADER];
  const width = (upload.headers as string[]).length;
  const lines = sheet.rows.map((row) => {
    const result = results.get(row.rowNumber);
    const errors = (result?.errors ?? []) as StagedError[];
    const outcome = result?.outcome ?? 'skip';
    const cells = Array.from({ length: width }, (_, i) => row.cells[i] ?? '');
    const messages = outcome === 'error' ? errors.map((e) => e.message).join('\n') : '';
    return {
      cells: [...cells, resultText(outcome, errors), messages],
      highlight: outcome === 'error' ? errors.flatMap((e) => (e.column === null ? [] : [e.column])) : [],
    };
  });
  if (upload.file_format === 'xlsx') {
    return {
      fileName: reportName(upload.file_name, 'xlsx'),
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: await writeXlsx(upload.sheet_name ?? 'Sheet1', headers, lines),
    };
  }
  const encoding = (upload.encoding ?? 'utf-8') as TextEncoding;
  return {
    fileName: reportName(upload.file_name, 'csv'),
    contentType: `text/csv; charset=${encoding === 'windows-1252' ? 'windows-1252' : encoding.startsWith('utf-16') ? 'utf-16' : 'utf-8'}`,
    body: writeCsv(
      headers,
      lines.map((line) => line.cells),
      { delimiter: upload.delimiter ?? ',', encoding },
    ),
  };
}
