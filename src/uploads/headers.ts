// Matching a sheet's header row to a kind's columns: case, spaces and punctuation ignored,
// aliases allowed, any order. Unknown columns are reported, not refused.
import type { CellType } from './cells/types.ts';
import { FileRefusal, normaliseHeader } from './sheets/sheet.ts';

export { normaliseHeader };

export interface ColumnSpec {
  /** The name the kind uses for the column's value. */
  key: string;
  /** The header written in templates and reports. */
  header: string;
  aliases?: string[];
  required?: boolean;
  /** What goes in the column, for the guidance page. */
  hint: string;
  /**
   * What its cells hold: the pipeline parses each (non-empty) cell and reports one that does not
   * parse, so the kind gets row.values[key]. A column without a type reaches the kind as text only.
   */
  type?: CellType;
}

/** Columns a kind lets each file name itself (a school's own fields), beyond its fixed ones. */
export interface FreeColumns {
  /** The most a file may have. */
  max: number;
  /** Their cells are text of at most this many characters. */
  maxLength: number;
}

/** Free columns' keys start with this, so they never clash with a fixed column's key. */
export const FREE_COLUMN_KEY = 'free:';

/**
 * The columns of one file: the fixed ones, then, for a kind that allows them, each other heading
 * in the header row as a free column of its own (in the file's order). Refuses a file with more
 * than the kind allows, or two free columns of the same name.
 */
export function columnsOfFile(fixed: ColumnSpec[], headers: string[], free?: FreeColumns): ColumnSpec[] {
  if (!free) return fixed;
  const known = new Set(fixed.flatMap((column) => [column.header, ...(column.aliases ?? [])].map(normaliseHeader)));
  for (const name of [RESULT_HEADER, ERRORS_HEADER]) known.add(normaliseHeader(name));
  const seen = new Set<string>();
  const extra: ColumnSpec[] = [];
  for (const header of headers) {
    const name = normaliseHeader(header);
    if (!name || known.has(name)) continue;
    if (seen.has(name))
      throw new FileRefusal(`The file has two columns called "${header}". Give each column its own heading`);
    seen.add(name);
    extra.push({
      key: `${FREE_COLUMN_KEY}${header.trim()}`,
      header: header.trim(),
      hint: 'A column of your own',
      type: { type: 'text', max: free.maxLength },
    });
  }
  if (extra.length > free.max) {
    const over = extra.slice(free.max).map((column) => `"${column.header}"`);
    const named = over.length <= 10 ? over.join(', ') : `${over.slice(0, 10).join(', ')} and ${over.length - 10} more`;
    throw new FileRefusal(
      `The file has ${extra.length} columns of your own, more than the ${free.max} allowed. Remove ${extra.length - free.max} of them (the ones over the limit are ${named}) and upload the file again`,
    );
  }
  return [...fixed, ...extra];
}

/** The two columns an error report adds; ignored when the report comes back. */
export const RESULT_HEADER = 'Validation result';
export const ERRORS_HEADER = 'Errors';

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
