// The API tokens pages: an admin creates a token (shown once, only its hash stored), sees it
// listed and revokes it; members and other organisations get "Page not found".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashToken } from '../../src/domain/organisations/passwords.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';
import { type DocumentedAnswers, recordAnswers } from './answers-as-documented.ts';

const BASE = '/organisation/api-tokens';

describe('API tokens pages', () => {
  let context: TestContext;
  let answers: DocumentedAnswers;
  let admin: Agent;

  before(async () => {
    context = await startTestApp();
    answers = recordAnswers(context.app);
    admin = await signedIn(context.app, 'provider@example.com');
  });
  after(() => context.close());

  const apiGet = (token: string) =>
    context.app.inject({ method: 'GET', url: '/api/v1/uploads', headers: { authorization: `Bearer ${token}` } });

  async function createToken(agent: Agent, name: string): Promise<string> {
    await agent.get(`${BASE}/new`);
    const created = await agent.post(`${BASE}/new`, { name });
    assert.equal(created.statusCode, 200, created.body);
    const token = /value="(rbk_[\w-]+)"/.exec(created.body)?.[1];
    assert.ok(token, 'the token is on the page');
    return token;
  }

  it('links admins to the tokens page from their organisation page', async () => {
    const page = await admin.get('/organisation');
    assert.match(page.body, /href="\/organisation\/api-tokens"/);
    const list = await admin.get(BASE);
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<h1 class="govuk-heading-l">API tokens<\/h1>/);
    assert.match(list.body, /has no API tokens in use/);
  });

  it('creates a token, shows it once, and stores only its hash', async () => {
    await admin.get(`${BASE}/new`);
    const created = await admin.post(`${BASE}/new`, { name: '  Student record system ' });
    assert.equal(created.statusCode, 200);
    assert.equal(created.headers['cache-control'], 'no-store');
    assert.match(created.body, /Copy the token now\. It will not be shown again/);
    assert.match(created.body, /data-rollbook-copy="token"/, 'a Copy button is added there with JavaScript');
    const token = /value="(rbk_[\w-]+)"/.exec(created.body)?.[1] ?? '';
    assert.match(token, /^rbk_[\w-]{43}$/);

    const db = context.database.db;
    const row = await db
      .selectFrom('api_tokens')
      .selectAll()
      .where('name', '=', 'Student record system')
      .executeTakeFirstOrThrow();
    assert.equal(row.token_hash, hashToken(token));
    assert.ok(!JSON.stringify(row).includes(token.slice(4)), 'the token itself is not stored');
    const events = await db
      .selectFrom('events')
      .select(['action', 'via', 'actor_user_id'])
      .where('subject_type', '=', 'api_token')
      .where('subject_id', '=', row.id)
      .execute();
    assert.deepEqual(
      events.map((e) => [e.action, e.via]),
      [['created', 'page']],
    );
    assert.notEqual(events[0].actor_user_id, null);

    assert.equal((await apiGet(token)).statusCode, 200, 'it works at once');
    const list = await admin.get(BASE);
    assert.match(list.body, /1 token in use/);
    assert.match(list.body, /Student record system/);
    assert.match(list.body, /Priya Shah/);
    assert.doesNotMatch(list.body, /rbk_/, 'never shown again');
    assert.doesNotMatch(list.body, />Never</, 'last used is recorded');
    const stored = await db
      .selectFrom('api_tokens')
      .select('last_used_at')
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    assert.notEqual(stored.last_used_at, null);
  });

  it('asks for a name, of 100 characters or fewer, not already in use', async () => {
    await admin.get(`${BASE}/new`);
    const empty = await admin.post(`${BASE}/new`, { name: '   ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /There is a problem/);
    assert.match(empty.body, /href="#name">Enter a name for the token/);
    const long = await admin.post(`${BASE}/new`, { name: 'x'.repeat(101) });
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /Token name must be 100 characters or fewer/);
    assert.match(long.body, /value="x{101}"/, 'what was typed is kept');
    const same = await admin.post(`${BASE}/new`, { name: 'student RECORD system' });
    assert.equal(same.statusCode, 400);
    assert.match(same.body, /already has a token called/);
    assert.equal((await admin.post(`${BASE}/new`, { name: 'x'.repeat(100) })).statusCode, 200);
  });

  it('revokes a token after asking, and it stops working at once', async () => {
    const token = await createToken(admin, 'To revoke');
    const { id } = await context.database.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', 'To revoke')
      .executeTakeFirstOrThrow();
    const list = await admin.get(BASE);
    assert.match(list.body, new RegExp(`href="${BASE}/${id}/revoke"`));
    const confirm = await admin.get(`${BASE}/${id}/revoke`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Revoke the token “To revoke”\?/);
    const revoked = await admin.post(`${BASE}/${id}/revoke`);
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, BASE);
    const after = await admin.get(BASE);
    assert.match(after.body, /The token &quot;To revoke&quot; has been revoked/);
    assert.doesNotMatch(after.body, new RegExp(`${id}/revoke`));
    assert.equal((await apiGet(token)).statusCode, 401);
    assert.equal((await admin.get(`${BASE}/${id}/revoke`)).statusCode, 404, 'already revoked');
    assert.equal((await admin.post(`${BASE}/${id}/revoke`)).statusCode, 404);
    const event = await context.database.db
      .selectFrom('events')
      .select('action')
      .where('subject_id', '=', id)
      .where('action', '=', 'revoked')
      .executeTakeFirst();
    assert.ok(event);
  });

  it('needs the CSRF token to create or revoke', async () => {
    const response = await admin.post(`${BASE}/new`, { name: 'No CSRF' }, { csrf: false });
    assert.equal(response.statusCode, 403);
  });

  it('is "Page not found" for members, and for another organisation’s tokens', async () => {
    const token = await createToken(admin, 'Not theirs');
    const { id } = await context.database.db
      .selectFrom('api_tokens')
      .select('id')
      .where('name', '=', 'Not theirs')
      .executeTakeFirstOrThrow();

    const member = await signedIn(context.app, 'multi@example.com', 'Rollbook Demo SCITT');
    assert.doesNotMatch((await member.get('/organisation')).body, /api-tokens/);
    for (const url of [BASE, `${BASE}/new`, `${BASE}/${id}/revoke`]) {
      assert.equal((await member.get(url)).statusCode, 404, url);
    }
    assert.equal((await member.post(`${BASE}/new`, { name: 'Mine' })).statusCode, 404);
    assert.equal((await member.post(`${BASE}/${id}/revoke`)).statusCode, 404);

    const otherAdmin = await signedIn(context.app, 'university@example.com');
    assert.equal((await otherAdmin.get(BASE)).statusCode, 200);
    assert.equal((await otherAdmin.get(`${BASE}/${id}/revoke`)).statusCode, 404);
    assert.equal((await otherAdmin.post(`${BASE}/${id}/revoke`)).statusCode, 404);
    assert.doesNotMatch((await otherAdmin.get(BASE)).body, /Not theirs/);
    assert.equal((await apiGet(token)).statusCode, 200, 'still works');

    const signedOut = await context.app.inject({ method: 'GET', url: BASE });
    assert.equal(signedOut.statusCode, 303);
  });

  it('answered every request above as the OpenAPI document describes', () => answers.check());
});
