import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('public pages, health and errors', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('answers /health with the database status and version', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.status, 'ok');
    assert.equal(body.database.status, 'ok');
    assert.equal(body.database.kind, t.database.kind);
    assert.match(body.database.version, /^\d+/);
  });

  it('serves the accessibility statement, cookies and privacy pages to anyone', async () => {
    const agent = new Agent(t.app);
    for (const [url, heading] of [
      ['/accessibility', 'Accessibility statement for Rollbook'],
      ['/cookies', 'Cookies'],
      ['/privacy', 'Privacy notice'],
    ]) {
      const response = await agent.get(url);
      assert.equal(response.statusCode, 200, url);
      assert.match(response.body, new RegExp(`<h1 class="govuk-heading-l">${heading}</h1>`));
    }
  });

  it('has a “Get help” page with the support email address and opening hours, linked from every page', async () => {
    const page = await new Agent(t.app).get('/help');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1 class="govuk-heading-l">Get help with Rollbook<\/h1>/);
    assert.match(page.body, /href="mailto:support@rollbook\.example">support@rollbook\.example<\/a>/);
    assert.match(page.body, /Monday to Friday, 9am to 5pm \(except public holidays\)/);
    assert.match(page.body, /href="\/forgotten-password">reset your password/);
    for (const url of ['/sign-in', '/cookies', '/no-such-page']) {
      const other = await new Agent(t.app).get(url);
      assert.match(other.body, /<a class="govuk-footer__link" href="\/help">Get help<\/a>/, url);
    }
  });

  it('shows a 404 page for an unknown address', async () => {
    const response = await new Agent(t.app).get('/no-such-page');
    assert.equal(response.statusCode, 404);
    assert.match(response.body, /Page not found/);
  });

  it('serves the stylesheet, govuk-frontend’s script and its fonts from our own origin', async () => {
    const agent = new Agent(t.app);
    const css = await agent.get('/assets/rollbook.css');
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    assert.doesNotMatch(css.body, /GDS Transport/, 'no GOV.UK font unless branding is on');
    assert.equal((await agent.get('/assets/govuk-frontend.min.js')).statusCode, 200);
    assert.equal((await agent.get('/assets/init.js')).statusCode, 200);
    assert.equal((await agent.get('/assets/images/favicon.svg')).statusCode, 200);
  });

  it('leaves out the crown and GOV.UK logotype by default', async () => {
    const page = await new Agent(t.app).get('/sign-in');
    assert.doesNotMatch(page.body, /govuk-header__logotype|govuk-footer__crown|Crown copyright/);
    assert.match(page.body, /govuk-service-navigation__service-name/);
  });

  it('shows each organisation type its own home page', async () => {
    const homes: [string, RegExp][] = [
      ['provider@example.com', /Rollbook Demo SCITT.*Keep your trainees’ records/s],
      ['school@example.com', /Rollbook Demo Primary School.*placements, early-career teachers and learners/s],
      ['ab@example.com', /Rollbook Demo Teaching School Hub.*induction/s],
      ['support@example.com', /Rollbook Support.*href="\/support\/organisations"/s],
    ];
    for (const [email, expected] of homes) {
      const agent = await signedIn(t.app, email);
      const home = await agent.get('/');
      assert.equal(home.statusCode, 200, email);
      assert.match(home.body, expected, email);
    }
  });
});
