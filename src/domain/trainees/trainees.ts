// Trainee records, always read within the provider that owns them.

import { type Kysely, sql } from 'kysely';
import { containing } from '../../db/like.ts';
import type { DB, Trainee, TraineeState } from '../../db/schema.ts';
import { REFRESH_STATISTICS_FROM_ROWS, refreshStatistics } from '../../db/statistics.ts';
import { traineeAcademicYearDates } from '../dates.ts';
import { NotFoundError } from '../errors.ts';
import type { Actor } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';

export const TRAINEES_PAGE_SIZE = 25;

export interface TraineeFilters {
  state?: TraineeState;
  route?: string;
  /** Trainee academic year of the ITT start date, by its first year. */
  academicYear?: number;
  /** A course subject, by name: the trainee's first, second or third. */
  subject?: string;
  /** Part of a name, or a whole TRN, provider trainee ID or HESA ID. */
  search?: string;
  sort?: 'name' | 'end-date';
  /**
   * Only trainees who still need placements: fewer than 2 (the number needed before QTS), not
   * withdrawn and not on an assessment-only route (missingPlacementsSql).
   */
  fewerThanTwoPlacements?: boolean;
  page: number;
}

/** A trainee in the list, with how many placements they have. */
export type ListedTrainee = Trainee & { placement_count: number };

/** How many placements a trainee needs before QTS or EYTS. */
export const PLACEMENTS_NEEDED = 2;

// The one rule for "missing placements", used by the trainee list's filter, the trainee's page,
// the sign-off and the bulk placements template, so that they all count the same trainees.

/** Trainees on these routes are assessed in their own school: they have no placements to record. */
export const ASSESSMENT_ONLY_ROUTES: readonly string[] = ['assessment_only', 'early_years_assessment_only'];

/** Whether a trainee has placements to record at all: not assessment only, and not withdrawn. */
export function needsPlacements(trainee: Pick<Trainee, 'route' | 'state'>): boolean {
  return !ASSESSMENT_ONLY_ROUTES.includes(trainee.route) && trainee.state !== 'withdrawn';
}

/** Whether a trainee with this many placements recorded still needs more. */
export function isMissingPlacements(trainee: Pick<Trainee, 'route' | 'state'>, placements: number): boolean {
  return needsPlacements(trainee) && placements < PLACEMENTS_NEEDED;
}

/** needsPlacements in SQL, for the trainee row called `alias` in a query ('t', 'trainees'). */
export function needsPlacementsSql(alias: string) {
  return sql<boolean>`(${sql.ref(`${alias}.route`)} not in (${sql.join([...ASSESSMENT_ONLY_ROUTES])})
    and ${sql.ref(`${alias}.state`)} <> 'withdrawn')`;
}

/** The trainee's placements, counted, in SQL (through placements_not_identical, led by trainee_id). */
export function placementCountSql(alias: string) {
  return sql<number>`(select count(*)::int from placements where placements.trainee_id = ${sql.ref(`${alias}.id`)})`;
}

/** isMissingPlacements in SQL: the trainee needs placements and has fewer than PLACEMENTS_NEEDED. */
export function missingPlacementsSql(alias: string) {
  return sql<boolean>`(${needsPlacementsSql(alias)} and ${placementCountSql(alias)} < ${PLACEMENTS_NEEDED})`;
}

/**
 * missingPlacementsSql for a whole provider's trainees at once (the trainee list's filter): the
 * provider's placements are counted in one pass, and each trainee looked up among those with
 * enough, where counting each trainee's own placements took a lookup a trainee (430 ms at 100,000).
 * The same rule as missingPlacementsSql because a placement's provider is always its trainee's:
 * every placement is written with the provider of the trainee it was found under (migration 0008).
 */
export function missingPlacementsAtProviderSql(alias: string, providerId: string) {
  return sql<boolean>`(${needsPlacementsSql(alias)} and ${sql.ref(`${alias}.id`)} not in (
    select trainee_id from placements where provider_id = ${providerId}
    group by trainee_id having count(*) >= ${PLACEMENTS_NEEDED}
  ))`;
}

/** Only providers hold trainees; anyone else sees none. */
function providerId(actor: Actor): string {
  if (actor.organisation.type !== 'provider') throw new NotFoundError('Page');
  return actor.organisation.id;
}

export async function listTrainees(
  db: Kysely<DB>,
  actor: Actor,
  filters: TraineeFilters,
): Promise<{ trainees: ListedTrainee[]; total: number }> {
  let query = db.selectFrom('trainees').where('provider_id', '=', providerId(actor));
  if (filters.state) query = query.where('state', '=', filters.state);
  if (filters.route) query = query.where('route', '=', filters.route);
  if (filters.academicYear) {
    const { from, to } = traineeAcademicYearDates(filters.academicYear);
    query = query.where('itt_start_date', '>=', from).where('itt_start_date', '<=', to);
  }
  if (filters.subject) {
    const subject = filters.subject;
    query = query.where((eb) =>
      eb.or([eb('subject', '=', subject), eb('subject_2', '=', subject), eb('subject_3', '=', subject)]),
    );
  }
  const search = filters.search?.trim();
  if (search) {
    const like = containing(search);
    query = query.where((eb) =>
      eb.or([
        eb('trn', '=', search),
        eb('hesa_id', '=', search.replace(/\s+/g, '')),
        eb(eb.fn('lower', ['provider_trainee_id']), '=', search.toLowerCase()),
        // The expression of the trigram index trainees_name_trigrams (both names are required).
        eb(sql<string>`first_names || ' ' || last_name`, 'ilike', like),
      ]),
    );
  }
  // Those who still need placements: not withdrawn, not assessment only, fewer than 2.
  if (filters.fewerThanTwoPlacements) {
    query = query.where(missingPlacementsAtProviderSql('trainees', providerId(actor)));
  }
  // A name search's matches sit together in name order (every Smith, say), where the planner
  // expects them spread evenly: left to itself it walks the whole list in name order, testing each
  // trainee, to find a page of them (1.4 s at 100,000 trainees for "Smit"). Kept apart
  // (materialized), the matches are found through their indexes and then sorted.
  const listed = search
    ? db.with(
        (wb) => wb('listed').materialized(),
        () => query.selectAll(),
      )
    : db.with('listed', () => query.selectAll());
  let ordered = listed.selectFrom('listed').selectAll();
  ordered =
    filters.sort === 'end-date'
      ? ordered.orderBy('expected_end_date').orderBy('last_name').orderBy('first_names')
      : ordered.orderBy((eb) => eb.fn('lower', ['last_name'])).orderBy((eb) => eb.fn('lower', ['first_names']));
  const [page, count] = await Promise.all([
    ordered
      .orderBy('id')
      .limit(TRAINEES_PAGE_SIZE)
      .offset((filters.page - 1) * TRAINEES_PAGE_SIZE)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  // Placements counted for the page's trainees only, not for every trainee sorted to find them.
  const placements = new Map(
    page.length === 0
      ? []
      : (
          await db
            .selectFrom('placements')
            .select(['trainee_id', (eb) => eb.fn.countAll<string>().as('n')])
            .where(
              'trainee_id',
              'in',
              page.map((t) => t.id),
            )
            .groupBy('trainee_id')
            .execute()
        ).map((row) => [row.trainee_id, Number(row.n)]),
  );
  const trainees = page.map((t) => ({ ...t, placement_count: placements.get(t.id) ?? 0 }));
  return { trainees, total: Number(count.n) };
}

export async function findTrainee(db: Kysely<DB>, actor: Actor, id: string): Promise<Trainee> {
  const trainee = isUuid(id)
    ? await db
        .selectFrom('trainees')
        .selectAll()
        .where('id', '=', id)
        .where('provider_id', '=', providerId(actor))
        .executeTakeFirst()
    : undefined;
  if (!trainee) throw new NotFoundError('Trainee');
  return trainee;
}

/**
 * The academic years the provider's trainees started in, newest first, for the filter. Found by
 * stepping through the (provider_id, itt_start_date) index a year at a time, the earliest start
 * date on or after each 1 August: one short index probe a year, where grouping all the provider's
 * trainees read every row (95 ms at 100,000 trainees, on every load of the list).
 */
export async function traineeAcademicYears(db: Kysely<DB>, actor: Actor): Promise<number[]> {
  const provider = providerId(actor);
  // Academic years start on 1 August: seven months back lands every date in its start year.
  const { rows } = await sql<{ year: number }>`
    with recursive years (year) as (
      select (
        select extract(year from min(itt_start_date) - interval '7 months')::int
        from trainees where provider_id = ${provider}
      )
      union all
      select (
        select extract(year from min(itt_start_date) - interval '7 months')::int
        from trainees where provider_id = ${provider} and itt_start_date >= make_date(years.year + 1, 8, 1)
      )
      from years where years.year is not null
    )
    select year from years where year is not null order by year desc
  `.execute(db);
  return rows.map((row) => Number(row.year));
}

/** Details a bulk insert may leave out (demo data and benchmarks do). */
type OptionalDetails =
  | 'previous_last_name'
  | 'sex'
  | 'email'
  | 'subject_2'
  | 'subject_3'
  | 'course_year'
  | 'lead_school_urn'
  | 'employing_school_urn'
  | 'degree'
  | 'deferral_date'
  | 'reinstatement_date'
  | 'withdrawal_reasons'
  | 'withdrawal_other_reason'
  | 'submitted_for_trn_at'
  | 'record_source'
  | 'added_by_upload';

export type NewTrainee = Omit<
  Trainee,
  'id' | 'version' | 'created_at' | 'updated_at' | 'recommended_at' | OptionalDetails
> & {
  recommended_at: Date | null;
} & Partial<Pick<Trainee, OptionalDetails>>;

const INSERT_BATCH = 5_000;

/** Adds trainee records in bulk, one statement per batch (demo data, imports and benchmarks). */
export async function insertTrainees(db: Kysely<DB>, trainees: NewTrainee[]): Promise<void> {
  for (let start = 0; start < trainees.length; start += INSERT_BATCH) {
    const batch = trainees.slice(start, start + INSERT_BATCH);
    const col = <K extends keyof NewTrainee>(key: K) => batch.map((t) => t[key]);
    await sql`
      insert into trainees (provider_id, first_names, last_name, date_of_birth, trn, hesa_id, provider_trainee_id,
        route, subject, age_range, study_mode, itt_start_date, expected_end_date, state, withdrawal_reason,
        withdrawal_date, standards_met_date, recommended_at, awarded_date)
      select * from unnest(
        ${col('provider_id')}::uuid[], ${col('first_names')}::text[], ${col('last_name')}::text[],
        ${col('date_of_birth')}::date[], ${col('trn')}::text[], ${col('hesa_id')}::text[],
        ${col('provider_trainee_id')}::text[], ${col('route')}::text[], ${col('subject')}::text[],
        ${col('age_range')}::text[], ${col('study_mode')}::text[], ${col('itt_start_date')}::date[],
        ${col('expected_end_date')}::date[], ${col('state')}::text[], ${col('withdrawal_reason')}::text[],
        ${col('withdrawal_date')}::date[], ${col('standards_met_date')}::date[],
        ${col('recommended_at')}::timestamptz[], ${col('awarded_date')}::date[]
      )
    `.execute(db);
  }
  if (trainees.length >= REFRESH_STATISTICS_FROM_ROWS) await refreshStatistics(db, ['trainees']);
}

export interface ChangedTraineesQuery {
  /** Only trainees changed at or after this time. */
  updatedSince?: Date;
  state?: TraineeState;
  /** The academic year the trainee started in, by its first year. */
  academicYear?: number;
  /** After this trainee in the order (a page's last), by its change time to the microsecond. */
  after?: { changedAt: string; id: string };
  limit: number;
}

/**
 * The provider's trainees, the least recently changed first (then by id), for a system that keeps
 * a copy in step page by page: each with its change time to the microsecond, so the next page can
 * start exactly after it.
 */
export async function listTraineesByChange(
  db: Kysely<DB>,
  actor: Actor,
  query: ChangedTraineesQuery,
): Promise<(Trainee & { changed_at: string })[]> {
  let select = db
    .selectFrom('trainees')
    .selectAll()
    .select(sql<string>`to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('changed_at'))
    .where('provider_id', '=', providerId(actor));
  if (query.updatedSince) select = select.where('updated_at', '>=', query.updatedSince);
  if (query.state) select = select.where('state', '=', query.state);
  if (query.academicYear) {
    const { from, to } = traineeAcademicYearDates(query.academicYear);
    select = select.where('itt_start_date', '>=', from).where('itt_start_date', '<=', to);
  }
  if (query.after) {
    const { changedAt, id } = query.after;
    select = select.where(sql<boolean>`(updated_at, id) > (${changedAt}::timestamptz, ${id}::uuid)`);
  }
  return select.orderBy('updated_at').orderBy('id').limit(query.limit).execute();
}
