// Induction pages: an appropriate body finds and claims an ECT from its tasks (check page, start
// date and programme prefilled from the school, confirmation), sees why a teacher cannot be claimed,
// releases, passes and fails (the fail with written confirmation, emailing the regulator), adds an
// extension; a school registers an ECT and marks one leaving. Bodies and schools see only their own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/demo/index.ts';
import { today } from '../../src/domain/dates.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('induction pages', () => {
  let t: TestContext;
  let ab: Agent;
  let otherAb: Agent;
  let school: Agent;
  let otherSchool: Agent;

  const dobFields = (dob: string) => {
    const [year, month, day] = dob.split('-');
    return { 'dob-day': String(Number(day)), 'dob-month': String(Number(month)), 'dob-year': year };
  };
  const recordTeacher = (where: { trn?: string; prohibited?: boolean }) => {
    let query = t.database.db.selectFrom('teaching_record_teachers').selectAll();
    if (where.trn) query = query.where('trn', '=', where.trn);
    if (where.prohibited) query = query.where('prohibited', '=', true);
    return query.executeTakeFirstOrThrow();
  };
  const idOf = async (trn: string) =>
    (await t.database.db.selectFrom('teachers').select('id').where('trn', '=', trn).executeTakeFirstOrThrow()).id;

  before(async () => {
    t = await startTestApp();
    const db = t.database.db;
    const other = await createOrganisation(db, SYSTEM, {
      type: 'appropriate_body',
      appropriateBodyType: 'teaching_school_hub',
      name: 'Elsewhere Hub',
    });
    await addUserToOrganisation(db, SYSTEM, other.id, {
      email: 'elsewhere@example.com',
      firstName: 'Eli',
      lastName: 'Where',
      role: 'admin',
      password: 'rollbook-demo',
    });
    const otherSchoolOrg = await createOrganisation(db, SYSTEM, { type: 'school', urn: '100003' });
    await addUserToOrganisation(db, SYSTEM, otherSchoolOrg.id, {
      email: 'other-school@example.com',
      firstName: 'Olu',
      lastName: 'Adeyemi',
      role: 'admin',
      password: 'rollbook-demo',
    });
    ab = await signedIn(t.app, 'ab@example.com');
    otherAb = await signedIn(t.app, 'elsewhere@example.com');
    school = await signedIn(t.app, 'school@example.com');
    otherSchool = await signedIn(t.app, 'other-school@example.com');
  });
  after(() => t.close());

  it('lists the body’s current ECTs and its tasks from schools', async () => {
    const list = await ab.get('/induction');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Current early-career teachers/);
    assert.match(list.body, /Schools have told you about \d+ ECTs to check and claim/);
    const tasks = await ab.get('/induction/tasks');
    assert.equal(tasks.statusCode, 200);
    assert.match(tasks.body, /Check and claim \((4[5-9]|[5-9]\d)\)/);
    assert.match(tasks.body, /Check and release \([1-9]\)/);
    assert.equal((await school.get('/induction')).statusCode, 404, 'a school has no body pages');
    // Another body sees none of the demo body's ECTs or tasks, and none of its teachers' pages.
    const current = /href="\/induction\/teachers\/([0-9a-f-]{36})"/.exec(list.body)?.[1];
    assert.ok(current, 'the demo body has current ECTs');
    const otherList = await otherAb.get('/induction');
    assert.equal(otherList.statusCode, 200);
    assert.doesNotMatch(otherList.body, /\/induction\/teachers\/[0-9a-f-]{36}"/);
    assert.match((await otherAb.get('/induction/tasks')).body, /Check and claim \(0\)/);
    assert.equal((await otherAb.get(`/induction/teachers/${current}`)).statusCode, 404);
    assert.equal((await otherAb.get(`/induction/teachers/${current}/edit`)).statusCode, 404);
  });

  it('finds no one for a wrong date of birth, and says how to fix a TRN', async () => {
    const teacher = await recordTeacher({ trn: '4000001' });
    const wrong = await ab.post('/induction/find', { trn: teacher.trn, ...dobFields('1980-01-01') });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /No teacher with this TRN and date of birth was found/);
    const short = await ab.post('/induction/find', { trn: '12', ...dobFields(teacher.date_of_birth) });
    assert.match(short.body, /Enter a TRN of 7 digits/);
  });

  it('refuses a teacher younger than 18 or older than 100, and a start before 1 September 2021, in the body’s and the school’s forms', async () => {
    const teacher = await recordTeacher({ trn: '4000056' });
    const [y, m, d] = today().split('-').map(Number);
    const young = `${y - 17}-${String(m).padStart(2, '0')}-${String(d === 29 && m === 2 ? 28 : d).padStart(2, '0')}`;
    const found = await ab.post('/induction/find', { trn: teacher.trn, ...dobFields(young) });
    assert.equal(found.statusCode, 400);
    assert.match(
      found.body,
      /The teacher must be between 18 and 100 years old, and a date of birth of .+ makes them 17 years old/,
    );
    const old = await ab.post('/induction/find', { trn: teacher.trn, ...dobFields('1900-01-01') });
    assert.equal(old.statusCode, 400);
    assert.match(old.body, /must be between 18 and 100 years old/);
    const body = await t.database.db
      .selectFrom('organisations')
      .select('id')
      .where('name', '=', DEMO.appropriateBody.name)
      .executeTakeFirstOrThrow();
    const fields = {
      trn: teacher.trn,
      ...dobFields(young),
      'startedOn-day': '31',
      'startedOn-month': '8',
      'startedOn-year': '2021',
      programme: 'school_led',
      appropriateBodyId: body.id,
    };
    const tooYoung = await school.post('/school/ects/register', fields);
    assert.equal(tooYoung.statusCode, 400);
    assert.match(tooYoung.body, /must be between 18 and 100 years old/);
    const tooEarly = await school.post('/school/ects/register', { ...fields, ...dobFields(teacher.date_of_birth) });
    assert.equal(tooEarly.statusCode, 400);
    assert.match(tooEarly.body, /The induction start date must be on or after 1 September 2021/);
    // The body's own claim form: the same rule, from the same place.
    const check = await ab.post('/induction/find', { trn: teacher.trn, ...dobFields(teacher.date_of_birth) });
    assert.equal(check.statusCode, 200);
    const claim = await ab.post('/induction/claim/confirm', {
      trn: teacher.trn,
      ...dobFields(teacher.date_of_birth),
      'startedOn-day': '31',
      'startedOn-month': '8',
      'startedOn-year': '2021',
      programme: 'provider_led',
    });
    assert.equal(claim.statusCode, 400);
    assert.match(claim.body, /The induction start date must be on or after 1 September 2021/);
  });

  it('claims an ECT from its tasks: check page, the school’s start date and programme, confirmation', async () => {
    const teacher = await recordTeacher({ trn: '4000002' });
    const check = await ab.post('/induction/find', { trn: teacher.trn, ...dobFields(teacher.date_of_birth) });
    assert.equal(check.statusCode, 200);
    assert.match(check.body, new RegExp(`Check details for ${teacher.first_name} ${teacher.last_name}`));
    assert.match(check.body, /Claim induction\s*<\/button>/);
    const form = await ab.post('/induction/claim', { trn: teacher.trn, ...dobFields(teacher.date_of_birth) });
    assert.equal(form.statusCode, 200);
    const registration = await t.database.db
      .selectFrom('ect_registrations')
      .innerJoin('teachers', 'teachers.id', 'ect_registrations.teacher_id')
      .select(['ect_registrations.started_on', 'ect_registrations.training_programme'])
      .where('teachers.trn', '=', teacher.trn)
      .executeTakeFirstOrThrow();
    const [year, month, day] = registration.started_on.split('-');
    assert.match(form.body, new RegExp(`name="startedOn-year"[^>]*value="${year}"`));
    assert.match(form.body, new RegExp(`value="${registration.training_programme}" checked`));
    const missing = await ab.post('/induction/claim/confirm', {
      trn: teacher.trn,
      ...dobFields(teacher.date_of_birth),
      'startedOn-day': String(Number(day)),
      'startedOn-month': String(Number(month)),
      'startedOn-year': year,
    });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /Select the training programme they will follow/);
    const claimed = await ab.post('/induction/claim/confirm', {
      trn: teacher.trn,
      ...dobFields(teacher.date_of_birth),
      'startedOn-day': String(Number(day)),
      'startedOn-month': String(Number(month)),
      'startedOn-year': year,
      programme: registration.training_programme,
    });
    assert.equal(claimed.statusCode, 303);
    const done = await ab.get(claimed.headers.location as string);
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /You’ve claimed/);
    const status = await t.database.db
      .selectFrom('teaching_record_teachers')
      .select('induction_status')
      .where('trn', '=', teacher.trn)
      .executeTakeFirstOrThrow();
    assert.equal(status.induction_status, 'InProgress', 'the teaching record heard of the claim');
    const tasks = await ab.get('/induction/tasks');
    assert.doesNotMatch(tasks.body, new RegExp(`>${teacher.trn}<`), 'no longer a task');
    // Another body cannot see or claim them.
    assert.equal((await otherAb.get(`/induction/teachers/${await idOf(teacher.trn)}`)).statusCode, 404);
    const blocked = await otherAb.post('/induction/find', { trn: teacher.trn, ...dobFields(teacher.date_of_birth) });
    assert.match(blocked.body, /completing their induction with another appropriate body/);
    assert.doesNotMatch(blocked.body, /Claim induction\s*<\/button>/);
  });

  it('shows why a prohibited teacher cannot be claimed, with no claim button', async () => {
    const teacher = await recordTeacher({ prohibited: true });
    const check = await ab.post('/induction/find', { trn: teacher.trn, ...dobFields(teacher.date_of_birth) });
    assert.match(check.body, /prohibited from teaching/);
    assert.doesNotMatch(check.body, /Claim induction\s*<\/button>/);
    assert.match(check.body, /Find and claim another ECT/);
  });

  it('releases, then records a pass and a fail (with written confirmation), and adds an extension', async () => {
    const current = await t.database.db
      .selectFrom('induction_periods')
      .innerJoin('organisations', 'organisations.id', 'induction_periods.appropriate_body_id')
      .select('induction_periods.teacher_id')
      .where('organisations.name', '=', DEMO.appropriateBody.name)
      .where('induction_periods.finished_on', 'is', null)
      .orderBy('induction_periods.teacher_id')
      .limit(3)
      .execute();
    const [releaseId, passId, failId] = current.map((c) => c.teacher_id);
    const page = await ab.get(`/induction/teachers/${releaseId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Terms completed/);
    assert.match(page.body, /0 of 6/);

    // Today: the demo's current ECTs started last September, and an end date is never in the future.
    const [y, m, d] = today().split('-');
    const ended = { 'finishedOn-day': String(Number(d)), 'finishedOn-month': String(Number(m)), 'finishedOn-year': y };
    const sent = {
      'confirmationSentOn-day': String(Number(d)),
      'confirmationSentOn-month': String(Number(m)),
      'confirmationSentOn-year': y,
    };
    const bad = await ab.post(`/induction/teachers/${releaseId}/release`, { ...ended, terms: '2.55' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /up to 1 decimal place/);
    assert.equal(
      (await otherAb.post(`/induction/teachers/${releaseId}/release`, { ...ended, terms: '2' })).statusCode,
      404,
    );
    const released = await ab.post(`/induction/teachers/${releaseId}/release`, { ...ended, terms: '2.5' });
    assert.equal(released.statusCode, 303);
    assert.match((await ab.get(released.headers.location as string)).body, /You’ve released/);

    const extension = await ab.post(`/induction/teachers/${passId}/extensions/new`, { terms: '1.5' });
    assert.equal(extension.statusCode, 303);
    assert.match((await ab.get(`/induction/teachers/${passId}`)).body, /0 of 7.5/);
    const passed = await ab.post(`/induction/teachers/${passId}/pass`, { ...ended, terms: '6' });
    assert.equal(passed.statusCode, 303);
    assert.match((await ab.get(passed.headers.location as string)).body, /You’ve recorded a pass outcome/);

    const unconfirmed = await ab.post(`/induction/teachers/${failId}/fail`, {
      ...ended,
      terms: '6',
      ...sent,
    });
    assert.equal(unconfirmed.statusCode, 400);
    assert.match(unconfirmed.body, /has been sent written confirmation of their outcome/);
    const failed = await ab.post(`/induction/teachers/${failId}/fail`, {
      ...ended,
      terms: '6',
      confirmed: 'yes',
      ...sent,
    });
    assert.equal(failed.statusCode, 303, failed.body.match(/govuk-error-message[^<]*<[^>]*>[^<]*<\/span>([^<]*)/)?.[1]);
    const email = await t.database.db
      .selectFrom('outbox')
      .select(['to_address', 'subject'])
      .where('subject', 'like', 'Failed induction%')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(email.to_address, 'induction-outcomes@regulator.example');
    const past = await ab.get('/induction?show=past');
    assert.match(past.body, /Past early-career teachers/);
  });

  it('lets a school register an ECT with a body valid for it, and mark one leaving; another school sees neither', async () => {
    const teacher = await recordTeacher({ trn: '4000055' });
    const form = await school.get('/school/ects/register');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(DEMO.appropriateBody.name));
    const body = await t.database.db
      .selectFrom('organisations')
      .select('id')
      .where('name', '=', DEMO.appropriateBody.name)
      .executeTakeFirstOrThrow();
    const fields = {
      trn: teacher.trn,
      ...dobFields(teacher.date_of_birth),
      'startedOn-day': String(Number(today().slice(8))),
      'startedOn-month': String(Number(today().slice(5, 7))),
      'startedOn-year': today().slice(0, 4),
      programme: 'school_led',
      appropriateBodyId: body.id,
    };
    const registered = await school.post('/school/ects/register', fields);
    assert.equal(registered.statusCode, 303);
    const list = await school.get('/school/ects');
    assert.match(list.body, /Registered: waiting for the appropriate body/);
    const again = await school.post('/school/ects/register', fields);
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /already registered/);
    assert.doesNotMatch((await otherSchool.get('/school/ects')).body, new RegExp(teacher.trn));
    const registration = /\/school\/ects\/([0-9a-f-]{36})\/leaving/.exec(list.body)?.[1];
    assert.ok(registration);
    assert.equal((await otherSchool.get(`/school/ects/${registration}/leaving`)).statusCode, 404);
    const leaving = await school.post(`/school/ects/${registration}/leaving`, {
      'leavingOn-day': '18',
      'leavingOn-month': '7',
      'leavingOn-year': '2027',
    });
    assert.equal(leaving.statusCode, 303);
    assert.equal((await ab.get('/school/ects')).statusCode, 404, 'a body has no school pages');
  });

  it('lets support reopen an outcome and delete a period, only with a reason; nobody else reaches those pages', async () => {
    const support = await signedIn(t.app, 'support@example.com');
    assert.equal((await ab.get('/support/teachers')).statusCode, 404);
    assert.equal((await school.get('/support/teachers')).statusCode, 404);
    const passed = await t.database.db
      .selectFrom('induction_periods')
      .innerJoin('teachers', 'teachers.id', 'induction_periods.teacher_id')
      .select(['teachers.id', 'teachers.trn'])
      .where('induction_periods.outcome', '=', 'pass')
      .executeTakeFirstOrThrow();
    const unknown = await support.get('/support/teachers?trn=0000001');
    assert.match(unknown.body, /No teacher with TRN 0000001 is known to Rollbook/);
    const found = await support.get(`/support/teachers?trn=${passed.trn}`);
    assert.equal(found.statusCode, 303);
    const page = await support.get(found.headers.location as string);
    assert.match(page.body, /Reopen induction/);
    const noReason = await support.post(`/support/teachers/${passed.id}`, { action: 'reopen', reason: ' ' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /Enter the reason for this correction/);
    const reopened = await support.post(`/support/teachers/${passed.id}`, {
      action: 'reopen',
      reason: 'Ticket 123456: pass recorded for the wrong teacher',
    });
    assert.equal(reopened.statusCode, 303);
    const period = await t.database.db
      .selectFrom('induction_periods')
      .select(['id', 'outcome', 'finished_on'])
      .where('teacher_id', '=', passed.id)
      .orderBy('started_on', 'desc')
      .executeTakeFirstOrThrow();
    assert.deepEqual([period.outcome, period.finished_on], [null, null]);
    const deleted = await support.post(`/support/teachers/${passed.id}`, {
      action: 'delete',
      periodId: period.id,
      reason: 'Claimed in error',
    });
    assert.equal(deleted.statusCode, 303);
    const events = await t.database.db
      .selectFrom('events')
      .select('action')
      .where('subject_id', '=', passed.id)
      .orderBy('id', 'desc')
      .limit(2)
      .execute();
    assert.deepEqual(
      events.map((e) => e.action),
      ['induction period deleted', 'induction reopened'],
    );
  });
  it('gives the earliest start of a claim in the bulk guidance from the rule itself', async () => {
    const guidance = await ab.get('/bulk/induction-claims/guidance');
    assert.equal(guidance.statusCode, 200);
    assert.match(guidance.body, /On or after 1 September 2021, not before their QTS date/);
  });
});
