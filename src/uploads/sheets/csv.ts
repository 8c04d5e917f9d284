// CSV in and out with PapaParse: delimiter sniffed among comma, semicolon and tab; the report is
// written back with the same delimiter and encoding as the upload.
import { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { decodePieces, detectEncoding, type TextEncoding } from './encoding.ts';
import {
  cellTooLong,
  FileRefusal,
  isBlankRow,
  isHeaderRow,
  MAX_CELL_CHARS,
  neutraliseFormula,
  noHeaderRow,
  type ReadLimits,
  restoreNeutralised,
  type Sheet,
  type SheetRow,
  SheetRows,
} from './sheet.ts';

const DELIMITERS = [',', ';', '\t'];

// Excel opens a CSV by guessing each cell's type: digits become a number, so an identifier loses
// its leading zeros (0012345 becomes 12345) and one of 12 digits or more is shown in scientific
// notation (a 13-digit HESA ID becomes 3.0001E+12), which is all that is kept when the file is
// saved as CSV again. What Excel does honour in a CSV is a formula: ="0012345" is evaluated on
// opening, and its result is text, so the cell shows 0012345 and is saved as 0012345. (A leading
// apostrophe only marks text when typed into a cell: in a CSV Excel shows it as part of the value.
// A leading tab keeps the text, but as part of the value, which then looks indented and comes back
// with the tab.) Google Sheets evaluates it the same way; a spreadsheet that does not shows the
// formula as it is, and the reader below takes it off again either way.
/** Identifiers that a spreadsheet would change: digits only, with a leading zero or 12 digits or more. */
const CHANGED_BY_SPREADSHEETS = /^(?:0\d+|\d{12,})$/;
/** A cell written as a text formula, ="…" (by us, or by another system for the same reason). */
const TEXT_FORMULA = /^="([^"]*)"$/;

/** A cell as written to CSV: made safe from formula injection, and identifiers kept as text in Excel. */
function csvCell(value: string, keepIdentifiers: boolean): string {
  // Digits only: nothing a spreadsheet would run, so the formula around them is ours alone.
  if (keepIdentifiers && CHANGED_BY_SPREADSHEETS.test(value)) return `="${value}"`;
  return neutraliseFormula(value);
}

/** A cell as read from CSV: a text formula's text, else the cell with any neutralising apostrophe taken off. */
function restoreCell(cell: string): string {
  const text = TEXT_FORMULA.exec(cell);
  return text ? text[1] : restoreNeutralised(cell);
}

/**
 * Bytes of the file decoded at a time: each piece is a short string, never the whole file (and
 * small enough for the garbage collector's young generation even as two-byte text).
 */
const PIECE_BYTES = 32 * 1024;

/** What parseCsv finds, in order: rows above the header row, the header row, then data rows. */
interface CsvSink {
  above(cells: string[]): void;
  headers(cells: string[], delimiter: string): void;
  /** A data row; a promise holds the parser until it settles (a reader that wants rows a batch at a time). */
  row(row: SheetRow): void | Promise<void>;
}

/**
 * Parses a CSV file, streaming: the text is decoded a piece at a time and PapaParse hands over one
 * row at a time, so the file never exists as one string nor as a million cell strings. The rules
 * (the header row, blank rows, row numbers, limits) are here once, for every reader below.
 */
async function parseCsv(bytes: Uint8Array, limits: ReadLimits, sink: CsvSink): Promise<{ encoding: TextEncoding }> {
  const encoding = detectEncoding(bytes);
  let delimiter = ',';
  let headers: string[] | undefined;
  let aboveRows = 0;
  let dataRows = 0;
  let recordNumber = 0;
  // A refusal of the file, or (csvRowBatches) the reader stopping or failing.
  let refusal: Error | undefined;
  const notCsv = () =>
    new FileRefusal(
      'The file is not a CSV or XLSX file. Save it from your spreadsheet as CSV or Excel workbook (.xlsx) and upload it again',
    );
  const text = Readable.from(
    (function* () {
      for (const piece of decodePieces(bytes, encoding, PIECE_BYTES)) {
        // NUL characters never appear in a text spreadsheet: this is some other kind of file.
        if (piece.includes('\u0000')) {
          refusal ??= notCsv();
          return;
        }
        yield piece;
      }
    })(),
  );
  await new Promise<void>((resolve, reject) => {
    Papa.parse<string[]>(text, {
      delimitersToGuess: DELIMITERS,
      skipEmptyLines: false,
      step({ data: cells, meta }, parser) {
        if (refusal) return parser.abort();
        recordNumber++;
        // Checked here rather than left to SheetRows.push, whose throw PapaParse would not pass on.
        if (cells.some((cell) => cell.length > MAX_CELL_CHARS)) {
          refusal = cellTooLong(recordNumber);
          return parser.abort();
        }
        if (!headers && limits.headerRow) {
          // Below a header block: every row is kept as it is until the heading row.
          if (!isHeaderRow(cells, limits.headerRow)) {
            sink.above(cells);
            if (++aboveRows > limits.headerRow.maxRowsAbove) {
              refusal = noHeaderRow(limits.headerRow);
              return parser.abort();
            }
            return;
          }
        }
        if (isBlankRow(cells)) return;
        if (!headers) {
          if (DELIMITERS.includes(meta.delimiter)) delimiter = meta.delimiter;
          headers = cells.map((h) => h.trim());
          sink.headers(headers, delimiter);
          return;
        }
        if (dataRows === limits.maxRows) {
          refusal = new FileRefusal(
            `The file has more than ${limits.maxRows.toLocaleString('en-GB')} rows. Split it into smaller files and upload each one`,
          );
          return parser.abort();
        }
        dataRows++;
        const held = sink.row({ rowNumber: recordNumber, cells: cells.map(restoreCell) });
        if (held) {
          // PapaParse's pause stops the rows, not the reading: the text stream is paused too, or
          // the whole file's text would be read into PapaParse's queue meanwhile.
          parser.pause();
          text.pause();
          const stop = (error: unknown) => {
            refusal = error instanceof Error ? error : new Error(String(error));
            parser.abort();
          };
          held.then(() => {
            try {
              text.resume();
              parser.resume();
            } catch (error) {
              stop(error);
            }
          }, stop);
        }
      },
      complete: () => resolve(),
      error: (error) => reject(error),
    });
  }).finally(() => text.destroy());
  if (refusal) throw refusal;
  if (!headers) throw new FileRefusal('The file is empty. Check you chose the right file, with a row for each record');
  return { encoding };
}

/** Reads a CSV file whole, each row kept compactly in SheetRows. */
export async function readCsv(bytes: Uint8Array, limits: ReadLimits): Promise<Sheet> {
  let headers: string[] = [];
  let delimiter = ',';
  const rows = new SheetRows();
  const preamble: string[][] = [];
  const { encoding } = await parseCsv(bytes, limits, {
    above: (cells) => preamble.push(cells),
    headers(cells, found) {
      headers = cells;
      delimiter = found;
    },
    row(row) {
      rows.push(row);
    },
  });
  return { format: 'csv', encoding, delimiter, headers, rows, ...(limits.headerRow ? { preamble } : {}) };
}

/** The most text (in characters) csvRowBatches parses for one batch: about 10 ms of parsing. */
const BATCH_MAX_CHARS = 1 << 20;

/**
 * A CSV file's data rows, `size` at a time (fewer when they are long), parsed as they are asked for: for reading a stored
 * file again (its error report) without holding its rows, nor a worker thread, in memory. Only
 * for a file already read and accepted; the same rules give the same rows and row numbers.
 */
export async function* csvRowBatches(bytes: Uint8Array, limits: ReadLimits, size: number): AsyncGenerator<SheetRow[]> {
  const ready: SheetRow[][] = [];
  let batch: SheetRow[] = [];
  let batchChars = 0;
  let finished = false;
  let failure: unknown;
  // The parser waits while a full batch is waiting to be taken; the reader waits for a batch.
  let held: { resume(): void; stop(error: Error): void } | undefined;
  let arrived: (() => void) | undefined;
  const stopped = new Error('The reader stopped');
  void parseCsv(bytes, limits, {
    above() {},
    headers() {},
    row(row) {
      // As SheetRows keeps them: half a character (a lone surrogate) becomes U+FFFD.
      batch.push({ rowNumber: row.rowNumber, cells: row.cells.map((cell) => cell.toWellFormed()) });
      for (const cell of row.cells) batchChars += cell.length;
      // A batch ends at `size` rows, or sooner when its rows are long: the parser runs in the web
      // process between batches, so each stretch of parsing stays short whatever the file holds.
      if (batch.length < size && batchChars < BATCH_MAX_CHARS) return;
      ready.push(batch);
      batch = [];
      batchChars = 0;
      arrived?.();
      return new Promise<void>((resume, stop) => {
        held = { resume, stop };
      });
    },
  })
    .then(
      () => {
        if (batch.length) ready.push(batch);
      },
      (error) => {
        failure = error;
      },
    )
    .finally(() => {
      finished = true;
      arrived?.();
    });
  try {
    for (;;) {
      const next = ready.shift();
      if (next) {
        yield next;
        const parser = held;
        held = undefined;
        parser?.resume();
        continue;
      }
      if (finished) break;
      await new Promise<void>((resolve) => {
        arrived = resolve;
      });
      arrived = undefined;
    }
    if (failure) throw failure;
  } finally {
    // A reader that stops early stops the parser too.
    held?.stop(stopped);
  }
}

/** The byte order mark each encoding starts a file with. */
const BOMS: Record<TextEncoding, Buffer> = {
  'utf-8': Buffer.alloc(0),
  'utf-8-bom': Buffer.from([0xef, 0xbb, 0xbf]),
  'utf-16le': Buffer.from([0xff, 0xfe]),
  'utf-16be': Buffer.from([0xfe, 0xff]),
  'windows-1252': Buffer.alloc(0),
};

function encode(text: string, encoding: TextEncoding): Buffer {
  switch (encoding) {
    case 'utf-8':
    case 'utf-8-bom':
      return Buffer.from(text, 'utf8');
    case 'utf-16le':
    case 'utf-16be':
      return iconv.encode(text, encoding);
    case 'windows-1252':
      return iconv.encode(text, 'win1252');
  }
}

interface CsvOptions {
  delimiter?: string;
  encoding?: TextEncoding;
  /** Rows above the header row (a kind's header block), written first. */
  above?: string[][];
  /**
   * Write identifiers a spreadsheet would change (leading zeros, 12 digits or more) as ="…", so
   * Excel keeps them as text: for templates and error reports, which readCsv reads back.
   */
  keepIdentifiers?: boolean;
}

/** CSV lines for these rows, each ending in CRLF, every cell made safe from formula injection. */
function csvLines(rows: string[][], delimiter: string, keepIdentifiers = false): string {
  if (rows.length === 0) return '';
  const safe = rows.map((row) => row.map((cell) => csvCell(cell, keepIdentifiers)));
  return `${Papa.unparse(safe, { delimiter, newline: '\r\n', quotes: false })}\r\n`;
}

/** Writes rows as CSV, every cell made safe from formula injection. */
export function writeCsv(
  headers: string[],
  rows: Iterable<string[]>,
  { delimiter = ',', encoding = 'utf-8-bom', above = [], keepIdentifiers = false }: CsvOptions = {},
): Buffer {
  const text = `${csvLines([...above, headers], delimiter)}${csvLines([...rows], delimiter, keepIdentifiers)}`;
  return Buffer.concat([BOMS[encoding], encode(text, encoding)]);
}

/** Rows written to CSV text at a time by streamCsv. */
const STREAM_BATCH = 200;

/**
 * The same file as writeCsv, as a stream of chunks: rows are encoded as they come, so a large
 * report never exists whole in memory.
 */
export async function* streamCsv(
  headers: string[],
  rows: AsyncIterable<string[]> | Iterable<string[]>,
  { delimiter = ',', encoding = 'utf-8-bom', above = [], keepIdentifiers = false }: CsvOptions = {},
): AsyncGenerator<Buffer> {
  yield Buffer.concat([BOMS[encoding], encode(csvLines([...above, headers], delimiter), encoding)]);
  let batch: string[][] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length === STREAM_BATCH) {
      yield encode(csvLines(batch, delimiter, keepIdentifiers), encoding);
      batch = [];
    }
  }
  if (batch.length) yield encode(csvLines(batch, delimiter, keepIdentifiers), encoding);
}
