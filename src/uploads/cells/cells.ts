// Cell parsers: each takes the text of a cell and returns the value, or a message that names
// what was found and what would be valid. The column name is added by the caller.
import { isRealDate, toIsoDate } from '../../domain/dates.ts';
import { normalisePostcode, normaliseUrn, notAUrnMessage } from '../../domain/identifiers.ts';

export type CellResult<T> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): CellResult<T> => ({ ok: true, value });
const fail = (message: string): CellResult<never> => ({ ok: false, message });

const DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
// Serial dates are read from 5 digits (10000 is 18 May 1927): a shorter number in a date cell is
// more likely a typed year or day than a date Excel turned into a number.
const SERIAL = /^\d{5,7}$/;

/** Serial 60 is Excel's 29 February 1900, a day that never was (kept from Lotus 1-2-3 for compatibility). */
export const EXCEL_FICTITIOUS_LEAP_DAY = 60;
/** 31 December 9999, the last date Excel has. */
export const EXCEL_MAX_SERIAL = 2_958_465;
const DAY_MS = 86_400_000;
/** Serial 0 in Excel's 1900 date system, counted from serial 61 (1 March 1900) onwards. */
const EXCEL_EPOCH_MS = Date.UTC(1899, 11, 30);

/**
 * A whole Excel serial date in the 1900 date system (1 is 1 January 1900, 61 is 1 March 1900,
 * 45000 is 15 March 2023) as yyyy-mm-dd; undefined for 60 (Excel's fictitious 29 February 1900)
 * and for anything outside 1 to 2958465, which Excel shows as ######.
 */
export function excelSerialToIsoDate(serial: number): string | undefined {
  if (!Number.isInteger(serial) || serial < 1 || serial > EXCEL_MAX_SERIAL || serial === EXCEL_FICTITIOUS_LEAP_DAY)
    return undefined;
  // Before the fictitious leap day Excel's count is one day behind the real calendar's.
  const days = serial < EXCEL_FICTITIOUS_LEAP_DAY ? serial + 1 : serial;
  return new Date(EXCEL_EPOCH_MS + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * dd/mm/yyyy, d/m/yyyy or yyyy-mm-dd (which XLSX date cells are read as), or an Excel serial date
 * written as digits only (what Excel shows for a date pasted into a text-formatted cell, like 45000
 * for 15 March 2023).
 */
export function parseDate(text: string): CellResult<string> {
  const value = text.trim();
  if (SERIAL.test(value)) {
    const serial = Number(value);
    const date = excelSerialToIsoDate(serial);
    if (date) return ok(date);
    return fail(`"${value}" is not a date. Write it as day/month/year, like 27/3/2025`);
  }
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

/** A school's unique reference number: 6 digits, spaces ignored, leading zeros kept. */
export function parseUrn(text: string): CellResult<string> {
  const value = normaliseUrn(text);
  return value ? ok(value) : fail(notAUrnMessage(text));
}

/** A full UK postcode, any case and spacing; given back upper case with one space, like SW1A 1AA. */
export function parsePostcode(text: string): CellResult<string> {
  const value = normalisePostcode(text);
  return value ? ok(value) : fail(`"${text.trim()}" is not a full UK postcode. Write it like SW1A 1AA`);
}

/** Compares text as a person would: case, accents, spacing, apostrophe and hyphen styles ignored. */
export function sameText(a: string, b: string): boolean {
  return foldText(a) === foldText(b);
}

export function foldText(value: string): string {
  return (
    value
      // Curly and typewriter apostrophes, the modifier letter (ʼ) some keyboards type, and primes;
      // before normalising, which would turn the acute accent ´ into a space and an accent.
      .replace(/[’‘`´ʼ′]/g, "'")
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      // Hyphens and dashes in double-barrelled names, as word processors and phones turn them.
      .replace(/[\u2010-\u2014\u2212]/g, '-')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase()
  );
}
