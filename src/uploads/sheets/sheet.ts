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
  /** Data rows, blank rows left out (their numbers are skipped, not reused). */
  rows: SheetRow[];
}

export interface ReadLimits {
  /** Refuse a file with more data rows than this. */
  maxRows: number;
  /** XLSX: prefer the worksheet with this name, else the first. */
  sheetName?: string;
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
