// A school's placement form asks what fits the school: a primary school the year group, a
// secondary school the subject, and a school of both phases which phase first, on a page of its own
// (no conditional reveal). Adding a placement contact from Placements goes back to Placements.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/index.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { offeredAcademicYears } from '../../src/domain/placements/offered-placements.ts';
import { schoolPhases } from '../../src/domain/placements/subjects.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const LIST = '/school/placements';
const CONTACT = '/organisation/placement-contact';
const [, NEXT] = offeredAcademicYears();

describe('a school’s placement form and its placement contact', () => {
  let t: TestContext;
  let primary: Agent;
  let secondary: Agent;
  let allThrough: Agent;

  async function schoolWithUser(urn: string, email: string) {
    const school = await createOrganisation(t.database.db, SYSTEM, { type: 'school', urn });
    await addUserToOrganisation(t.database.db, SYSTEM, school.id, {
      email,
      firstName: 'Sam',
      lastName: 'Teacher',
      role: 'admin',
      password: DEMO_PASSWORD,
    });
    const agent = await signedIn(t.app, email);
    await agent.post(CONTACT, { email: `placements@${urn}.example` });
    return agent;
  }
  /** The form's questions, by the names of their fields. */
  const fieldsOf = (body: string) => new Set([...body.matchAll(/name="([a-zA-Z]+)"/g)].map((m) => m[1]));

  before(async () => {
    t = await startTestApp();
    // A school of both phases: the register calls it all-through.
    await t.database.db
      .insertInto('schools')
      .values({ urn: '190001', name: 'Riverside All-through Academy', postcode: 'LS9 8AA', phase: 'All-through' })
      .execute();
    primary = await signedIn(t.app, 'school@example.com');
    secondary = await schoolWithUser('100003', 'secondary@example.com');
    allThrough = await schoolWithUser('190001', 'all-through@example.com');
  });
  after(() => t.close());

  it('maps the register’s phases to the questions asked', () => {
    assert.deepEqual(schoolPhases('Primary'), ['primary']);
    assert.deepEqual(schoolPhases('Nursery'), ['primary']);
    assert.deepEqual(schoolPhases('Middle deemed primary'), ['primary']);
    assert.deepEqual(schoolPhases('Secondary'), ['secondary']);
    assert.deepEqual(schoolPhases('16 plus'), ['secondary']);
    assert.deepEqual(schoolPhases('All-through'), ['primary', 'secondary']);
    assert.deepEqual(schoolPhases(null), ['primary', 'secondary']);
  });

  it('goes back to Placements after adding the contact from there, and to Your organisation otherwise', async () => {
    const list = await primary.get(LIST);
    assert.match(list.body, /href="\/organisation\/placement-contact\?from=placements"/);
    const form = await primary.get(`${CONTACT}?from=placements`);
    assert.match(form.body, /<input type="hidden" name="from" value="placements">/);
    assert.match(form.body, /<a href="\/school\/placements" class="govuk-back-link">/);

    const wrong = await primary.post(CONTACT, { email: 'not an email', from: 'placements' });
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /<input type="hidden" name="from" value="placements">/, 'kept through an error');

    const added = await primary.post(CONTACT, { email: 'placements@demo-school.example', from: 'placements' });
    assert.equal(added.statusCode, 303);
    assert.equal(added.headers.location, LIST);
    assert.match((await primary.get(LIST)).body, /Placement contact added/);

    const fromOrganisation = await primary.post(CONTACT, { email: 'office@demo-school.example' });
    assert.equal(fromOrganisation.headers.location, '/organisation');
    // Only Placements: anything else goes to Your organisation.
    const elsewhere = await primary.post(CONTACT, { email: 'office@demo-school.example', from: 'https://example.com' });
    assert.equal(elsewhere.headers.location, '/organisation');
  });

  it('asks a primary school only for the year group', async () => {
    const form = await primary.get(`${LIST}/new`);
    assert.equal(form.statusCode, 200);
    const fields = fieldsOf(form.body);
    assert.ok(fields.has('yearGroup'));
    assert.ok(!fields.has('subject'), 'no subject');
    assert.match(form.body, /<input type="hidden" name="phase" value="primary">/);
    assert.match(form.body, /Year 3/);
    assert.match(form.body, /Ages 7 to 8/);
    assert.doesNotMatch(form.body, /visually-hidden"> phase/, 'the phase cannot be changed');

    const added = await primary.post(`${LIST}/new`, {
      phase: 'primary',
      yearGroup: 'year-3',
      academicYear: String(NEXT),
      terms: 'any',
    });
    assert.equal(added.statusCode, 303);
    const page = await primary.get(String(added.headers.location));
    assert.match(page.body, /Primary \(Year 3\)/);
    assert.doesNotMatch(page.body, /change=phase/);
  });

  it('asks a secondary school only for the subject', async () => {
    const form = await secondary.get(`${LIST}/new`);
    const fields = fieldsOf(form.body);
    assert.ok(fields.has('subject'));
    assert.ok(!fields.has('yearGroup'), 'no year group');
    assert.match(form.body, /<input type="hidden" name="phase" value="secondary">/);
    // A missing subject is said on the same form.
    const empty = await secondary.post(`${LIST}/new`, { academicYear: String(NEXT), terms: 'any' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#subject">Select the subject the trainee would teach/);
    assert.ok(!fieldsOf(empty.body).has('yearGroup'));
  });

  it('asks a school of both phases which phase first, on its own page, then only that question', async () => {
    const question = await allThrough.get(`${LIST}/new`);
    assert.equal(question.statusCode, 200);
    assert.match(question.body, /Is the placement in a primary or secondary phase\?/);
    const fields = fieldsOf(question.body);
    assert.ok(fields.has('phase') && !fields.has('subject') && !fields.has('yearGroup'));
    assert.match(question.body, /<form method="get" action="\/school\/placements\/new"/);

    const nothingChosen = await allThrough.get(`${LIST}/new?step=phase`);
    assert.equal(nothingChosen.statusCode, 400);
    assert.match(nothingChosen.body, /href="#phase">Select whether the placement is in a primary or secondary phase/);

    const secondaryForm = await allThrough.get(`${LIST}/new?step=phase&phase=secondary`);
    assert.equal(secondaryForm.statusCode, 200);
    assert.ok(fieldsOf(secondaryForm.body).has('subject'));
    assert.ok(!fieldsOf(secondaryForm.body).has('yearGroup'));
    assert.match(secondaryForm.body, /href="\/school\/placements\/new\?phase=secondary&amp;change=phase"/);
    const back = await allThrough.get(`${LIST}/new?phase=secondary&change=phase`);
    assert.match(back.body, /value="secondary" checked/, 'the choice is kept');

    const primaryForm = await allThrough.get(`${LIST}/new?step=phase&phase=primary`);
    assert.ok(fieldsOf(primaryForm.body).has('yearGroup'));
    assert.ok(!fieldsOf(primaryForm.body).has('subject'));

    // Posted without a phase: asked again.
    const noPhase = await allThrough.post(`${LIST}/new`, { academicYear: String(NEXT), terms: 'any' });
    assert.equal(noPhase.statusCode, 400);
    assert.match(noPhase.body, /Is the placement in a primary or secondary phase\?/);

    const added = await allThrough.post(`${LIST}/new`, {
      phase: 'secondary',
      subject: 'history',
      academicYear: String(NEXT),
      terms: 'autumn',
    });
    assert.equal(added.statusCode, 303);
    const page = await allThrough.get(String(added.headers.location));
    const id = /\/school\/placements\/([0-9a-f-]{36})$/.exec(String(added.headers.location))?.[1];
    assert.match(page.body, new RegExp(`href="/school/placements/${id}/edit\\?change=phase"`));

    // Changing the phase: the question, then the other phase's question.
    const change = await allThrough.get(`${LIST}/${id}/edit?change=phase`);
    assert.match(change.body, /value="secondary" checked/);
    const toPrimary = await allThrough.get(`${LIST}/${id}/edit?step=phase&phase=primary`);
    assert.ok(fieldsOf(toPrimary.body).has('yearGroup'));
    const saved = await allThrough.post(`${LIST}/${id}/edit`, {
      phase: 'primary',
      yearGroup: 'reception',
      academicYear: String(NEXT),
      terms: 'autumn',
    });
    assert.equal(saved.statusCode, 303);
    assert.match((await allThrough.get(`${LIST}/${id}`)).body, /Primary \(Reception\)/);
  });

  it('has no conditional reveal anywhere: nothing marks a radio as expanding another question', async () => {
    for (const [agent, url] of [
      [primary, `${LIST}/new`],
      [secondary, `${LIST}/new`],
      [allThrough, `${LIST}/new`],
      [allThrough, `${LIST}/new?phase=primary`],
    ] as const) {
      const body = (await agent.get(url)).body;
      assert.doesNotMatch(body, /data-aria-controls|aria-expanded|govuk-radios__conditional/, url);
    }
  });
});
