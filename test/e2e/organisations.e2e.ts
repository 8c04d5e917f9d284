// Journeys through signing in, choosing and changing organisation, "Your organisation", support's
// organisation search and audit log, and signing out: in Chromium, with axe run on every page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO } from '../../src/demo-data.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';
import { launchBrowser, newContextWithoutJavaScript, type RunningServer, startServer } from './support/server.ts';

const TEST_TIMEOUT_MS = 120_000;
const ACTION_TIMEOUT_MS = 15_000;
const SCREENSHOT = '/tmp/rollbook-e2e-home.png';

async function signOut(page: Page) {
  await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
  await expectPage(page, { path: '/signed-out', heading: 'You have signed out' });
}

describe('organisations in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });

  after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await server?.stop();
  });

  async function newPage({ javaScript = true } = {}): Promise<Page> {
    const options = { baseURL: server.baseUrl };
    const context = javaScript
      ? await browser.newContext(options)
      : await newContextWithoutJavaScript(browser, options);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    contexts.push(context);
    return context.newPage();
  }

  it('signs in a user of two providers, who chooses one, changes to the other and signs out', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const page = await newPage();

    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });

    await signIn(page, 'multi@example.com');
    await expectPage(page, { path: '/organisations', heading: 'Which organisation do you want to act for?' });
    assert.equal(await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).count(), 1);

    await page.getByLabel(DEMO.scitt.name).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByRole('link', { name: 'Change organisation' }).click();
    await expectPage(page, { path: '/organisations', heading: 'Which organisation do you want to act for?' });
    assert.equal(await page.getByLabel(DEMO.scitt.name).isChecked(), true, 'the current organisation is selected');

    await page.getByLabel(DEMO.university.name).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await expectPage(page, { path: '/', heading: DEMO.university.name });
    const banner = page.locator('.govuk-notification-banner--success');
    assert.match(await textOf(banner), new RegExp(`You are now acting for ${DEMO.university.name}`));
    assert.match(await textOf(page.locator('.rollbook-organisation-bar')), new RegExp(DEMO.university.name));

    await page.getByRole('navigation').getByRole('link', { name: 'Your organisation' }).click();
    await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
    const users = await textOf(page.getByRole('table'));
    assert.match(users, /Tom Okafor/);
    assert.match(users, /university@example\.com/);
    assert.match(users, /Morgan O’Brien \(you\)/);
    assert.doesNotMatch(users, /provider@example\.com/, 'the SCITT’s users are not listed');

    await signOut(page);

    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
  });

  it('needs no JavaScript: sign in, home, your organisation, sign out', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await newPage({ javaScript: false });

    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });

    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    assert.equal(await page.getByRole('link', { name: 'Change organisation' }).count(), 0, 'one organisation only');

    await page.getByRole('navigation').getByRole('link', { name: 'Your organisation' }).click();
    await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
    assert.match(await textOf(page.getByRole('table')), /Priya Shah \(you\)/);

    await signOut(page);
    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
  });

  it('lets a support user find an organisation and read its audit log', { timeout: TEST_TIMEOUT_MS }, async () => {
    const page = await newPage();

    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
    await signIn(page, 'support@example.com');
    await expectPage(page, { path: '/', heading: DEMO.support.name });

    await page.getByRole('navigation').getByRole('link', { name: 'Organisations' }).click();
    await expectPage(page, { path: '/support/organisations', heading: 'Organisations' });

    await page.getByLabel('Search by name, UKPRN, URN or provider code').fill('University');
    await page.getByRole('button', { name: 'Search' }).click();
    await expectPage(page, { path: '/support/organisations?q=University', heading: 'Organisations' });
    assert.match(await textOf(page.getByRole('status')), /1 organisation found for “University”/);

    await page.getByRole('table').getByRole('link', { name: DEMO.university.name }).click();
    await expectPage(page, { path: /^\/support\/organisations\/[^/]+$/, heading: DEMO.university.name });
    assert.match(await textOf(page.getByRole('table')), /university@example\.com/);

    await page.getByRole('link', { name: `See every change to ${DEMO.university.name}` }).click();
    await expectPage(page, {
      path: /^\/support\/organisations\/[^/]+\/events$/,
      heading: `Audit log for ${DEMO.university.name}`,
    });
    const events = await textOf(page.locator('.rollbook-audit-log'));
    assert.match(events, /Rollbook \(demo data\) added Tom Okafor to Rollbook Demo University as an admin/);

    // Acting for the university: its pages, with a banner to stop; stopping returns to support.
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Act for this provider' }).click();
    await expectPage(page, { path: '/', heading: DEMO.university.name });
    const banner = page.getByRole('region', { name: 'Support' });
    assert.match(
      await textOf(banner),
      new RegExp(`You are acting for ${DEMO.university.name} as ${DEMO.support.name}`),
    );
    await banner.getByRole('button', { name: `Stop acting for ${DEMO.university.name}` }).click();
    await expectPage(page, { path: '/', heading: DEMO.support.name });

    await signOut(page);
  });
});
