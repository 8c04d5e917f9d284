// Placements offered by schools, as providers use them: the lists open on the current academic
// year (or the next when only it has placements), and a provider puts one of its trainees on a
// placement assigned to it, which records the trainee's placement at that school with the school's
// placement contact shown on it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { academicYearName } from '../../src/domain/dates.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { offeredAcademicYears } from '../../src/domain/placements/offered-placements.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const [CURRENT, NEXT] = offeredAcademicYears();

describe('placements offered by schools, for providers', () => {
  let t: TestContext;
  let school: Agent;
  let scitt: Agent;
  let university: Agent;
  let schoolId: string;
  let scittId: string;
  let nextYearId: string;

  const db = () => t.database.db;
  const heading = (body: string) => /<h2 class="govuk-heading-m">(\d{4} to \d{4})<\/h2>/.exec(body)?.[1];
  async function offer(academicYear: number, providerId: string | null) {
    const row = await db()
      .insertInto('offered_placements')
      .values({
        school_id: schoolId,
        phase: 'primary',
        year_group: 'year-4',
        academic_year: academicYear,
        terms: ['spring'],
        provider_id: providerId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }
  async function aTraineeNeedingPlacements(ukprn: string) {
    const provider = await findOrganisationByReference(db(), ukprn);
    return db()
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', provider.id)
      .where('route', '=', 'provider_led_postgrad')
      .where('state', '=', 'trn_received')
      .where(({ not, exists, selectFrom }) =>
        not(exists(selectFrom('placements').select('id').whereRef('placements.trainee_id', '=', 'trainees.id'))),
      )
      .orderBy('last_name')
      .executeTakeFirstOrThrow();
  }

  before(async () => {
    t = await startTestApp();
    schoolId = (await findOrganisationByReference(db(), '100001')).id;
    scittId = (await findOrganisationByReference(db(), '10000001')).id;
    [school, scitt, university] = await Promise.all([
      signedIn(t.app, 'school@example.com'),
      signedIn(t.app, 'provider@example.com'),
      signedIn(t.app, 'university@example.com'),
    ]);
    await school.post('/organisation/placement-contact', {
      firstName: 'Siân',
      lastName: 'Evans',
      email: 'placements@demo-school.example',
    });
  });
  after(() => t.close());

  it('opens both lists on the current academic year when neither has placements in it or the next', async () => {
    assert.equal(heading((await school.get('/school/placements')).body), academicYearName(CURRENT));
    assert.equal(heading((await scitt.get('/placements')).body), academicYearName(CURRENT));
  });

  it('opens on the next academic year when only the next has placements, not on an empty one', async () => {
    nextYearId = await offer(NEXT, scittId);
    assert.equal(heading((await school.get('/school/placements')).body), academicYearName(NEXT));
    const list = await scitt.get('/placements');
    assert.equal(heading(list.body), academicYearName(NEXT));
    assert.match(list.body, new RegExp(`href="/placements/${nextYearId}"`));
    // The university has none: it opens on the current year.
    assert.equal(heading((await university.get('/placements')).body), academicYearName(CURRENT));
  });

  it('opens on the current academic year as soon as it has placements', async () => {
    const currentId = await offer(CURRENT, scittId);
    const schoolList = await school.get('/school/placements');
    assert.equal(heading(schoolList.body), academicYearName(CURRENT));
    assert.match(schoolList.body, new RegExp(currentId));
    const list = await scitt.get('/placements');
    assert.equal(heading(list.body), academicYearName(CURRENT));
    assert.match(list.body, new RegExp(currentId));
    // ?year= still chooses the other.
    assert.match((await scitt.get(`/placements?year=${NEXT}`)).body, new RegExp(nextYearId));
  });

  it('calls them “Placements offered by schools” in the menu, on the home page and on the list', async () => {
    const home = await scitt.get('/');
    assert.match(
      home.body,
      /class="govuk-service-navigation__link" href="\/placements"[^>]*>\s*Placements offered by schools/,
    );
    assert.match(home.body, /href="\/placements">Placements offered by schools<\/a><\/h2>/);
    assert.match(
      (await scitt.get('/placements')).body,
      /<h1 class="govuk-heading-l">Placements offered by schools<\/h1>/,
    );
  });

  it('puts one of the provider’s trainees on a placement, recording it with the school’s contact', async () => {
    const trainee = await aTraineeNeedingPlacements('10000001');
    const page = await scitt.get(`/placements/${nextYearId}`);
    assert.match(
      page.body,
      new RegExp(`href="/placements/${nextYearId}/trainee"[^>]*>\\s*Put a trainee on this placement`),
    );

    // The trainees who still need placements are offered first; a search finds any other.
    const choose = await scitt.get(`/placements/${nextYearId}/trainee`);
    assert.equal(choose.statusCode, 200);
    assert.match(choose.body, /trainees who still need placements/);
    const found = await scitt.get(`/placements/${nextYearId}/trainee?q=${trainee.trn}`);
    assert.match(found.body, new RegExp(`value="${trainee.id}"`));
    assert.match(found.body, new RegExp(`${trainee.first_names} ${trainee.last_name}`));

    const nobody = await scitt.post(`/placements/${nextYearId}/trainee`, { q: '' });
    assert.equal(nobody.statusCode, 400);
    assert.match(nobody.body, /href="#traineeId">Select the trainee to put on this placement/);

    const response = await scitt.post(`/placements/${nextYearId}/trainee`, { traineeId: trainee.id, q: '' });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, `/trainees/${trainee.id}#placements`);
    const placements = await db().selectFrom('placements').selectAll().where('trainee_id', '=', trainee.id).execute();
    assert.equal(placements.length, 1);
    assert.equal(placements[0].school_urn, '100001');
    assert.equal(placements[0].provider_id, scittId);

    const traineePage = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(traineePage.body, /A placement at Rollbook Demo Primary School has been added/);
    assert.match(traineePage.body, /Placement contact/);
    assert.match(traineePage.body, /Siân Evans/);
    assert.match(traineePage.body, /href="mailto:placements@demo-school\.example"/);

    // The same placement again is a duplicate, said on the page; nothing is added.
    const again = await scitt.post(`/placements/${nextYearId}/trainee`, { traineeId: trainee.id, q: '' });
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /already has a placement at this school with the same dates/);
    assert.equal(
      (await db().selectFrom('placements').select('id').where('trainee_id', '=', trainee.id).execute()).length,
      1,
    );

    // Audited on the trainee, through the offered placement.
    const event = await db()
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', trainee.id)
      .where('action', '=', 'placement added')
      .executeTakeFirstOrThrow();
    assert.equal(event.via, `offered placement ${nextYearId}`);
  });

  it('is only for the provider the placement is assigned to, and only for its own trainees', async () => {
    const theirs = await aTraineeNeedingPlacements('10000002');
    const ours = await aTraineeNeedingPlacements('10000001');
    // Another provider's trainee: not found, nothing added.
    const other = await scitt.post(`/placements/${nextYearId}/trainee`, { traineeId: theirs.id, q: '' });
    assert.equal(other.statusCode, 404);
    // Another provider's placement: not found, even with its own trainee.
    assert.equal((await university.get(`/placements/${nextYearId}/trainee`)).statusCode, 404);
    const post = await university.post(`/placements/${nextYearId}/trainee`, { traineeId: theirs.id, q: '' });
    assert.equal(post.statusCode, 404);
    // A placement not assigned to anyone.
    const unassigned = await offer(NEXT, null);
    assert.equal((await scitt.post(`/placements/${unassigned}/trainee`, { traineeId: ours.id })).statusCode, 404);
    for (const id of [theirs.id, ours.id]) {
      assert.equal((await db().selectFrom('placements').select('id').where('trainee_id', '=', id).execute()).length, 0);
    }
    // Schools, appropriate bodies and support have no such page.
    for (const agent of [school, await signedIn(t.app, 'support@example.com')]) {
      assert.equal((await agent.get(`/placements/${nextYearId}/trainee`)).statusCode, 404);
    }
  });
});
