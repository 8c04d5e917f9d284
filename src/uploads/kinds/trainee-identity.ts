// The trainee columns that sheets about a provider's trainees share: finding the trainee (by TRN,
// else by provider trainee ID, within the uploading provider only) and the identity columns the
// sheet may not change. One place for these rules, used by every trainee kind.
import { type Kysely, sql } from 'kysely';
import type { DB, Trainee } from '../../db/schema.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import { parseDate, parseTrn, sameText } from '../cells/cells.ts';
import type { ColumnSpec } from '../headers.ts';
import { inBatches } from '../in-batches.ts';
import type { ParsedRow, RowError } from './kind.ts';

/** The trainee's columns every identity check reads. */
export const IDENTITY_LOOKUP_COLUMNS = [
  'id',
  'version',
  'trn',
  'hesa_id',
  'provider_trainee_id',
  'first_names',
  'last_name',
  'route',
  'subject',
  'itt_start_date',
  'expected_end_date',
] as const;
export type IdentityTrainee = Pick<Trainee, (typeof IDENTITY_LOOKUP_COLUMNS)[number]>;

export const TRAINEE_COLUMNS: ColumnSpec[] = [
  {
    key: 'trn',
    header: 'TRN',
    aliases: ['Teacher reference number'],
    hint: 'The trainee’s teacher reference number: 7 digits. Used to find the trainee.',
  },
  {
    key: 'providerTraineeId',
    header: 'Provider trainee ID',
    aliases: ['Trainee ID', 'Student number'],
    hint: 'Your own ID for the trainee. Used to find the trainee when the TRN cell is empty.',
  },
  {
    key: 'hesaId',
    header: 'HESA ID',
    aliases: ['HUSID'],
    hint: 'The trainee’s HESA student identifier, if they have one. Do not change it.',
  },
  {
    key: 'lastName',
    header: 'Last name',
    aliases: ['Last names', 'Surname'],
    hint: 'As on the trainee’s record. Do not change it.',
  },
  {
    key: 'firstNames',
    header: 'First names',
    aliases: ['First name', 'Forenames'],
    hint: 'As on the trainee’s record. Do not change it.',
  },
  { key: 'route', header: 'Route', aliases: ['Training route'], hint: 'The training route. Do not change it.' },
  {
    key: 'award',
    header: 'QTS or EYTS',
    aliases: ['Award'],
    hint: 'EYTS for early-years routes, QTS for all others. Do not change it.',
  },
  { key: 'subject', header: 'Subject', hint: 'The course subject, to help you find trainees. Do not change it.' },
  {
    key: 'ittStartDate',
    header: 'ITT start date',
    hint: 'When the trainee started initial teacher training. Do not change it.',
  },
  {
    key: 'expectedEndDate',
    header: 'Expected end date',
    hint: 'When the course is expected to end. Do not change it.',
  },
];

/** Short dates in sheets, the way UK spreadsheets show them. */
export function sheetDate(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}

/** The trainee's identity cells as a template writes them, by column key. */
export function traineeSheetValues(trainee: IdentityTrainee): Record<string, string> {
  const route = trainingRoute(trainee.route);
  return {
    trn: trainee.trn ?? '',
    providerTraineeId: trainee.provider_trainee_id ?? '',
    hesaId: trainee.hesa_id ?? '',
    lastName: trainee.last_name,
    firstNames: trainee.first_names,
    route: route.name,
    award: route.award,
    subject: trainee.subject,
    ittStartDate: sheetDate(trainee.itt_start_date),
    expectedEndDate: sheetDate(trainee.expected_end_date),
  };
}

/** Columns that identify or describe the trainee: the sheet may not change them (the TRN finds them). */
const IDENTITY_COLUMNS = TRAINEE_COLUMNS.filter((c) => c.key !== 'trn');

/** A HESA ID as digits only: spreadsheets add spaces, and some systems a prefix. */
export function hesaDigits(value: string): string {
  return value.replace(/\D/g, '');
}

/**
 * A long number as a spreadsheet shows it: 3.0001E+12 (3,0001E+12 where the decimal mark is a
 * comma). Excel shows a number of 12 digits or more that way in a General cell, which is what a
 * 13-digit HESA ID becomes when a CSV is opened; saved as CSV again, only what it shows is kept,
 * so the other digits are gone for good.
 */
const SCIENTIFIC = /^(\d)(?:[.,](\d+))?E\+?(\d{1,2})$/i;

/** Whether a cell holds a number a spreadsheet rounded into scientific notation (see SCIENTIFIC). */
export function inScientificNotation(text: string): boolean {
  return SCIENTIFIC.test(text.trim());
}

/** Whether a cell in scientific notation could be this identifier (digits), rounded as a spreadsheet shows it. */
export function couldBeRounded(text: string, identifier: string): boolean {
  const parts = SCIENTIFIC.exec(text.trim());
  const digits = hesaDigits(identifier);
  if (!parts || !digits || digits.length !== Number(parts[3]) + 1) return false;
  const mantissa = `${parts[1]}${parts[2] ?? ''}`;
  if (mantissa.length > digits.length) return false;
  // The identifier rounded to as many significant digits as the cell shows (a spreadsheet drops
  // trailing zeros, which rounding to fewer digits gives back the same).
  const unit = 10n ** BigInt(digits.length - mantissa.length);
  const rounded = (BigInt(digits) + unit / 2n) / unit;
  return rounded === BigInt(mantissa);
}

/** How to keep a long identifier whole, for messages about one a spreadsheet rounded. */
const KEEP_WHOLE =
  'format the column as Text in your spreadsheet before you type or paste the identifiers, or use the Excel workbook (.xlsx) template';

/**
 * The message for an identifier a spreadsheet rounded into scientific notation, when it was the
 * only way to find the record: the digits are lost, so it has to be entered again.
 */
export function roundedBySpreadsheet(header: string, text: string, instead: string): string {
  return `${header}: "${text}" was changed by the spreadsheet into a rounded number, and its other digits are lost. ${instead}, and to keep long identifiers whole, ${KEEP_WHOLE}`;
}

/**
 * The trainee's identity columns checked against the record: an error for each that does not
 * match, naming the value on record; a warning for a long identifier a spreadsheet rounded into
 * scientific notation that could be the one on record (the trainee was found by their TRN or
 * provider trainee ID, so the row stands).
 */
export function checkIdentity(row: ParsedRow, trainee: IdentityTrainee): { errors: RowError[]; warnings: RowError[] } {
  const onRecord = traineeSheetValues(trainee);
  const errors: RowError[] = [];
  const warnings: RowError[] = [];
  for (const column of IDENTITY_COLUMNS) {
    if (!row.has(column.key)) continue;
    const found = row.cells[column.key];
    const expected = onRecord[column.key];
    if (found !== expected && inScientificNotation(found) && couldBeRounded(found, expected)) {
      const foundBy = row.cells.trn ? 'TRN' : 'provider trainee ID';
      warnings.push({
        column: column.key,
        message: `${column.header}: "${found}" is a long number rounded by a spreadsheet, so it could not be checked against the record, which has "${expected}". The trainee was found by their ${foundBy}, so the row can go ahead. To keep long identifiers whole, ${KEEP_WHOLE}`,
      });
      continue;
    }
    const same =
      found === expected ||
      (column.key.endsWith('Date')
        ? (() => {
            const parsed = parseDate(found);
            return parsed.ok && sheetDate(parsed.value) === expected;
          })()
        : column.key === 'hesaId'
          ? hesaDigits(found) === expected
          : sameText(found, expected));
    if (!same) {
      errors.push({
        column: column.key,
        message: `${column.header}: "${found}" does not match the trainee’s record, which has ${expected ? `"${expected}"` : 'none'}. This sheet cannot change trainee details: put back the value on record`,
      });
    }
  }
  return { errors, warnings };
}

/** The trainees a file names, found by TRN or by provider trainee ID (lower case). */
export interface TraineeLookup<T extends IdentityTrainee> {
  byTrn(trn: string): T | undefined;
  byTraineeId(providerTraineeId: string): T | undefined;
  /** Every trainee found. */
  readonly ids: readonly string[];
}

/**
 * The trainees found, each kept as one string (its columns as a JSON array) and made into an
 * object only when a row asks for it: 100,000 trainees as objects were 1.2 million strings, over
 * half the check's heap.
 */
class PackedTrainees<T extends IdentityTrainee> implements TraineeLookup<T> {
  readonly ids: string[] = [];
  readonly #columns: readonly string[];
  readonly #packed: string[] = [];
  readonly #byTrn = new Map<string, number>();
  readonly #byTraineeId = new Map<string, number>();

  constructor(columns: readonly string[]) {
    this.#columns = columns;
  }

  add(row: { id: string; trn: string | null; trainee_id: string | null; packed: string }): void {
    const at = this.#packed.length;
    this.ids.push(row.id);
    this.#packed.push(row.packed);
    if (row.trn) this.#byTrn.set(row.trn, at);
    if (row.trainee_id) this.#byTraineeId.set(row.trainee_id, at);
  }

  byTrn(trn: string): T | undefined {
    return this.#unpacked(this.#byTrn.get(trn));
  }

  byTraineeId(providerTraineeId: string): T | undefined {
    return this.#unpacked(this.#byTraineeId.get(providerTraineeId.toLowerCase()));
  }

  #unpacked(at: number | undefined): T | undefined {
    if (at === undefined) return undefined;
    const values = JSON.parse(this.#packed[at]) as unknown[];
    return Object.fromEntries(this.#columns.map((column, i) => [column, values[i]])) as T;
  }
}

/** Identifiers looked up in one query. */
const LOOKUP_BATCH = 20_000;

/** The identifiers rows name trainees by, gathered in one pass over the file. */
export interface TraineeKeys {
  trns: Set<string>;
  ids: Set<string>;
}

export function newTraineeKeys(): TraineeKeys {
  return { trns: new Set(), ids: new Set() };
}

/** Notes the row's TRN (or, where the TRN cell is empty or not a TRN, its provider trainee ID). */
export function addTraineeKeys(keys: TraineeKeys, row: ParsedRow): void {
  const trn = parseTrn(row.cells.trn);
  if (trn.ok) keys.trns.add(trn.value);
  else if (row.cells.providerTraineeId) keys.ids.add(row.cells.providerTraineeId.toLowerCase());
}

/**
 * One query for the whole file: the provider's trainees that the rows name, with the identity
 * columns and any others asked for: text, number or date columns only (they come back through
 * JSON, where a timestamp would be a string, not a Date).
 */
export async function lookUpTrainees<C extends keyof Trainee>(
  db: Kysely<DB>,
  actor: Actor,
  rows: AsyncIterable<ParsedRow> | TraineeKeys,
  columns: readonly C[],
): Promise<TraineeLookup<IdentityTrainee & Pick<Trainee, C>>> {
  let keys: TraineeKeys;
  if ('trns' in rows) keys = rows;
  else {
    keys = newTraineeKeys();
    for await (const row of rows) addTraineeKeys(keys, row);
  }
  type Found = IdentityTrainee & Pick<Trainee, C>;
  const selected = [...new Set([...IDENTITY_LOOKUP_COLUMNS, ...columns])];
  const lookup = new PackedTrainees<Found>(selected);
  if (keys.trns.size === 0 && keys.ids.size === 0) return lookup;
  // Identifiers as array parameters, a batch at a time, so that the driver never holds every
  // trainee's columns at once; each trainee comes packed by the query (dates as 'yyyy-mm-dd'
  // text, as the database layer gives them). A trainee named by both TRN and ID is kept once.
  const packed = sql.join(selected.map((column) => sql.ref(column)));
  const seen = new Set<string>();
  const batches = [
    ...[...inBatches(keys.trns, LOOKUP_BATCH)].map((trns) => sql`trn = any(${trns}::text[])`),
    ...[...inBatches(keys.ids, LOOKUP_BATCH)].map((ids) => sql`lower(provider_trainee_id) = any(${ids}::text[])`),
  ];
  for (const named of batches) {
    const { rows } = await sql<{ id: string; trn: string | null; trainee_id: string | null; packed: string }>`
      select id, trn, lower(provider_trainee_id) as trainee_id, json_build_array(${packed})::text as packed
      from trainees
      where provider_id = ${actor.organisation.id} and ${named}
    `.execute(db);
    for (const row of rows) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      lookup.add(row);
    }
  }
  return lookup;
}

/**
 * The row's trainee: by TRN, else by provider trainee ID. Another provider's trainee is not
 * found, exactly like one that does not exist.
 */
export function findRowTrainee<T extends IdentityTrainee>(
  row: ParsedRow,
  lookup: TraineeLookup<T>,
): { trainee: T } | { errors: RowError[] } {
  if (row.cells.trn) {
    const trn = parseTrn(row.cells.trn);
    if (!trn.ok) return { errors: [{ column: 'trn', message: `TRN: ${trn.message}` }] };
    const trainee = lookup.byTrn(trn.value);
    if (trainee) return { trainee };
    return {
      errors: [
        {
          column: 'trn',
          message: `TRN: no trainee of yours has TRN ${trn.value}. Check the TRN against the trainee’s record`,
        },
      ],
    };
  }
  if (row.cells.providerTraineeId) {
    if (inScientificNotation(row.cells.providerTraineeId)) {
      return {
        errors: [
          {
            column: 'providerTraineeId',
            message: roundedBySpreadsheet(
              'Provider trainee ID',
              row.cells.providerTraineeId,
              'Enter the trainee’s TRN, or their ID again as on their record',
            ),
          },
        ],
      };
    }
    const trainee = lookup.byTraineeId(row.cells.providerTraineeId);
    if (trainee) return { trainee };
    return {
      errors: [
        {
          column: 'providerTraineeId',
          message: `Provider trainee ID: no trainee of yours has ID "${row.cells.providerTraineeId}". Enter the trainee’s TRN or their ID as on their record`,
        },
      ],
    };
  }
  const errors: RowError[] = [
    { column: 'trn', message: 'TRN: empty. Enter the trainee’s TRN (or their provider trainee ID)' },
  ];
  // A HESA ID does not find the trainee; one a spreadsheet rounded is worth a word all the same.
  if (inScientificNotation(row.cells.hesaId ?? '')) {
    errors.push({
      column: 'hesaId',
      message: roundedBySpreadsheet(
        'HESA ID',
        row.cells.hesaId,
        'Rollbook finds trainees by TRN or provider trainee ID: enter one of them',
      ),
    });
  }
  return { errors };
}
