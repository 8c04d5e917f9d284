// The audit log pages: an organisation's admins read their own organisation's log (from "Your
// organisation"), members who are not admins and everyone else get 404; support users read any
// organisation's and every organisation's. Each event is a sentence with its records linked; the
// filters (who, what, record, dates) and pages keep to the log, and another organisation's people
// or records are "not found".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { findUserByEmail } from '../../src/domain/organisations/users.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const LOG = '/organisation/audit-log';

/** Each entry of a log page as text: "when · sentence". */
function entries(body: string): string[] {
  return [...body.matchAll(/<li class="rollbook-audit-log__entry">([\s\S]*?)<\/li>/g)].map((match) =>
    match[1]
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#39;|&rsquo;/g, '’')
      .replace(/&amp;/g, '&')
      .replace(/\s+/g, ' ')
      .trim(),
  );
}

describe('the audit log pages', () => {
  let t: TestContext;
  let scitt: Agent;
  let university: Agent;
  let support: Agent;
  let scittId: string;
  let universityId: string;
  const db = () => t.database.db;

  async function traineeOf(providerId: string, skip = 0) {
    return db()
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('state', '=', 'trn_received')
      .orderBy('last_name')
      .orderBy('id')
      .offset(skip)
      .limit(1)
      .executeTakeFirstOrThrow();
  }

  before(async () => {
    t = await startTestApp();
    scittId = (await findOrganisationByReference(db(), '10000001')).id;
    universityId = (await findOrganisationByReference(db(), '10000002')).id;
    [scitt, university, support] = await Promise.all([
      signedIn(t.app, 'provider@example.com'),
      signedIn(t.app, 'university@example.com'),
      signedIn(t.app, 'support@example.com'),
    ]);
    // The SCITT's admin adds a placement on a trainee's page.
    const trainee = await traineeOf(scittId);
    await scitt.get(`/trainees/${trainee.id}/placements/new?urn=100002`);
    const added = await scitt.post(`/trainees/${trainee.id}/placements/new`, { urn: '100002' });
    assert.equal(added.statusCode, 303);
    // Support acts for the university and adds a placement for one of its trainees.
    await support.post(`/support/organisations/${universityId}/act-for`);
    const theirs = await traineeOf(universityId);
    await support.get(`/trainees/${theirs.id}/placements/new?urn=100003`);
    assert.equal((await support.post(`/trainees/${theirs.id}/placements/new`, { urn: '100003' })).statusCode, 303);
    await support.post('/support/stop-acting');
  });
  after(() => t.close());

  it('is linked from Your organisation for admins, and reads as sentences with records linked', async () => {
    const organisation = await scitt.get('/organisation');
    assert.match(organisation.body, /href="\/organisation\/audit-log">See the audit log<\/a>/);
    const page = await scitt.get(LOG);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1 class="govuk-heading-l">Audit log<\/h1>/);
    const trainee = await traineeOf(scittId);
    const [newest] = entries(page.body);
    assert.match(
      newest,
      new RegExp(
        `^\\d{1,2} \\w+ \\d{4}, \\d{1,2}:\\d{2}(am|pm) Priya Shah added a placement at Thornbury Church of England Primary School \\(URN 100002\\) for ${trainee.first_names} ${trainee.last_name}$`,
      ),
    );
    // The trainee links to their page; the person to what they did.
    assert.match(page.body, new RegExp(`<a class="govuk-link" href="/trainees/${trainee.id}">`));
    const priya = await findUserByEmail(db(), 'provider@example.com');
    assert.match(page.body, new RegExp(`href="/organisation/audit-log\\?who=${priya?.id}">Priya Shah</a>`));
    // Demo data's events are Rollbook's own.
    assert.ok(
      entries(page.body).some((entry) =>
        /Rollbook \(demo data\) added Priya Shah to Rollbook Demo SCITT as an admin/.test(entry),
      ),
    );
    assert.doesNotMatch(
      page.body,
      /placement_id|school_urn|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}<\/a>/,
    );
  });

  it('names support, and whom they acted for, in the log of the organisation they acted for', async () => {
    const page = await university.get(LOG);
    const all = entries(page.body);
    const theirs = await traineeOf(universityId);
    assert.ok(
      all.some((entry) =>
        entry.endsWith(
          `Sam Reid (support, acting for Rollbook Demo University) added a placement at Willow Green High School (URN 100003) for ${theirs.first_names} ${theirs.last_name}`,
        ),
      ),
      all.slice(0, 5).join('\n'),
    );
    assert.ok(
      all.some((entry) =>
        entry.endsWith(
          'Sam Reid (support, acting for Rollbook Demo University) began acting for Rollbook Demo University',
        ),
      ),
    );
    assert.ok(
      all.some((entry) =>
        entry.endsWith(
          'Sam Reid (support, acting for Rollbook Demo University) stopped acting for Rollbook Demo University',
        ),
      ),
    );
  });

  it('is 404 for members who are not admins, with no link to it', async () => {
    const member = await signedIn(t.app, 'multi@example.com', 'Rollbook Demo SCITT');
    assert.equal((await member.get(LOG)).statusCode, 404);
    assert.doesNotMatch((await member.get('/organisation')).body, /audit-log/);
  });

  it('shows schools’ and appropriate bodies’ admins their own organisation’s log', async () => {
    for (const [email, name] of [
      ['school@example.com', 'Rollbook Demo Primary School'],
      ['ab@example.com', 'Rollbook Demo Teaching School Hub'],
    ]) {
      const agent = await signedIn(t.app, email);
      const page = await agent.get(LOG);
      assert.equal(page.statusCode, 200, email);
      const all = entries(page.body);
      assert.ok(all.length > 0);
      assert.ok(
        all.every((entry) => entry.includes(name) || !/Rollbook Demo (SCITT|University)/.test(entry)),
        email,
      );
    }
  });

  it('never shows another organisation’s events, people or records: their filters are not found', async () => {
    const page = await scitt.get(LOG);
    assert.doesNotMatch(page.body, /Rollbook Demo University|Tom Okafor|Willow Green High School \(URN 100003\)/);
    const tom = await findUserByEmail(db(), 'university@example.com');
    const theirs = await traineeOf(universityId);
    for (const url of [
      `${LOG}?who=${tom?.id}`,
      `${LOG}?record=trainee:${theirs.id}`,
      `${LOG}?record=user:${tom?.id}`,
      `${LOG}?record=organisation:${universityId}`,
      `${LOG}?who=not-a-person`,
      `${LOG}?record=nonsense:${theirs.id}`,
    ]) {
      const response = await scitt.get(url);
      assert.equal(response.statusCode, 404, url);
      assert.doesNotMatch(response.body, new RegExp(theirs.last_name), url);
    }
    // The who filter offers only people who changed this organisation's records.
    assert.doesNotMatch(page.body, /university@example\.com/);
    assert.match(page.body, /<option value="[^"]+">Priya Shah \(provider@example\.com\)<\/option>/);
  });

  it('filters by who, what, record and dates, and keeps the filters from page to page', async () => {
    const priya = await findUserByEmail(db(), 'provider@example.com');
    const byPriya = entries((await scitt.get(`${LOG}?who=${priya?.id}`)).body);
    assert.equal(byPriya.length, 1);
    const byRollbook = entries((await scitt.get(`${LOG}?who=rollbook`)).body);
    assert.ok(byRollbook.length > 1 && byRollbook.every((entry) => /Rollbook \(demo data\)/.test(entry)));

    const placements = await scitt.get(`${LOG}?what=placement-added`);
    assert.match(placements.body, /<option value="placement-added" selected>Placement added<\/option>/);
    assert.ok(entries(placements.body).every((entry) => / added a placement at /.test(entry)));

    const trainee = await traineeOf(scittId);
    const one = await scitt.get(`${LOG}?record=trainee:${trainee.id}`);
    assert.equal(one.statusCode, 200);
    assert.match(one.body, new RegExp(`Only changes to <strong>${trainee.first_names} ${trainee.last_name}</strong>`));
    assert.ok(entries(one.body).every((entry) => entry.includes(`${trainee.first_names} ${trainee.last_name}`)));
    const users = entries((await scitt.get(`${LOG}?record=user`)).body);
    assert.ok(users.length > 0 && users.every((entry) => /account for|to Rollbook Demo SCITT as/.test(entry)));

    // Dates, in England: today has every event so far; a day long past has none.
    const now = new Date();
    const [d, m, y] = [now.getUTCDate(), now.getUTCMonth() + 1, now.getUTCFullYear()];
    const today = await scitt.get(
      `${LOG}?from-day=${d - 1 || 1}&from-month=${m}&from-year=${y}&to-day=28&to-month=12&to-year=${y + 1}`,
    );
    assert.equal(today.statusCode, 200);
    assert.ok(entries(today.body).length > 0);
    const past = await scitt.get(`${LOG}?from-day=1&from-month=1&from-year=2001&to-day=31&to-month=12&to-year=2001`);
    assert.match(past.body, /No changes match/);
    const wrong = await scitt.get(`${LOG}?from-day=31&from-month=2&from-year=2026`);
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /href="#from-day">The ‘from’ date must be a real date/);
    const backwards = await scitt.get(`${LOG}?from-day=2&from-month=1&from-year=2026&to-day=1&to-month=1&to-year=2026`);
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.body, /The ‘to’ date must be the same as or after the ‘from’ date/);

    // 50 a page; the next page's link keeps the filter.
    const all = await scitt.get(`${LOG}?who=rollbook`);
    const total = Number(/<strong>([\d,]+)<\/strong> changes/.exec(all.body)?.[1].replace(/,/g, ''));
    if (total > 50) {
      assert.equal(entries(all.body).length, 50);
      assert.match(all.body, /href="\/organisation\/audit-log\?who=rollbook&amp;page=2"/);
      const second = await scitt.get(`${LOG}?who=rollbook&page=2`);
      assert.equal(entries(second.body).length, Math.min(50, total - 50));
    }
  });

  it('links a trainee’s page to the changes to their record, for admins', async () => {
    const trainee = await traineeOf(scittId);
    const page = await scitt.get(`/trainees/${trainee.id}`);
    assert.match(page.body, new RegExp(`href="/organisation/audit-log\\?record=trainee:${trainee.id}"`));
  });

  it('gives support every organisation’s log, and any one organisation’s', async () => {
    const home = await support.get('/');
    assert.match(home.body, /href="\/support\/audit-log"/);
    const all = await support.get('/support/audit-log');
    assert.equal(all.statusCode, 200);
    assert.match(all.body, /Rollbook Demo SCITT/);
    assert.match(all.body, /Rollbook Demo University/);
    assert.match(all.body, new RegExp(`href="/support/organisations/${scittId}/events"`));
    const one = await support.get(`/support/organisations/${universityId}/events`);
    assert.equal(one.statusCode, 200);
    assert.match(one.body, /Audit log for Rollbook Demo University/);
    assert.doesNotMatch(entries(one.body).join('\n'), /Rollbook Demo SCITT/);
    // Support cannot open a provider's trainee pages, so trainees are named, not linked.
    assert.doesNotMatch(one.body, /href="\/trainees\//);
    for (const agent of [scitt, university]) {
      assert.equal((await agent.get('/support/audit-log')).statusCode, 404);
      assert.equal((await agent.get(`/support/organisations/${universityId}/events`)).statusCode, 404);
    }
  });
});
