// Reading an upload's file as a whole: in a worker thread, its columns resolved (the kind's fixed
// ones and the file's own free ones), its header row found below any header block, and refused
// (FileRefusal, nothing stored) when it cannot be used.
import type { Database } from '../db/database.ts';
import type { Upload } from '../db/schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import { type ColumnSpec, columnsOfFile, type HeaderMatch, matchHeaders, normaliseHeader } from './headers.ts';
import { inBatches } from './in-batches.ts';
import { DEFAULT_MAX_FILE_BYTES, fileTooLargeMessage, maxFileBytesOf, type UploadKind } from './kinds/kind.ts';
import { csvRowBatches } from './sheets/csv.ts';
import { isZip } from './sheets/read-sheet.ts';
import { readSheetLendingBytes } from './sheets/read-sheet-in-worker.ts';
import { FileRefusal, type HeaderRowRule, type Sheet, type SheetRow } from './sheets/sheet.ts';
import { readUploadFileBytes } from './stored-files.ts';

/** The largest file most kinds take (a kind may say otherwise: maxFileBytes). */
export const MAX_FILE_BYTES = DEFAULT_MAX_FILE_BYTES;

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
  const read = await readUploadFile(kind, stored, columns);
  // The rows are what is needed: the bytes (as large as the file) go now.
  read.bytes = new Uint8Array(0);
  return read;
}

/**
 * The data rows of an upload's stored file, `size` at a time, for its error report. A CSV is
 * parsed here as the batches are asked for, so only a batch of rows is held (and no worker
 * thread: the file was read and accepted when it was received, and the parser pauses between
 * batches); a workbook is read whole in the worker, as when it was received.
 */
export async function storedFileRowBatches(
  database: Pick<Database, 'db' | 'pool' | 'pglite'>,
  kind: UploadKind,
  uploadId: string,
  size: number,
): Promise<AsyncIterable<SheetRow[]>> {
  // Read before the report starts, so that a missing file is a refusal, not a broken download.
  const bytes = await readUploadFileBytes(database, uploadId);
  if (!bytes) throw new NotFoundError('Upload file');
  // The file was accepted when it was uploaded: its rows are read again under the same rules,
  // without the limits and column checks that could have changed since.
  const limits = { maxRows: Number.POSITIVE_INFINITY, sheetName: kind.sheetName, headerRow: headerRowRule(kind) };
  if (isZip(bytes)) {
    const { sheet } = await readSheetLendingBytes(bytes, limits);
    return (async function* () {
      yield* inBatches(sheet.rows, size);
    })();
  }
  return csvRowBatches(bytes, limits, size);
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
  /**
   * The file's bytes: those given, or (when they were lent to the reader) the same bytes given
   * back, to be used in their place.
   */
  bytes: Uint8Array;
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

/**
 * For a kind whose files name their own columns: a column with values but no heading cannot be
 * named to anyone, so the file is refused (a blank column, with no values either, is ignored).
 */
function refuseValuesWithoutHeading(sheet: Sheet): void {
  const blank = new Set<number>();
  const last = sheet.headers.length;
  sheet.headers.forEach((header, index) => {
    if (!header.trim()) blank.add(index);
  });
  for (const row of sheet.rows) {
    for (let index = 0; index < row.cells.length; index++) {
      if ((index >= last || blank.has(index)) && row.cells[index].trim()) {
        throw new FileRefusal(
          `Column ${columnLetter(index)} has values (in row ${row.rowNumber}, for one) but no heading. Give it a heading in the heading row, or delete the column, and upload the file again`,
        );
      }
    }
  }
}

/** A column's letter as a spreadsheet shows it: A, B, …, Z, AA, … */
function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

/**
 * Reads and checks the file as a whole. Throws FileRefusal, and nothing is stored, when it cannot be used.
 * A large file's bytes are lent to the reader's thread, not copied: the given ones must not be
 * used again, but the answer's `bytes`.
 */
export async function readUploadFile(kind: UploadKind, bytes: Uint8Array, resolved?: ColumnSpec[]): Promise<ReadFile> {
  if (bytes.length > maxFileBytesOf(kind)) throw new FileRefusal(fileTooLargeMessage(maxFileBytesOf(kind)));
  // In a worker thread: reading a large or hostile file never holds up anyone else's request.
  const { sheet, bytes: given } = await readSheetLendingBytes(bytes, {
    maxRows: kind.maxRows,
    sheetName: kind.sheetName,
    headerRow: headerRowRule(kind),
  });
  const columns = resolved ?? columnsOfFile(kind.columns, sheet.headers, kind.freeColumns);
  if (!resolved && kind.freeColumns) refuseValuesWithoutHeading(sheet);
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
  return { sheet, columns, match, bytes: given };
}
