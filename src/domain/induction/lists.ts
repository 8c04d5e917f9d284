// What an appropriate body sees: its current and past ECTs (searched, in pages), its tasks (ECTs
// schools reported to it and not yet claimed; ECTs leaving their school), and one teacher with
// their periods, terms and extensions. A body sees only teachers it has had a period with or that
// a school reported to it; support sees every teacher.
import { type Kysely, sql } from 'kysely';
import { containing } from '../../db/like.ts';
import type { DB, InductionOutcome, RecordInductionStatus, TrainingProgramme } from '../../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { type Actor, isSupport } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import { type InductionStatus, inductionStatus, TERMS_REQUIRED } from './rules.ts';

export const ECTS_PAGE_SIZE = 25;

export interface BodyEct {
  teacher_id: string;
  trn: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  started_on: string;
  finished_on: string | null;
  training_programme: TrainingProgramme;
  outcome: InductionOutcome | null;
  number_of_terms: string | null;
}

/** The body's current ECTs (an ongoing period with it) or past ones (a period with it that has ended). */
export async function listBodyEcts(
  db: Kysely<DB>,
  actor: Actor,
  { which, q = '', page = 1 }: { which: 'current' | 'past'; q?: string; page?: number },
): Promise<{ ects: BodyEct[]; total: number }> {
  const search = q.trim();
  const digits = search.replace(/\s+/g, '');
  const filter = search
    ? /^\d{7}$/.test(digits)
      ? sql`and t.trn = ${digits}`
      : sql`and (t.first_name || ' ' || t.last_name) ilike ${containing(search)}`
    : sql``;
  const state = which === 'current' ? sql`p.finished_on is null` : sql`p.finished_on is not null`;
  // A teacher once per list: their latest period with this body.
  const base = sql`
    from induction_periods p
    join teachers t on t.id = p.teacher_id
    where p.appropriate_body_id = ${actor.organisation.id} and ${state} ${filter}
      and not exists (select 1 from induction_periods later where later.teacher_id = p.teacher_id
        and later.appropriate_body_id = p.appropriate_body_id and later.started_on > p.started_on)
  `;
  const [{ rows }, { rows: count }] = await Promise.all([
    sql<BodyEct>`
      select t.id as teacher_id, t.trn, t.first_name, t.last_name, t.date_of_birth::text as date_of_birth,
        p.started_on::text as started_on, p.finished_on::text as finished_on, p.training_programme, p.outcome,
        p.number_of_terms::text as number_of_terms
      ${base}
      order by lower(t.last_name), lower(t.first_name), t.trn
      limit ${ECTS_PAGE_SIZE} offset ${(Math.max(page, 1) - 1) * ECTS_PAGE_SIZE}
    `.execute(db),
    sql<{ n: string }>`select count(*) as n ${base}`.execute(db),
  ]);
  return { ects: rows, total: Number(count[0]?.n ?? 0) };
}

export interface ClaimTask {
  registration_id: string;
  teacher_id: string;
  trn: string;
  date_of_birth: string;
  first_name: string;
  last_name: string;
  qts_date: string | null;
  started_on: string;
  training_programme: TrainingProgramme;
  school_name: string;
}

/**
 * ECTs schools reported to this body that it has not claimed: no ongoing period anywhere, no
 * outcome, and no period with this body since the school's start date.
 */
function claimTasksSql(actor: Actor) {
  return sql`
    from ect_registrations r
    join teachers t on t.id = r.teacher_id
    join organisations s on s.id = r.school_id
    where r.appropriate_body_id = ${actor.organisation.id} and r.leaving_on is null
      and not exists (select 1 from induction_periods p where p.teacher_id = t.id
        and (p.finished_on is null or p.outcome is not null
          or (p.appropriate_body_id = r.appropriate_body_id and p.started_on >= r.started_on)))
  `;
}

export async function listClaimTasks(
  db: Kysely<DB>,
  actor: Actor,
  { limit, offset = 0 }: { limit?: number; offset?: number } = {},
): Promise<ClaimTask[]> {
  const { rows } = await sql<ClaimTask>`
    select distinct on (lower(t.last_name), lower(t.first_name), t.trn) r.id as registration_id,
      t.id as teacher_id, t.trn, t.date_of_birth::text as date_of_birth, t.first_name, t.last_name,
      t.qts_date::text as qts_date, r.started_on::text as started_on, r.training_programme, s.name as school_name
    ${claimTasksSql(actor)}
    order by lower(t.last_name), lower(t.first_name), t.trn, r.created_at
    ${limit === undefined ? sql`` : sql`limit ${limit} offset ${offset}`}
  `.execute(db);
  return rows;
}

export async function countClaimTasks(db: Kysely<DB>, actor: Actor): Promise<number> {
  const { rows } = await sql<{ n: string }>`select count(distinct t.id) as n ${claimTasksSql(actor)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export interface ReleaseTask {
  teacher_id: string;
  trn: string;
  first_name: string;
  last_name: string;
  leaving_on: string;
  school_name: string;
}

/** The body's current ECTs whose school says they are leaving. */
export async function listReleaseTasks(db: Kysely<DB>, actor: Actor): Promise<ReleaseTask[]> {
  const { rows } = await sql<ReleaseTask>`
    select t.id as teacher_id, t.trn, t.first_name, t.last_name, r.leaving_on::text as leaving_on, s.name as school_name
    from ect_registrations r
    join teachers t on t.id = r.teacher_id
    join organisations s on s.id = r.school_id
    join induction_periods p on p.teacher_id = t.id and p.finished_on is null
      and p.appropriate_body_id = ${actor.organisation.id}
    where r.leaving_on is not null
    order by r.leaving_on, lower(t.last_name)
  `.execute(db);
  return rows;
}

export interface TeacherPeriod {
  id: string;
  appropriate_body_id: string;
  body_name: string;
  started_on: string;
  finished_on: string | null;
  number_of_terms: string | null;
  training_programme: TrainingProgramme;
  outcome: InductionOutcome | null;
  fail_confirmation_sent_on: string | null;
}

export interface TeacherRecordView {
  id: string;
  trn: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  qts_date: string | null;
  record_status: RecordInductionStatus;
  prohibited: boolean;
  periods: TeacherPeriod[];
  extensions: { id: string; number_of_terms: string; created_at: Date }[];
  status: InductionStatus;
  termsCompleted: number;
  termsRequired: number;
  /** The ongoing period, when it is with the actor's body. */
  current: TeacherPeriod | undefined;
}

/** One teacher as the actor may see them: a body's own (a period or a school's report), or any for support. */
export async function findTeacherForActor(db: Kysely<DB>, actor: Actor, teacherId: string): Promise<TeacherRecordView> {
  if (!isUuid(teacherId)) throw new NotFoundError('Teacher');
  const teacher = await teacherRow(db, teacherId);
  if (!teacher) throw new NotFoundError('Teacher');
  if (!isSupport(actor)) {
    const bodyId = actor.organisation.id;
    const seen = await sql<{ ok: boolean }>`
      select exists (select 1 from induction_periods where teacher_id = ${teacherId} and appropriate_body_id = ${bodyId})
        or exists (select 1 from ect_registrations where teacher_id = ${teacherId} and appropriate_body_id = ${bodyId})
        as ok
    `.execute(db);
    if (actor.organisation.type !== 'appropriate_body' || !seen.rows[0]?.ok) throw new NotFoundError('Teacher');
  }
  return teacherView(db, teacher, actor.organisation.id);
}

/**
 * A teacher's whole induction, whoever they were with: for the check page a body sees before it
 * claims them (their earlier periods, as the teaching record would show them).
 */
export async function teacherHistory(db: Kysely<DB>, teacherId: string, bodyId: string): Promise<TeacherRecordView> {
  const teacher = await teacherRow(db, teacherId);
  if (!teacher) throw new NotFoundError('Teacher');
  return teacherView(db, teacher, bodyId);
}

async function teacherView(
  db: Kysely<DB>,
  teacher: NonNullable<Awaited<ReturnType<typeof teacherRow>>>,
  bodyId: string,
): Promise<TeacherRecordView> {
  const teacherId = teacher.id;
  const [{ rows: periods }, { rows: extensions }] = await Promise.all([
    sql<TeacherPeriod>`
      select p.id, p.appropriate_body_id, o.name as body_name, p.started_on::text as started_on,
        p.finished_on::text as finished_on, p.number_of_terms::text as number_of_terms, p.training_programme,
        p.outcome, p.fail_confirmation_sent_on::text as fail_confirmation_sent_on
      from induction_periods p join organisations o on o.id = p.appropriate_body_id
      where p.teacher_id = ${teacherId} order by p.started_on
    `.execute(db),
    sql<{ id: string; number_of_terms: string; created_at: Date }>`
      select id, number_of_terms::text as number_of_terms, created_at from induction_extensions
      where teacher_id = ${teacherId} order by created_at, id
    `.execute(db),
  ]);
  const termsCompleted = periods.reduce((sum, p) => sum + Number(p.number_of_terms ?? 0), 0);
  const termsRequired = extensions.reduce((sum, e) => sum + Number(e.number_of_terms), TERMS_REQUIRED);
  return {
    ...teacher,
    periods,
    extensions,
    status: inductionStatus(periods, teacher.record_status),
    termsCompleted: Math.round(termsCompleted * 10) / 10,
    termsRequired: Math.round(termsRequired * 10) / 10,
    current: periods.find((p) => p.finished_on === null && p.appropriate_body_id === bodyId),
  };
}

function teacherRow(db: Kysely<DB>, teacherId: string) {
  return db
    .selectFrom('teachers')
    .select([
      'id',
      'trn',
      'first_name',
      'last_name',
      sql<string>`date_of_birth::text`.as('date_of_birth'),
      sql<string | null>`qts_date::text`.as('qts_date'),
      'record_status',
      'prohibited',
    ])
    .where('id', '=', teacherId)
    .executeTakeFirst();
}
