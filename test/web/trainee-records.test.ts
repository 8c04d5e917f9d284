// Adding and changing trainees one by one through the pages: the task list, check your answers,
// registering (with a TRN from the local teaching record), duplicates, changing details, and
// deferring, reinstating, withdrawing and recommending with confirmation; other providers' records
// are not found.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMonths, today } from '../../src/domain/dates.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { REFERENCE_LISTS } from '../../src/domain/trainees/reference-lists.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const TODAY = today();
const startYear = Number(TODAY.slice(0, 4)) - (Number(TODAY.slice(5, 7)) >= 8 ? 0 : 1);
const dateFields = (name: string, iso: string) => {
  const [year, month, day] = iso.split('-');
  return { [`${name}-day`]: String(Number(day)), [`${name}-month`]: String(Number(month)), [`${name}-year`]: year };
};

describe('adding and changing trainees on pages', () => {
  let t: TestContext;
  let agent: Agent;
  let university: Agent;

  before(async () => {
    t = await startTestApp();
    agent = await signedIn(t.app, 'provider@example.com');
    university = await signedIn(t.app, 'university@example.com');
  });
  after(() => t.close());

  /** Fills every section of a new draft; returns the draft's address. */
  async function fillDraft(lastName: string, firstNames = 'Grace', email = `${lastName.toLowerCase()}@example.com`) {
    const start = await agent.post('/trainees/new');
    assert.equal(start.statusCode, 303);
    const draft = start.headers.location as string;
    const sections: [string, Record<string, string>][] = [
      ['personal', { firstNames, lastName, ...dateFields('dateOfBirth', '1996-04-02'), sex: 'female' }],
      ['contact', { email }],
      ['identifiers', { providerTraineeId: `PG-${lastName}`, hesaId: '' }],
      [
        'course',
        {
          trainingRoute: 'provider_led_postgrad',
          courseSubject1: 'Physics',
          courseSubject2: 'Mathematics',
          courseSubject3: '',
          ageRange: '11 to 16',
          studyMode: 'part_time',
          ...dateFields('ittStartDate', `${startYear}-09-01`),
          ...dateFields('ittEndDate', `${startYear + 1}-07-15`),
          courseYear: '1',
        },
      ],
      [
        'degree',
        {
          degreeType: 'uk',
          degreeSubject: 'Physics',
          degreeGrade: 'first',
          degreeGraduationYear: '2018',
          degreeInstitution: 'University of York',
          degreeCountry: '',
        },
      ],
    ];
    for (const [section, form] of sections) {
      const saved = await agent.post(`${draft}/${section}`, form);
      assert.equal(saved.statusCode, 303, `${section}: ${saved.body.slice(0, 2000)}`);
    }
    return draft;
  }

  it('builds a draft section by section, saved incomplete, then registers it and shows the TRN', async () => {
    const start = await agent.post('/trainees/new');
    const draft = start.headers.location as string;
    let list = await agent.get(draft);
    // Identifiers are optional; schools are not needed until a route that has them is chosen.
    assert.equal((list.body.match(/>\s*Incomplete\s*</g) ?? []).length, 4);
    assert.doesNotMatch(list.body, /Check your answers/);

    // A section saved with blanks stays incomplete; an answer that breaks a rule is refused.
    const partial = await agent.post(`${draft}/personal`, { firstNames: 'Ada', lastName: '', sex: '' });
    assert.equal(partial.statusCode, 303);
    const bad = await agent.post(`${draft}/personal`, {
      firstNames: 'Ada',
      ...dateFields('dateOfBirth', addMonths(TODAY, 1)),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /There is a problem/);
    assert.match(bad.body, /href="#dateOfBirth-day">Date of birth must be in the past/);
    list = await agent.get(draft);
    assert.match(list.body, /Personal details/);

    const full = await fillDraft('Hopper');
    list = await agent.get(full);
    assert.equal((list.body.match(/>\s*Completed\s*</g) ?? []).length, 5);
    assert.match(list.body, /Not needed for the Primary and secondary \(postgraduate\) route/);
    const check = await agent.get(`${full}/check`);
    assert.match(check.body, /Check your answers before registering the trainee/);
    assert.match(check.body, /Physics, Mathematics/);
    assert.match(check.body, /2 April 1996/);
    const registered = await agent.post(`${full}/check`);
    assert.equal(registered.statusCode, 303);
    const page = await agent.get(registered.headers.location as string);
    assert.match(page.body, /Grace Hopper has been registered. Their TRN is (9\d{6})/);
    assert.match(page.body, /TRN received/);
    // The draft is gone.
    assert.equal((await agent.get(full)).statusCode, 404);
  });

  it('refuses to register a duplicate, linking to the existing record', async () => {
    const first = await agent.post(`${await fillDraft('Franklin', 'Rosalind Elsie')}/check`);
    const existing = first.headers.location as string;
    const again = await fillDraft('franklin', 'ROSALIND', 'someone.else@example.com');
    const refused = await agent.post(`${again}/check`);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /This trainee is already registered: Rosalind Elsie Franklin/);
    assert.match(refused.body, new RegExp(`href="${existing}"`));
  });

  it('deletes a draft after asking', async () => {
    const draft = (await agent.post('/trainees/new')).headers.location as string;
    assert.match((await agent.get(`${draft}/delete`)).body, /Delete this draft trainee\?/);
    const deleted = await agent.post(`${draft}/delete`);
    assert.equal(deleted.statusCode, 303);
    assert.equal((await agent.get(draft)).statusCode, 404);
  });

  it('changes a section of a registered trainee, audited, and refuses a broken rule by its field', async () => {
    const traineePath = (await agent.post(`${await fillDraft('Curie')}/check`)).headers.location as string;
    const form = await agent.get(`${traineePath}/change/contact`);
    assert.match(form.body, /value="curie@example.com"/);
    const bad = await agent.post(`${traineePath}/change/contact`, { email: 'curie' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /like name@example.com/);
    const changed = await agent.post(`${traineePath}/change/contact`, { email: 'marie.curie@example.com' });
    assert.equal(changed.statusCode, 303);
    const page = await agent.get(traineePath);
    assert.match(page.body, /contact details have been changed/);
    assert.match(page.body, /marie.curie@example.com/);
    const log = await agent.get(`/organisation/audit-log?record=trainee:${traineePath.split('/').pop()}`);
    assert.match(log.body, /changed <a[^>]*>Grace Curie<\/a>’s email address/);
  });

  it('defers and reinstates with a check page, and withdraws with reasons; a withdrawn trainee cannot be changed', async () => {
    const traineePath = (await agent.post(`${await fillDraft('Noether')}/check`)).headers.location as string;
    const tooEarly = await agent.post(`${traineePath}/defer`, dateFields('date', `${startYear}-08-01`));
    assert.equal(tooEarly.statusCode, 400);
    assert.match(tooEarly.body, /on or after the ITT start date/);
    const deferDate = TODAY < `${startYear}-09-01` ? `${startYear}-09-01` : TODAY;
    if (deferDate > TODAY) return; // The course has not started yet: nothing to defer from.
    const checkPage = await agent.post(`${traineePath}/defer`, dateFields('date', deferDate));
    assert.equal(checkPage.statusCode, 200);
    assert.match(checkPage.body, /Check and confirm: defer Grace Noether/);
    // Nothing has changed yet.
    assert.doesNotMatch((await agent.get(traineePath)).body, /govuk-tag--yellow/);
    const deferred = await agent.post(`${traineePath}/defer/confirm`, dateFields('date', deferDate));
    assert.equal(deferred.statusCode, 303);
    assert.match((await agent.get(traineePath)).body, /Grace Noether has been deferred/);
    await agent.post(`${traineePath}/reinstate/confirm`, dateFields('date', deferDate));
    assert.match((await agent.get(traineePath)).body, /Grace Noether has been reinstated/);

    const noReason = await agent.post(`${traineePath}/withdraw`, dateFields('date', deferDate));
    assert.match(noReason.body, /Select why the trainee withdrew/);
    const withdraw = await agent.post(`${traineePath}/withdraw`, [
      ...Object.entries(dateFields('date', deferDate)),
      ['reasons', 'health_reasons'],
      ['reasons', 'another_reason'],
      ['otherReason', 'Moved to Canada'],
    ]);
    assert.match(withdraw.body, /Health reasons; Moved to Canada/);
    const done = await agent.post(`${traineePath}/withdraw/confirm`, [
      ...Object.entries(dateFields('date', deferDate)),
      ['reasons', 'health_reasons'],
      ['reasons', 'another_reason'],
      ['otherReason', 'Moved to Canada'],
    ]);
    assert.equal(done.statusCode, 303);
    const page = await agent.get(traineePath);
    assert.match(page.body, /Grace Noether has been withdrawn/);
    assert.doesNotMatch(page.body, /\/change\/personal/);
    assert.equal((await agent.get(`${traineePath}/change/personal`)).statusCode, 409);
    assert.equal((await agent.post(`${traineePath}/change/contact`, { email: 'x@example.com' })).statusCode, 409);
  });

  it('recommends one trainee from their page, through the same rules as the bulk recommendation', async () => {
    const provider = await findOrganisationByReference(t.database.db, '10000001');
    const trainee = await t.database.db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', provider.id)
      .where('state', '=', 'trn_received')
      .where('expected_end_date', '<=', addMonths(TODAY, 3))
      .where('expected_end_date', '>=', addMonths(TODAY, -6))
      .where('itt_start_date', '<=', TODAY)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const path = `/trainees/${trainee.id}`;
    assert.match((await agent.get(path)).body, /Recommend for (QTS|EYTS)/);
    const future = await agent.post(`${path}/recommend`, dateFields('date', addMonths(TODAY, 1)));
    assert.match(future.body, /must be today or in the past/);
    const checkPage = await agent.post(`${path}/recommend`, dateFields('date', TODAY));
    assert.match(checkPage.body, /Check and confirm: recommend/);
    const done = await agent.post(`${path}/recommend/confirm`, dateFields('date', TODAY));
    assert.equal(done.statusCode, 303);
    const page = await agent.get(path);
    assert.match(page.body, /has been recommended for (QTS|EYTS)/);
    // The local teaching record awards at once.
    assert.match(page.body, /Holds (QTS|EYTS)/);
  });

  it('searches by HESA ID and filters by subject', async () => {
    const hei = await findOrganisationByReference(t.database.db, '10000002');
    const trainee = await t.database.db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', hei.id)
      .where('hesa_id', 'is not', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const found = await university.get(`/trainees?q=${trainee.hesa_id}`);
    assert.match(found.body, new RegExp(`/trainees/${trainee.id}`));
    const provider = await findOrganisationByReference(t.database.db, '10000001');
    assert.match(found.body, /<strong>1<\/strong> trainee match your filters/);
    const physics = await agent.get('/trainees?subject=Physics');
    assert.match(physics.body, /match your filters/);
    const count = Number(/<strong>([\d,]+)<\/strong>/.exec(physics.body)?.[1].replace(',', ''));
    const all = await t.database.db
      .selectFrom('trainees')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('provider_id', '=', provider.id)
      .where((eb) =>
        eb.or([eb('subject', '=', 'Physics'), eb('subject_2', '=', 'Physics'), eb('subject_3', '=', 'Physics')]),
      )
      .executeTakeFirstOrThrow();
    assert.equal(count, Number(all.n));
  });

  it('finds no other provider’s trainee or draft on any of these pages', async () => {
    const draft = (await agent.post('/trainees/new')).headers.location as string;
    const traineePath = (await agent.post(`${await fillDraft('Lamarr')}/check`)).headers.location as string;
    for (const path of [
      draft,
      `${draft}/personal`,
      `${draft}/check`,
      `${draft}/delete`,
      `${traineePath}/change/personal`,
      `${traineePath}/defer`,
      `${traineePath}/reinstate`,
      `${traineePath}/withdraw`,
      `${traineePath}/recommend`,
    ]) {
      assert.equal((await university.get(path)).statusCode, 404, path);
    }
    for (const path of [
      `${draft}/personal`,
      `${draft}/check`,
      `${draft}/delete`,
      `${traineePath}/change/contact`,
      `${traineePath}/defer`,
      `${traineePath}/withdraw/confirm`,
      `${traineePath}/recommend/confirm`,
    ]) {
      assert.equal((await university.post(path, { email: 'x@example.com' })).statusCode, 404, path);
    }
    // Schools have no trainees at all.
    const school = await signedIn(t.app, 'school@example.com');
    assert.equal((await school.get('/trainees/new')).statusCode, 404);
  });

  it('lists the allowed values of each coded detail for a signed-in provider user, the lists the API serves, linked from the bulk upload', async () => {
    const page = await agent.get('/trainees/reference');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1[^>]*>\s*Allowed values for trainees’ details\s*<\/h1>/);
    const cells = (...texts: string[]) =>
      new RegExp(texts.map((text) => `<td[^>]*>\\s*${text.replace(/[()]/g, '\\$&')}\\s*</td>`).join('\\s*'));
    for (const [id, items] of Object.entries(REFERENCE_LISTS)) {
      assert.match(page.body, new RegExp(`<h2[^>]*id="${id}"`), id);
      for (const item of items) assert.match(page.body, cells(item.code, item.name), `${id}: ${item.code}`);
    }
    // Codes from the HESA student return, beside the code they stand for.
    assert.match(page.body, cells('provider_led_postgrad', 'Primary and secondary (postgraduate)', '12'));
    assert.match(page.body, cells('part_time', 'Part time', '31, 64, part-time'));
    assert.match(page.body, cells('100403', 'Mathematics', ''));

    for (const path of ['/bulk/trainees', '/bulk/trainees/guidance']) {
      assert.match((await agent.get(path)).body, /href="\/trainees\/reference"/, path);
    }
    // Only providers' users: schools have no trainees; signed out, sign in first.
    const school = await signedIn(t.app, 'school@example.com');
    assert.equal((await school.get('/trainees/reference')).statusCode, 404);
    const anonymous = await t.app.inject({ method: 'GET', url: '/trainees/reference' });
    assert.equal(anonymous.statusCode, 303);
    assert.match(String(anonymous.headers.location), /^\/sign-in/);
  });
});
