// Upload kind: recommending trainees for QTS or EYTS. The sheet lists eligible trainees; the
// provider fills in the date each met the standards. Rows find trainees within the provider only.
import { sql } from 'kysely';
import type { Trainee } from '../../db/schema.ts';
import { formatIsoDate } from '../../domain/dates.ts';
import { ineligibilityReason, isEligible } from '../../domain/trainees/eligibility.ts';
import { recommendTrainees } from '../../domain/trainees/recommendations.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import { parseDate, parseTrn, sameText } from '../cells/cells.ts';
import type { ColumnSpec } from '../headers.ts';
import type { ParsedRow, RowError, UploadKind } from './kind.ts';

export interface QtsRecommendation {
  traineeId: string;
  version: number;
  standardsMetDate: string;
  name: string;
  trn: string;
  routeName: string;
  award: string;
}

/** What a row is checked against: only the columns the rules read. */
const LOOKUP_COLUMNS = [
  'id',
  'version',
  'state',
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
type LookupTrainee = Pick<Trainee, (typeof LOOKUP_COLUMNS)[number]>;

interface Lookup {
  byTrn: Map<string, LookupTrainee>;
  byTraineeId: Map<string, LookupTrainee>;
}

const DATE_HEADER = 'Date QTS or EYTS standards met';

const COLUMNS: ColumnSpec[] = [
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
  {
    key: 'standardsMetDate',
    header: DATE_HEADER,
    aliases: ['Date QTS or EYTS requirements met', 'Standards met date', 'Date standards met'],
    required: true,
    hint: 'The date the trainee met the QTS or EYTS standards, like 27/3/2025. Not in the future, not before the ITT start date. Leave it empty to leave the trainee out.',
  },
];

/** Short dates in sheets, the way UK spreadsheets show them. */
function sheetDate(iso: string): string {
  const [year, month, day] = iso.split('-');
  return `${day}/${month}/${year}`;
}

function recordValues(trainee: LookupTrainee): Record<string, string> {
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

/** Columns that identify or describe the trainee: the sheet may not change them. */
const IDENTITY_COLUMNS = COLUMNS.filter((c) => !['trn', 'standardsMetDate'].includes(c.key));

function identityErrors(row: ParsedRow, trainee: LookupTrainee): RowError[] {
  const onRecord = recordValues(trainee);
  const errors: RowError[] = [];
  for (const column of IDENTITY_COLUMNS) {
    if (!row.has(column.key)) continue;
    const found = row.cells[column.key];
    const expected = onRecord[column.key];
    const same =
      found === expected ||
      (column.key.endsWith('Date')
        ? (() => {
            const parsed = parseDate(found);
            return parsed.ok && sheetDate(parsed.value) === expected;
          })()
        : column.key === 'hesaId'
          ? found.replace(/\D/g, '') === expected
          : sameText(found, expected));
    if (!same) {
      errors.push({
        column: column.key,
        message: `${column.header}: "${found}" does not match the trainee’s record, which has ${expected ? `"${expected}"` : 'none'}. This sheet cannot change trainee details: put back the value on record`,
      });
    }
  }
  return errors;
}

export const qtsRecommendations: UploadKind<QtsRecommendation, Lookup> = {
  id: 'qts-recommendations',
  title: 'Recommend trainees for QTS or EYTS',
  allowedFor: ['provider'],
  columns: COLUMNS,
  maxRows: 100_000,
  requiredOneOf: ['trn', 'providerTraineeId'],
  oneRowPerRecord: true,
  sheetName: 'Recommendations',
  countLabels: {
    change: (n) => `${n} ${n === 1 ? 'trainee' : 'trainees'} will be recommended`,
    skip: (n) => `${n} ${n === 1 ? 'trainee' : 'trainees'} will not be recommended because no date was given`,
    error: (n) => `${n} ${n === 1 ? 'row' : 'rows'} cannot be recommended because of errors`,
  },

  templateFileName: (actor) =>
    `${actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-qts-or-eyts-recommendations`,

  async template({ db, actor, today }) {
    const trainees = await db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', actor.organisation.id)
      .where(isEligible(today))
      .orderBy((eb) => eb.fn('lower', ['last_name']))
      .orderBy((eb) => eb.fn('lower', ['first_names']))
      .orderBy('trn')
      .execute();
    return trainees.map((trainee) => {
      const values = recordValues(trainee);
      return COLUMNS.map((column) => values[column.key] ?? '');
    });
  },

  async templateRowCount({ db, actor, today }) {
    const { n } = await db
      .selectFrom('trainees')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('provider_id', '=', actor.organisation.id)
      .where(isEligible(today))
      .executeTakeFirstOrThrow();
    return Number(n);
  },

  async prepare({ db, actor }, rows) {
    const trns = new Set<string>();
    const ids = new Set<string>();
    for (const row of rows) {
      const trn = parseTrn(row.cells.trn);
      if (trn.ok) trns.add(trn.value);
      else if (row.cells.providerTraineeId) ids.add(row.cells.providerTraineeId.toLowerCase());
    }
    // One query for the whole file, within the uploading provider only.
    const trainees =
      trns.size || ids.size
        ? await db
            .selectFrom('trainees')
            .select(LOOKUP_COLUMNS)
            .where('provider_id', '=', actor.organisation.id)
            // Arrays as single parameters: a whole file's identifiers in one query.
            .where(
              sql<boolean>`(trn = any(${[...trns]}::text[]) or lower(provider_trainee_id) = any(${[...ids]}::text[]))`,
            )
            .execute()
        : [];
    const lookup: Lookup = { byTrn: new Map(), byTraineeId: new Map() };
    for (const trainee of trainees) {
      if (trainee.trn) lookup.byTrn.set(trainee.trn, trainee);
      if (trainee.provider_trainee_id) lookup.byTraineeId.set(trainee.provider_trainee_id.toLowerCase(), trainee);
    }
    return lookup;
  },

  check(row, lookup, { today }) {
    const dateText = row.cells.standardsMetDate;
    // No date: the provider is not recommending this trainee now. Not an error.
    if (!dateText) return { outcome: 'skip', reason: 'Not recommended: no date' };

    let trainee: LookupTrainee | undefined;
    if (row.cells.trn) {
      const trn = parseTrn(row.cells.trn);
      if (!trn.ok) return { outcome: 'error', errors: [{ column: 'trn', message: `TRN: ${trn.message}` }] };
      trainee = lookup.byTrn.get(trn.value);
      if (!trainee) {
        return {
          outcome: 'error',
          errors: [
            {
              column: 'trn',
              message: `TRN: no trainee of yours has TRN ${trn.value}. Check the TRN against the trainee’s record`,
            },
          ],
        };
      }
    } else if (row.cells.providerTraineeId) {
      trainee = lookup.byTraineeId.get(row.cells.providerTraineeId.toLowerCase());
      if (!trainee) {
        return {
          outcome: 'error',
          errors: [
            {
              column: 'providerTraineeId',
              message: `Provider trainee ID: no trainee of yours has ID "${row.cells.providerTraineeId}". Enter the trainee’s TRN or their ID as on their record`,
            },
          ],
        };
      }
    } else {
      return {
        outcome: 'error',
        errors: [{ column: 'trn', message: 'TRN: empty. Enter the trainee’s TRN (or their provider trainee ID)' }],
      };
    }

    const errors = identityErrors(row, trainee);
    const reason = ineligibilityReason(trainee, today);
    if (reason)
      errors.push({ message: `${trainee.first_names} ${trainee.last_name} cannot be recommended: ${reason}` });

    const date = parseDate(dateText);
    if (!date.ok) {
      errors.push({ column: 'standardsMetDate', message: `${DATE_HEADER}: ${date.message}` });
    } else if (date.value > today) {
      errors.push({
        column: 'standardsMetDate',
        message: `${DATE_HEADER}: ${formatIsoDate(date.value)} is in the future. Enter the date the standards were met, today or earlier`,
      });
    } else if (date.value < trainee.itt_start_date) {
      errors.push({
        column: 'standardsMetDate',
        message: `${DATE_HEADER}: ${formatIsoDate(date.value)} is before the ITT start date, ${formatIsoDate(trainee.itt_start_date)}. Enter a date on or after it`,
      });
    }
    if (errors.length) return { outcome: 'error', errors, recordKey: trainee.id };
    const route = trainingRoute(trainee.route);
    return {
      outcome: 'change',
      recordKey: trainee.id,
      change: {
        traineeId: trainee.id,
        version: trainee.version,
        standardsMetDate: date.ok ? date.value : '',
        name: `${trainee.first_names} ${trainee.last_name}`,
        trn: trainee.trn ?? '',
        routeName: route.name,
        award: route.award,
      },
    };
  },

  async recheck(tx, { actor, today, uploadId }) {
    // Only the rows whose trainee changed come back: normally none.
    const changed = await tx
      .selectFrom('upload_rows as u')
      .leftJoin('trainees', (join) =>
        join
          .on(sql<boolean>`trainees.id = (u.change->>'traineeId')::uuid`)
          .on('trainees.provider_id', '=', actor.organisation.id),
      )
      .select([
        'u.row_number',
        sql<string>`u.change->>'name'`.as('name'),
        'trainees.state',
        'trainees.trn',
        'trainees.expected_end_date',
      ])
      .where('u.upload_id', '=', uploadId)
      .where('u.outcome', '=', 'change')
      .where(
        sql<boolean>`(trainees.id is null or trainees.version <> (u.change->>'version')::int or not ${isEligible(today)})`,
      )
      .execute();
    const stale = new Map<number, string>();
    for (const row of changed) {
      const reason = row.state
        ? ineligibilityReason({ state: row.state, trn: row.trn, expected_end_date: row.expected_end_date ?? '' }, today)
        : 'the trainee’s record has gone';
      stale.set(
        row.row_number,
        reason
          ? `${row.name} can no longer be recommended: ${reason}. The record changed after the file was checked`
          : `${row.name}’s record changed after the file was checked. Upload the file again to check it against the record`,
      );
    }
    return stale;
  },

  async apply(tx, { actor, today, uploadId, expected }) {
    await recommendTrainees(tx, actor, { uploadId }, { today, via: `upload ${uploadId}`, expected });
  },

  describe: (change) => ({
    group: `${change.routeName} (${change.award})`,
    title: change.name,
    details: [`TRN ${change.trn}`, `Standards met ${formatIsoDate(change.standardsMetDate)}`],
  }),
};
