// A school's placement contact: added and changed on one page, shown on "Your organisation", never
// removed (not by a page, a crafted request or a direct delete), and only the school's own.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const CONTACT = '/organisation/placement-contact';

describe('placement contacts', () => {
  let t: TestContext;
  let schoolId: string;
  let school: Agent;

  const contactOf = (id: string) =>
    t.database.db.selectFrom('school_contacts').selectAll().where('school_id', '=', id).executeTakeFirst();
  const eventsOf = (id: string) =>
    t.database.db
      .selectFrom('events')
      .selectAll()
      .where('subject_type', '=', 'school')
      .where('subject_id', '=', id)
      .orderBy('id')
      .execute();

  before(async () => {
    t = await startTestApp();
    const row = await t.database.db
      .selectFrom('organisations')
      .select('id')
      .where('urn', '=', '100001')
      .executeTakeFirstOrThrow();
    schoolId = row.id;
    // A second school, with its own admin, to show one school cannot reach another's contact.
    const other = await createOrganisation(t.database.db, SYSTEM, { type: 'school', urn: '100002' });
    await addUserToOrganisation(t.database.db, SYSTEM, other.id, {
      email: 'other-school@example.com',
      firstName: 'Olu',
      lastName: 'Adeyemi',
      role: 'admin',
      password: 'rollbook-demo',
    });
    school = await signedIn(t.app, 'school@example.com');
  });
  after(() => t.close());

  it('offers to add a placement contact at the top of Your organisation when there is none', async () => {
    const page = await school.get('/organisation');
    assert.equal(page.statusCode, 200);
    const contactSection = page.body.indexOf('Placement contact');
    assert.ok(contactSection > 0, 'the page has a placement contact section');
    assert.ok(contactSection < page.body.indexOf('Users'), 'the placement contact comes before the users');
    assert.match(page.body, /href="\/organisation\/placement-contact">Add placement contact</);
    const form = await school.get(CONTACT);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<title>Add placement contact – Rollbook<\/title>/);
  });

  it('refuses a missing or malformed email address, saying how to fix it, and saves nothing', async () => {
    const empty = await school.post(CONTACT, { firstName: 'Ada', lastName: 'Lovelace', email: '   ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /There is a problem/);
    assert.match(empty.body, /href="#email">Enter the email address providers should use to contact your school/);
    assert.match(empty.body, /value="Ada"/, 'what was typed is kept');

    const malformed = await school.post(CONTACT, { email: 'placements at school' });
    assert.equal(malformed.statusCode, 400);
    assert.match(malformed.body, /Enter an email address in the correct format, like name@example\.com/);
    assert.equal(await contactOf(schoolId), undefined);
  });

  it('adds the contact with names optional, the email trimmed and lower-cased, and records who did it', async () => {
    const response = await school.post(CONTACT, {
      firstName: '',
      lastName: '',
      email: '  Placements@Demo-School.Example  ',
    });
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/organisation');
    const contact = await contactOf(schoolId);
    assert.equal(contact?.email, 'placements@demo-school.example');
    assert.equal(contact?.first_name, null);
    assert.equal(contact?.last_name, null);

    const page = await school.get('/organisation');
    assert.match(page.body, /Placement contact added/);
    assert.match(page.body, /placements@demo-school\.example/);
    assert.match(page.body, /href="\/organisation\/placement-contact#email"/);
    assert.doesNotMatch(page.body, /Add placement contact/);
    assert.doesNotMatch(page.body, /placement-contact[^"]*remove|Remove[^<]*placement contact/i, 'no way to remove it');

    const [event] = await eventsOf(schoolId);
    assert.equal(event.action, 'placement contact added');
    assert.deepEqual(event.changes, { email: { to: 'placements@demo-school.example' } });
  });

  it('changes the contact on the same page, prefilled, and audits from → to', async () => {
    const form = await school.get(CONTACT);
    assert.match(form.body, /<title>Change placement contact – Rollbook<\/title>/);
    assert.match(form.body, /value="placements@demo-school\.example"/);
    const response = await school.post(CONTACT, {
      firstName: '  Siân ',
      lastName: 'Evans',
      email: 'SIAN.EVANS@demo-school.example',
    });
    assert.equal(response.statusCode, 303);
    const contact = await contactOf(schoolId);
    assert.equal(contact?.first_name, 'Siân');
    assert.equal(contact?.last_name, 'Evans');
    assert.equal(contact?.email, 'sian.evans@demo-school.example');
    const page = await school.get('/organisation');
    assert.match(page.body, /Placement contact updated/);
    const events = await eventsOf(schoolId);
    assert.equal(events.length, 2);
    assert.equal(events[1].action, 'placement contact changed');
    assert.deepEqual(events[1].changes, {
      first_name: { from: null, to: 'Siân' },
      last_name: { from: null, to: 'Evans' },
      email: { from: 'placements@demo-school.example', to: 'sian.evans@demo-school.example' },
    });
  });

  it('cannot be removed: an empty email, a method override or a DELETE leave it as it was', async () => {
    const before = await contactOf(schoolId);
    const attempts = [
      await school.post(CONTACT, { email: '' }),
      await school.post(CONTACT, { _method: 'delete', email: 'x@example.com' }),
      await school.post(CONTACT, { _method: 'DELETE' }),
      await school.post(`${CONTACT}/remove`, {}),
      await school.post(`${CONTACT}/delete`, {}),
      await school.get(`${CONTACT}/remove`),
    ];
    for (const response of attempts) assert.ok(response.statusCode >= 400, `refused with ${response.statusCode}`);
    for (const method of ['DELETE', 'PUT', 'PATCH'] as const) {
      const response = await t.app.inject({ method, url: CONTACT });
      assert.ok(response.statusCode >= 400, `${method} refused with ${response.statusCode}`);
    }
    assert.deepEqual(await contactOf(schoolId), before);
  });

  it('is kept by the database itself: a direct delete is refused', async () => {
    await assert.rejects(
      sql`delete from school_contacts where school_id = ${schoolId}`.execute(t.database.db),
      /can be changed but not removed/,
    );
    assert.ok(await contactOf(schoolId));
  });

  it('is the school’s own: other kinds of organisation get 404 and another school sees only its own', async () => {
    for (const email of ['provider@example.com', 'ab@example.com', 'support@example.com']) {
      const agent = await signedIn(t.app, email);
      const form = await agent.get(CONTACT);
      assert.equal(form.statusCode, 404, `GET as ${email}`);
      const post = await agent.post(CONTACT, { email: 'sneaky@example.com' });
      assert.equal(post.statusCode, 404, `POST as ${email}`);
    }
    const other = await signedIn(t.app, 'other-school@example.com');
    const page = await other.get('/organisation');
    assert.doesNotMatch(page.body, /sian\.evans@demo-school\.example/);
    assert.match(page.body, /Add placement contact/);
    const form = await other.get(CONTACT);
    assert.doesNotMatch(form.body, /sian\.evans/);
    await other.post(CONTACT, { email: 'office@other-school.example' });
    assert.equal(
      (await contactOf(schoolId))?.email,
      'sian.evans@demo-school.example',
      'the first school’s is unchanged',
    );
  });

  it('shows support users a school’s contact, without a way to change it', async () => {
    const support = await signedIn(t.app, 'support@example.com');
    const page = await support.get(`/support/organisations/${schoolId}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /sian\.evans@demo-school\.example/);
    assert.doesNotMatch(page.body, /placement-contact/);
  });
});
