// School data pages: staff need the "view learner data" permission (granted by an admin) for every
// learner route, and each view is in the admin's list; another school's learner is a 404; a
// learner signs in with the code on a printed letter (a new letter voids the old code), sets a
// password, sees only their own data without blanks, and signs in again with their username.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inTransaction } from '../../src/db/transaction.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { inviteLearnersByEmail } from '../../src/domain/school-data/learner-accounts.ts';
import { findLearnerByUpn } from '../../src/domain/school-data/learners.ts';
import { type StagedLearnerData, submitSchoolData } from '../../src/domain/school-data/school-data.ts';
import { actorFor } from '../support/actors.ts';
import { Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';
import { createSchoolOrganisation, testUpn } from '../support/factories.ts';

const PASSWORD = 'a-learner-password-long-enough';

describe('school data pages', () => {
  let t: TestContext;
  let admin: Agent;
  let staff: Agent;
  let schoolActor: Actor;
  let ada: string;
  let grace: string;
  let elsewhere: string;
  let other: Actor;

  before(async () => {
    t = await startTestApp();
    const db = t.database.db;
    schoolActor = await actorFor(db, 'school@example.com', '100001');
    await addUserToOrganisation(db, SYSTEM, schoolActor.organisation.id, {
      email: 'teacher@school.test',
      firstName: 'Tess',
      lastName: 'Teacher',
      role: 'member',
      // The demo users' password, which signedIn uses.
      password: 'rollbook-demo',
    });
    other = await createSchoolOrganisation(db);
    const row = (n: number, first: string, v: [string, string][]) => ({
      upn: testUpn(n),
      admissionNumber: `A${n}`,
      firstName: first,
      surname: 'Lovelace',
      dateOfBirth: '2012-01-01',
      yearGroup: 'Year 9',
      fields: v,
    });
    await inTransaction(db, (tx) =>
      submitSchoolData(
        tx,
        schoolActor,
        {
          items: [
            row(1, 'Ada', [
              ['Maths', '9'],
              ['Art', ''],
            ]),
            row(2, 'Grace', [['Maths', 'grace-secret']]),
          ],
        },
        { introduction: ['Your grades.'], publishAt: new Date(), submittedByName: 'Head', dateSubmitted: null },
        { via: 'test' },
      ),
    );
    await inTransaction(db, (tx) =>
      submitSchoolData(
        tx,
        other,
        { items: [row(1, 'Elsewhere', [['Maths', 'other-school-secret']])] },
        { introduction: [], publishAt: new Date(), submittedByName: 'Head', dateSubmitted: null },
        { via: 'test' },
      ),
    );
    ada = (await findLearnerByUpn(db, schoolActor.organisation.id, testUpn(1)))?.id ?? '';
    grace = (await findLearnerByUpn(db, schoolActor.organisation.id, testUpn(2)))?.id ?? '';
    elsewhere = (await findLearnerByUpn(db, other.organisation.id, testUpn(1)))?.id ?? '';
    admin = await signedIn(t.app, 'school@example.com');
    staff = await signedIn(t.app, 'teacher@school.test');
  });
  after(() => t.close());

  const teacherId = async () =>
    (
      await t.database.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'teacher@school.test')
        .executeTakeFirstOrThrow()
    ).id;

  it('refuses staff without permission on every learner route, and lets them in once an admin allows it', async () => {
    for (const url of ['/learners', '/learners?q=ada', `/learners/${ada}`]) {
      assert.equal((await staff.get(url)).statusCode, 404, url);
      assert.equal((await admin.get(url)).statusCode, 404, `${url}: admins too need the permission`);
    }
    assert.equal((await staff.get('/organisation/learner-data')).statusCode, 404, 'only admins manage it');
    const access = await admin.get('/organisation/learner-data');
    assert.equal(access.statusCode, 200);
    assert.match(access.body, /Tess Teacher/);
    const granted = await admin.post('/organisation/learner-data', { userId: await teacherId(), allowed: 'true' });
    assert.equal(granted.statusCode, 303);
    const search = await staff.get('/learners?q=lovelace');
    assert.equal(search.statusCode, 200);
    assert.match(search.body, /Ada Lovelace/);
    assert.match(search.body, /Grace Lovelace/);
    assert.doesNotMatch(search.body, /Elsewhere/, 'only the school’s own learners');
    const page = await staff.get(`/learners/${ada}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your grades\./);
    assert.match(page.body, /Maths[\s\S]*9/);
    assert.doesNotMatch(page.body, /Art/, 'blanks are left out');
    assert.equal((await staff.get(`/learners/${elsewhere}`)).statusCode, 404, 'another school’s learner');
    assert.equal((await staff.get('/learners/not-an-id')).statusCode, 404);
    // Shaped like an id, not one: still not found, never a database error.
    for (const id of ['-'.repeat(36), 'f'.repeat(36)])
      assert.equal((await staff.get(`/learners/${id}`)).statusCode, 404);
  });

  it('lists every staff view for the admin, and removing the permission shuts the door again', async () => {
    const views = await admin.get('/organisation/learner-data/views');
    assert.equal(views.statusCode, 200);
    assert.match(views.body, /Tess Teacher[\s\S]*Ada Lovelace/);
    await admin.post('/organisation/learner-data', { userId: await teacherId(), allowed: 'false' });
    assert.equal((await staff.get(`/learners/${ada}`)).statusCode, 404);
    const events = await t.database.db
      .selectFrom('events')
      .select('action')
      .where('subject_type', '=', 'membership')
      .where('action', 'like', 'learner data access%')
      .execute();
    assert.equal(events.length, 2);
  });

  it('lets a learner use the newest letter’s code once, set a password, and see only their own data', async () => {
    const first = await admin.post('/organisation/learner-data/letters', { learnerId: ada });
    assert.equal(first.statusCode, 200);
    const oldCode = /[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(first.body)?.[0] ?? '';
    const letters = await admin.post('/organisation/learner-data/letters', { yearGroup: 'Year 9' });
    assert.equal(letters.statusCode, 200);
    assert.match(letters.body, /Sign-in letters for 2 learners/);
    const adaLetter = /Dear Ada Lovelace[\s\S]*?<\/section>/.exec(letters.body)?.[0] ?? '';
    const code = /[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(adaLetter)?.[0] ?? '';
    const username = /Your username[\s\S]*?<dd[^>]*>\s*([a-z.0-9]+)/.exec(adaLetter)?.[1] ?? '';
    assert.ok(code && oldCode && code !== oldCode && username);

    const learner = new Agent(t.app, '192.0.2.77');
    await learner.get('/learner/code');
    const voided = await learner.post('/learner/code', {
      code: oldCode,
      password: PASSWORD,
      confirmPassword: PASSWORD,
    });
    assert.equal(voided.statusCode, 400, 'printing a new letter voids the old code');
    assert.match(voided.body, /That code does not work/);
    const used = await learner.post('/learner/code', {
      code: code.toLowerCase().replace(/-/g, ' '),
      password: PASSWORD,
      confirmPassword: PASSWORD,
    });
    assert.equal(used.statusCode, 303);
    const mine = await learner.get(String(used.headers.location));
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, new RegExp(`your username, ${username.replace('.', '\\.')}`));
    assert.match(mine.body, /Ada Lovelace, Year 9/);
    assert.match(mine.body, /Maths[\s\S]*9/);
    assert.doesNotMatch(mine.body, /grace-secret|other-school-secret|Art/);
    assert.doesNotMatch(mine.body, /Find a learner|Uploads|Your organisation/, 'a learner sees only their page');
    // The learner's session opens no staff page, and no other learner's page.
    for (const url of [`/learners/${grace}`, `/learners/${ada}`, '/organisation', '/uploads']) {
      const response = await learner.get(url);
      assert.notEqual(response.statusCode, 200, url);
      assert.doesNotMatch(response.body, /grace-secret/);
    }
    const another = new Agent(t.app, '192.0.2.78');
    await another.get('/learner/code');
    // Crafted requests: another learner's id or UPN in the query, an upload's pages, the API.
    const upload = await t.database.db.selectFrom('uploads').select('id').executeTakeFirst();
    for (const url of [
      `/your-school-data?learner=${grace}`,
      `/your-school-data?upn=${testUpn(2)}`,
      `/your-school-data/${grace}`,
      ...(upload ? [`/uploads/${upload.id}`, `/uploads/${upload.id}/review`, `/uploads/${upload.id}/report`] : []),
      `/api/v1/learners/${testUpn(2)}/school-data`,
    ]) {
      const response = await learner.get(url);
      assert.doesNotMatch(response.body, /grace-secret|Grace/, url);
      if (url.startsWith('/your-school-data?')) assert.match(response.body, /Ada Lovelace/, 'always their own page');
    }
    const reused = await another.post('/learner/code', {
      code,
      password: PASSWORD,
      confirmPassword: PASSWORD,
    });
    assert.equal(reused.statusCode, 400, 'a code works once');

    await learner.post('/learner/sign-out');
    assert.equal((await learner.get('/your-school-data')).statusCode, 303);
    const again = new Agent(t.app, '192.0.2.79');
    await again.get('/learner/sign-in');
    const wrong = await again.post('/learner/sign-in', { username, password: 'not-the-password' });
    assert.equal(wrong.statusCode, 400);
    const right = await again.post('/learner/sign-in', { username: username.toUpperCase(), password: PASSWORD });
    assert.equal(right.headers.location, '/your-school-data');
    assert.match((await again.get('/your-school-data')).body, /Ada Lovelace/);
  });

  it('invites learners by email: the link works once to choose a password, then they sign in with that address', async () => {
    const db = t.database.db;
    const row = (n: number, first: string, email?: string): StagedLearnerData => ({
      upn: testUpn(n),
      admissionNumber: `A${n}`,
      firstName: first,
      surname: 'Invited',
      dateOfBirth: '2011-01-01',
      yearGroup: 'Year 10',
      fields: [['Maths', `${first}-grade`]],
      ...(email ? { email } : {}),
    });
    const details = { introduction: [], publishAt: new Date(), submittedByName: 'Head', dateSubmitted: null };
    await inTransaction(db, (tx) =>
      submitSchoolData(
        tx,
        schoolActor,
        {
          items: [
            row(11, 'Cara', 'Cara.Invited@example.com'),
            row(12, 'Dev', 'family@example.com'),
            row(13, 'Eli', 'family@example.com'),
            row(14, 'Fin'),
          ],
        },
        details,
        { via: 'test' },
      ),
    );
    // Another school's learner with the same address as Cara's.
    await inTransaction(db, (tx) =>
      submitSchoolData(tx, other, { items: [row(11, 'Other', 'cara.invited@example.com')] }, details, { via: 'test' }),
    );

    assert.equal((await staff.get('/organisation/learner-data/invitations')).statusCode, 404, 'only admins invite');
    const otherOne = await admin.post('/organisation/learner-data/invitations', { learnerId: elsewhere });
    assert.equal(otherOne.statusCode, 404, 'another school’s learner');
    const choose = await admin.get('/organisation/learner-data/invitations');
    assert.equal(choose.statusCode, 200);
    assert.match(choose.body, /Year 10 \(3 of 4 have an email address\)/);
    const sent = await admin.post('/organisation/learner-data/invitations', { yearGroup: 'Year 10' });
    assert.equal(sent.statusCode, 200);
    assert.match(sent.body, /Invitations sent to 1 learner/);
    assert.match(sent.body, /Cara Invited \(Cara\.Invited@example\.com\)/);
    assert.match(sent.body, /Dev Invited: family@example\.com is the email address of more than one learner you chose/);
    assert.match(sent.body, /Eli Invited: family@example\.com/);
    const email = await db
      .selectFrom('outbox')
      .selectAll()
      .where('to_address', '=', 'Cara.Invited@example.com')
      .executeTakeFirstOrThrow();
    const link = /\/learner\/invitation\/[\w-]+/.exec(email.body)?.[0] ?? '';
    assert.ok(link, email.body);
    assert.match(email.body, /sign in at .*\/learner\/sign-in with this email address/);
    assert.equal(
      (await db.selectFrom('outbox').select('id').where('to_address', '=', 'family@example.com').execute()).length,
      0,
    );

    // The other school's learner cannot take the same address: it signs in Cara.
    const otherLearner = await findLearnerByUpn(db, other.organisation.id, testUpn(11));
    assert.ok(otherLearner);
    const refused = await inTransaction(db, (tx) => inviteLearnersByEmail(tx, other, [otherLearner.id]));
    assert.deepEqual(refused.invitations, []);
    // Said without naming another learner or school: the address is only not usable.
    assert.match(
      refused.notInvited[0]?.reason ?? '',
      /cara\.invited@example\.com cannot be used for Other Invited to sign in/,
    );
    assert.doesNotMatch(refused.notInvited[0]?.reason ?? '', /another|Cara /);
    // Both schools inviting their learner with one new address at once: one is invited, the other
    // told the address cannot be used, and nothing fails.
    await db.updateTable('learners').set({ email: 'both@example.com' }).where('id', '=', otherLearner.id).execute();
    const ownLearner = await findLearnerByUpn(db, schoolActor.organisation.id, testUpn(12));
    assert.ok(ownLearner);
    await db.updateTable('learners').set({ email: 'both@example.com' }).where('id', '=', ownLearner.id).execute();
    const both = await Promise.all([
      inTransaction(db, (tx) => inviteLearnersByEmail(tx, other, [otherLearner.id])),
      inTransaction(db, (tx) => inviteLearnersByEmail(tx, schoolActor, [ownLearner.id])),
    ]);
    assert.equal(both.flatMap((result) => result.invitations).length, 1);
    assert.equal(both.flatMap((result) => result.notInvited).length, 1);
    // Nor can that school invite Cara, who is not theirs.
    const cara = await findLearnerByUpn(db, schoolActor.organisation.id, testUpn(11));
    assert.ok(cara);
    await assert.rejects(
      inTransaction(db, (tx) => inviteLearnersByEmail(tx, other, [cara.id])),
      /not found/i,
    );

    const learner = new Agent(t.app, '192.0.2.90');
    assert.equal((await learner.get(link)).statusCode, 200);
    const mismatch = await learner.post(link, { password: PASSWORD, confirmPassword: `${PASSWORD}!` });
    assert.equal(mismatch.statusCode, 400);
    assert.match(mismatch.body, /The passwords do not match/);
    const set = await learner.post(link, { password: PASSWORD, confirmPassword: PASSWORD });
    assert.equal(set.headers.location, '/your-school-data?password=set');
    const mine = await learner.get('/your-school-data?password=set');
    assert.match(mine.body, /sign in with your email address, Cara\.Invited@example\.com/);
    assert.match(mine.body, /Cara-grade/);
    assert.doesNotMatch(mine.body, /Dev-grade|Other-grade/);
    assert.equal((await learner.get(link)).statusCode, 404, 'the link works once');
    const late = new Agent(t.app, '192.0.2.91');
    await late.get('/learner/sign-in');
    assert.equal((await late.post(link, { password: PASSWORD, confirmPassword: PASSWORD })).statusCode, 404);

    const again = new Agent(t.app, '192.0.2.92');
    await again.get('/learner/sign-in');
    const signedIn = await again.post('/learner/sign-in', { username: 'cara.invited@EXAMPLE.com', password: PASSWORD });
    assert.equal(signedIn.headers.location, '/your-school-data');
    assert.match((await again.get('/your-school-data')).body, /Cara-grade/);

    // A new invitation (or letter) stops the one before from working.
    const first = await admin.post('/organisation/learner-data/invitations', { learnerId: cara.id });
    assert.match(first.body, /Invitations sent to 1 learner/);
    await admin.post('/organisation/learner-data/invitations', { learnerId: cara.id });
    const links = (
      await db
        .selectFrom('outbox')
        .select('body')
        .where('to_address', '=', 'Cara.Invited@example.com')
        .orderBy('id', 'desc')
        .execute()
    ).map((e) => /\/learner\/invitation\/[\w-]+/.exec(e.body)?.[0] ?? '');
    assert.equal(links.length, 3);
    assert.equal((await learner.get(links[1])).statusCode, 404, 'replaced by the newer invitation');
    assert.equal((await learner.get(links[0])).statusCode, 200);

    const events = await db
      .selectFrom('events')
      .select(['action', 'via'])
      .where('subject_id', '=', cara.id)
      .where('action', 'in', ['learner invited by email', 'learner password set'])
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => `${e.action} (${e.via})`),
      [
        'learner invited by email (page)',
        'learner password set (learner invitation link)',
        'learner invited by email (page)',
        'learner invited by email (page)',
      ],
    );
  });
});
