// "Forgotten your password?": a reset link by email, valid for 2 hours and once; the same answer,
// the same emails and about the same time whether or not the account exists; throttled per account
// and per address; setting the new password signs the person out everywhere else and is audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findUserByEmail } from '../../src/domain/organisations/users.ts';
import { PASSWORD_RESET } from '../../src/integrations/sign-in/throttle.ts';
import { RESET_REQUEST_ANSWER_MS } from '../../src/web/sign-in/routes.ts';
import { Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const NEW_PASSWORD = 'a brand new passphrase';

describe('resetting a forgotten password', () => {
  let t: TestContext;
  let lastAddress = 100;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  /** Each caller from an address of its own, so one test's requests do not throttle another's. */
  const newAgent = () => new Agent(t.app, `198.51.100.${lastAddress++}`);

  const outboxCount = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('outbox')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  async function resetLinkFor(email: string): Promise<string> {
    const message = await t.database.db
      .selectFrom('outbox')
      .selectAll()
      .where('to_address', '=', email)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(message.subject, 'Reset your Rollbook password');
    const link = /https?:\/\/[^/\s]+(\/reset-password\/[\w-]+)/.exec(message.body)?.[1];
    assert.ok(link, `the email has a reset link:\n${message.body}`);
    return link;
  }

  /** Someone holding a form's CSRF token, as from a page they had open, to post to a link. */
  async function formFiller(): Promise<Agent> {
    const agent = newAgent();
    await agent.get('/forgotten-password');
    return agent;
  }

  async function requestReset(agent: Agent, email: string) {
    await agent.get('/forgotten-password');
    return agent.post('/forgotten-password', { email });
  }

  it('links to it from the sign-in page, and to the help page', async () => {
    const page = await new Agent(t.app).get('/sign-in');
    assert.match(page.body, /<a class="govuk-link" href="\/forgotten-password">Forgotten your password\?<\/a>/);
    assert.match(page.body, /href="\/help"/);
    const form = await new Agent(t.app).get('/forgotten-password');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<h1 class="govuk-heading-l">Reset your password<\/h1>/);
    assert.match(form.body, /<label class="govuk-label" for="email">\s*Email address\s*<\/label>/);
  });

  it('emails a link that sets a new password once, signs the person in and everyone else out', async () => {
    const elsewhere = await signedIn(t.app, 'university@example.com');
    assert.equal((await elsewhere.get('/organisation')).statusCode, 200);
    const before = await outboxCount();

    const person = newAgent();
    const sent = await requestReset(person, 'University@Example.com');
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /<h1 class="govuk-heading-l">Check your email<\/h1>/);
    assert.match(sent.body, /The link works once, within 2 hours/);
    assert.equal(await outboxCount(), before + 1);
    const link = await resetLinkFor('university@example.com');

    const form = await person.get(link);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<h1 class="govuk-heading-l">Reset your password<\/h1>/);
    assert.match(form.body, /You will sign in to Rollbook as university@example\.com/);
    const mismatch = await person.post(link, { password: NEW_PASSWORD, confirmPassword: 'something else' });
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.body, /The passwords do not match/);
    const short = await person.post(link, { password: 'short', confirmPassword: 'short' });
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /Password must be 12 characters or more/);

    const done = await person.post(link, { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/');
    const signedInPage = await person.get('/organisation');
    assert.equal(signedInPage.statusCode, 200);
    assert.match(signedInPage.body, /Your password has been reset and you are signed in/);
    assert.match(signedInPage.body, /Rollbook Demo University/);

    // The session signed in before the reset has ended.
    const ended = await elsewhere.get('/organisation');
    assert.equal(ended.statusCode, 303);
    assert.match(String(ended.headers.location), /^\/sign-in/);

    // Once only.
    const again = await newAgent().get(link);
    assert.equal(again.statusCode, 404);
    assert.match(again.body, /This link has expired or has already been used/);
    assert.match(again.body, /href="\/forgotten-password">Ask for a new link/);
    const replay = await (await formFiller()).post(link, {
      password: 'another passphrase',
      confirmPassword: 'another passphrase',
    });
    assert.equal(replay.statusCode, 404);

    assert.equal((await newAgent().signIn('university@example.com')).statusCode, 400, 'the old password');
    assert.equal((await newAgent().signIn('university@example.com', NEW_PASSWORD)).statusCode, 303);

    const user = await findUserByEmail(t.database.db, 'university@example.com');
    const events = await t.database.db
      .selectFrom('events')
      .select(['action', 'via', 'actor_user_id', 'changes'])
      .where('subject_type', '=', 'user')
      .where('subject_id', '=', user?.id ?? '')
      .where('action', 'in', ['reset link sent', 'password reset'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((event) => [event.action, event.via, event.actor_user_id]),
      [
        ['reset link sent', 'forgotten password', null],
        ['password reset', 'reset link', null],
      ],
    );
    assert.deepEqual(events[1].changes, { sessions_ended: { to: 1 } });
  });

  it('answers the same, sends nothing and takes as long for an email address with no account', async () => {
    const before = await outboxCount();
    const timed = async (email: string) => {
      const agent = newAgent();
      await agent.get('/forgotten-password');
      const started = performance.now();
      const response = await agent.post('/forgotten-password', { email });
      return { response, ms: performance.now() - started };
    };
    const unknown = await timed('nobody-here@example.com');
    assert.equal(await outboxCount(), before, 'no email for an unknown address');
    const known = await timed('ab@example.com');
    assert.equal(await outboxCount(), before + 1);

    assert.equal(unknown.response.statusCode, known.response.statusCode);
    const main = (body: string, email: string) =>
      /<main[\s\S]*<\/main>/
        .exec(body)?.[0]
        .replaceAll(email, 'EMAIL')
        .replace(/value="[^"]+"/g, '');
    assert.equal(main(unknown.response.body, 'nobody-here@example.com'), main(known.response.body, 'ab@example.com'));
    for (const { ms } of [unknown, known]) assert.ok(ms >= RESET_REQUEST_ANSWER_MS - 5, `answered in ${ms} ms`);
    assert.ok(
      Math.abs(unknown.ms - known.ms) < RESET_REQUEST_ANSWER_MS,
      `${unknown.ms} ms and ${known.ms} ms are about the same`,
    );
  });

  it('asks for an email address in the right format', async () => {
    const agent = newAgent();
    await agent.get('/forgotten-password');
    const empty = await agent.post('/forgotten-password', { email: ' ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /There is a problem/);
    assert.match(empty.body, /href="#email">Enter your email address</);
    const wrong = await agent.post('/forgotten-password', { email: 'not an email' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /Enter an email address in the correct format, like name@example\.com/);
  });

  it('lets a link expire after 2 hours, and keeps reset links and set-up links apart', async () => {
    await requestReset(newAgent(), 'school@example.com');
    const link = await resetLinkFor('school@example.com');
    const token = link.split('/').at(-1) ?? '';
    const expires = await t.database.db
      .selectFrom('password_setup_tokens')
      .select(['expires_at', 'purpose'])
      .where('used_at', 'is', null)
      .where('purpose', '=', 'reset')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    const hours = (new Date(expires.expires_at).getTime() - Date.now()) / 3_600_000;
    assert.ok(hours > 1.9 && hours <= 2, `expires in ${hours} hours`);

    assert.equal((await newAgent().get(`/set-password/${token}`)).statusCode, 404, 'not a set-up link');

    await t.database.db
      .updateTable('password_setup_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('purpose', '=', 'reset')
      .where('used_at', 'is', null)
      .execute();
    const expired = await newAgent().get(link);
    assert.equal(expired.statusCode, 404);
    assert.match(expired.body, /This link has expired or has already been used/);
    const late = await (await formFiller()).post(link, { password: NEW_PASSWORD, confirmPassword: NEW_PASSWORD });
    assert.equal(late.statusCode, 404);
    assert.equal((await newAgent().signIn('school@example.com')).statusCode, 303, 'the password is unchanged');
  });

  it('limits requests for an account, whether or not it exists, and from an address', async () => {
    for (const email of ['support@example.com', 'no-such-person@example.com']) {
      const before = await outboxCount();
      const statuses: number[] = [];
      for (let i = 0; i <= PASSWORD_RESET.perAccount; i++)
        statuses.push((await requestReset(newAgent(), email)).statusCode);
      assert.deepEqual(statuses, [...Array(PASSWORD_RESET.perAccount).fill(200), 429], email);
      const emailed = email === 'support@example.com' ? PASSWORD_RESET.perAccount : 0;
      assert.equal(await outboxCount(), before + emailed, email);
    }
    const throttled = await requestReset(newAgent(), 'no-such-person@example.com');
    assert.match(
      throttled.body,
      /You have asked for too many links to reset a password\. Wait 15 minutes, then try again/,
    );

    const oneAddress = newAgent();
    const statuses: number[] = [];
    for (let i = 0; i <= PASSWORD_RESET.perAddress; i++) {
      statuses.push((await requestReset(oneAddress, `person-${i}@example.com`)).statusCode);
    }
    assert.deepEqual(statuses, [...Array(PASSWORD_RESET.perAddress).fill(200), 429]);
    // Sign-in is counted apart: this address can still sign in.
    assert.equal((await oneAddress.signIn('multi@example.com')).statusCode, 303);
  });
});
