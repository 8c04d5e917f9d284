// The schools search page and the JSON behind the autocomplete: matches by name, URN or postcode,
// closed schools marked, and only for people signed in.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('schools search', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('shows a search box, then the schools that match, with closed ones marked', async () => {
    const agent = await signedIn(t.app, 'school@example.com');
    const empty = await agent.get('/schools');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /<title>Find a school – Rollbook<\/title>/);
    assert.match(empty.body, /name="q"/);

    const page = await agent.get('/schools?q=willow%20green');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Schools matching “willow green”/);
    assert.match(page.body, /Willow Green High School/);
    assert.match(page.body, /Willow Green Academy/);
    assert.match(page.body, /govuk-tag--grey">\s*Closed/);
    assert.match(page.body, /5 schools found/);
    // Open schools first: the closed academy comes last although its name sorts first.
    assert.ok(page.body.indexOf('Willow Green Infant School') < page.body.indexOf('Willow Green Academy'));
  });

  it('finds by URN and by postcode, ignoring spaces and case, and accents in names', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    assert.match((await agent.get('/schools?q=100004')).body, /Chapel End High School/);
    assert.match((await agent.get('/schools?q=ls22jy')).body, /Chapel End High School/);
    assert.match((await agent.get('/schools?q=Chapél%20énd')).body, /Chapel End High School/);
    assert.match((await agent.get('/schools?q=st%20aidans%20infant')).body, /St Aidan&#39;s Infant School/);
  });

  it('says when nothing matches, and when the search is too short', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const none = await agent.get('/schools?q=zzqq');
    assert.equal(none.statusCode, 200);
    assert.match(none.body, /No schools match “zzqq”/);
    const short = await agent.get('/schools?q=z');
    assert.equal(short.statusCode, 400);
    assert.match(short.body, /There is a problem/);
    assert.match(short.body, /Enter at least 2 characters/);
  });

  it('answers the autocomplete with JSON, at most 25', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const response = await agent.get('/schools/search.json?q=thornbury');
    assert.equal(response.statusCode, 200);
    const { schools } = response.json();
    assert.deepEqual(
      schools.map((s: { urn: string }) => s.urn),
      ['100020', '100002', '100013'],
    );
    assert.equal(schools[1].hint, 'URN 100002, NR21 1DX, Primary');
    assert.equal((await agent.get('/schools/search.json?q=school')).json().schools.length, 25);
    assert.deepEqual((await agent.get('/schools/search.json?q=a')).json(), { schools: [] });
  });

  it('sends people who are not signed in to sign in', async () => {
    const anonymous = new Agent(t.app);
    assert.equal((await anonymous.get('/schools?q=thornbury')).statusCode, 303);
    assert.equal((await anonymous.get('/schools/search.json?q=thornbury')).statusCode, 303);
  });
});
