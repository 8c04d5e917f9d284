import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
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
    assert.equal((last.body.match(/href="\/trainees\/[0-9a-f-]{36}"/g) ?? []).length, 15);
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

  it('shows a trainee’s details, with the award that follows from the route', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const trainee = await aTraineeOf('10000001');
    const page = await agent.get(`/trainees/${trainee.id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(String(trainee.trn)));
    assert.match(page.body, /ITT start date/);
    assert.match(page.body, /<dd class="govuk-summary-list__value">\s*(QTS|EYTS)\s*<\/dd>/);
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
