// Schools register their ECTs once, with a body valid for the school; the body sees them as
// claims to check, and as releases to check once the school says they are leaving; a school sees
// where each of its ECTs stands, and no other school's. The demo data gives a body plenty to do.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { DEMO, loadDemoData } from '../../src/demo/index.ts';
import { DomainError, NotFoundError } from '../../src/domain/errors.ts';
import { findTeacherForActor, listClaimTasks, listReleaseTasks } from '../../src/domain/induction/lists.ts';
import { claimEcts, closeInductions } from '../../src/domain/induction/periods.ts';
import {
  bodiesForSchool,
  listSchoolEcts,
  markEctLeaving,
  registerEct,
  schoolEctStatus,
} from '../../src/domain/induction/registrations.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import { testDatabase } from '../support/database.ts';
import {
  createAppropriateBody,
  createOrganisationWithAdmin,
  createRecordTeacher,
  createSchool,
} from '../support/factories.ts';

const TODAY = '2026-06-15';
const via = { via: 'test' };

describe('schools’ ECTs', () => {
  let database: Database;
  let hub: Actor;
  let otherHub: Actor;
  let national: Actor;
  let school: Actor;
  let otherSchool: Actor;
  let independent: Actor;

  before(async () => {
    database = await testDatabase();
    const db = database.db;
    hub = await createAppropriateBody(db, { name: 'Aardvark Hub' });
    otherHub = await createAppropriateBody(db, { name: 'Badger Hub' });
    national = await createAppropriateBody(db, { name: 'Cormorant National', bodyType: 'national' });
    const state = await createSchool(db);
    const other = await createSchool(db);
    await upsertSchools(db, [
      {
        urn: '990001',
        name: 'Greyfriars School',
        postcode: 'LS1 4AB',
        phase: 'Secondary',
        establishmentType: 'Other independent school',
        status: 'Open',
        localAuthority: 'Leeds',
        ukprn: null,
      },
    ]);
    school = await createOrganisationWithAdmin(db, { type: 'school', urn: state.urn });
    otherSchool = await createOrganisationWithAdmin(db, { type: 'school', urn: other.urn });
    independent = await createOrganisationWithAdmin(db, { type: 'school', urn: '990001' });
  });
  after(() => database.close());

  it('offers a state-funded school teaching school hubs only, and an independent school national bodies too', async () => {
    const names = async (actor: Actor) =>
      (await bodiesForSchool(database.db, actor.organisation.id)).map((b) => b.name).filter((n) => !n.includes('Demo'));
    assert.deepEqual(await names(school), ['Aardvark Hub', 'Badger Hub']);
    assert.deepEqual(await names(independent), ['Aardvark Hub', 'Badger Hub', 'Cormorant National']);
    const record = await createRecordTeacher(database.db);
    await assert.rejects(
      registerEct(
        database.db,
        school,
        { record, startedOn: '2025-09-01', programme: 'school_led', appropriateBodyId: national.organisation.id },
        via,
      ),
      /Select the appropriate body/,
    );
  });

  it('registers an ECT once; the body sees a claim to check, then a release to check when they are leaving', async () => {
    const db = database.db;
    const record = await createRecordTeacher(db);
    const input = {
      record,
      startedOn: '2025-09-01',
      programme: 'school_led' as const,
      appropriateBodyId: hub.organisation.id,
    };
    const { registrationId, teacherId } = await registerEct(db, school, input, via);
    await assert.rejects(registerEct(db, school, input, via), /already registered/);
    const [ect] = (await listSchoolEcts(db, school)).filter((e) => e.trn === record.trn);
    assert.equal(schoolEctStatus(ect).text, 'Registered: waiting for the appropriate body');
    assert.deepEqual(await listSchoolEcts(db, otherSchool), [], 'another school sees none of them');

    const tasks = await listClaimTasks(db, hub);
    assert.deepEqual(
      tasks.filter((t) => t.trn === record.trn).map((t) => [t.started_on, t.training_programme]),
      [['2025-09-01', 'school_led']],
    );
    assert.deepEqual(
      (await listClaimTasks(db, otherHub)).filter((t) => t.trn === record.trn),
      [],
      'another body has no such task',
    );
    await assert.rejects(findTeacherForActor(db, otherHub, teacherId), NotFoundError);
    assert.equal((await findTeacherForActor(db, hub, teacherId)).trn, record.trn);

    await claimEcts(db, hub, [{ record, startedOn: '2025-09-01', programme: 'school_led' }], {
      via: 'test',
      today: TODAY,
    });
    assert.deepEqual(
      (await listClaimTasks(db, hub)).filter((t) => t.trn === record.trn),
      [],
      'claimed: no longer a task',
    );
    const [claimed] = (await listSchoolEcts(db, school)).filter((e) => e.trn === record.trn);
    assert.equal(schoolEctStatus(claimed).text, 'Claimed by Aardvark Hub');

    await assert.rejects(markEctLeaving(db, otherSchool, registrationId, '2026-07-20', via), NotFoundError);
    await markEctLeaving(db, school, registrationId, '2026-07-20', via);
    assert.deepEqual(
      (await listReleaseTasks(db, hub)).filter((t) => t.trn === record.trn).map((t) => t.leaving_on),
      ['2026-07-20'],
    );
    assert.deepEqual(await listReleaseTasks(db, otherHub), []);
    await closeInductions(db, hub, [{ teacherId, finishedOn: '2026-06-01', terms: 2.5, outcome: 'release' }], {
      via: 'test',
      today: TODAY,
    });
    const [done] = (await listSchoolEcts(db, school)).filter((e) => e.trn === record.trn);
    assert.equal(schoolEctStatus(done).text, 'Released by Aardvark Hub');
    assert.deepEqual(
      (await listReleaseTasks(db, hub)).filter((t) => t.trn === record.trn),
      [],
    );
  });

  it('refuses to register a teacher who has passed, or without QTS', async () => {
    for (const overrides of [{ inductionStatus: 'Passed' as const }, { qtsDate: null }]) {
      const record = await createRecordTeacher(database.db, overrides);
      await assert.rejects(
        registerEct(
          database.db,
          school,
          { record, startedOn: '2025-09-01', programme: 'school_led', appropriateBodyId: hub.organisation.id },
          via,
        ),
        (error: Error) => error instanceof DomainError && /You cannot register/.test(error.message),
      );
    }
  });
});

describe('demo induction data', () => {
  let database: Database;
  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
  });
  after(() => database.close());

  it('gives the demo body over 45 ECTs to check and claim, current ECTs, releases to check and the special cases', async () => {
    const db = database.db;
    const body = await db
      .selectFrom('organisations')
      .select(['id', 'name', 'type'])
      .where('name', '=', DEMO.appropriateBody.name)
      .executeTakeFirstOrThrow();
    const actor: Actor = {
      userId: null,
      email: '',
      firstName: 'Test',
      lastName: 'Reader',
      organisation: body,
      role: 'admin',
    };
    const { rows } = await sql<{ required: string; total: string }>`
      select count(*) filter (where qts_date is not null and induction_status = 'RequiredToComplete') as required,
        count(*) as total from teaching_record_teachers
    `.execute(db);
    assert.ok(Number(rows[0].required) >= 60, `${rows[0].required} teachers have QTS and induction required`);
    const tasks = await listClaimTasks(db, actor);
    assert.ok(tasks.length >= 45, `${tasks.length} ECTs to check and claim`);
    assert.ok(tasks.every((t) => t.school_name === DEMO.school.name));
    assert.ok((await listReleaseTasks(db, actor)).length >= 1);
    const special = await db
      .selectFrom('teaching_record_teachers')
      .select(['prohibited', 'induction_status', 'qts_date'])
      .execute();
    assert.ok(special.some((t) => t.prohibited));
    for (const status of ['Exempt', 'Passed', 'Failed', 'InProgress'] as const) {
      assert.ok(
        special.some((t) => t.induction_status === status),
        status,
      );
    }
    assert.ok(special.some((t) => t.qts_date === null));
    const elsewhere = await db
      .selectFrom('induction_periods')
      .where('appropriate_body_id', '<>', body.id)
      .where('finished_on', 'is', null)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.ok(Number(elsewhere.n) >= 1, 'some are in progress with another body');
  });
});
