// Matching a sheet's header row to a kind's columns: case, spaces and punctuation ignored,
// aliases allowed, any order. Unknown columns are reported, not refused.
import { FileRefusal } from './sheets/sheet.ts';

export interface ColumnSpec {
  /** The name the kind uses for the column's value. */
  key: string;
  /** The header written in templates and reports. */
  header: string;
  aliases?: string[];
  required?: boolean;
  /** What goes in the column, for the guidance page. */
  hint: string;
}

/** The two columns an error report adds; ignored when the report comes back. */
export const RESULT_HEADER = 'Validation result';
export const ERRORS_HEADER = 'Errors';

export function normaliseHeader(header: string): string {
  return header
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

export interface HeaderMatch {
  /** Index in the row of each known column's cell, by key. */
  indexes: Map<string, number>;
  unknown: string[];
}

export function matchHeaders(headers: string[], columns: ColumnSpec[]): HeaderMatch {
  const byName = new Map<string, ColumnSpec>();
  for (const column of columns) {
    for (const name of [column.header, ...(column.aliases ?? [])]) byName.set(normaliseHeader(name), column);
  }
  const ignored = new Set([normaliseHeader(RESULT_HEADER), normaliseHeader(ERRORS_HEADER)]);
  const indexes = new Map<string, number>();
  const unknown: string[] = [];
  headers.forEach((header, index) => {
    const name = normaliseHeader(header);
    if (!name || ignored.has(name)) return;
    const column = byName.get(name);
    if (column && !indexes.has(column.key)) indexes.set(column.key, index);
    else unknown.push(header);
  });
  const missing = columns.filter((column) => column.required && !indexes.has(column.key));
  if (missing.length) {
    const names = missing.map((column) => `"${column.header}"`);
    const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
    throw new FileRefusal(
      `The file has no ${list} ${missing.length === 1 ? 'column' : 'columns'}. Check the first row holds the column headings from the template`,
    );
  }
  return { indexes, unknown };
}
