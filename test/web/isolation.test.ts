// Every organisation sees and changes only its own records: a page of another organisation is a 404.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { findUserByEmail } from '../../src/domain/organisations/users.ts';
import { signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('organisation isolation', () => {
  let t: TestContext;
  let scittId: string;
  let universityId: string;
  let universityAdminId: string;
  before(async () => {
    t = await startTestApp();
    scittId = (await findOrganisationByReference(t.database.db, '10000001')).id;
    universityId = (await findOrganisationByReference(t.database.db, '10000002')).id;
    universityAdminId = (await findUserByEmail(t.database.db, 'university@example.com'))?.id ?? '';
  });
  after(() => t.close());

  it('shows a provider only its own organisation and users', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const page = await agent.get('/organisation');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Rollbook Demo SCITT/);
    assert.match(page.body, /provider@example\.com/);
    assert.doesNotMatch(page.body, /university@example\.com/);
  });

  it('gives a member of another organisation 404 for every route about that organisation', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const urls = [
      `/support/organisations/${universityId}`,
      `/support/organisations/${universityId}/events`,
      `/support/organisations/${universityId}/users/new`,
      `/support/organisations/${universityId}/users/${universityAdminId}/remove`,
      `/organisation/users/${universityAdminId}/remove`,
      '/support/organisations',
      '/support/organisations/new',
      '/support/outbox',
    ];
    for (const url of urls) {
      const response = await agent.get(url);
      assert.equal(response.statusCode, 404, `GET ${url}`);
      assert.doesNotMatch(response.body, /Rollbook Demo University|university@example\.com/, `GET ${url} leaks`);
    }
    const posts: [string, Record<string, string>][] = [
      [`/organisation/users/${universityAdminId}/remove`, {}],
      [`/support/organisations/${universityId}/users/${universityAdminId}/remove`, {}],
      [
        `/support/organisations/${universityId}/users/new`,
        { email: 'x@example.com', firstName: 'X', lastName: 'Y', role: 'admin' },
      ],
      ['/support/organisations/new', { type: 'support', supportName: 'Sneaky' }],
      ['/organisations', { organisationId: universityId }],
    ];
    for (const [url, form] of posts) {
      const response = await agent.post(url, form);
      assert.equal(response.statusCode, 404, `POST ${url}`);
    }
    const members = await t.database.db
      .selectFrom('memberships')
      .select('user_id')
      .where('organisation_id', '=', universityId)
      .execute();
    assert.ok(
      members.some((m) => m.user_id === universityAdminId),
      'the university admin was not removed',
    );
    const sneaky = await t.database.db.selectFrom('organisations').where('name', '=', 'Sneaky').selectAll().execute();
    assert.equal(sneaky.length, 0);
  });

  it('does not let a member (not an admin) manage users', async () => {
    const agent = await signedIn(t.app, 'multi@example.com', 'Rollbook Demo SCITT');
    const page = await agent.get('/organisation');
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /Add a user/);
    assert.doesNotMatch(page.body, /Remove/);
    const provider = await findUserByEmail(t.database.db, 'provider@example.com');
    assert.equal((await agent.get('/organisation/users/new')).statusCode, 404);
    assert.equal((await agent.get(`/organisation/users/${provider?.id}/remove`)).statusCode, 404);
    const add = await agent.post('/organisation/users/new', {
      email: 'member-added@example.com',
      firstName: 'A',
      lastName: 'B',
      role: 'admin',
    });
    assert.equal(add.statusCode, 404);
    assert.equal((await agent.post(`/organisation/users/${provider?.id}/remove`)).statusCode, 404);
    assert.equal(await findUserByEmail(t.database.db, 'member-added@example.com'), undefined);
  });

  it('shows a user of two organisations only the one they act for, and lets them switch', async () => {
    const agent = await signedIn(t.app, 'multi@example.com', 'Rollbook Demo SCITT');
    let home = await agent.get('/');
    assert.match(home.body, /<h1 class="govuk-heading-l">Rollbook Demo SCITT<\/h1>/);
    assert.match(home.body, /Change organisation/);
    const switched = await agent.post('/organisations', { organisationId: universityId });
    assert.equal(switched.statusCode, 303);
    home = await agent.get('/');
    assert.match(home.body, /<h1 class="govuk-heading-l">Rollbook Demo University<\/h1>/);
    assert.match(home.body, /You are now acting for Rollbook Demo University/);
    const organisation = await agent.get('/organisation');
    assert.match(organisation.body, /university@example\.com/);
    assert.doesNotMatch(organisation.body, /provider@example\.com/);
  });

  it('asks a user of several organisations which one to act for before anything else', async () => {
    const agent = await signedIn(t.app, 'multi@example.com');
    const home = await agent.get('/');
    assert.equal(home.statusCode, 303);
    assert.equal(home.headers.location, '/organisations');
    const missing = await agent.post('/organisations', {});
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /Select the organisation you want to act for/);
  });

  it('loses access at once when removed from the organisation it acts for', async () => {
    const member = await signedIn(t.app, 'multi@example.com', 'Rollbook Demo SCITT');
    const admin = await signedIn(t.app, 'provider@example.com');
    const multi = await findUserByEmail(t.database.db, 'multi@example.com');
    await admin.get(`/organisation/users/${multi?.id}/remove`);
    const removed = await admin.post(`/organisation/users/${multi?.id}/remove`);
    assert.equal(removed.statusCode, 303);
    const home = await member.get('/');
    assert.equal(home.statusCode, 303);
    assert.equal(home.headers.location, '/organisations');
    const choose = await member.get('/organisations');
    assert.doesNotMatch(choose.body, /Rollbook Demo SCITT/);
    assert.equal((await member.post('/organisations', { organisationId: scittId })).statusCode, 404);
  });
});
