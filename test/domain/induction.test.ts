// Induction's rules, through the domain operations and the database itself: claims and what blocks
// them, release, pass and fail, transfers between bodies, extensions, corrections by the body and
// by support, the status changes sent to the teaching record, and the constraints that refuse
// overlapping periods, two ongoing periods, two outcomes and terms out of range whatever the code.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { DomainError, NotFoundError } from '../../src/domain/errors.ts';
import {
  addExtension,
  addInductionPeriod,
  changeExtension,
  changeInductionPeriod,
  claimEcts,
  closeInductions,
  deleteInductionPeriod,
  editCurrentPeriod,
  type FailNotice,
  failEct,
  reopenInduction,
  undoUploadedOutcomes,
} from '../../src/domain/induction/periods.ts';
import { parseTerms } from '../../src/domain/induction/rules.ts';
import { sendAllInductionStatusUpdates } from '../../src/domain/induction/status-updates.ts';
import { saveRecordTeachers } from '../../src/domain/induction/teachers.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import type { RecordTeacher } from '../../src/domain/ports/teaching-record.ts';
import { outbox } from '../../src/integrations/notify/notify.ts';
import { localTeachingRecordInduction } from '../../src/integrations/teaching-record/local-induction.ts';
import { testDatabase } from '../support/database.ts';
import { createAppropriateBody, createOrganisationWithAdmin, createRecordTeacher } from '../support/factories.ts';

const TODAY = '2026-06-15';
const options = { via: 'test', today: TODAY };
const notice: FailNotice = { to: 'regulator@example.com', send: outbox.send };

describe('induction', () => {
  let database: Database;
  let hub: Actor;
  let other: Actor;
  let support: Actor;

  before(async () => {
    database = await testDatabase();
    hub = await createAppropriateBody(database.db, { name: 'North Hub' });
    other = await createAppropriateBody(database.db, { name: 'South Hub' });
    support = await createOrganisationWithAdmin(database.db, { type: 'support', name: 'Support' });
  });
  after(() => database.close());

  const db = () => database.db;
  const claim = (actor: Actor, record: RecordTeacher, startedOn = '2025-09-01') =>
    claimEcts(db(), actor, [{ record, startedOn, programme: 'provider_led' }], options);
  const periodsOf = (id: string) =>
    db()
      .selectFrom('induction_periods')
      .select([
        'appropriate_body_id',
        'started_on',
        'finished_on',
        sql<string | null>`number_of_terms::text`.as('terms'),
        'outcome',
      ])
      .where('teacher_id', '=', id)
      .orderBy('started_on')
      .execute();
  const eventsOf = (id: string) =>
    db()
      .selectFrom('events')
      .select(['action', 'changes', 'organisation_id'])
      .where('subject_id', '=', id)
      .orderBy('id')
      .execute();
  const pendingStatus = (trn: string) =>
    db()
      .selectFrom('induction_status_updates')
      .select(['status', 'start_date', 'completed_date'])
      .where('trn', '=', trn)
      .where('state', '=', 'pending')
      .orderBy('id')
      .execute();
  const refuses = async (promise: Promise<unknown>, message: RegExp) => {
    await assert.rejects(promise, (error: Error) => {
      assert.ok(error instanceof DomainError, `a DomainError, not ${error}`);
      assert.match(error.message, message);
      return true;
    });
  };

  it('claims an ECT: opens their period, records the claim and tells the teaching record once it is sent', async () => {
    const record = await createRecordTeacher(db());
    const { teacherIds } = await claim(hub, record);
    const id = teacherIds[0];
    assert.deepEqual(await periodsOf(id), [
      {
        appropriate_body_id: hub.organisation.id,
        started_on: '2025-09-01',
        finished_on: null,
        terms: null,
        outcome: null,
      },
    ]);
    const [event] = await eventsOf(id);
    assert.equal(event.action, 'induction claimed');
    assert.equal(event.organisation_id, hub.organisation.id);
    assert.deepEqual(await pendingStatus(record.trn), [
      { status: 'InProgress', start_date: '2025-09-01', completed_date: null },
    ]);
    const local = localTeachingRecordInduction(db());
    await sendAllInductionStatusUpdates(db(), local);
    assert.deepEqual(await pendingStatus(record.trn), []);
    const [found] = await local.findTeachers([{ trn: record.trn, dateOfBirth: record.dateOfBirth }]);
    assert.equal(found?.inductionStatus, 'InProgress');
    assert.equal(found?.inductionStartDate, '2025-09-01');
  });

  it('finds a teacher only by the right TRN and date of birth', async () => {
    const record = await createRecordTeacher(db());
    const local = localTeachingRecordInduction(db());
    const [right, wrong, unknown] = await local.findTeachers([
      { trn: record.trn, dateOfBirth: record.dateOfBirth },
      { trn: record.trn, dateOfBirth: '1990-01-01' },
      { trn: '0000001', dateOfBirth: record.dateOfBirth },
    ]);
    assert.equal(right?.lastName, record.lastName);
    assert.equal(wrong, undefined);
    assert.equal(unknown, undefined);
  });

  it('refuses to claim a teacher without QTS, prohibited, passed, failed or exempt, saying why', async () => {
    const cases: [Partial<RecordTeacher>, RegExp][] = [
      [{ qtsDate: null }, /do not have qualified teacher status/],
      [{ prohibited: true }, /prohibited from teaching/],
      [{ inductionStatus: 'Passed' }, /already passed/],
      [{ inductionStatus: 'Failed' }, /already failed/],
      [{ inductionStatus: 'FailedInWales' }, /already failed/],
      [{ inductionStatus: 'Exempt' }, /exempt/],
    ];
    for (const [overrides, message] of cases) {
      const record = await createRecordTeacher(db(), overrides);
      await refuses(claim(hub, record), message);
      const known = await db().selectFrom('teachers').select('id').where('trn', '=', record.trn).execute();
      assert.deepEqual(known, [], 'nothing is saved for a refused claim');
    }
  });

  it('refuses a start date in the future or before the QTS date', async () => {
    const record = await createRecordTeacher(db(), { qtsDate: '2025-07-01' });
    await refuses(claim(hub, record, '2026-06-16'), /cannot be in the future/);
    await refuses(claim(hub, record, '2025-06-30'), /cannot be before their QTS date \(1 July 2025\)/);
  });

  it('refuses a claim while another body has the ECT, and by this body twice', async () => {
    const record = await createRecordTeacher(db());
    await claim(hub, record);
    await refuses(claim(other, record), /completing their induction with another appropriate body \(North Hub\)/);
    await refuses(claim(hub, record), /already claimed by your appropriate body/);
  });

  it('releases an ECT, and another body claims them with a start date after the release only', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record)).teacherIds;
    await refuses(
      closeInductions(db(), hub, [{ teacherId: id, finishedOn: '2025-08-31', terms: 2, outcome: 'release' }], options),
      /on or after the start date \(1 September 2025\)/,
    );
    await refuses(
      closeInductions(db(), hub, [{ teacherId: id, finishedOn: '2026-06-16', terms: 2, outcome: 'release' }], options),
      /cannot be in the future/,
    );
    await refuses(
      closeInductions(
        db(),
        other,
        [{ teacherId: id, finishedOn: '2026-01-31', terms: 2, outcome: 'release' }],
        options,
      ),
      /with another appropriate body \(North Hub\)/,
    );
    await closeInductions(
      db(),
      hub,
      [{ teacherId: id, finishedOn: '2026-01-31', terms: '2.5', outcome: 'release' }],
      options,
    );
    await refuses(claim(other, record, '2026-01-31'), /after their last induction period finished \(31 January 2026\)/);
    await claim(other, record, '2026-02-01');
    const periods = await periodsOf(id);
    assert.deepEqual(
      periods.map((p) => [p.appropriate_body_id, p.finished_on, p.terms, p.outcome]),
      [
        [hub.organisation.id, '2026-01-31', '2.5', null],
        [other.organisation.id, null, null, null],
      ],
    );
    assert.deepEqual(
      (await eventsOf(id)).map((e) => e.action),
      ['induction claimed', 'induction released', 'induction claimed'],
    );
    // A release tells the teaching record nothing, nor does a second claim.
    assert.deepEqual(
      (await pendingStatus(record.trn)).map((s) => s.status),
      ['InProgress'],
    );
  });

  it('records a pass: the teaching record hears it with the first start and last end, and no one can claim them again', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record, '2024-09-02')).teacherIds;
    await refuses(
      closeInductions(
        db(),
        hub,
        [{ teacherId: id, finishedOn: '2026-05-01', terms: '6.25', outcome: 'pass' }],
        options,
      ),
      /up to 1 decimal place/,
    );
    await refuses(
      closeInductions(db(), hub, [{ teacherId: id, finishedOn: '2026-05-01', terms: '17', outcome: 'pass' }], options),
      /between 0 and 16/,
    );
    await closeInductions(db(), hub, [{ teacherId: id, finishedOn: '2026-05-01', terms: 6, outcome: 'pass' }], options);
    assert.deepEqual((await pendingStatus(record.trn)).at(-1), {
      status: 'Passed',
      start_date: '2024-09-02',
      completed_date: '2026-05-01',
    });
    await refuses(claim(other, record, '2026-05-02'), /already passed/);
    await refuses(
      closeInductions(db(), hub, [{ teacherId: id, finishedOn: '2026-05-01', terms: 6, outcome: 'pass' }], options),
      /already passed/,
    );
  });

  it('records a fail only with the date of written confirmation, emails the regulator and tells the teaching record', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record, '2024-09-02')).teacherIds;
    const input = { teacherId: id, finishedOn: '2026-05-01', terms: 6 };
    await refuses(
      failEct(db(), hub, { ...input, confirmationSentOn: null }, { ...options, notice }),
      /Enter the date you sent them written confirmation/,
    );
    await refuses(
      failEct(db(), hub, { ...input, confirmationSentOn: '2026-04-30' }, { ...options, notice }),
      /cannot be before the induction end date/,
    );
    await refuses(
      failEct(db(), other, { ...input, confirmationSentOn: '2026-05-02' }, { ...options, notice }),
      /another appropriate body/,
    );
    await failEct(db(), hub, { ...input, confirmationSentOn: '2026-05-02' }, { ...options, notice });
    const [period] = await periodsOf(id);
    assert.equal(period.outcome, 'fail');
    const email = await db()
      .selectFrom('outbox')
      .selectAll()
      .where('body', 'like', `%${record.trn}%`)
      .executeTakeFirstOrThrow();
    assert.equal(email.to_address, 'regulator@example.com');
    assert.match(email.body, /Sent written confirmation on: 2 May 2026/);
    assert.equal((await pendingStatus(record.trn)).at(-1)?.status, 'Failed');
    assert.equal((await eventsOf(id)).at(-1)?.action, 'induction failed');
  });

  it('adds and changes extensions of 0.1 to 16 terms for the body’s current ECTs only', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record)).teacherIds;
    await refuses(addExtension(db(), hub, id, '0', options), /between 0.1 and 16/);
    await refuses(addExtension(db(), hub, id, '1.25', options), /1 decimal place/);
    await assert.rejects(addExtension(db(), other, id, '1', options), NotFoundError);
    const extension = await addExtension(db(), hub, id, '1.5', options);
    await changeExtension(db(), hub, id, extension, '2', options);
    const rows = await db()
      .selectFrom('induction_extensions')
      .select(sql<string>`number_of_terms::text`.as('terms'))
      .where('teacher_id', '=', id)
      .execute();
    assert.deepEqual(rows, [{ terms: '2' }]);
    assert.deepEqual(
      (await eventsOf(id)).map((e) => e.action),
      ['induction claimed', 'induction extended', 'induction extension changed'],
    );
  });

  it('lets the body correct its current period’s start and programme; a moved first start is sent again', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record)).teacherIds;
    await assert.rejects(
      editCurrentPeriod(db(), other, id, { startedOn: '2025-09-08', programme: 'school_led' }, options),
      NotFoundError,
    );
    await editCurrentPeriod(db(), hub, id, { startedOn: '2025-09-08', programme: 'school_led' }, options);
    const [period] = await periodsOf(id);
    assert.equal(period.started_on, '2025-09-08');
    assert.deepEqual((await pendingStatus(record.trn)).at(-1), {
      status: 'InProgress',
      start_date: '2025-09-08',
      completed_date: null,
    });
  });

  it('lets support reopen the latest outcome and delete a period without one, only with a reason', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record, '2024-09-02')).teacherIds;
    await closeInductions(db(), hub, [{ teacherId: id, finishedOn: '2026-05-01', terms: 6, outcome: 'pass' }], options);
    await assert.rejects(reopenInduction(db(), hub, id, 'because', options), NotFoundError);
    await refuses(reopenInduction(db(), support, id, '  ', options), /Enter the reason/);
    await reopenInduction(db(), support, id, 'Ticket 123456: pass recorded for the wrong teacher', options);
    const [period] = await periodsOf(id);
    assert.equal(period.finished_on, null);
    assert.equal(period.outcome, null);
    const periodId = (
      await db().selectFrom('induction_periods').select('id').where('teacher_id', '=', id).executeTakeFirstOrThrow()
    ).id;
    await deleteInductionPeriod(db(), support, periodId, 'Claimed in error', options);
    assert.deepEqual(await periodsOf(id), []);
    assert.equal((await pendingStatus(record.trn)).at(-1)?.status, 'RequiredToComplete');
    const events = await eventsOf(id);
    assert.deepEqual(
      events.slice(-2).map((e) => [e.action, (e.changes as Record<string, { to?: unknown }>).reason?.to]),
      [
        ['induction reopened', 'Ticket 123456: pass recorded for the wrong teacher'],
        ['induction period deleted', 'Claimed in error'],
      ],
    );
  });

  it('refuses to undo an outcomes upload once support has corrected the period it closed, keeping the correction', async () => {
    const corrected = await createRecordTeacher(db(), { firstName: 'Corrected', lastName: 'Since' });
    const untouched = await createRecordTeacher(db());
    const [correctedId] = (await claim(hub, corrected, '2024-09-02')).teacherIds;
    const [untouchedId] = (await claim(hub, untouched, '2024-09-02')).teacherIds;
    const uploadId = crypto.randomUUID();
    await closeInductions(
      db(),
      hub,
      [
        { teacherId: correctedId, finishedOn: '2026-05-01', terms: 6, outcome: 'pass' },
        { teacherId: untouchedId, finishedOn: '2026-05-01', terms: 6, outcome: 'pass' },
      ],
      { ...options, uploadId },
    );
    const periodId = (
      await db()
        .selectFrom('induction_periods')
        .select('id')
        .where('teacher_id', '=', correctedId)
        .executeTakeFirstOrThrow()
    ).id;
    await changeInductionPeriod(
      db(),
      support,
      periodId,
      {
        appropriateBodyId: hub.organisation.id,
        startedOn: '2024-09-02',
        finishedOn: '2026-04-24',
        terms: '6',
        programme: 'provider_led',
      },
      'Ticket 77: the pass was a week earlier',
      options,
    );
    const before = [await periodsOf(correctedId), await periodsOf(untouchedId)];
    const statuses = await pendingStatus(corrected.trn);
    assert.deepEqual(await undoUploadedOutcomes(db(), hub, uploadId, options), [
      'Corrected Since’s induction period has been corrected since this upload ended it: change their record on their page instead',
    ]);
    assert.deepEqual([await periodsOf(correctedId), await periodsOf(untouchedId)], before, 'nothing reopened');
    assert.equal(before[0][0].finished_on, '2026-04-24');
    assert.deepEqual(await pendingStatus(corrected.trn), statuses, 'the teaching record hears nothing');
  });

  it('undoes an outcomes upload nobody changed since: the periods are open again', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record, '2024-09-02')).teacherIds;
    const uploadId = crypto.randomUUID();
    await closeInductions(db(), hub, [{ teacherId: id, finishedOn: '2026-05-01', terms: 6, outcome: 'pass' }], {
      ...options,
      uploadId,
    });
    assert.deepEqual(await undoUploadedOutcomes(db(), hub, uploadId, options), []);
    const [period] = await periodsOf(id);
    assert.deepEqual([period.finished_on, period.outcome], [null, null]);
    assert.equal((await pendingStatus(record.trn)).at(-1)?.status, 'InProgress');
  });

  it('refuses support a period for a teacher the teaching record has as exempt, passed or failed before Rollbook, or prohibited', async () => {
    const period = (bodyId: string) => ({
      appropriateBodyId: bodyId,
      startedOn: '2024-09-02',
      finishedOn: null,
      terms: '',
      programme: 'provider_led' as const,
    });
    const cases = [
      [{ inductionStatus: 'Exempt' as const }, /exempt from completing their induction/],
      [{ inductionStatus: 'Passed' as const }, /already passed their induction/],
      [{ inductionStatus: 'Failed' as const }, /already failed their induction/],
      [{ prohibited: true }, /prohibited from teaching/],
    ] as const;
    for (const [overrides, message] of cases) {
      const record = await createRecordTeacher(db(), overrides);
      const id = (await saveRecordTeachers(db(), [record])).get(record.trn) as string;
      await refuses(addInductionPeriod(db(), support, id, period(hub.organisation.id), 'Ticket 9', options), message);
      assert.deepEqual(await periodsOf(id), []);
      assert.deepEqual(await pendingStatus(record.trn), [], 'the teaching record is not told "in progress"');
    }
  });

  it('refuses support an end date of a failed period after the date written confirmation was sent', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record, '2024-09-02')).teacherIds;
    await failEct(
      db(),
      hub,
      { teacherId: id, finishedOn: '2026-05-01', terms: 6, confirmationSentOn: '2026-05-04' },
      { ...options, notice },
    );
    const periodId = (
      await db().selectFrom('induction_periods').select('id').where('teacher_id', '=', id).executeTakeFirstOrThrow()
    ).id;
    const correction = (finishedOn: string) =>
      changeInductionPeriod(
        db(),
        support,
        periodId,
        {
          appropriateBodyId: hub.organisation.id,
          startedOn: '2024-09-02',
          finishedOn,
          terms: '6',
          programme: 'provider_led',
        },
        'Ticket 31',
        options,
      );
    await refuses(
      correction('2026-05-05'),
      /The end date cannot be after 4 May 2026, when written confirmation of the fail was sent/,
    );
    assert.equal((await periodsOf(id))[0].finished_on, '2026-05-01');
    await correction('2026-05-04');
    assert.deepEqual(
      (await periodsOf(id)).map((p) => [p.finished_on, p.outcome]),
      [['2026-05-04', 'fail']],
    );
  });

  it('records a period support moved to another body in both bodies’ audit logs', async () => {
    const record = await createRecordTeacher(db());
    const [id] = (await claim(hub, record, '2024-09-02')).teacherIds;
    const periodId = (
      await db().selectFrom('induction_periods').select('id').where('teacher_id', '=', id).executeTakeFirstOrThrow()
    ).id;
    const before = (await eventsOf(id)).length;
    await changeInductionPeriod(
      db(),
      support,
      periodId,
      {
        appropriateBodyId: other.organisation.id,
        startedOn: '2024-09-02',
        finishedOn: null,
        terms: '',
        programme: 'provider_led',
      },
      'Ticket 12: claimed by the wrong hub',
      options,
    );
    const moved = (await eventsOf(id)).slice(before);
    assert.deepEqual(
      moved.map((e) => [e.action, e.organisation_id]).sort(),
      [
        ['induction period corrected', hub.organisation.id],
        ['induction period corrected', other.organisation.id],
      ].sort(),
    );
    for (const e of moved) {
      assert.deepEqual((e.changes as Record<string, unknown>).appropriate_body, { from: 'North Hub', to: 'South Hub' });
    }
  });

  it('parses terms: 0 to 16 with at most one decimal place', () => {
    assert.deepEqual(parseTerms('2.5'), { ok: true, value: 2.5 });
    assert.deepEqual(parseTerms('16'), { ok: true, value: 16 });
    for (const bad of ['', '-1', '16.1', '2.55', 'two', '1e1']) assert.equal(parseTerms(bad).ok, false, bad);
  });

  describe('the database itself refuses', () => {
    let id: string;
    const insert = (values: {
      started_on: string;
      finished_on?: string | null;
      number_of_terms?: string | null;
      outcome?: 'pass' | 'fail' | null;
      body?: string;
    }) =>
      db()
        .insertInto('induction_periods')
        .values({
          teacher_id: id,
          appropriate_body_id: values.body ?? hub.organisation.id,
          started_on: values.started_on,
          finished_on: values.finished_on ?? null,
          number_of_terms: values.number_of_terms ?? null,
          outcome: values.outcome ?? null,
          training_programme: 'school_led',
        })
        .execute();

    before(async () => {
      const record = await createRecordTeacher(db());
      [id] = (await claim(hub, record, '2025-01-06')).teacherIds;
      await closeInductions(
        db(),
        hub,
        [{ teacherId: id, finishedOn: '2025-03-31', terms: 1, outcome: 'release' }],
        options,
      );
    });

    it('overlapping periods, even sharing one day', async () => {
      await assert.rejects(
        insert({
          started_on: '2025-03-31',
          finished_on: '2025-05-01',
          number_of_terms: '1',
          body: other.organisation.id,
        }),
        /cannot overlap/,
      );
      await assert.rejects(
        insert({ started_on: '2024-12-01', finished_on: '2025-01-06', number_of_terms: '1' }),
        /cannot overlap/,
      );
      // An ongoing period runs on for ever: one starting before a finished one overlaps it.
      await assert.rejects(insert({ started_on: '2024-12-01' }), /cannot overlap/);
      await insert({ started_on: '2024-10-01', finished_on: '2024-12-01', number_of_terms: '1' });
    });

    it('an update that makes periods overlap', async () => {
      await assert.rejects(
        db()
          .updateTable('induction_periods')
          .set({ started_on: '2024-11-15' })
          .where('teacher_id', '=', id)
          .where('started_on', '=', '2025-01-06')
          .execute(),
        /cannot overlap/,
      );
    });

    it('a period starting before 1 September 1999', async () => {
      await assert.rejects(
        insert({ started_on: '1999-08-31', finished_on: '1999-12-17', number_of_terms: '1' }),
        /induction_periods_earliest_start/,
      );
    });

    it('a second ongoing period', async () => {
      await insert({ started_on: '2025-04-01' });
      await assert.rejects(
        insert({ started_on: '2026-01-01', body: other.organisation.id }),
        /induction_periods_one_ongoing|cannot overlap/,
      );
    });

    it('a second outcome for a teacher', async () => {
      const record = await createRecordTeacher(db(), { qtsDate: '2023-07-01' });
      const [other_] = (await claim(hub, record, '2024-01-08')).teacherIds;
      await closeInductions(
        db(),
        hub,
        [{ teacherId: other_, finishedOn: '2024-03-28', terms: 1, outcome: 'pass' }],
        options,
      );
      await assert.rejects(
        db()
          .insertInto('induction_periods')
          .values({
            teacher_id: other_,
            appropriate_body_id: hub.organisation.id,
            started_on: '2024-04-15',
            finished_on: '2024-06-01',
            number_of_terms: '1',
            outcome: 'fail',
            training_programme: 'school_led',
          })
          .execute(),
        /induction_periods_one_outcome/,
      );
    });

    it('terms out of range, with two decimal places, missing once finished or given while ongoing; an outcome while ongoing', async () => {
      const cases = [
        { started_on: '2023-01-01', finished_on: '2023-02-01', number_of_terms: '16.5' },
        { started_on: '2023-01-01', finished_on: '2023-02-01', number_of_terms: '-1' },
        { started_on: '2023-01-01', finished_on: '2023-02-01', number_of_terms: '2.55' },
        { started_on: '2023-01-01', finished_on: '2023-02-01', number_of_terms: null },
        { started_on: '2023-01-01', finished_on: '2022-12-01', number_of_terms: '1' },
      ];
      for (const values of cases)
        await assert.rejects(insert(values), /violates check constraint/, JSON.stringify(values));
      await assert.rejects(
        db()
          .updateTable('induction_periods')
          .set({ number_of_terms: '1' })
          .where('teacher_id', '=', id)
          .where('finished_on', 'is', null)
          .execute(),
        /violates check constraint/,
      );
      await assert.rejects(
        db()
          .updateTable('induction_periods')
          .set({ outcome: 'pass' })
          .where('teacher_id', '=', id)
          .where('finished_on', 'is', null)
          .execute(),
        /violates check constraint/,
      );
    });
  });
});
