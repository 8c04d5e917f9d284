// A trainee's placements, one by one: add (by searching the register, or a school without a URN),
// change, remove; split sites; duplicates; postcodes and dates; audit; the list's count and filter;
// and isolation between providers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('trainee placements', () => {
  let t: TestContext;
  let scitt: Agent;
  before(async () => {
    t = await startTestApp();
    scitt = await signedIn(t.app, 'provider@example.com');
  });
  after(() => t.close());

  /** A trainee of the provider with no placements yet (the demo gives eligible trainees none). */
  async function traineeWithoutPlacements(ukprn: string, skip = 0) {
    const provider = await findOrganisationByReference(t.database.db, ukprn);
    return t.database.db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', provider.id)
      .where('state', '=', 'trn_received')
      .where((eb) =>
        eb.not(eb.exists(eb.selectFrom('placements').select('id').whereRef('trainee_id', '=', 'trainees.id'))),
      )
      .orderBy('provider_trainee_id')
      .offset(skip)
      .limit(1)
      .executeTakeFirstOrThrow();
  }

  const placementsOf = (traineeId: string) =>
    t.database.db
      .selectFrom('placements')
      .selectAll()
      .where('trainee_id', '=', traineeId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();

  const eventsOf = (traineeId: string) =>
    t.database.db
      .selectFrom('events')
      .selectAll()
      .where('subject_type', '=', 'trainee')
      .where('subject_id', '=', traineeId)
      .where('action', 'like', 'placement%')
      .orderBy('id')
      .execute();

  it('adds a placement by searching the register, and shows it on the trainee’s page', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 0);
    const base = `/trainees/${trainee.id}/placements/new`;

    const traineePage = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(traineePage.body, /id="placements"/);
    assert.match(traineePage.body, /has no placements/);
    assert.match(traineePage.body, new RegExp(`href="${base}/school"`));

    const search = await scitt.get(`${base}/school?q=thornbury`);
    assert.equal(search.statusCode, 200);
    assert.match(search.body, /Thornbury Church of England Primary School/);
    assert.match(search.body, /name="urn" type="radio" value="100002"/);

    const details = await scitt.get(`${base}?urn=100002&q=thornbury`);
    assert.equal(details.statusCode, 200);
    assert.match(details.body, /Add a placement for/);
    assert.match(details.body, /NR21 1DX/);

    const added = await scitt.post(base, {
      urn: '100002',
      'startDate-day': '8',
      'startDate-month': '9',
      'startDate-year': '2025',
      'endDate-day': '',
      'endDate-month': '',
      'endDate-year': '',
    });
    assert.equal(added.statusCode, 303);
    assert.equal(added.headers.location, `/trainees/${trainee.id}#placements`);
    const page = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(page.body, /A placement at Thornbury Church of England Primary School has been added/);
    assert.match(page.body, /Placement 1: Thornbury Church of England Primary School/);
    assert.match(page.body, /8 September 2025 to end not given/);

    const [placement] = await placementsOf(trainee.id);
    assert.equal(placement.school_urn, '100002');
    assert.equal(placement.start_date, '2025-09-08');
    assert.equal(placement.end_date, null);
    const [event] = await eventsOf(trainee.id);
    assert.equal(event.action, 'placement added');
    assert.equal(event.via, 'trainee page');
    assert.deepEqual((event.changes as Record<string, unknown>).school_urn, { to: '100002' });
  });

  it('goes straight to the school chosen in the autocomplete, and asks again when none was chosen', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 0);
    const base = `/trainees/${trainee.id}/placements/new`;
    const chosen = await scitt.get(`${base}/school?q=Thornbury&urn=100002`);
    assert.equal(chosen.statusCode, 303);
    assert.equal(chosen.headers.location, `${base}?urn=100002`);
    const none = await scitt.get(`${base}?q=thornbury`);
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /Select the school, or search again/);
    const short = await scitt.get(`${base}/school?q=a`);
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /Enter at least 2 characters/);
    const nothing = await scitt.get(`${base}/school?q=zzzzqqq`);
    assert.match(nothing.body, /No schools match “zzzzqqq”/);
  });

  it('adds a placement at a school without a URN, with the postcode normalised, and checks the postcode', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 1);
    const base = `/trainees/${trainee.id}/placements/new`;
    const form = await scitt.get(`${base}?school=no-urn`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /School without a URN/);

    const empty = await scitt.post(base, { school: 'no-urn', schoolName: ' ', postcode: '' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Enter the school’s name/);
    assert.match(empty.body, /Enter the school’s postcode/);
    assert.match(empty.body, /href="#schoolName"/);

    const bad = await scitt.post(base, { school: 'no-urn', schoolName: 'Little Owls Nursery', postcode: 'LS1' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter a full UK postcode, like SW1A 1AA/);
    assert.match(bad.body, /value="Little Owls Nursery"/);

    const badDates = await scitt.post(base, {
      school: 'no-urn',
      schoolName: 'Little Owls Nursery',
      postcode: 'x',
      'startDate-day': '31',
      'startDate-month': '2',
      'startDate-year': '2025',
      'endDate-day': '3',
      'endDate-month': '',
      'endDate-year': '2025',
    });
    assert.equal(badDates.statusCode, 400);
    assert.match(badDates.body, /Enter a full UK postcode/);
    assert.match(badDates.body, /The start date must be a real date/);
    assert.match(badDates.body, /The end date must include a month/);

    const backwards = await scitt.post(base, {
      school: 'no-urn',
      schoolName: 'Little Owls Nursery',
      postcode: 'ls1 4ab',
      'startDate-day': '1',
      'startDate-month': '3',
      'startDate-year': '2025',
      'endDate-day': '1',
      'endDate-month': '2',
      'endDate-year': '2025',
    });
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.body, /The end date must be the same as or after the start date/);
    assert.equal((await placementsOf(trainee.id)).length, 0);

    const added = await scitt.post(base, {
      school: 'no-urn',
      schoolName: '  Little   Owls Nursery ',
      postcode: 'ls14ab',
    });
    assert.equal(added.statusCode, 303);
    const [placement] = await placementsOf(trainee.id);
    assert.equal(placement.school_urn, null);
    assert.equal(placement.school_name, 'Little Owls Nursery');
    assert.equal(placement.school_postcode, 'LS1 4AB');
    const page = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(page.body, /Placement 1: Little Owls Nursery/);
    assert.match(page.body, /No URN/);
  });

  it('allows two placements at schools sharing a URN (split sites), and refuses an exact duplicate', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 2);
    const base = `/trainees/${trainee.id}/placements/new`;
    const dates = (month: string) => ({
      'startDate-day': '1',
      'startDate-month': month,
      'startDate-year': '2025',
    });
    assert.equal((await scitt.post(base, { urn: '100003', ...dates('9') })).statusCode, 303);
    assert.equal((await scitt.post(base, { urn: '100003', ...dates('10') })).statusCode, 303);
    assert.equal((await placementsOf(trainee.id)).length, 2);

    const duplicate = await scitt.post(base, { urn: '100003', ...dates('10') });
    assert.equal(duplicate.statusCode, 400);
    assert.match(duplicate.body, /already has a placement at this school with the same dates/);
    assert.equal((await placementsOf(trainee.id)).length, 2);

    // The same school without a URN, by name in another case, is a duplicate too.
    assert.equal(
      (await scitt.post(base, { school: 'no-urn', schoolName: 'Oak Nursery', postcode: 'LS1 4AB' })).statusCode,
      303,
    );
    const again = await scitt.post(base, { school: 'no-urn', schoolName: 'OAK NURSERY', postcode: 'ls1 4ab' });
    assert.equal(again.statusCode, 400);
    assert.equal((await placementsOf(trainee.id)).length, 3);
  });

  it('refuses a URN that is not in the register', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 3);
    const response = await scitt.post(`/trainees/${trainee.id}/placements/new`, { urn: '999999' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /There is no school with URN 999999 in the register/);
    assert.equal((await placementsOf(trainee.id)).length, 0);
  });

  it('changes a placement: new school and dates, version up, audited from → to', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 4);
    await scitt.post(`/trainees/${trainee.id}/placements/new`, { urn: '100002' });
    const [before] = await placementsOf(trainee.id);
    const change = `/trainees/${trainee.id}/placements/${before.id}/change`;

    const form = await scitt.get(change);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /Change a placement for/);
    assert.match(form.body, /Thornbury Church of England Primary School/);
    assert.match(form.body, new RegExp(`href="${change}/school"`));

    const search = await scitt.get(`${change}/school?q=100004`);
    assert.match(search.body, /Chapel End High School/);
    const chosen = await scitt.get(`${change}?urn=100004`);
    assert.match(chosen.body, /Chapel End High School/);

    const saved = await scitt.post(change, {
      urn: '100004',
      'endDate-day': '20',
      'endDate-month': '12',
      'endDate-year': '2025',
    });
    assert.equal(saved.statusCode, 303);
    const [after] = await placementsOf(trainee.id);
    assert.equal(after.id, before.id);
    assert.equal(after.school_urn, '100004');
    assert.equal(after.end_date, '2025-12-20');
    assert.equal(after.version, before.version + 1);
    assert.ok(after.updated_at.getTime() >= before.updated_at.getTime());
    const page = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(page.body, /The placement at Chapel End High School has been changed/);

    const changed = (await eventsOf(trainee.id)).find((e) => e.action === 'placement changed');
    assert.ok(changed);
    const changes = changed.changes as Record<string, unknown>;
    assert.deepEqual(changes.school_urn, { from: '100002', to: '100004' });
    assert.deepEqual(changes.end_date, { to: '2025-12-20' });

    // Saving the same details changes nothing.
    await scitt.post(change, { urn: '100004', 'endDate-day': '20', 'endDate-month': '12', 'endDate-year': '2025' });
    assert.equal((await placementsOf(trainee.id))[0].version, after.version);
    const unchanged = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(unchanged.body, /Nothing was changed/);
  });

  it('removes a placement after a confirmation page, audited', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 5);
    await scitt.post(`/trainees/${trainee.id}/placements/new`, {
      school: 'no-urn',
      schoolName: 'Elm Tree Nursery',
      postcode: 'NR21 1DX',
    });
    const [placement] = await placementsOf(trainee.id);
    const remove = `/trainees/${trainee.id}/placements/${placement.id}/remove`;
    const confirm = await scitt.get(remove);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Remove the placement at Elm Tree Nursery\?/);
    assert.equal((await placementsOf(trainee.id)).length, 1);
    const removed = await scitt.post(remove);
    assert.equal(removed.statusCode, 303);
    assert.equal((await placementsOf(trainee.id)).length, 0);
    const page = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(page.body, /The placement at Elm Tree Nursery has been removed/);
    const event = (await eventsOf(trainee.id)).find((e) => e.action === 'placement removed');
    assert.ok(event);
    assert.deepEqual((event.changes as Record<string, unknown>).school_name, { from: 'Elm Tree Nursery' });
  });

  it('shows each trainee’s placements count in the list, and filters those with fewer than 2', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 6);
    await scitt.post(`/trainees/${trainee.id}/placements/new`, { urn: '100005' });
    const list = await scitt.get(`/trainees?q=${trainee.trn}`);
    assert.match(
      list.body,
      /<th scope="col" class="govuk-table__header govuk-table__header--numeric">Placements<\/th>/,
    );
    assert.match(list.body, /govuk-table__cell--numeric">1<\/td>/);

    const fewer = await scitt.get(`/trainees?placements=fewer-than-2&q=${trainee.trn}`);
    assert.match(fewer.body, /<strong>1<\/strong> trainee match your filters/);
    await scitt.post(`/trainees/${trainee.id}/placements/new`, { urn: '100006' });
    const none = await scitt.get(`/trainees?placements=fewer-than-2&q=${trainee.trn}`);
    assert.match(none.body, /<strong>0<\/strong> trainees match your filters/);
    const all = await scitt.get('/trainees?placements=fewer-than-2');
    assert.match(all.body, /name="placements" type="checkbox" value="fewer-than-2" checked/);
    const total = Number(/<strong>(\d+)<\/strong> trainees match/.exec(all.body)?.[1]);
    assert.ok(total > 0 && total < 640, `${total} of 640 have fewer than 2`);
  });

  it('gives 404 for another provider’s trainee or placement, and changes nothing', async () => {
    const theirs = await traineeWithoutPlacements('10000002', 0);
    const university = await signedIn(t.app, 'university@example.com');
    await university.post(`/trainees/${theirs.id}/placements/new`, { urn: '100002' });
    const [placement] = await placementsOf(theirs.id);
    assert.ok(placement);
    const base = `/trainees/${theirs.id}/placements`;
    for (const url of [
      `${base}/new/school?q=thornbury`,
      `${base}/new?urn=100002`,
      `${base}/${placement.id}/change`,
      `${base}/${placement.id}/change/school`,
      `${base}/${placement.id}/remove`,
    ]) {
      assert.equal((await scitt.get(url)).statusCode, 404, url);
    }
    await scitt.get('/trainees');
    assert.equal((await scitt.post(`${base}/new`, { urn: '100003' })).statusCode, 404);
    assert.equal((await scitt.post(`${base}/${placement.id}/change`, { urn: '100003' })).statusCode, 404);
    assert.equal((await scitt.post(`${base}/${placement.id}/remove`)).statusCode, 404);
    // Their placement under one of our trainees' addresses is not found either.
    const ours = await traineeWithoutPlacements('10000001', 7);
    assert.equal((await scitt.get(`/trainees/${ours.id}/placements/${placement.id}/change`)).statusCode, 404);
    assert.equal((await scitt.post(`/trainees/${ours.id}/placements/${placement.id}/remove`)).statusCode, 404);

    const [still] = await placementsOf(theirs.id);
    assert.deepEqual(still, placement);
    assert.equal((await placementsOf(theirs.id)).length, 1);
  });

  it('is not reachable by schools, appropriate bodies or support users', async () => {
    const trainee = await traineeWithoutPlacements('10000001', 8);
    for (const email of ['school@example.com', 'ab@example.com', 'support@example.com']) {
      const other = await signedIn(t.app, email);
      assert.equal((await other.get(`/trainees/${trainee.id}/placements/new/school`)).statusCode, 404, email);
      await other.get('/');
      assert.equal((await other.post(`/trainees/${trainee.id}/placements/new`, { urn: '100002' })).statusCode, 404);
    }
    assert.equal((await placementsOf(trainee.id)).length, 0);
  });
});
