// Cell parsers: each takes the text of a cell and returns the value, or a message that names
// what was found and what would be valid. The column name is added by the caller.
import { isRealDate, toIsoDate } from '../../domain/dates.ts';

export type CellResult<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): CellResult<T> => ({ ok: true, value });
const fail = (message: string): CellResult<never> => ({ ok: false, message });

const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;

/** dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd (which XLSX date cells are read as). */
export function parseDate(text: string): CellResult<string> {
  const value = text.trim();
  const dmy = DMY.exec(value);
  const iso = ISO.exec(value);
  const parts = dmy ? [+dmy[3], +dmy[2], +dmy[1]] : iso ? [+iso[1], +iso[2], +iso[3]] : undefined;
  if (!parts) return fail(`"${value}" is not a date. Write it as day/month/year, like 27/3/2025`);
  const [year, month, day] = parts;
  if (!isRealDate(year, month, day)) return fail(`"${value}" is not a real date. Check the day and month`);
  return ok(toIsoDate(year, month, day));
}

/** A teacher reference number: 7 digits, spaces ignored, leading zeros kept. */
export function parseTrn(text: string): CellResult<string> {
  const value = text.replace(/\s+/g, '');
  return /^\d{7}$/.test(value) ? ok(value) : fail(`"${text.trim()}" is not a TRN. A TRN is 7 digits, like 1234567`);
}

/** Compares text as a person would: case, accents, spacing and apostrophe styles ignored. */
export function sameText(a: string, b: string): boolean {
  return foldText(a) === foldText(b);
}

export function foldText(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’‘`´]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}
