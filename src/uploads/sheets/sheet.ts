// What every reader returns and every writer takes: a header row and rows of text cells.
import type { TextEncoding } from './encoding.ts';

export type SheetFormat = 'csv' | 'xlsx';

export interface SheetRow {
  /** The row's number as a spreadsheet shows it: the header is row 1. */
  rowNumber: number;
  cells: string[];
}

export interface Sheet {
  format: SheetFormat;
  /** CSV only: how the file was encoded and delimited, so the report can match. */
  encoding?: TextEncoding;
  delimiter?: string;
  /** XLSX only: the worksheet read. */
  sheetName?: string;
  headers: string[];
  /** Rows above the header row (a kind's header block), as they are, blank ones included. */
  preamble?: string[][];
  /** Data rows, blank rows left out (their numbers are skipped, not reused). */
  rows: SheetRows;
}

/** Headings compared as people mean them: case, spaces and punctuation ignored. */
export function normaliseHeader(header: string): string {
  return header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/**
 * How to find the header row below a header block: the first row holding, for each required
 * column, one of its names (normalised), within so many rows of the top.
 */
export interface HeaderRowRule {
  required: string[][];
  maxRowsAbove: number;
}

export function isHeaderRow(cells: string[], rule: HeaderRowRule): boolean {
  const names = new Set(cells.map(normaliseHeader));
  return rule.required.every((column) => column.some((name) => names.has(name)));
}

export function noHeaderRow(rule: HeaderRowRule): FileRefusal {
  return new FileRefusal(
    `The file has no row of column headings in its first ${rule.maxRowsAbove + 1} rows. Keep the heading row from the template, below the details at the top`,
  );
}

/** Between a row's cells in SheetRows: no spreadsheet text holds it (a CSV with one is refused). */
const CELL_SEPARATOR = '\u0000';
/** SheetRows keeps rows in blocks of this many bytes (a longer row gets a block of its own). */
const BLOCK_BYTES = 1 << 20;

/**
 * A sheet's data rows, held compactly outside the JavaScript heap: each row's cells joined into
 * one line of UTF-8 in 1 MB blocks, so 100,000 rows take about the file's own size instead of a
 * million strings for the garbage collector to trace. Iterating gives each row back as cells, as
 * many times as needed.
 */
export class SheetRows implements Iterable<SheetRow> {
  #blocks: Buffer[] = [];
  #used = BLOCK_BYTES;
  #length = 0;
  // Per row, in typed arrays (outside the heap too): its number in the sheet, and where its line
  // is (block, start, end).
  #numbers = new Int32Array(1024);
  #blockOf = new Int32Array(1024);
  #starts = new Int32Array(1024);
  #ends = new Int32Array(1024);

  get length(): number {
    return this.#length;
  }

  /** Adds a row; throws the file's refusal when a cell is longer than any spreadsheet makes. */
  push(row: SheetRow): void {
    if (row.cells.some((cell) => cell.length > MAX_CELL_CHARS)) throw cellTooLong(row.rowNumber);
    // Half a character (a lone surrogate, which a UTF-16 file can hold) becomes U+FFFD: it cannot
    // be written as UTF-8, nor stored in PostgreSQL's JSON.
    const line = row.cells
      .map((cell) => (cell.isWellFormed() ? cell : cell.toWellFormed()))
      .map((cell) => (cell.includes(CELL_SEPARATOR) ? cell.replaceAll(CELL_SEPARATOR, '') : cell))
      .join(CELL_SEPARATOR);
    // At most 3 bytes of UTF-8 for each UTF-16 unit.
    if (this.#used + line.length * 3 > (this.#blocks.at(-1)?.length ?? 0)) {
      this.#blocks.push(Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, line.length * 3)));
      this.#used = 0;
    }
    if (this.#length === this.#numbers.length) {
      const grown = (from: Int32Array) => {
        const to = new Int32Array(from.length * 2);
        to.set(from);
        return to;
      };
      this.#numbers = grown(this.#numbers);
      this.#blockOf = grown(this.#blockOf);
      this.#starts = grown(this.#starts);
      this.#ends = grown(this.#ends);
    }
    const block = this.#blocks.length - 1;
    const start = this.#used;
    this.#used += this.#blocks[block].write(line, start, 'utf8');
    this.#numbers[this.#length] = row.rowNumber;
    this.#blockOf[this.#length] = block;
    this.#starts[this.#length] = start;
    this.#ends[this.#length] = this.#used;
    this.#length++;
  }

  /**
   * The rows' storage, to send to another thread without copying: the buffers go in the
   * transfer list, and SheetRows.from() rebuilds the rows on the other side.
   */
  parts(): SheetRowsParts {
    const n = this.#length;
    return {
      length: n,
      blocks: this.#blocks.map((block) => new Uint8Array(block.buffer, block.byteOffset, block.byteLength)),
      numbers: this.#numbers.subarray(0, n),
      blockOf: this.#blockOf.subarray(0, n),
      starts: this.#starts.subarray(0, n),
      ends: this.#ends.subarray(0, n),
    };
  }

  static from(parts: SheetRowsParts): SheetRows {
    const rows = new SheetRows();
    rows.#blocks = parts.blocks.map((block) => Buffer.from(block.buffer, block.byteOffset, block.byteLength));
    rows.#length = parts.length;
    // Whole arrays, so push() can go on after them.
    rows.#numbers = Int32Array.from(parts.numbers);
    rows.#blockOf = Int32Array.from(parts.blockOf);
    rows.#starts = Int32Array.from(parts.starts);
    rows.#ends = Int32Array.from(parts.ends);
    rows.#used = parts.length > 0 ? rows.#ends[parts.length - 1] : BLOCK_BYTES;
    return rows;
  }

  /** The rows from index `from` up to (not including) `to`. */
  *slice(from = 0, to = this.#length): Generator<SheetRow> {
    for (let i = Math.max(0, from); i < Math.min(to, this.#length); i++) {
      const line = this.#blocks[this.#blockOf[i]].toString('utf8', this.#starts[i], this.#ends[i]);
      yield { rowNumber: this.#numbers[i], cells: line.split(CELL_SEPARATOR) };
    }
  }

  [Symbol.iterator](): Iterator<SheetRow> {
    return this.slice();
  }
}

/** What SheetRows.parts() gives: plain typed arrays, transferable between threads. */
export interface SheetRowsParts {
  length: number;
  blocks: Uint8Array[];
  numbers: Int32Array;
  blockOf: Int32Array;
  starts: Int32Array;
  ends: Int32Array;
}

/**
 * The most characters a cell may hold: Excel's own limit, so no spreadsheet can make a longer
 * one. A longer cell (a lost closing quote swallowing the rest of a CSV, say) refuses the file.
 */
export const MAX_CELL_CHARS = 32_767;

export function cellTooLong(rowNumber: number): FileRefusal {
  return new FileRefusal(
    `Row ${rowNumber.toLocaleString('en-GB')} has a cell longer than ${MAX_CELL_CHARS.toLocaleString('en-GB')} characters, more than a spreadsheet cell can hold. If the file is a CSV, check every opening quote mark has a closing one, then upload it again`,
  );
}

export interface ReadLimits {
  /** Refuse a file with more data rows than this. */
  maxRows: number;
  /** XLSX: prefer the worksheet with this name, else the first. */
  sheetName?: string;
  /** A kind with a header block: the header row is found by its headings, not taken as the first row. */
  headerRow?: HeaderRowRule;
}

/** The file as a whole cannot be used. Nothing is stored; the message says what to do. */
export class FileRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FileRefusal';
  }
}

export function isBlankRow(cells: string[]): boolean {
  return cells.every((cell) => cell.trim() === '');
}

// A spreadsheet runs a cell starting with one of these as a formula. On the way out we put an
// apostrophe in front; on the way back in we take it off again, so a report re-uploads as it is.
const FORMULA_START = /^[=+\-@\t\r]/;

export function neutraliseFormula(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

export function restoreNeutralised(value: string): string {
  return value.startsWith("'") && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}
