// Upload kind: recommending trainees for QTS or EYTS. The sheet lists eligible trainees; the
// provider fills in the date each met the standards. Rows find trainees within the provider only.
import { sql } from 'kysely';
import type { Trainee } from '../../../db/schema.ts';
import { formatIsoDate } from '../../../domain/dates.ts';
import { ineligibilityReason, isEligible } from '../../../domain/trainees/eligibility.ts';
import { recommendTrainees } from '../../../domain/trainees/recommendations.ts';
import { trainingRoute } from '../../../domain/trainees/training-routes.ts';
import { parseDate } from '../../cells/cells.ts';
import type { ColumnSpec } from '../../headers.ts';
import { defineKind } from '../kind.ts';
import {
  checkIdentity,
  findRowTrainee,
  type IdentityTrainee,
  lookUpTrainees,
  TRAINEE_COLUMNS,
  type TraineeLookup,
  traineeSheetValues,
} from '../trainee-identity.ts';

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

export interface QtsRecommendation {
  traineeId: string;
  version: number;
  standardsMetDate: string;
  name: string;
  trn: string;
  routeName: string;
  award: string;
}

/** What a row is checked against: the identity columns and what eligibility reads. */
type LookupTrainee = IdentityTrainee & Pick<Trainee, 'state'>;
type Lookup = TraineeLookup<LookupTrainee>;

const DATE_HEADER = 'Date QTS or EYTS standards met';

const COLUMNS: ColumnSpec[] = [
  ...TRAINEE_COLUMNS,
  {
    key: 'standardsMetDate',
    header: DATE_HEADER,
    aliases: ['Date QTS or EYTS requirements met', 'Standards met date', 'Date standards met'],
    required: true,
    hint: 'The date the trainee met the QTS or EYTS standards, like 27/3/2025. Not in the future, not before the ITT start date. Leave it empty to leave the trainee out.',
  },
];

export const qtsRecommendations = defineKind<QtsRecommendation, Lookup>({
  id: 'qts-recommendations',
  title: 'Recommend trainees for QTS or EYTS',
  apiDescription: `The template lists every trainee eligible for recommendation, with the column "${DATE_HEADER}" empty. A row with a date there recommends its trainee for QTS or EYTS (a change); a row without one is skipped: that trainee is not recommended.`,
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
      const values = traineeSheetValues(trainee);
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

  prepare: ({ db, actor }, rows) => lookUpTrainees(db, actor, rows, ['state'] as const),

  check(row, lookup, { today }) {
    const dateText = row.cells.standardsMetDate;
    // No date: the provider is not recommending this trainee now. Not an error.
    if (!dateText) return { outcome: 'skip', reason: 'Not recommended: no date' };

    const found = findRowTrainee(row, lookup);
    if ('errors' in found) return { outcome: 'error', errors: found.errors };
    const { trainee } = found;

    const { errors, warnings } = checkIdentity(row, trainee);
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
    if (errors.length) return { outcome: 'error', errors, recordKey: trainee.id, warnings };
    const route = trainingRoute(trainee.route);
    return {
      outcome: 'change',
      recordKey: trainee.id,
      warnings,
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

  writes: ['trainees', 'award_requests', 'events'],
  async apply(tx, { actor, today, uploadId, expected }) {
    await recommendTrainees(tx, actor, { uploadId }, { today, via: `upload ${uploadId}`, expected });
  },

  describe: (change) => ({
    group: `${change.routeName} (${change.award})`,
    title: change.name,
    details: [`TRN ${change.trn}`, `Standards met ${formatIsoDate(change.standardsMetDate)}`],
  }),
  pages: {
    templateCount: (n) =>
      n === 0
        ? 'None of your trainees can be recommended now.'
        : `${plural(n, 'trainee', 'trainees')} can be recommended now. The sheet lists ${n === 1 ? 'them' : 'them all'}.`,
    reviewTitle: 'Check who you’ll recommend',
    submitButton: (n) => `Recommend ${plural(n, 'trainee', 'trainees')}`,
    doneTitle: (n) => `${plural(n, 'trainee', 'trainees')} recommended for QTS or EYTS`,
    countHeadings: { change: 'To recommend', changed: 'Recommended', skip: 'No date', error: 'Errors' },
    recordsLink: { href: '/trainees', text: 'See your trainees' },
    partials: 'kinds/qts-recommendations/views',
  },
  card: {
    description: 'Recommend many trainees at once from a spreadsheet, once they have met the standards.',
    order: 10,
  },
  // Recommendations leave award requests to send to the Teaching Record System.
  afterSubmit: { queue: 'send-award-requests' },
});
