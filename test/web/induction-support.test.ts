// Support's corrections of induction periods: add a period to any teacher and correct any period
// (body, dates, terms, programme), only with a reason; the rules of a period hold (no overlap, an
// end date with terms, an outcome keeps its end date, not before 1 September 1999), the audit log
// keeps each change before and after with the reason, and the teaching record hears a moved
// start at once. Nobody but support reaches these pages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO, DEMO_INDUCTION, demoInductionTeacher } from '../../src/demo/index.ts';
import { today } from '../../src/domain/dates.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const dateFields = (name: string, iso: string) => {
  const [year, month, day] = iso.split('-');
  return { [`${name}-day`]: String(Number(day)), [`${name}-month`]: String(Number(month)), [`${name}-year`]: year };
};
const noDate = (name: string) => ({ [`${name}-day`]: '', [`${name}-month`]: '', [`${name}-year`]: '' });

/** The academic year's first day on or before today, as the demo data counts. */
function academicYearStart() {
  const [year, month] = today().split('-').map(Number);
  return `${month >= 9 ? year : year - 1}-09-01`;
}

describe('support corrections of induction periods', () => {
  let t: TestContext;
  let support: Agent;
  const lastYear = Number(academicYearStart().slice(0, 4)) - 1;

  const teacherId = async (index: number) =>
    (
      await t.database.db
        .selectFrom('teachers')
        .select('id')
        .where('trn', '=', demoInductionTeacher(index).trn)
        .executeTakeFirstOrThrow()
    ).id;
  const bodyId = async (name: string) =>
    (await t.database.db.selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirstOrThrow())
      .id;
  const periodsOf = (id: string) =>
    t.database.db
      .selectFrom('induction_periods')
      .select([
        'id',
        'appropriate_body_id',
        'started_on',
        'finished_on',
        'number_of_terms',
        'training_programme',
        'outcome',
      ])
      .where('teacher_id', '=', id)
      .orderBy('started_on')
      .execute();
  const lastEvent = async (id: string) => {
    const event = await t.database.db
      .selectFrom('events')
      .select(['action', 'changes', 'organisation_id'])
      .where('subject_id', '=', id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    return { ...event, changes: event.changes as Record<string, unknown> };
  };

  before(async () => {
    t = await startTestApp();
    support = await signedIn(t.app, 'support@example.com');
  });
  after(() => t.close());

  it('refuses everyone but support: the pages are not found for an appropriate body or a school', async () => {
    const id = await teacherId(60);
    const [period] = await periodsOf(id);
    const form = {
      appropriateBodyId: period.appropriate_body_id,
      ...dateFields('startedOn', `${lastYear}-09-02`),
      ...noDate('finishedOn'),
      terms: '',
      programme: 'school_led',
      reason: 'Trying',
    };
    const ab = await signedIn(t.app, 'ab@example.com');
    const school = await signedIn(t.app, 'school@example.com');
    for (const agent of [ab, school]) {
      for (const path of [
        `/support/teachers/${id}/periods/new`,
        `/support/teachers/${id}/periods/${period.id}/edit`,
        `/support/teachers/${id}/periods/${period.id}/corrected`,
      ]) {
        assert.equal((await agent.get(path)).statusCode, 404, path);
      }
      assert.equal((await agent.post(`/support/teachers/${id}/periods/new`, form)).statusCode, 404);
      assert.equal((await agent.post(`/support/teachers/${id}/periods/${period.id}/edit`, form)).statusCode, 404);
    }
    assert.deepEqual(await periodsOf(id), [period], 'nothing changed');
  });

  it('corrects a period only with a reason, keeps the change before and after, and tells the teaching record of a moved start', async () => {
    const id = await teacherId(60);
    const [period] = await periodsOf(id);
    const page = await support.get(`/support/teachers/${id}`);
    assert.match(page.body, new RegExp(`href="/support/teachers/${id}/periods/${period.id}/edit"`));
    const form = await support.get(`/support/teachers/${id}/periods/${period.id}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Correct an induction period/);
    assert.match(
      form.body,
      new RegExp(
        `href="/support/teachers/${id}"[^>]*class="govuk-back-link"|class="govuk-back-link"[^>]*href="/support/teachers/${id}"`,
      ),
    );
    const moved = `${lastYear}-09-08`;
    const values = {
      appropriateBodyId: period.appropriate_body_id,
      ...dateFields('startedOn', moved),
      ...noDate('finishedOn'),
      terms: '',
      programme: period.training_programme === 'school_led' ? 'provider_led' : 'school_led',
      reason: ' ',
    };
    const path = `/support/teachers/${id}/periods/${period.id}/edit`;
    const noReason = await support.post(path, values);
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /Enter the reason for this correction/);
    const tooEarly = await support.post(path, {
      ...values,
      ...dateFields('startedOn', '1999-08-31'),
      reason: 'Ticket 42',
    });
    assert.equal(tooEarly.statusCode, 400);
    assert.match(tooEarly.body, /The induction start date must be on or after 1 September 1999/);
    const termsWhileOngoing = await support.post(path, { ...values, terms: '2', reason: 'Ticket 42' });
    assert.equal(termsWhileOngoing.statusCode, 400);
    assert.match(termsWhileOngoing.body, /an ongoing period has no terms yet/);
    assert.deepEqual(await periodsOf(id), [period], 'nothing changed yet');

    const saved = await support.post(path, { ...values, reason: 'Ticket 42: the school gave the wrong start' });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, `/support/teachers/${id}/periods/${period.id}/corrected`);
    const done = await support.get(saved.headers.location as string);
    assert.match(done.body, /Induction period corrected/);
    assert.match(done.body, new RegExp(`${DEMO.appropriateBody.name}: 8 September ${lastYear} to now`));
    const [after] = await periodsOf(id);
    assert.deepEqual([after.started_on, after.training_programme], [moved, values.programme]);
    const event = await lastEvent(id);
    assert.equal(event.action, 'induction period corrected');
    assert.deepEqual(event.changes.started_on, { from: period.started_on, to: moved });
    assert.deepEqual(event.changes.training_programme, { from: period.training_programme, to: values.programme });
    assert.deepEqual(event.changes.reason, { to: 'Ticket 42: the school gave the wrong start' });
    // The first period's start moved: sent at once, not left for the job's sweep.
    const record = await t.database.db
      .selectFrom('teaching_record_teachers')
      .select(['induction_status', 'induction_start_date'])
      .where('trn', '=', demoInductionTeacher(60).trn)
      .executeTakeFirstOrThrow();
    assert.deepEqual(record, { induction_status: 'InProgress', induction_start_date: moved });
    // The body reads the correction, with the reason, among the teacher's events.
    const ab = await signedIn(t.app, 'ab@example.com');
    const teacherPage = await ab.get(`/induction/teachers/${id}`);
    assert.match(
      teacherPage.body,
      new RegExp(
        `corrected .+’s induction period with ${DEMO.appropriateBody.name}: the start date from 1 September ${lastYear} to 8 September ${lastYear}`,
      ),
    );
    assert.match(teacherPage.body, /because: Ticket 42: the school gave the wrong start/);
  });

  it('adds a period to a released teacher, never overlapping another, with terms once it has an end', async () => {
    const id = await teacherId(75);
    const [released] = await periodsOf(id);
    assert.equal(released.finished_on, `${lastYear}-12-19`);
    const page = await support.get(`/support/teachers/${id}`);
    assert.match(page.body, new RegExp(`href="/support/teachers/${id}/periods/new"`));
    const form = await support.get(`/support/teachers/${id}/periods/new`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Add an induction period/);
    assert.match(form.body, /Not before their QTS date, nor before 1 September 1999/);
    assert.match(form.body, new RegExp(DEMO_INDUCTION.otherBody));
    const path = `/support/teachers/${id}/periods/new`;
    const values = {
      appropriateBodyId: await bodyId(DEMO.appropriateBody.name),
      ...dateFields('startedOn', `${lastYear}-12-01`),
      ...dateFields('finishedOn', `${lastYear + 1}-04-01`),
      terms: '',
      programme: 'provider_led',
      reason: 'Ticket 77: a period the body forgot to claim',
    };
    const missing = await support.post(path, { ...values, appropriateBodyId: '', programme: '' });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /Select the appropriate body the period was with/);
    assert.match(missing.body, /Select the training programme/);
    const overlapping = await support.post(path, { ...values, terms: '1' });
    assert.equal(overlapping.statusCode, 400);
    assert.match(
      overlapping.body,
      new RegExp(
        `This period would overlap .+’s period with ${DEMO_INDUCTION.otherBody} \\(1 September ${lastYear} to 19 December ${lastYear}\\)`,
      ),
    );
    const next = { ...values, ...dateFields('startedOn', `${lastYear + 1}-01-05`) };
    const noTerms = await support.post(path, next);
    assert.equal(noTerms.statusCode, 400);
    assert.match(noTerms.body, /Enter the number of terms/);
    const endBeforeStart = await support.post(path, {
      ...next,
      ...dateFields('finishedOn', `${lastYear}-12-31`),
      terms: '1',
    });
    assert.equal(endBeforeStart.statusCode, 400);
    assert.match(endBeforeStart.body, /The induction end date must be on or after the start date/);
    assert.equal((await periodsOf(id)).length, 1, 'nothing added yet');

    const added = await support.post(path, { ...next, terms: '1.5' });
    assert.equal(added.statusCode, 303);
    assert.match(added.headers.location as string, /\/periods\/[0-9a-f-]{36}\/added$/);
    assert.match((await support.get(added.headers.location as string)).body, /Induction period added/);
    const periods = await periodsOf(id);
    assert.equal(periods.length, 2);
    assert.deepEqual(
      [periods[1].started_on, periods[1].finished_on, Number(periods[1].number_of_terms), periods[1].outcome],
      [`${lastYear + 1}-01-05`, `${lastYear + 1}-04-01`, 1.5, null],
    );
    const event = await lastEvent(id);
    assert.equal(event.action, 'induction period added');
    assert.equal(event.organisation_id, values.appropriateBodyId);
    assert.deepEqual(event.changes.appropriate_body, { to: DEMO.appropriateBody.name });
    assert.deepEqual(event.changes.reason, { to: 'Ticket 77: a period the body forgot to claim' });
  });

  it('keeps the end date of a period with an outcome, and no period after an outcome', async () => {
    const passed = await t.database.db
      .selectFrom('induction_periods')
      .select(['id', 'teacher_id', 'appropriate_body_id', 'started_on', 'finished_on', 'training_programme'])
      .where('outcome', '=', 'pass')
      .executeTakeFirstOrThrow();
    const values = {
      appropriateBodyId: passed.appropriate_body_id,
      ...dateFields('startedOn', passed.started_on),
      ...noDate('finishedOn'),
      terms: '',
      programme: passed.training_programme,
      reason: 'Ticket 9',
    };
    const form = await support.get(`/support/teachers/${passed.teacher_id}/periods/${passed.id}/edit`);
    assert.match(form.body, /This period has a pass outcome, which stays/);
    const ongoing = await support.post(`/support/teachers/${passed.teacher_id}/periods/${passed.id}/edit`, values);
    assert.equal(ongoing.statusCode, 400);
    assert.match(ongoing.body, /A period with an outcome needs an end date/);
    const later = await support.post(`/support/teachers/${passed.teacher_id}/periods/new`, {
      ...values,
      ...dateFields('startedOn', today()),
    });
    assert.equal(later.statusCode, 400);
    assert.match(later.body, /passed their induction with .+: no period can start after that/);
    assert.equal((await periodsOf(passed.teacher_id)).length, 1);
  });
  it('answers an id that only looks like one (36 dashes, 36 hex digits) as not found or a field to fix, never a server error', async () => {
    const id = await teacherId(75);
    const periods = await periodsOf(id);
    const [period] = periods;
    const ab = await signedIn(t.app, 'ab@example.com');
    for (const odd of ['-'.repeat(36), 'a'.repeat(36)]) {
      assert.equal((await ab.get(`/induction/teachers/${odd}`)).statusCode, 404, odd);
      assert.equal((await support.get(`/support/teachers/${odd}`)).statusCode, 404, odd);
      assert.equal((await support.get(`/support/teachers/${id}/periods/${odd}/edit`)).statusCode, 404, odd);
      const form = {
        appropriateBodyId: odd,
        ...dateFields('startedOn', period.started_on),
        ...(period.finished_on ? dateFields('finishedOn', period.finished_on) : noDate('finishedOn')),
        terms: period.number_of_terms === null ? '' : String(Number(period.number_of_terms)),
        programme: period.training_programme,
        reason: 'Ticket 5',
      };
      const added = await support.post(`/support/teachers/${id}/periods/new`, form);
      assert.equal(added.statusCode, 400, odd);
      assert.match(added.body, /Select the appropriate body the period was with/);
      const corrected = await support.post(`/support/teachers/${id}/periods/${period.id}/edit`, form);
      assert.equal(corrected.statusCode, 400, odd);
      assert.match(corrected.body, /Select the appropriate body the period was with/);
    }
    assert.deepEqual(await periodsOf(id), periods, 'nothing changed');
  });
});
