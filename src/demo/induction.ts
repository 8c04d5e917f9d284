// Demo induction: teachers in the local teaching record (TRNs from 4000001) for the demo
// appropriate body and the demo school to work with.
// - 60 with QTS and induction required: the first 48 reported by the demo school to the demo body
//   and not yet claimed (the body's "check and claim" tasks and its prefilled claims sheet), the
//   other 12 not reported (to find and claim by TRN and date of birth).
// - 10 claimed by the demo body (its current ECTs; 2 of them leaving the demo school, its "check
//   and release" tasks), 5 in progress with another body (Northshire Teaching School Hub), 1
//   released by that body (which the demo body can claim), and 1 passed and 1 failed with the
//   demo body.
// - The special cases: 1 prohibited from teaching, 1 exempt, 1 who passed before Rollbook (the
//   record says Passed), 1 who failed, 1 without QTS.
// - Last (index 83, so that the indexes above stay put), a second teacher released by
//   Northshire Teaching School Hub.
import type { Kysely } from 'kysely';
import type { DB, TrainingProgramme } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { claimEcts, closeInductions, failEct } from '../domain/induction/periods.ts';
import { registerEct } from '../domain/induction/registrations.ts';
import { type Actor, SYSTEM } from '../domain/organisations/actor.ts';
import { createOrganisation } from '../domain/organisations/organisations.ts';
import type { RecordTeacher } from '../domain/ports/teaching-record.ts';
import type { DemoContext } from './area.ts';

const FIRST = ['Amara', 'Ben', 'Chloe', 'Dev', 'Ella', 'Finn', 'Grace', 'Hassan', 'Isla', 'Jamal', 'Kate', 'Leo'];
const LAST = ['Adams', 'Bhatt', 'Clarke', 'Davies', 'Evans', 'Fraser', 'Gill', 'Hughes', 'Iqbal', 'Jones', 'Khan'];

export const DEMO_INDUCTION = {
  firstTrn: 4_000_001,
  otherBody: 'Northshire Teaching School Hub',
  /** Teachers reported by the demo school to the demo body, not yet claimed. */
  reported: 48,
} as const;

/**
 * The demo teacher at this index (TRN 4000001 is index 0): TRN, date of birth and names, the same
 * every time (guides and browser journeys rely on them). The first 48 are reported by the demo
 * school; 48 to 59 are not (find and claim them, or register them as the school).
 */
export function demoInductionTeacher(i: number, qtsDate: string | null = null): RecordTeacher {
  return {
    trn: String(DEMO_INDUCTION.firstTrn + i),
    dateOfBirth: `${1990 + (i % 10)}-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}`,
    firstName: FIRST[i % FIRST.length],
    lastName: LAST[(i * 7) % LAST.length] + (i >= FIRST.length ? `-${FIRST[(i * 5) % FIRST.length]}` : ''),
    qtsDate,
    inductionStatus: 'RequiredToComplete',
    inductionStartDate: null,
    inductionCompletedDate: null,
    prohibited: false,
  };
}

/** The academic year's first day on or before today (1 September). */
function academicYearStart(today: string): string {
  const [year, month] = today.split('-').map(Number);
  return `${month >= 9 ? year : year - 1}-09-01`;
}

const shift = (date: string, years: number) => `${Number(date.slice(0, 4)) + years}${date.slice(4)}`;

/** The day before a date. */
const dayBefore = (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

const actorFor = (organisation: Actor['organisation']): Actor => ({
  userId: null,
  email: '',
  firstName: 'Demo',
  lastName: 'data',
  organisation,
  role: 'admin',
});

export async function loadDemoInduction(db: Kysely<DB>, { organisations, via, today }: DemoContext): Promise<void> {
  const start = academicYearStart(today);
  const lastYear = shift(start, -1);
  let n = 0;
  const teacher = (overrides: Partial<RecordTeacher> = {}): RecordTeacher => ({
    ...demoInductionTeacher(n++, `${Number(lastYear.slice(0, 4))}-07-20`),
    ...overrides,
  });
  const required = Array.from({ length: 60 }, () => teacher());
  const current = Array.from({ length: 10 }, () => teacher());
  const elsewhere = Array.from({ length: 5 }, () => teacher());
  const released = teacher();
  const passedHere = teacher({ qtsDate: `${Number(lastYear.slice(0, 4)) - 2}-07-20` });
  const failedHere = teacher({ qtsDate: `${Number(lastYear.slice(0, 4)) - 2}-07-20` });
  const special = [
    teacher({ prohibited: true }),
    teacher({ inductionStatus: 'Exempt' }),
    teacher({ inductionStatus: 'Passed', inductionStartDate: '2019-09-02', inductionCompletedDate: '2021-07-16' }),
    teacher({ inductionStatus: 'Failed', inductionStartDate: '2019-09-02', inductionCompletedDate: '2021-07-16' }),
    teacher({ qtsDate: null, inductionStatus: 'None' }),
  ];
  const releasedToo = teacher();
  const all = [...required, ...current, ...elsewhere, released, passedHere, failedHere, ...special, releasedToo];
  await db
    .insertInto('teaching_record_teachers')
    .values(
      all.map((t) => ({
        trn: t.trn,
        date_of_birth: t.dateOfBirth,
        first_name: t.firstName,
        last_name: t.lastName,
        qts_date: t.qtsDate,
        induction_status: t.inductionStatus,
        induction_start_date: t.inductionStartDate,
        induction_completed_date: t.inductionCompletedDate,
        prohibited: t.prohibited,
      })),
    )
    .execute();

  const other = await createOrganisation(
    db,
    SYSTEM,
    { type: 'appropriate_body', appropriateBodyType: 'teaching_school_hub', name: DEMO_INDUCTION.otherBody },
    via,
  );
  const names = await db
    .selectFrom('organisations')
    .select(['id', 'name', 'type'])
    .where('id', 'in', [organisations.appropriateBody, organisations.school])
    .execute();
  const named = (id: string) => {
    const row = names.find((o) => o.id === id);
    if (!row) throw new Error('Demo organisation missing');
    return { id: row.id, name: row.name, type: row.type };
  };
  const hub = actorFor(named(organisations.appropriateBody));
  const school = actorFor(named(organisations.school));
  const northshire = actorFor({ id: other.id, name: other.name, type: other.type });
  const programme = (i: number): TrainingProgramme => (i % 3 === 0 ? 'school_led' : 'provider_led');

  await inTransaction(db, async (tx) => {
    const options = { via, today };
    // The other body's ECTs, two of them released at Christmas last year.
    const { teacherIds: northshireIds } = await claimEcts(
      tx,
      northshire,
      [...elsewhere, released, releasedToo].map((record, i) => ({
        record,
        startedOn: lastYear,
        programme: programme(i),
      })),
      options,
    );
    await closeInductions(
      tx,
      northshire,
      northshireIds.slice(elsewhere.length).map((teacherId) => ({
        teacherId,
        finishedOn: `${lastYear.slice(0, 4)}-12-19`,
        terms: 1,
        outcome: 'release' as const,
      })),
      options,
    );
    // The demo body's own: current ECTs since last September, and one pass and one fail.
    const { teacherIds: currentIds } = await claimEcts(
      tx,
      hub,
      current.map((record, i) => ({ record, startedOn: lastYear, programme: programme(i) })),
      options,
    );
    const { teacherIds: closedIds } = await claimEcts(
      tx,
      hub,
      [passedHere, failedHere].map((record) => ({ record, startedOn: shift(lastYear, -1), programme: 'provider_led' })),
      options,
    );
    const ended = dayBefore(start);
    await closeInductions(
      tx,
      hub,
      [{ teacherId: closedIds[0], finishedOn: ended, terms: 6, outcome: 'pass' }],
      options,
    );
    await failEct(
      tx,
      hub,
      { teacherId: closedIds[1], finishedOn: ended, terms: 6, confirmationSentOn: ended },
      { ...options, notice: { to: 'induction-outcomes@regulator.example', send: async () => {} } },
    );
    // The demo school's reports: 48 new ECTs to the demo body, and its current ECTs, 2 leaving.
    for (const [i, record] of [...required.slice(0, DEMO_INDUCTION.reported), ...current].entries()) {
      await registerEct(
        tx,
        school,
        {
          record,
          startedOn: i < DEMO_INDUCTION.reported ? start : lastYear,
          programme: programme(i),
          appropriateBodyId: organisations.appropriateBody,
        },
        { via },
      );
    }
    await tx
      .updateTable('ect_registrations')
      .set({ leaving_on: `${start.slice(0, 4)}-12-19` })
      .where('teacher_id', 'in', currentIds.slice(0, 2))
      .execute();
    // Demo data is what the local record already knows: nothing to send.
    await tx.updateTable('induction_status_updates').set({ state: 'sent', sent_at: new Date() }).execute();
    await tx
      .updateTable('teaching_record_teachers')
      .set({ induction_status: 'InProgress' })
      .where(
        'trn',
        'in',
        [...current, ...elsewhere, released, releasedToo].map((t) => t.trn),
      )
      .execute();
    await tx
      .updateTable('teaching_record_teachers')
      .set({ induction_status: 'Passed' })
      .where('trn', '=', passedHere.trn)
      .execute();
    await tx
      .updateTable('teaching_record_teachers')
      .set({ induction_status: 'Failed' })
      .where('trn', '=', failedHere.trn)
      .execute();
  });
}
