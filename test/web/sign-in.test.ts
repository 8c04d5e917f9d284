import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/index.ts';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS } from '../../src/integrations/sign-in/throttle.ts';
import { actorFor } from '../support/actors.ts';
import { Agent, startTestApp, type TestContext } from '../support/app.ts';

describe('signing in and out', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('shows the sign-in page to someone not signed in, and sends them there from any page', async () => {
    const agent = new Agent(t.app);
    const home = await agent.get('/');
    assert.equal(home.statusCode, 303);
    assert.equal(home.headers.location, '/sign-in?returnTo=%2F');
    const page = await agent.get('/sign-in');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Sign in to Rollbook/);
  });

  it('signs a provider user in to their organisation’s home page, with a new session id each time', async () => {
    const agent = new Agent(t.app);
    const first = await agent.signIn('provider@example.com');
    assert.equal(first.statusCode, 303);
    assert.equal(first.headers.location, '/');
    const firstCookie = first.cookies.find((c) => c.name === 'rollbook_session')?.value;
    const home = await agent.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /<h1 class="govuk-heading-l">Rollbook Demo SCITT<\/h1>/);
    const again = await agent.signIn('provider@example.com');
    const secondCookie = again.cookies.find((c) => c.name === 'rollbook_session')?.value;
    assert.ok(firstCookie && secondCookie && firstCookie !== secondCookie);
  });

  it('accepts the email address in any case', async () => {
    const response = await new Agent(t.app).signIn('Provider@Example.COM');
    assert.equal(response.statusCode, 303);
  });

  it('refuses a wrong password and a missing field with messages that say what to do', async () => {
    const agent = new Agent(t.app, '192.0.2.50');
    const wrong = await agent.signIn('university@example.com', 'not-the-password');
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /There is a problem/);
    assert.match(wrong.body, /Enter the email address and password of your Rollbook account/);
    const missing = await agent.post('/sign-in', { email: '', password: '' });
    assert.match(missing.body, /Enter your email address/);
    assert.match(missing.body, /Enter your password/);
  });

  it('throttles an account after repeated failures, even with the right password', async () => {
    const agent = new Agent(t.app, '192.0.2.60');
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT; i++) {
      const response = await agent.signIn('ab@example.com', `wrong-${i}`);
      assert.equal(response.statusCode, 400);
    }
    const blocked = await agent.signIn('ab@example.com');
    assert.equal(blocked.statusCode, 429);
    assert.match(blocked.body, /too many attempts to sign in/);
    // From another address the account is still throttled: the count is per account.
    const elsewhere = await new Agent(t.app, '192.0.2.61').signIn('ab@example.com');
    assert.equal(elsewhere.statusCode, 429);
  });

  it('throttles an address that tries many accounts', async () => {
    const agent = new Agent(t.app, '192.0.2.70');
    for (let i = 0; i < 20; i++) await agent.signIn(`nobody${i}@example.com`, 'guess');
    const blocked = await agent.signIn('school@example.com');
    assert.equal(blocked.statusCode, 429);
    const otherAddress = await new Agent(t.app, '192.0.2.71').signIn('school@example.com');
    assert.equal(otherAddress.statusCode, 303);
  });

  it('refuses a form posted without its CSRF token', async () => {
    const agent = new Agent(t.app);
    await agent.get('/sign-in');
    const response = await agent.post(
      '/sign-in',
      { email: 'provider@example.com', password: 'rollbook-demo' },
      { csrf: false },
    );
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /Your form could not be sent/);
    const signedIn = await agent.signIn('provider@example.com');
    const signOut = await agent.post('/sign-out', {}, { csrf: false });
    assert.equal(signOut.statusCode, 403);
    assert.equal(signedIn.statusCode, 303);
    assert.equal((await agent.get('/')).statusCode, 200, 'still signed in');
  });

  it('signs out, and the old session no longer works', async () => {
    const agent = new Agent(t.app);
    await agent.signIn('provider@example.com');
    await agent.get('/');
    const out = await agent.post('/sign-out');
    assert.equal(out.headers.location, '/signed-out');
    assert.equal((await agent.get('/')).statusCode, 303);
  });

  it('ends a session that has been idle for over 2 hours', async () => {
    const agent = new Agent(t.app);
    await agent.signIn('provider@example.com');
    await t.database.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 121 * 60_000) })
      .execute();
    const response = await agent.get('/');
    assert.equal(response.statusCode, 303);
    assert.match(String(response.headers.location), /^\/sign-in/);
  });

  it('sends security headers with a strict Content-Security-Policy', async () => {
    const response = await new Agent(t.app).get('/sign-in');
    const csp = String(response.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self' 'nonce-[0-9a-f]+'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.match(response.body, /<script nonce="[0-9a-f]+">document.body.className/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
  });

  it('asks browsers and proxies to store no page or API answer, only the assets', async () => {
    const agent = new Agent(t.app, '192.0.2.80');
    assert.equal((await agent.get('/sign-in')).headers['cache-control'], 'no-store');
    await agent.signIn('provider@example.com');
    const home = await agent.get('/');
    assert.equal(home.statusCode, 200);
    assert.equal(home.headers['cache-control'], 'no-store');
    const organisation = await agent.get('/organisation');
    assert.equal(organisation.headers['cache-control'], 'no-store');
    assert.equal((await agent.get('/no-such-page')).headers['cache-control'], 'no-store');

    const admin = await actorFor(t.database.db, 'provider@example.com', '10000001');
    const { token } = await createApiToken(t.database.db, admin, admin.organisation.id, 'Caching test');
    const api = (headers: Record<string, string> = {}) =>
      t.app.inject({ method: 'GET', url: '/api/v1/uploads', headers });
    const answer = await api({ authorization: `Bearer ${token}` });
    assert.equal(answer.statusCode, 200);
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal((await api()).headers['cache-control'], 'no-store', 'a refusal too');

    const asset = await agent.get('/assets/rollbook.css');
    assert.equal(asset.statusCode, 200);
    assert.match(String(asset.headers['cache-control']), /max-age=\d+/);
  });
});

describe('client addresses', () => {
  it('does not let a client choose its address with X-Forwarded-For unless told to trust a proxy', async () => {
    const t = await startTestApp();
    try {
      for (let i = 0; i < 5; i++) {
        await new Agent(t.app, '192.0.2.99', { 'x-forwarded-for': `198.51.100.${i}` }).signIn(
          'nobody@example.com',
          'x',
        );
      }
      const rows = await t.database.db.selectFrom('sign_in_attempts').select('address').distinct().execute();
      assert.deepEqual(
        rows.map((r) => r.address),
        ['192.0.2.99'],
      );
    } finally {
      await t.close();
    }
  });
});

describe('sign-in attempts sent at once', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  /** One agent per attempt, each with its sign-in page open, then every form posted together. */
  async function burst(attempts: { email: string; password: string; address: string }[]) {
    const agents = attempts.map((attempt) => new Agent(t.app, attempt.address));
    for (const agent of agents) await agent.get('/sign-in');
    return Promise.all(
      agents.map((agent, i) => agent.post('/sign-in', { email: attempts[i].email, password: attempts[i].password })),
    );
  }
  const statuses = (responses: { statusCode: number }[]) => responses.map((r) => r.statusCode);
  const count = (list: number[], status: number) => list.filter((s) => s === status).length;

  it('checks at most 5 passwords for one account however many arrive together', async () => {
    const responses = statuses(
      await burst(
        Array.from({ length: 30 }, (_, i) => ({
          email: 'university@example.com',
          password: `wrong-${i}`,
          address: `198.51.100.${i + 1}`,
        })),
      ),
    );
    assert.equal(count(responses, 400), MAX_FAILURES_PER_ACCOUNT, `checked: ${responses.join(' ')}`);
    assert.equal(count(responses, 429), 30 - MAX_FAILURES_PER_ACCOUNT);
  });

  it('lets the right password in a burst through only as one of the 5 checked', async () => {
    const attempts = Array.from({ length: 31 }, (_, i) => ({
      email: 'provider@example.com',
      password: i === 30 ? DEMO_PASSWORD : `guess-${i}`,
      address: `198.51.101.${i + 1}`,
    }));
    const responses = statuses(await burst(attempts));
    const checked = count(responses, 400) + count(responses, 303);
    assert.equal(checked, MAX_FAILURES_PER_ACCOUNT, `checked: ${responses.join(' ')}`);
  });

  it('refuses the right password sent among a burst after 5 failures', async () => {
    const failures = statuses(
      await burst(
        Array.from({ length: MAX_FAILURES_PER_ACCOUNT }, (_, i) => ({
          email: 'school@example.com',
          password: `wrong-${i}`,
          address: `198.51.102.${i + 1}`,
        })),
      ),
    );
    assert.deepEqual(failures, Array(MAX_FAILURES_PER_ACCOUNT).fill(400));
    const attempts = Array.from({ length: 31 }, (_, i) => ({
      email: 'school@example.com',
      password: i === 15 ? DEMO_PASSWORD : `guess-${i}`,
      address: `198.51.102.${i + 10}`,
    }));
    assert.deepEqual(statuses(await burst(attempts)), Array(31).fill(429));
  });

  it('checks at most 20 passwords from one address however many arrive together', async () => {
    const responses = statuses(
      await burst(
        Array.from({ length: 30 }, (_, i) => ({
          email: `someone${i}@example.com`,
          password: 'guess',
          address: '198.51.103.1',
        })),
      ),
    );
    assert.equal(count(responses, 400), MAX_FAILURES_PER_ADDRESS, `checked: ${responses.join(' ')}`);
    assert.equal(count(responses, 429), 30 - MAX_FAILURES_PER_ADDRESS);
  });

  it('still signs in at once with the right password, and a success restarts the account’s count', async () => {
    const agent = new Agent(t.app, '198.51.104.1');
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT - 1; i++) {
      assert.equal((await agent.signIn('multi@example.com', `wrong-${i}`)).statusCode, 400);
    }
    assert.equal((await agent.signIn('multi@example.com')).statusCode, 303);
    for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT - 1; i++) {
      assert.equal((await new Agent(t.app, '198.51.104.2').signIn('multi@example.com', 'wrong')).statusCode, 400);
    }
    assert.equal((await new Agent(t.app, '198.51.104.3').signIn('multi@example.com')).statusCode, 303);
  });
});

describe('where sign-in returns to', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function signInReturningTo(returnTo: string, email = 'provider@example.com') {
    const agent = new Agent(t.app, `192.0.2.${Math.floor(Math.random() * 200) + 20}`);
    const page = await agent.get(`/sign-in?returnTo=${encodeURIComponent(returnTo)}`);
    assert.equal(page.statusCode, 200);
    const shown = /name="returnTo" value="([^"]*)"/.exec(page.body)?.[1];
    const response = await agent.post('/sign-in', { email, password: DEMO_PASSWORD, returnTo });
    return { shown, response };
  }

  it('returns to the page that asked for sign-in', async () => {
    const { shown, response } = await signInReturningTo('/trainees?page=2');
    assert.equal(shown, '/trainees?page=2');
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/trainees?page=2');
  });

  for (const hostile of [
    '/\t/evil.example',
    '/\\evil.example',
    '//evil.example',
    '/\n/evil.example',
    'https://evil.example/',
    'javascript:alert(1)',
  ]) {
    it(`goes to the home page, never another site, for ${JSON.stringify(hostile)}`, async () => {
      const { shown, response } = await signInReturningTo(hostile);
      assert.equal(shown, '/');
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/');
    });
  }

  for (const odd of ['/trainees\r\nSet-Cookie: x=1', '/\u000b', '/\f', '/\u3000trainees', '/\u0085', '/é']) {
    it(`never fails on ${JSON.stringify(odd)}`, async () => {
      const { response } = await signInReturningTo(odd);
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers['set-cookie']?.toString().includes('x=1'), false);
      assert.match(String(response.headers.location), /^\/[\x21-\x7e]*$/);
    });
  }

  it('goes back only to our own pages after choosing an organisation', async () => {
    const agent = new Agent(t.app, '192.0.2.230');
    await agent.signIn('multi@example.com');
    const page = await agent.get('/organisations');
    const id = /name="organisationId"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="organisationId"/.exec(page.body);
    const organisationId = id?.[1] ?? id?.[2] ?? '';
    assert.ok(organisationId);
    const hostile = await agent.post('/organisations', { organisationId, returnTo: '/\t/evil.example' });
    assert.equal(hostile.statusCode, 303);
    assert.equal(hostile.headers.location, '/');
    await agent.get('/organisations');
    const broken = await agent.post('/organisations', { organisationId, returnTo: '/x\r\ny' });
    assert.equal(broken.statusCode, 303);
    const own = await (async () => {
      await agent.get('/organisations');
      return agent.post('/organisations', { organisationId, returnTo: '/trainees' });
    })();
    assert.equal(own.headers.location, '/trainees');
  });
});

describe('CSRF tokens belong to one session', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  /** A browser's cookies and the CSRF token of the last page it loaded, kept by hand here. */
  async function browser(email?: string) {
    const cookies = new Map<string, string>();
    let token = '';
    const send = async (method: 'GET' | 'POST', url: string, form?: Record<string, string>, jar = cookies) => {
      const response = await t.app.inject({
        method,
        url,
        remoteAddress: '192.0.2.240',
        headers: {
          cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(form ? { payload: new URLSearchParams(form).toString() } : {}),
      });
      if (jar === cookies) {
        for (const cookie of response.cookies as { name: string; value: string }[]) {
          if (cookie.value === '') cookies.delete(cookie.name);
          else cookies.set(cookie.name, cookie.value);
        }
        token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? token;
      }
      return response;
    };
    await send('GET', '/sign-in');
    if (email) {
      const signedIn = await send('POST', '/sign-in', { _csrf: token, email, password: DEMO_PASSWORD });
      assert.equal(signedIn.statusCode, 303);
      assert.equal((await send('GET', '/')).statusCode, 200);
    }
    return { cookies, send, token: () => token };
  }

  it('refuses another browser’s CSRF cookie and token sent with a signed-in session', async () => {
    const victim = await browser('provider@example.com');
    const attacker = await browser('university@example.com');
    const mixed = new Map([
      ['rollbook_session', victim.cookies.get('rollbook_session') ?? ''],
      ['rollbook_csrf', attacker.cookies.get('rollbook_csrf') ?? ''],
    ]);
    const forged = await victim.send('POST', '/sign-out', { _csrf: attacker.token() }, mixed);
    assert.equal(forged.statusCode, 403);
    assert.match(forged.body, /Your form could not be sent/);
    assert.equal((await victim.send('GET', '/')).statusCode, 200, 'the victim is still signed in');
  });

  it('refuses a CSRF cookie and token from before sign-in sent with a signed-in session', async () => {
    const victim = await browser('school@example.com');
    const attacker = await browser();
    const mixed = new Map([
      ['rollbook_session', victim.cookies.get('rollbook_session') ?? ''],
      ['rollbook_csrf', attacker.cookies.get('rollbook_csrf') ?? ''],
    ]);
    const forged = await victim.send('POST', '/sign-out', { _csrf: attacker.token() }, mixed);
    assert.equal(forged.statusCode, 403);
    assert.equal((await victim.send('GET', '/')).statusCode, 200, 'the victim is still signed in');
  });

  it('accepts a session’s own token, and a new session needs a new one', async () => {
    const person = await browser('support@example.com');
    const before = person.token();
    const again = await person.send('POST', '/sign-in', {
      _csrf: before,
      email: 'support@example.com',
      password: DEMO_PASSWORD,
    });
    assert.equal(again.statusCode, 303, 'signing in again from a page of the old session');
    const stale = await person.send('POST', '/sign-out', { _csrf: before });
    assert.equal(stale.statusCode, 403, 'a token from the old session');
    await person.send('GET', '/');
    const out = await person.send('POST', '/sign-out', { _csrf: person.token() });
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/signed-out');
  });
});
