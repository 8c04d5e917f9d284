// Schools report their early-career teachers once: TRN and date of birth (found in the teaching
// record), start date, training programme and the appropriate body they have agreed, chosen from
// the bodies valid for the school. The body sees each as a claim to check; a school marks an ECT
// as leaving, and the body sees that as a release to check.
import { type Kysely, sql } from 'kysely';
import type { DB, TrainingProgramme } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import { today } from '../dates.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import type { Actor } from '../organisations/actor.ts';
import type { RecordTeacher } from '../ports/teaching-record.ts';
import { claimBlockers, EARLIEST_CLAIM_START, periodStartProblem, teacherName } from './rules.ts';
import { claimFactsOf, saveRecordTeachers, teacherFacts } from './teachers.ts';

/** Whether a school in the register is independent (not state-funded), from its establishment type. */
export const isIndependentSchool = (establishmentType: string | null) => /independent/i.test(establishmentType ?? '');

/**
 * The bodies a school may choose: teaching school hubs for a state-funded school; national bodies
 * or hubs for an independent school.
 */
export async function bodiesForSchool(
  db: Kysely<DB>,
  schoolId: string,
): Promise<{ id: string; name: string; type: string }[]> {
  const school = await db
    .selectFrom('organisations')
    .leftJoin('schools', 'schools.urn', 'organisations.urn')
    .select(['organisations.id', 'schools.establishment_type'])
    .where('organisations.id', '=', schoolId)
    .where('organisations.type', '=', 'school')
    .executeTakeFirst();
  if (!school) return [];
  const types = isIndependentSchool(school.establishment_type)
    ? (['national', 'teaching_school_hub'] as const)
    : (['teaching_school_hub'] as const);
  const rows = await db
    .selectFrom('organisations')
    .select(['id', 'name', 'appropriate_body_type'])
    .where('type', '=', 'appropriate_body')
    .where('appropriate_body_type', 'in', [...types])
    .orderBy('name')
    .execute();
  return rows.map((row) => ({ id: row.id, name: row.name, type: row.appropriate_body_type ?? '' }));
}

export interface RegisterInput {
  record: RecordTeacher;
  startedOn: string;
  programme: TrainingProgramme;
  appropriateBodyId: string;
}

/** A school registers an ECT with the body it has agreed. Once per school and teacher. */
export async function registerEct(
  db: Kysely<DB>,
  actor: Actor,
  input: RegisterInput,
  { via }: { via: string },
): Promise<{ registrationId: string; teacherId: string }> {
  if (actor.organisation.type !== 'school') throw new NotFoundError('School');
  return inTransaction(db, async (tx) => {
    const bodies = await bodiesForSchool(tx, actor.organisation.id);
    const body = bodies.find((b) => b.id === input.appropriateBodyId);
    if (!body) {
      throw new DomainError(
        'Select the appropriate body you have agreed with, from the list of bodies your school can use',
        'appropriateBodyId',
      );
    }
    const { record } = input;
    const name = `${record.firstName} ${record.lastName}`;
    const known = [...(await teacherFacts(tx, { trns: [record.trn] })).values()][0];
    const blockers = claimBlockers({ ...claimFactsOf(record, known), ongoingWith: null }, body.id);
    if (blockers[0]) throw new DomainError(blockers[0].replace('You cannot claim', 'You cannot register'), 'trn');
    const startProblem = periodStartProblem(input.startedOn, {
      qtsDate: record.qtsDate,
      today: today(),
      earliest: EARLIEST_CLAIM_START,
      allowFuture: true,
    });
    if (startProblem) throw new DomainError(startProblem, 'startedOn');
    const ids = await saveRecordTeachers(tx, [record]);
    const teacherId = ids.get(record.trn) ?? '';
    const existing = await tx
      .selectFrom('ect_registrations')
      .select('id')
      .where('school_id', '=', actor.organisation.id)
      .where('teacher_id', '=', teacherId)
      .executeTakeFirst();
    if (existing) throw new DomainError(`You have already registered ${name}`, 'trn');
    const { id } = await tx
      .insertInto('ect_registrations')
      .values({
        school_id: actor.organisation.id,
        teacher_id: teacherId,
        appropriate_body_id: body.id,
        started_on: input.startedOn,
        training_programme: input.programme,
        created_by: actor.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: teacherId,
        action: 'ect registered',
        changes: {
          teacher: { to: name },
          appropriate_body: { to: body.name },
          started_on: { to: input.startedOn },
          training_programme: { to: input.programme },
        },
      },
    ]);
    return { registrationId: id, teacherId };
  });
}

/** The school says the ECT is leaving on this date; their body sees a release to check. */
export async function markEctLeaving(
  db: Kysely<DB>,
  actor: Actor,
  registrationId: string,
  leavingOn: string,
  { via }: { via: string },
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const registration = await tx
      .selectFrom('ect_registrations')
      .innerJoin('teachers', 'teachers.id', 'ect_registrations.teacher_id')
      .select(['ect_registrations.id', 'ect_registrations.teacher_id', 'teachers.first_name', 'teachers.last_name'])
      .where('ect_registrations.id', '=', registrationId)
      .where('ect_registrations.school_id', '=', actor.organisation.id)
      .executeTakeFirst();
    if (!registration) throw new NotFoundError('ECT');
    await tx
      .updateTable('ect_registrations')
      .set({ leaving_on: leavingOn, updated_at: new Date() })
      .where('id', '=', registrationId)
      .execute();
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: registration.teacher_id,
        action: 'ect leaving',
        changes: { teacher: { to: teacherName(registration) }, leaving_on: { to: leavingOn } },
      },
    ]);
  });
}

export interface SchoolEct {
  registration_id: string;
  teacher_id: string;
  trn: string;
  first_name: string;
  last_name: string;
  started_on: string;
  training_programme: TrainingProgramme;
  body_name: string;
  leaving_on: string | null;
  /** The teacher's latest period, if any. */
  latest_body_name: string | null;
  latest_finished_on: string | null;
  latest_outcome: 'pass' | 'fail' | null;
  has_period: boolean;
}

/** What a school sees of an ECT, in words. */
export function schoolEctStatus(ect: SchoolEct): { text: string; colour: string } {
  if (!ect.has_period) return { text: 'Registered: waiting for the appropriate body', colour: 'yellow' };
  if (ect.latest_outcome === 'pass') return { text: 'Passed', colour: 'green' };
  if (ect.latest_outcome === 'fail') return { text: 'Failed', colour: 'red' };
  if (ect.latest_finished_on) return { text: `Released by ${ect.latest_body_name}`, colour: 'grey' };
  return { text: `Claimed by ${ect.latest_body_name}`, colour: 'blue' };
}

/** The school's registered ECTs, newest first, with where each stands. */
export async function listSchoolEcts(db: Kysely<DB>, actor: Actor): Promise<SchoolEct[]> {
  const { rows } = await sql<SchoolEct>`
    select r.id as registration_id, t.id as teacher_id, t.trn, t.first_name, t.last_name,
      r.started_on::text as started_on, r.training_programme, b.name as body_name, r.leaving_on::text as leaving_on,
      lb.name as latest_body_name, l.finished_on::text as latest_finished_on, l.outcome as latest_outcome,
      l.id is not null as has_period
    from ect_registrations r
    join teachers t on t.id = r.teacher_id
    join organisations b on b.id = r.appropriate_body_id
    left join lateral (
      select p.id, p.appropriate_body_id, p.finished_on, p.outcome from induction_periods p
      where p.teacher_id = t.id order by p.started_on desc limit 1
    ) l on true
    left join organisations lb on lb.id = l.appropriate_body_id
    where r.school_id = ${actor.organisation.id}
    order by r.created_at desc, t.last_name
  `.execute(db);
  return rows;
}
