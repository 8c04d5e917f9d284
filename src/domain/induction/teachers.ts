// Teachers Rollbook knows (claimed by a body or reported by a school), saved from what the
// teaching record says of them, and the facts about each that the induction rules need, read
// for many teachers in one query.
import { type Kysely, sql } from 'kysely';
import type { DB, InductionOutcome, RecordInductionStatus } from '../../db/schema.ts';
import type { RecordTeacher } from '../ports/teaching-record.ts';
import type { ClaimFacts } from './rules.ts';

/**
 * Saves the teachers as the teaching record gave them (new ones added, known ones refreshed), in
 * one statement; returns each one's id by TRN.
 */
export async function saveRecordTeachers(db: Kysely<DB>, records: RecordTeacher[]): Promise<Map<string, string>> {
  if (records.length === 0) return new Map();
  const unique = [...new Map(records.map((r) => [r.trn, r])).values()];
  const { rows } = await sql<{ id: string; trn: string }>`
    insert into teachers (trn, date_of_birth, first_name, last_name, qts_date, record_status, prohibited)
    select * from unnest(
      ${unique.map((r) => r.trn)}::text[], ${unique.map((r) => r.dateOfBirth)}::date[],
      ${unique.map((r) => r.firstName)}::text[], ${unique.map((r) => r.lastName)}::text[],
      ${unique.map((r) => r.qtsDate)}::date[], ${unique.map((r) => r.inductionStatus)}::text[],
      ${unique.map((r) => r.prohibited)}::boolean[])
    on conflict (trn) do update set
      date_of_birth = excluded.date_of_birth, first_name = excluded.first_name, last_name = excluded.last_name,
      qts_date = excluded.qts_date, record_status = excluded.record_status, prohibited = excluded.prohibited,
      updated_at = case when (teachers.first_name, teachers.last_name, teachers.qts_date, teachers.record_status,
          teachers.prohibited) is distinct from (excluded.first_name, excluded.last_name, excluded.qts_date,
          excluded.record_status, excluded.prohibited) then now() else teachers.updated_at end
    returning id, trn
  `.execute(db);
  return new Map(rows.map((row) => [row.trn, row.id]));
}

/** What the rules need to know of a teacher, with their periods summed up. */
export interface TeacherFacts {
  id: string;
  trn: string;
  first_name: string;
  last_name: string;
  date_of_birth: string;
  qts_date: string | null;
  record_status: RecordInductionStatus;
  prohibited: boolean;
  version: number;
  ongoing_period_id: string | null;
  ongoing_body_id: string | null;
  ongoing_body_name: string | null;
  ongoing_started_on: string | null;
  /** The latest end of a finished period. */
  last_finished_on: string | null;
  first_started_on: string | null;
  outcome: InductionOutcome | null;
  period_count: number;
}

/** What the claim rules read of a teacher: as the teaching record gives them, and as Rollbook knows them (none if new). */
export function claimFactsOf(record: RecordTeacher, facts: TeacherFacts | undefined): ClaimFacts {
  return {
    name: `${record.firstName} ${record.lastName}`,
    qtsDate: record.qtsDate,
    prohibited: record.prohibited,
    recordStatus: record.inductionStatus,
    outcome: facts?.outcome ?? null,
    ongoingWith: facts?.ongoing_body_id ? { id: facts.ongoing_body_id, name: facts.ongoing_body_name ?? '' } : null,
  };
}

/** The facts of these teachers (by id or TRN), keyed by id; teachers not found are left out. */
export async function teacherFacts(
  db: Kysely<DB>,
  { ids = [], trns = [] }: { ids?: string[]; trns?: string[] },
): Promise<Map<string, TeacherFacts>> {
  if (ids.length === 0 && trns.length === 0) return new Map();
  const { rows } = await sql<TeacherFacts>`
    select t.id, t.trn, t.first_name, t.last_name, t.date_of_birth::text as date_of_birth,
      t.qts_date::text as qts_date, t.record_status, t.prohibited, t.version,
      o.id as ongoing_period_id, o.appropriate_body_id as ongoing_body_id, ob.name as ongoing_body_name,
      o.started_on::text as ongoing_started_on,
      s.last_finished_on::text as last_finished_on, s.first_started_on::text as first_started_on, s.outcome,
      coalesce(s.period_count, 0)::int as period_count
    from teachers t
    left join induction_periods o on o.teacher_id = t.id and o.finished_on is null
    left join organisations ob on ob.id = o.appropriate_body_id
    left join lateral (
      select max(p.finished_on) as last_finished_on, min(p.started_on) as first_started_on,
        max(p.outcome) as outcome, count(*) as period_count
      from induction_periods p where p.teacher_id = t.id
    ) s on true
    where ${
      ids.length === 0
        ? sql`t.trn = any(${trns}::text[])`
        : trns.length === 0
          ? sql`t.id = any(${ids}::uuid[])`
          : sql`(t.id = any(${ids}::uuid[]) or t.trn = any(${trns}::text[]))`
    }
  `.execute(db);
  return new Map(rows.map((row) => [row.id, row]));
}
