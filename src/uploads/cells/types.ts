// Typed cells: a column declares what its cells hold, and the pipeline parses every cell of that
// column before the kind sees the row, with one message per type, so a kind gets values rather
// than text and no kind writes its own date or identifier message. Nothing guesses a type from a
// column's name.
import { normaliseEmail, normaliseUkprn } from '../../domain/identifiers.ts';
import { type CellResult, parseDate, parsePostcode, parseTrn, parseUrn } from './cells.ts';

export type CellType =
  | { type: 'date' }
  | { type: 'trn' }
  | { type: 'urn' }
  | { type: 'upn' }
  | { type: 'ukprn' }
  | { type: 'postcode' }
  | { type: 'email' }
  /** One of a fixed list, in order: each value with the other spellings accepted for it (case and spaces ignored). */
  | { type: 'enum'; values: { value: string; also?: string[] }[] }
  | { type: 'decimal'; places: number }
  | { type: 'text'; max: number };

/** What a typed cell holds once parsed: dates and identifiers as text, decimals as numbers. */
export type CellValue = string | number;

const ok = <T>(value: T): CellResult<T> => ({ ok: true, value });
const fail = (message: string): CellResult<never> => ({ ok: false, message });

/** The characters of a UPN's check letter, by the remainder it stands for (no I, O or S). */
const UPN_CHECK_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';

/**
 * A unique pupil number: a check letter, 11 digits, then a digit or (in a temporary UPN) a letter
 * of the check alphabet. The check letter stands for the sum of the characters in positions 2 to
 * 13, each times its position (a final letter counting as its place in the check alphabet), modulo 23.
 */
export function parseUpn(text: string): CellResult<string> {
  const upn = text.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]\d{11}[0-9A-Z]$/.test(upn)) {
    return fail(`"${text}" is not a UPN. A UPN is 13 characters: a letter, 11 digits, then a digit or a letter`);
  }
  let sum = 0;
  for (let position = 2; position <= 13; position++) {
    const character = upn[position - 1];
    const value = /\d/.test(character) ? Number(character) : UPN_CHECK_LETTERS.indexOf(character);
    if (value < 0) return fail(`"${text}" is not a UPN: its last character cannot be ${character}`);
    sum += value * position;
  }
  if (UPN_CHECK_LETTERS[sum % 23] !== upn[0]) {
    return fail(`"${text}" is not a UPN: its check letter does not match. Copy the UPN again from your records`);
  }
  return ok(upn);
}

const fold = (value: string) => value.toLowerCase().replace(/\s+/g, ' ').trim();

/** Parses a non-empty cell by its column's type. The caller puts the column's name in front of a message. */
export function parseTypedCell(cellType: CellType, text: string): CellResult<CellValue> {
  switch (cellType.type) {
    case 'date':
      return parseDate(text);
    case 'trn':
      return parseTrn(text);
    case 'urn':
      return parseUrn(text);
    case 'upn':
      return parseUpn(text);
    case 'postcode':
      return parsePostcode(text);
    case 'ukprn': {
      const ukprn = normaliseUkprn(text);
      return ukprn ? ok(ukprn) : fail(`"${text}" is not a UKPRN. A UKPRN is 8 digits starting with 1`);
    }
    case 'email': {
      const email = normaliseEmail(text);
      return email ? ok(email) : fail(`"${text}" is not an email address. Write it like name@example.com`);
    }
    case 'enum': {
      const wanted = fold(text);
      for (const { value, also = [] } of cellType.values) {
        if ([value, ...also].some((name) => fold(name) === wanted)) return ok(value);
      }
      const names = cellType.values.map(({ value }) => value);
      const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : names[0];
      return fail(`"${text}" is not one of the choices. Write ${list}`);
    }
    case 'decimal': {
      const places = cellType.places;
      const pattern = places > 0 ? new RegExp(`^-?\\d+(\\.\\d{1,${places}})?$`) : /^-?\d+$/;
      const cleaned = text.replace(/,/g, '');
      if (!pattern.test(cleaned)) {
        return fail(
          places > 0
            ? `"${text}" is not a number with at most ${places} decimal ${places === 1 ? 'place' : 'places'}, like ${(12.5).toFixed(places)}`
            : `"${text}" is not a whole number`,
        );
      }
      return ok(Number(cleaned));
    }
    case 'text':
      return text.length <= cellType.max
        ? ok(text)
        : fail(
            `the text is ${text.length.toLocaleString('en-GB')} characters long. Shorten it to ${cellType.max.toLocaleString('en-GB')} characters or fewer`,
          );
  }
}
