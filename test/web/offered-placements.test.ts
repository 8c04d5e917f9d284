// Offered placements: the gate on a placement contact, adding, changing and deleting them,
// assigning and removing a provider (with emails to its users), what providers see, and isolation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { academicYearName } from '../../src/domain/dates.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation, findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { normaliseTerms, offeredAcademicYears } from '../../src/domain/placements/offered-placements.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const LIST = '/school/placements';
const [CURRENT, NEXT] = offeredAcademicYears();

describe('offered placements', () => {
  let t: TestContext;
  let schoolId: string;
  let otherSchoolId: string;
  let scittId: string;
  let universityId: string;
  let school: Agent;
  let otherSchool: Agent;
  let scitt: Agent;
  let university: Agent;
  /** A placement of the other school, which has no placement contact (put there directly). */
  let uncontactedId: string;
  let placementId: string;

  const db = () => t.database.db;
  const placement = (id: string) =>
    db().selectFrom('offered_placements').selectAll().where('id', '=', id).executeTakeFirst();
  const outbox = () => db().selectFrom('outbox').selectAll().orderBy('id').execute();
  const idFrom = (location: unknown) => /\/school\/placements\/([0-9a-f-]{36})$/.exec(String(location))?.[1] ?? '';

  before(async () => {
    t = await startTestApp();
    schoolId = (await findOrganisationByReference(db(), '100001')).id;
    scittId = (await findOrganisationByReference(db(), '10000001')).id;
    universityId = (await findOrganisationByReference(db(), '10000002')).id;
    const other = await createOrganisation(db(), SYSTEM, { type: 'school', urn: '100002' });
    otherSchoolId = other.id;
    await addUserToOrganisation(db(), SYSTEM, other.id, {
      email: 'other-school@example.com',
      firstName: 'Olu',
      lastName: 'Adeyemi',
      role: 'admin',
      password: 'rollbook-demo',
    });
    uncontactedId = (
      await db()
        .insertInto('offered_placements')
        .values({ school_id: otherSchoolId, phase: 'primary', year_group: 'year-2', academic_year: NEXT, terms: [] })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    [school, otherSchool, scitt, university] = await Promise.all([
      signedIn(t.app, 'school@example.com'),
      signedIn(t.app, 'other-school@example.com'),
      signedIn(t.app, 'provider@example.com'),
      signedIn(t.app, 'university@example.com'),
    ]);
  });
  after(() => t.close());

  it('normalises terms: calendar order, no repeats, all three is any time', () => {
    assert.deepEqual(normaliseTerms(['summer', 'autumn', 'summer']), ['autumn', 'summer']);
    assert.deepEqual(normaliseTerms(['spring', 'summer', 'autumn']), []);
    assert.deepEqual(normaliseTerms([]), []);
  });

  it('refuses a school without a placement contact, explaining why and linking to add one', async () => {
    const list = await school.get(LIST);
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Before you can add placements, add a placement contact/);
    assert.match(list.body, /href="\/organisation\/placement-contact\?from=placements">Add placement contact/);
    assert.doesNotMatch(list.body, /href="\/school\/placements\/new"/);

    const form = await school.get(`${LIST}/new`);
    assert.equal(form.statusCode, 403);
    assert.match(form.body, /Add a placement contact first/);
    assert.match(form.body, /href="\/organisation\/placement-contact\?from=placements"/);

    const post = await school.post(`${LIST}/new`, {
      phase: 'secondary',
      subject: 'mathematics',
      academicYear: String(NEXT),
      terms: 'autumn',
    });
    assert.equal(post.statusCode, 403);
    assert.match(post.body, /Add a placement contact first/);
    const count = await db()
      .selectFrom('offered_placements')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('school_id', '=', schoolId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0);
  });

  it('refuses changes to the placements of a school without a contact, even asked for directly', async () => {
    const before = await placement(uncontactedId);
    const emailsBefore = (await outbox()).length;
    const edit = await otherSchool.get(`${LIST}/${uncontactedId}/edit`);
    assert.equal(edit.statusCode, 403);
    const post = await otherSchool.post(`${LIST}/${uncontactedId}/edit`, {
      phase: 'secondary',
      subject: 'music',
      academicYear: String(NEXT),
      terms: 'any',
    });
    assert.equal(post.statusCode, 403);
    const assign = await otherSchool.post(`${LIST}/${uncontactedId}/provider`, { providerId: scittId, q: 'SCITT' });
    assert.equal(assign.statusCode, 403);
    assert.deepEqual(await placement(uncontactedId), before);
    assert.equal((await outbox()).length, emailsBefore);
  });

  it('checks the form and says how to fix each problem', async () => {
    await school.post('/organisation/placement-contact', {
      firstName: 'Siân',
      lastName: 'Evans',
      email: 'Placements@Demo-School.example',
    });
    const form = await school.get(`${LIST}/new`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, new RegExp(`value="${NEXT}" checked`), 'the next academic year is chosen');
    assert.match(form.body, new RegExp(academicYearName(CURRENT)));

    // The demo school is a primary school: it is asked for the year group, never the phase.
    const empty = await school.post(`${LIST}/new`, {});
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#yearGroup">Select the year group the trainee would teach/);
    assert.match(empty.body, /href="#terms">Select the terms the placement could be in/);

    const noSubject = await school.post(`${LIST}/new`, {
      phase: 'secondary',
      academicYear: String(NEXT),
      terms: 'any',
    });
    assert.match(noSubject.body, /Select the subject the trainee would teach/);
    const noYearGroup = await school.post(`${LIST}/new`, {
      phase: 'primary',
      academicYear: String(NEXT),
      terms: 'any',
    });
    assert.match(noYearGroup.body, /Select the year group the trainee would teach/);

    const both = await school.post(`${LIST}/new`, [
      ['phase', 'primary'],
      ['yearGroup', 'year-3'],
      ['academicYear', String(NEXT)],
      ['terms', 'autumn'],
      ['terms', 'any'],
    ]);
    assert.equal(both.statusCode, 400);
    assert.match(both.body, /Select the terms, or any time in the academic year, but not both/);

    const pastYear = await school.post(`${LIST}/new`, {
      phase: 'primary',
      yearGroup: 'year-3',
      academicYear: String(CURRENT - 1),
      terms: 'any',
    });
    assert.match(pastYear.body, /Select the academic year of the placement/);
    const unknownSubject = await school.post(`${LIST}/new`, {
      phase: 'secondary',
      subject: 'astrology',
      academicYear: String(NEXT),
      terms: 'any',
    });
    assert.match(unknownSubject.body, /Select the subject the trainee would teach/);
    const count = await db()
      .selectFrom('offered_placements')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('school_id', '=', schoolId)
      .executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 0);
  });

  it('adds a placement once there is a contact, all three terms stored as any time, and lists it', async () => {
    const response = await school.post(`${LIST}/new`, [
      ['phase', 'secondary'],
      ['subject', 'mathematics'],
      ['yearGroup', 'year-3'],
      ['academicYear', String(NEXT)],
      ['terms', 'summer'],
      ['terms', 'autumn'],
      ['terms', 'spring'],
    ]);
    assert.equal(response.statusCode, 303);
    placementId = idFrom(response.headers.location);
    const stored = await placement(placementId);
    assert.equal(stored?.phase, 'secondary');
    assert.equal(stored?.subject, 'mathematics');
    assert.equal(stored?.year_group, null, 'a secondary placement has no year group');
    assert.deepEqual(stored?.terms, []);
    assert.equal(stored?.provider_id, null);

    const page = await school.get(`${LIST}/${placementId}`);
    assert.match(page.body, /Placement added/);
    assert.match(page.body, /Mathematics/);
    assert.match(page.body, /Any time in the academic year/);
    const list = await school.get(LIST);
    assert.match(list.body, new RegExp(academicYearName(NEXT)));
    assert.match(list.body, new RegExp(`href="/school/placements/${placementId}">Mathematics`));
    assert.match(list.body, /Available/);
    const otherYear = await school.get(`${LIST}?year=${CURRENT}`);
    assert.doesNotMatch(otherYear.body, new RegExp(placementId));

    const events = await db()
      .selectFrom('events')
      .selectAll()
      .where('subject_type', '=', 'offered placement')
      .where('subject_id', '=', placementId)
      .execute();
    assert.equal(events[0].action, 'added');
  });

  it('changes a placement and audits what changed', async () => {
    const form = await school.get(`${LIST}/${placementId}/edit`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /value="any" checked/);
    const response = await school.post(`${LIST}/${placementId}/edit`, [
      ['phase', 'secondary'],
      ['subject', 'physics'],
      ['academicYear', String(NEXT)],
      ['terms', 'spring'],
      ['terms', 'autumn'],
    ]);
    assert.equal(response.statusCode, 303);
    const stored = await placement(placementId);
    assert.equal(stored?.subject, 'physics');
    assert.deepEqual(stored?.terms, ['autumn', 'spring']);
    const event = await db()
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', placementId)
      .where('action', '=', 'changed')
      .executeTakeFirstOrThrow();
    assert.deepEqual(event.changes, {
      subject: { from: 'mathematics', to: 'physics' },
      terms: { from: [], to: ['autumn', 'spring'] },
    });
    const page = await school.get(`${LIST}/${placementId}`);
    assert.match(page.body, /Placement updated/);
    assert.match(page.body, /Autumn term, Spring term/);
  });

  it('searches providers by name, UKPRN or postcode, with clear errors for an empty search and no match', async () => {
    const empty = await school.get(`${LIST}/${placementId}/provider?q=`);
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#q">Enter a provider’s name, UKPRN or postcode/);

    const none = await school.get(`${LIST}/${placementId}/provider?q=Nowhere+College`);
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /No providers match “Nowhere College”/);

    for (const q of ['demo scitt', '10000001', 'ls27dj', 'LS2']) {
      const found = await school.get(`${LIST}/${placementId}/provider?q=${encodeURIComponent(q)}`);
      assert.equal(found.statusCode, 200, q);
      assert.match(found.body, new RegExp(`value="${scittId}"`), `"${q}" finds the SCITT`);
      assert.doesNotMatch(found.body, new RegExp(`value="${universityId}"`), `"${q}" does not find the university`);
    }
    const schoolsAreNotProviders = await school.get(`${LIST}/${placementId}/provider?q=Primary`);
    assert.doesNotMatch(schoolsAreNotProviders.body, new RegExp(`value="${schoolId}"`));

    const nothingChosen = await school.post(`${LIST}/${placementId}/provider`, { q: 'demo' });
    assert.equal(nothingChosen.statusCode, 400);
    assert.match(nothingChosen.body, /Select the provider to assign/);
    const notAProvider = await school.post(`${LIST}/${placementId}/provider`, { q: 'demo', providerId: schoolId });
    assert.equal(notAProvider.statusCode, 400);
    assert.equal((await placement(placementId))?.provider_id, null);
  });

  it('assigns a provider and emails each of its users, naming the school and the placement contact', async () => {
    const emailsBefore = (await outbox()).length;
    const response = await school.post(`${LIST}/${placementId}/provider`, { q: 'scitt', providerId: scittId });
    assert.equal(response.statusCode, 303);
    assert.equal((await placement(placementId))?.provider_id, scittId);
    const page = await school.get(`${LIST}/${placementId}`);
    assert.match(page.body, /Provider assigned: Rollbook Demo SCITT/);
    assert.doesNotMatch(page.body, /Delete placement/);

    const emails = (await outbox()).slice(emailsBefore);
    assert.deepEqual(emails.map((e) => e.to_address).sort(), ['multi@example.com', 'provider@example.com']);
    for (const email of emails) {
      assert.match(email.subject, /Rollbook Demo Primary School has assigned a placement to Rollbook Demo SCITT/);
      assert.match(email.body, /Rollbook Demo Primary School \(URN 100001\)/);
      assert.match(email.body, /Siân Evans, placements@demo-school\.example/);
      assert.match(email.body, /Physics/);
    }
    const event = await db()
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', placementId)
      .where('action', '=', 'provider assigned')
      .executeTakeFirstOrThrow();
    assert.deepEqual(event.changes, {
      provider: { to: 'Rollbook Demo SCITT' },
      provider_id: { to: scittId },
    });
  });

  it('does not delete a placement while a provider is assigned', async () => {
    const page = await school.get(`${LIST}/${placementId}/delete`);
    assert.match(page.body, /You cannot delete this placement/);
    const response = await school.post(`${LIST}/${placementId}/delete`, {});
    assert.equal(response.statusCode, 409);
    assert.ok(await placement(placementId));
  });

  it('shows the provider only the placements assigned to it, with the school’s contact first', async () => {
    const list = await scitt.get('/placements');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /Placements offered by schools/);
    assert.match(list.body, new RegExp(`href="/placements/${placementId}">Physics`));
    assert.match(list.body, /Rollbook Demo Primary School/);

    const filtered = async (query: string) => (await scitt.get(`/placements?year=${NEXT}&${query}`)).body;
    assert.match(await filtered('subject=physics'), new RegExp(placementId));
    assert.doesNotMatch(await filtered('subject=primary'), new RegExp(placementId));
    assert.match(await filtered('term=spring'), new RegExp(placementId));
    assert.doesNotMatch(await filtered('term=summer'), new RegExp(placementId));
    assert.match(await filtered(`school=${schoolId}`), new RegExp(placementId));
    assert.doesNotMatch((await scitt.get(`/placements?year=${CURRENT}`)).body, new RegExp(placementId));

    const page = await scitt.get(`/placements/${placementId}`);
    assert.equal(page.statusCode, 200);
    const contact = page.body.indexOf('Placement contact');
    const email = page.body.indexOf('placements@demo-school.example');
    const dates = page.body.indexOf('Academic year');
    const urn = page.body.indexOf('100001');
    assert.ok(contact > 0 && email > contact, 'the contact is shown');
    assert.ok(email < dates, 'the contact comes before the dates');
    assert.ok(dates < urn, 'the dates come before the school’s details');
    assert.match(page.body, /Siân/);
    assert.match(page.body, /Autumn term, Spring term/);

    const other = await university.get(`/placements/${placementId}`);
    assert.equal(other.statusCode, 404);
    assert.doesNotMatch((await university.get('/placements')).body, new RegExp(placementId));
  });

  it('changes the provider, telling both, then removes it after confirming', async () => {
    const before = (await outbox()).length;
    await school.post(`${LIST}/${placementId}/provider`, { q: 'university', providerId: universityId });
    assert.equal((await placement(placementId))?.provider_id, universityId);
    const changed = (await outbox()).slice(before);
    const removedFromScitt = changed.filter((e) => /has removed Rollbook Demo SCITT/.test(e.subject));
    const assignedToUniversity = changed.filter((e) =>
      /assigned a placement to Rollbook Demo University/.test(e.subject),
    );
    assert.deepEqual(removedFromScitt.map((e) => e.to_address).sort(), ['multi@example.com', 'provider@example.com']);
    assert.deepEqual(assignedToUniversity.map((e) => e.to_address).sort(), [
      'multi@example.com',
      'university@example.com',
    ]);
    assert.equal((await scitt.get(`/placements/${placementId}`)).statusCode, 404);

    const confirm = await school.get(`${LIST}/${placementId}/provider/remove`);
    assert.match(confirm.body, /Remove Rollbook Demo University from this placement\?/);
    const count = (await outbox()).length;
    const response = await school.post(`${LIST}/${placementId}/provider/remove`, {});
    assert.equal(response.statusCode, 303);
    assert.equal((await placement(placementId))?.provider_id, null);
    const removed = (await outbox()).slice(count);
    assert.deepEqual(removed.map((e) => e.to_address).sort(), ['multi@example.com', 'university@example.com']);
    for (const email of removed) {
      assert.match(email.subject, /has removed Rollbook Demo University from a placement/);
      assert.match(email.body, /placements@demo-school\.example/);
    }
    assert.match((await school.get(`${LIST}/${placementId}`)).body, /Provider removed/);
    assert.equal((await university.get(`/placements/${placementId}`)).statusCode, 404);
  });

  it('keeps every route to the school and its placements: others get 404 and nothing changes', async () => {
    const before = await placement(placementId);
    const outboxBefore = (await outbox()).length;
    const schoolUrls = [
      `${LIST}/${placementId}`,
      `${LIST}/${placementId}/edit`,
      `${LIST}/${placementId}/delete`,
      `${LIST}/${placementId}/provider?q=scitt`,
      `${LIST}/${placementId}/provider/remove`,
    ];
    const posts: [string, Record<string, string>][] = [
      [
        `${LIST}/${placementId}/edit`,
        { phase: 'primary', yearGroup: 'year-1', academicYear: String(NEXT), terms: 'any' },
      ],
      [`${LIST}/${placementId}/delete`, {}],
      [`${LIST}/${placementId}/provider`, { q: 'scitt', providerId: scittId }],
      [`${LIST}/${placementId}/provider/remove`, {}],
    ];
    // Another school.
    for (const url of schoolUrls) assert.equal((await otherSchool.get(url)).statusCode, 404, `other school GET ${url}`);
    for (const [url, form] of posts) {
      assert.equal((await otherSchool.post(url, form)).statusCode, 404, `other school POST ${url}`);
    }
    assert.doesNotMatch((await otherSchool.get(LIST)).body, new RegExp(placementId));
    // Providers, appropriate bodies and support do not reach school pages at all.
    const ab = await signedIn(t.app, 'ab@example.com');
    const support = await signedIn(t.app, 'support@example.com');
    for (const agent of [scitt, ab, support]) {
      for (const url of [LIST, `${LIST}/new`, ...schoolUrls]) assert.equal((await agent.get(url)).statusCode, 404, url);
      for (const [url, form] of [...posts, [`${LIST}/new`, {}] as [string, Record<string, string>]]) {
        assert.equal((await agent.post(url, form)).statusCode, 404, `POST ${url}`);
      }
    }
    // Schools, appropriate bodies and support do not reach the providers' pages.
    for (const agent of [school, ab, support]) {
      assert.equal((await agent.get('/placements')).statusCode, 404);
      assert.equal((await agent.get(`/placements/${placementId}`)).statusCode, 404);
    }
    // A made-up or malformed id is simply not found.
    assert.equal((await school.get(`${LIST}/not-an-id`)).statusCode, 404);
    assert.equal((await scitt.get('/placements/00000000-0000-0000-0000-000000000000')).statusCode, 404);
    assert.deepEqual(await placement(placementId), before);
    assert.equal((await outbox()).length, outboxBefore);
  });

  it('deletes a placement with no provider, after confirming', async () => {
    const confirm = await school.get(`${LIST}/${placementId}/delete`);
    assert.match(confirm.body, /Delete this placement\?/);
    const response = await school.post(`${LIST}/${placementId}/delete`, {});
    assert.equal(response.statusCode, 303);
    assert.equal(await placement(placementId), undefined);
    assert.match((await school.get(String(response.headers.location))).body, /Placement deleted/);
    const event = await db()
      .selectFrom('events')
      .selectAll()
      .where('subject_id', '=', placementId)
      .where('action', '=', 'deleted')
      .executeTakeFirstOrThrow();
    assert.deepEqual((event.changes as Record<string, { from: unknown }>).subject, { from: 'physics' });
  });
});
