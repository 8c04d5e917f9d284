// Admins add and remove their organisation's users; support users do so for any organisation,
// create organisations and read the audit log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { findUserByEmail } from '../../src/domain/organisations/users.ts';
import { Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('managing users and organisations', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function setUpLinkFor(email: string): Promise<string> {
    const message = await t.database.db
      .selectFrom('outbox')
      .select('body')
      .where('to_address', '=', email)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const link = /\/set-password\/[\w-]+/.exec(message.body)?.[0];
    assert.ok(link, 'the email has a set-up link');
    return link;
  }

  it('lets an admin add a user, who sets a password from the emailed link and signs in', async () => {
    const admin = await signedIn(t.app, 'provider@example.com');
    const form = await admin.get('/organisation/users/new');
    assert.equal(form.statusCode, 200);
    const added = await admin.post('/organisation/users/new', {
      email: 'New.Tutor@Example.com',
      firstName: 'Aoife',
      lastName: 'D’Souza',
      role: 'member',
    });
    assert.equal(added.statusCode, 303);
    const page = await admin.get('/organisation');
    assert.match(page.body, /New\.Tutor@Example\.com has been added and sent an email/);
    assert.match(page.body, /Aoife D’Souza/);

    const link = await setUpLinkFor('New.Tutor@Example.com');
    const newcomer = new Agent(t.app, '192.0.2.90');
    const setPage = await newcomer.get(link);
    assert.equal(setPage.statusCode, 200);
    const tooShort = await newcomer.post(link, { password: 'short', confirmPassword: 'short' });
    assert.equal(tooShort.statusCode, 400);
    assert.match(tooShort.body, /Password must be 12 characters or more/);
    const mismatch = await newcomer.post(link, { password: 'a-long-enough-one', confirmPassword: 'something-else' });
    assert.match(mismatch.body, /The passwords do not match/);
    const done = await newcomer.post(link, { password: 'a-long-enough-one', confirmPassword: 'a-long-enough-one' });
    assert.equal(done.statusCode, 303);
    const home = await newcomer.get('/');
    assert.match(home.body, /Rollbook Demo SCITT/);
    assert.match(home.body, /Your password is set and you are signed in/);

    const reused = await new Agent(t.app).get(link);
    assert.equal(reused.statusCode, 404);
    assert.match(reused.body, /This link has expired or has already been used/);
    const signIn = await new Agent(t.app, '192.0.2.91').signIn('new.tutor@example.com', 'a-long-enough-one');
    assert.equal(signIn.statusCode, 303);
  });

  it('shows every problem with the add-user form at once, and changes nothing', async () => {
    const admin = await signedIn(t.app, 'provider@example.com');
    const response = await admin.post('/organisation/users/new', {
      email: 'not-an-email',
      firstName: '',
      lastName: '',
    });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Enter an email address in the correct format, like name@example\.com/);
    assert.match(response.body, /Enter their first name/);
    assert.match(response.body, /Enter their last name/);
    assert.match(response.body, /Select whether they are a member or an admin/);
    assert.match(response.body, /href="#email"/);
    const duplicate = await admin.post('/organisation/users/new', {
      email: 'PROVIDER@example.com',
      firstName: 'P',
      lastName: 'S',
      role: 'member',
    });
    assert.equal(duplicate.statusCode, 400);
    assert.match(duplicate.body, /provider@example\.com is already a user of Rollbook Demo SCITT/);
  });

  it('adds an existing account to another organisation without a new password', async () => {
    const admin = await signedIn(t.app, 'university@example.com');
    await admin.post('/organisation/users/new', {
      email: 'school@example.com',
      firstName: 'Ignored',
      lastName: 'Name',
      role: 'member',
    });
    const user = await findUserByEmail(t.database.db, 'school@example.com');
    assert.equal(user?.first_name, 'Siân', 'the existing account keeps its name');
    const message = await t.database.db
      .selectFrom('outbox')
      .select('body')
      .where('to_address', '=', 'school@example.com')
      .executeTakeFirstOrThrow();
    assert.doesNotMatch(message.body, /set-password/);
    assert.match(message.body, /Sign in with your existing account/);
  });

  it('does not let the only admin be removed, and removes others after a confirmation page', async () => {
    const admin = await signedIn(t.app, 'provider@example.com');
    const self = await findUserByEmail(t.database.db, 'provider@example.com');
    const support = await signedIn(t.app, 'support@example.com');
    const scitt = await findOrganisationByReference(t.database.db, '1DS');
    const refused = await support.post(`/support/organisations/${scitt.id}/users/${self?.id}/remove`);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /is the only admin/);

    await admin.post('/organisation/users/new', {
      email: 'second@example.com',
      firstName: 'S',
      lastName: 'A',
      role: 'member',
    });
    const second = await findUserByEmail(t.database.db, 'second@example.com');
    const confirm = await admin.get(`/organisation/users/${second?.id}/remove`);
    assert.match(confirm.body, /Remove S A from Rollbook Demo SCITT\?/);
    const removed = await admin.post(`/organisation/users/${second?.id}/remove`);
    assert.equal(removed.statusCode, 303);
    assert.match(
      (await admin.get('/organisation')).body,
      /second@example\.com has been removed from Rollbook Demo SCITT/,
    );
  });

  it('lets support find an organisation, manage its users and read its audit log', async () => {
    const support = await signedIn(t.app, 'support@example.com');
    const search = await support.get('/support/organisations?q=univ');
    assert.match(search.body, /1 organisation found/);
    const university = await findOrganisationByReference(t.database.db, 'Rollbook Demo University');
    assert.match(search.body, new RegExp(`/support/organisations/${university.id}`));
    const byUkprn = await support.get('/support/organisations?q=10000001');
    assert.match(byUkprn.body, /Rollbook Demo SCITT/);

    const page = await support.get(`/support/organisations/${university.id}`);
    assert.match(page.body, /university@example\.com/);
    const added = await support.post(`/support/organisations/${university.id}/users/new`, {
      email: 'registry@example.com',
      firstName: 'Rhys',
      lastName: 'Jones',
      role: 'admin',
    });
    assert.equal(added.statusCode, 303);
    assert.equal(added.headers.location, `/support/organisations/${university.id}`);

    const log = await support.get(`/support/organisations/${university.id}/events`);
    assert.equal(log.statusCode, 200);
    // As sentences: who (support, for whom), what, and the records named.
    const text = log.body.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    assert.match(
      text,
      /Sam Reid \(support, acting for Rollbook Demo University\) added Rhys Jones to Rollbook Demo University as an admin/,
    );
    assert.match(text, /Sam Reid \(support, acting for Rollbook Demo University\) created an account for Rhys Jones/);
    assert.match(
      text,
      /Rollbook \(demo data\) added Rollbook Demo University to Rollbook as a teacher training provider/,
    );

    const outbox = await support.get('/support/outbox');
    assert.match(outbox.body, /registry@example\.com/);
  });

  it('lets support create an organisation of each type, with clear errors', async () => {
    const support = await signedIn(t.app, 'support@example.com');
    const empty = await support.post('/support/organisations/new', {});
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Select the type of organisation/);

    const badUkprn = await support.post('/support/organisations/new', {
      type: 'provider',
      providerType: 'hei',
      providerName: 'Northern University',
      ukprn: '2345',
    });
    assert.match(badUkprn.body, /Enter a UKPRN of 8 digits starting with 1/);
    assert.match(badUkprn.body, /href="#ukprn"/);
    const takenUkprn = await support.post('/support/organisations/new', {
      type: 'provider',
      providerType: 'hei',
      providerName: 'Copycat University',
      ukprn: '10000002',
    });
    assert.match(takenUkprn.body, /Rollbook Demo University already has UKPRN 10000002/);

    const provider = await support.post('/support/organisations/new', {
      type: 'provider',
      providerType: 'hei',
      providerName: 'Northern University',
      ukprn: '10012345',
      providerCode: 'n3u',
    });
    assert.equal(provider.statusCode, 303);
    const created = await findOrganisationByReference(t.database.db, 'N3U');
    assert.equal(created.name, 'Northern University');

    const unknownSchool = await support.post('/support/organisations/new', { type: 'school', urn: '999999' });
    assert.match(unknownSchool.body, /No school with URN 999999 is in the schools register/);
    const school = await support.post('/support/organisations/new', { type: 'school', urn: '100002' });
    assert.equal(school.statusCode, 303);
    const schoolPage = await support.get(String(school.headers.location));
    assert.match(schoolPage.body, /Postcode/);

    const ab = await support.post('/support/organisations/new', {
      type: 'appropriate_body',
      appropriateBodyType: 'local_authority',
      abName: 'Westvale Council',
    });
    assert.equal(ab.statusCode, 303);
    const events = await t.database.db
      .selectFrom('events')
      .select(['action', 'via'])
      .where('subject_type', '=', 'organisation')
      .where('organisation_id', '=', created.id)
      .execute();
    assert.deepEqual(events, [{ action: 'created', via: 'page' }]);
  });

  it('keeps the audit log append-only', async () => {
    await assert.rejects(t.database.db.updateTable('events').set({ action: 'tampered' }).execute(), /append-only/);
    await assert.rejects(t.database.db.deleteFrom('events').execute(), /append-only/);
  });
});

describe('resending an invitation', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  const emailsTo = (email: string) =>
    t.database.db.selectFrom('outbox').selectAll().where('to_address', '=', email).orderBy('id').execute();

  it('lets an admin send a new set-up link to someone whose invitation expired', async () => {
    const admin = await signedIn(t.app, 'university@example.com');
    await admin.get('/organisation/users/new');
    const added = await admin.post('/organisation/users/new', {
      email: 'late.starter@example.com',
      firstName: 'Noor',
      lastName: 'Haddad',
      role: 'member',
    });
    assert.equal(added.statusCode, 303);
    const [first] = await emailsTo('late.starter@example.com');
    const firstLink = /\/set-password\/[\w-]+/.exec(first.body)?.[0] ?? '';
    // The 7 days pass.
    await t.database.db
      .updateTable('password_setup_tokens')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('user_id', '=', (await findUserByEmail(t.database.db, 'late.starter@example.com'))?.id ?? '')
      .execute();
    assert.equal((await new Agent(t.app).get(firstLink)).statusCode, 404);

    const page = await admin.get('/organisation');
    const row = /<tr class="govuk-table__row">(?:(?!<\/tr>)[\s\S])*Noor Haddad(?:(?!<\/tr>)[\s\S])*<\/tr>/.exec(
      page.body,
    )?.[0];
    assert.ok(row, 'Noor is listed');
    assert.match(row, /Invited: has not set a password yet/);
    assert.match(row, /Resend invitation<span class="govuk-visually-hidden"> to Noor Haddad<\/span>/);
    const action = /action="([^"]+\/resend-invitation)"/.exec(row)?.[1] ?? '';
    assert.match(action, /^\/organisation\/users\/[\w-]+\/resend-invitation$/);
    const others = page.body.match(/Resend invitation</g) ?? [];
    assert.equal(others.length, 1, 'only people who never set a password can be sent one');

    const resent = await admin.post(action);
    assert.equal(resent.statusCode, 303);
    assert.equal(resent.headers.location, '/organisation');
    assert.match(
      (await admin.get('/organisation')).body,
      /A new invitation has been sent to late\.starter@example\.com/,
    );

    const emails = await emailsTo('late.starter@example.com');
    assert.equal(emails.length, 2);
    assert.equal(emails[1].subject, 'Set your password for Rollbook Demo University on Rollbook');
    assert.match(emails[1].body, /Tom Okafor has sent you a new link/);
    const link = /\/set-password\/[\w-]+/.exec(emails[1].body)?.[0] ?? '';
    assert.notEqual(link, firstLink);

    const newcomer = new Agent(t.app, '192.0.2.150');
    assert.equal((await newcomer.get(link)).statusCode, 200);
    const done = await newcomer.post(link, { password: 'a-long-enough-one', confirmPassword: 'a-long-enough-one' });
    assert.equal(done.statusCode, 303);

    const events = await t.database.db
      .selectFrom('events')
      .innerJoin('users', 'users.id', 'events.actor_user_id')
      .select(['events.action', 'events.via', 'users.email as actor'])
      .where('events.action', '=', 'invitation resent')
      .execute();
    assert.deepEqual(events, [{ action: 'invitation resent', via: 'page', actor: 'university@example.com' }]);

    // Now that the password is set there is nothing to resend.
    const after = await admin.get('/organisation');
    assert.doesNotMatch(after.body, /Resend invitation</);
    const again = await admin.post(action);
    assert.equal(again.statusCode, 303);
    assert.match(
      (await admin.get('/organisation')).body,
      /late\.starter@example\.com has already set a password, so they can sign in/,
    );
    assert.equal((await emailsTo('late.starter@example.com')).length, 2, 'no email');
  });

  it('answers 404 to a member who is not an admin, and for someone of another organisation', async () => {
    const outsider = await findUserByEmail(t.database.db, 'late.starter@example.com');
    const scittAdmin = await signedIn(t.app, 'provider@example.com');
    await scittAdmin.get('/organisation');
    const elsewhere = await scittAdmin.post(`/organisation/users/${outsider?.id}/resend-invitation`);
    assert.equal(elsewhere.statusCode, 404);

    const member = await signedIn(t.app, 'multi@example.com', 'Rollbook Demo University');
    await member.get('/organisation');
    const notAdmin = await member.post(`/organisation/users/${outsider?.id}/resend-invitation`);
    assert.equal(notAdmin.statusCode, 404);
  });
});
