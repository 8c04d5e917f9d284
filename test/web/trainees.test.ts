import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/index.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation, findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { insertTrainees } from '../../src/domain/trainees/trainees.ts';
import { signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('trainee pages', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function aTraineeOf(ukprn: string) {
    const provider = await findOrganisationByReference(t.database.db, ukprn);
    return t.database.db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', provider.id)
      .where('trn', 'is not', null)
      .orderBy('trn')
      .executeTakeFirstOrThrow();
  }

  it('lists a provider’s own trainees, 25 a page, with the total', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const page = await agent.get('/trainees');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<strong>640<\/strong> trainees/);
    assert.equal((page.body.match(/href="\/trainees\/[0-9a-f-]{36}"/g) ?? []).length, 25);
    assert.match(page.body, /govuk-pagination/);
    const last = await agent.get('/trainees?page=26');
    assert.equal((last.body.match(/href="\/trainees\/[0-9a-f-]{36}\?back=page%3D26"/g) ?? []).length, 15);
  });

  it('finds a trainee by TRN or trainee ID, and filters by status and route', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const trainee = await aTraineeOf('10000001');
    const byTrn = await agent.get(`/trainees?q=${trainee.trn}`);
    assert.match(byTrn.body, /<strong>1<\/strong> trainee match your filters/);
    assert.match(byTrn.body, new RegExp(`/trainees/${trainee.id}`));
    const byId = await agent.get(`/trainees?q=${trainee.provider_trainee_id?.toLowerCase()}`);
    assert.match(byId.body, new RegExp(`/trainees/${trainee.id}`));
    const withdrawn = await agent.get('/trainees?state=withdrawn');
    assert.match(withdrawn.body, /Withdrawn/);
    assert.doesNotMatch(withdrawn.body, /govuk-tag--turquoise/);
    const earlyYears = await agent.get('/trainees?route=early_years_postgrad&sort=end-date');
    assert.match(earlyYears.body, /Early years graduate entry/);
    assert.doesNotMatch(earlyYears.body, /Assessment only<\/td>/);
  });

  it('sorts by name unless told, or by expected end date, and offers both on the page', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const idsOn = (body: string) => [...body.matchAll(/href="\/trainees\/([0-9a-f-]{36})[?"]/g)].map((m) => m[1]);
    const shown = async (body: string) => {
      const ids = idsOn(body);
      const rows = await t.database.db
        .selectFrom('trainees')
        .select(['id', 'last_name', 'first_names', 'expected_end_date'])
        .where('id', 'in', ids)
        .execute();
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? assert.fail(id));
    };
    const byName = await agent.get('/trainees');
    assert.match(
      byName.body,
      /Sort by:\s*<strong>name<\/strong>\s*\|\s*<a class="govuk-link" href="\/trainees\?sort=end-date">expected end date<\/a>/,
    );
    const names = (await shown(byName.body)).map((r) => [r.last_name.toLowerCase(), r.first_names.toLowerCase()]);
    assert.equal(names.length, 25);
    const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
    assert.deepEqual(
      names,
      [...names].sort((a, b) => compare(a[0], b[0]) || compare(a[1], b[1])),
    );

    const byEnd = await agent.get('/trainees?sort=end-date');
    assert.match(
      byEnd.body,
      /Sort by:\s*<a class="govuk-link" href="\/trainees">name<\/a>\s*\|\s*<strong>expected end date<\/strong>/,
    );
    const ends = (await shown(byEnd.body)).map((r) => r.expected_end_date);
    assert.deepEqual(ends, [...ends].sort());
    assert.notDeepEqual(idsOn(byEnd.body), idsOn(byName.body));
  });

  it('shows a trainee’s details, with the award that follows from the route', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const trainee = await aTraineeOf('10000001');
    const page = await agent.get(`/trainees/${trainee.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(String(trainee.trn)));
    assert.match(page.body, /ITT start date/);
    assert.match(page.body, /<dd class="govuk-summary-list__value">\s*(QTS|EYTS)\s*<\/dd>/);
  });

  it('writes counts over 999 with a thousands separator', async () => {
    const db = t.database.db;
    const provider = await createOrganisation(db, SYSTEM, {
      type: 'provider',
      providerType: 'hei',
      name: 'Large Test University',
      ukprn: '10000097',
      providerCode: '9LU',
    });
    await addUserToOrganisation(db, SYSTEM, provider.id, {
      email: 'large@example.com',
      firstName: 'Lee',
      lastName: 'Large',
      role: 'member',
      password: DEMO_PASSWORD,
    });
    const { id, version, created_at, updated_at, ...copy } = await aTraineeOf('10000001');
    await insertTrainees(
      db,
      Array.from({ length: 1_234 }, (_, i) => ({
        ...copy,
        provider_id: provider.id,
        state: 'draft' as const,
        trn: null,
        provider_trainee_id: `LARGE-${i}`,
        recommended_at: null,
      })),
    );
    const page = await (await signedIn(t.app, 'large@example.com')).get('/trainees');
    assert.match(page.body, /<strong>1,234<\/strong> trainees/);
  });

  it('finds trainees by part of their name, and offers the academic years they started in', async () => {
    const db = t.database.db;
    const provider = await createOrganisation(db, SYSTEM, {
      type: 'provider',
      providerType: 'hei',
      name: 'Named Test University',
      ukprn: '10000096',
      providerCode: '9NT',
    });
    await addUserToOrganisation(db, SYSTEM, provider.id, {
      email: 'named@example.com',
      firstName: 'Nia',
      lastName: 'Named',
      role: 'member',
      password: DEMO_PASSWORD,
    });
    const { id, version, created_at, updated_at, ...copy } = await aTraineeOf('10000001');
    // Started 31 July 2020 (the 2019 to 2020 year), 1 August 2020, and twice in 2023 to 2024.
    const people = [
      ['Ada Mary', 'Lovelace-Byron', '2020-07-31'],
      ['Charles', 'Babbage', '2020-08-01'],
      ['Grace', "O'Hopper", '2023-09-04'],
      ['Alan', 'Turing 100%', '2024-01-08'],
    ];
    await insertTrainees(
      db,
      people.map(([firstNames, lastName, start], i) => ({
        ...copy,
        provider_id: provider.id,
        first_names: firstNames,
        last_name: lastName,
        itt_start_date: start,
        expected_end_date: '2025-07-31',
        state: 'draft' as const,
        trn: null,
        hesa_id: null,
        provider_trainee_id: `NAMED-${i}`,
        recommended_at: null,
      })),
    );
    const agent = await signedIn(t.app, 'named@example.com');
    const found = async (q: string) => {
      const page = await agent.get(`/trainees?q=${encodeURIComponent(q)}`);
      assert.equal(page.statusCode, 200);
      const links = page.body.matchAll(/<a class="govuk-link" href="\/trainees\/[0-9a-f-]{36}[^"]*">([^<]+)<\/a>/g);
      return [...links].map((m) => m[1].replace(/&#39;/g, "'"));
    };
    assert.deepEqual(await found('love'), ['Lovelace-Byron, Ada Mary']);
    assert.deepEqual(await found('MARY LOVE'), ['Lovelace-Byron, Ada Mary'], 'across first names and last name');
    assert.deepEqual(await found("o'hop"), ["O'Hopper, Grace"]);
    assert.deepEqual(await found('ba'), ['Babbage, Charles'], 'two letters');
    assert.deepEqual(await found('100%'), ['Turing 100%, Alan'], 'a % matches itself');
    assert.deepEqual(await found('a'), [
      'Babbage, Charles',
      'Lovelace-Byron, Ada Mary',
      "O'Hopper, Grace",
      'Turing 100%, Alan',
    ]);
    assert.deepEqual(await found('Hopper Grace'), []);
    const list = await agent.get('/trainees');
    const years = [...list.body.matchAll(/<option value="(\d{4})"/g)].map((m) => m[1]);
    assert.deepEqual(years, ['2023', '2020', '2019']);
    assert.doesNotMatch(list.body, /Change organisation/, 'a member of one organisation has none to change to');
  });

  it('keeps the list’s filters in a trainee’s Back link, and only the list’s', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const list = await agent.get('/trainees?state=trn_received&route=provider_led_postgrad&sort=end-date&page=2');
    const href = /href="(\/trainees\/[0-9a-f-]{36}\?back=[^"]+)"/.exec(list.body)?.[1];
    assert.ok(href, 'trainee links carry the filters');
    const page = await agent.get(href.replace(/&amp;/g, '&'));
    assert.equal(page.statusCode, 200);
    const back = /<a href="([^"]+)" class="govuk-back-link"/.exec(page.body)?.[1];
    assert.equal(back, '/trainees?state=trn_received&amp;route=provider_led_postgrad&amp;sort=end-date&amp;page=2');
    const trainee = await aTraineeOf('10000001');
    const odd = await agent.get(
      `/trainees/${trainee.id}?back=${encodeURIComponent('q=a b&evil=//example.com&placements=fewer-than-2')}`,
    );
    assert.match(odd.body, /<a href="\/trainees\?q=a\+b&amp;placements=fewer-than-2" class="govuk-back-link"/);
    const none = await agent.get(`/trainees/${trainee.id}`);
    assert.match(none.body, /<a href="\/trainees" class="govuk-back-link"/);
  });

  it('gives 404 for another provider’s trainee, and for users who are not providers', async () => {
    const scitt = await signedIn(t.app, 'provider@example.com');
    const theirs = await aTraineeOf('10000002');
    const page = await scitt.get(`/trainees/${theirs.id}`);
    assert.equal(page.statusCode, 404);
    assert.doesNotMatch(page.body, new RegExp(theirs.last_name));
    const search = await scitt.get(`/trainees?q=${theirs.trn}`);
    assert.match(search.body, /<strong>0<\/strong> trainees match/);
    for (const email of ['school@example.com', 'ab@example.com', 'support@example.com']) {
      const other = await signedIn(t.app, email);
      assert.equal((await other.get('/trainees')).statusCode, 404, email);
    }
  });
});
