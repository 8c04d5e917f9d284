// A provider adds a placement to a trainee by searching for the school, in Chromium with axe run on
// every page: trainees with fewer than 2 placements → a trainee → "Add a placement" → the school
// search → the details → the trainee's page with the placement. With JavaScript the search box
// suggests schools as you type (accessible-autocomplete); without it, a results page lists them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { expectPage, pathOf, signIn, textOf } from './support/pages.ts';
import { expectNoAxeViolations } from './support/server.ts';

const TRAINEE = /^\/trainees\/([0-9a-f-]{36})(?:\?back=[^#]*)?$/;

describe('adding a trainee’s placement in the browser', () => {
  const browser = useBrowser();

  /** Signs in, filters the trainees to those with fewer than 2 placements, and opens the `nth`. */
  async function traineeWithFewerPlacements(page: Page, nth: number): Promise<{ name: string; path: string }> {
    await page.goto('/trainees');
    await expectPage(page, { path: '/sign-in?returnTo=%2Ftrainees', heading: 'Sign in to Rollbook' });
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/trainees', heading: 'Trainees' });
    await page.getByLabel('Fewer than 2 placements').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectPage(page, { path: /^\/trainees\?.*placements=fewer-than-2/, heading: 'Trainees' });
    assert.match(await textOf(page.getByRole('status')), /trainees match your filters/);
    const link = page.locator('main table tbody tr').nth(nth).getByRole('link');
    const [last, first] = (await textOf(link)).split(', ');
    const name = `${first} ${last}`;
    await link.click();
    await expectPage(page, { path: TRAINEE, heading: name });
    assert.match(await textOf(page.locator('main')), /has no placements|has 1 placement/);
    return { name, path: pathOf(page).replace(/\?.*$/, '') };
  }

  async function fillDetailsAndAdd(page: Page, trainee: { name: string; path: string }, path: string) {
    await expectPage(page, { path, heading: `Add a placement for ${trainee.name}` });
    assert.match(await textOf(page.locator('main')), /Thornbury Church of England Primary School.*100002.*NR21 1DX/);
    const start = page.getByRole('group', { name: 'Start date (optional)' });
    await start.getByLabel('Day').fill('8');
    await start.getByLabel('Month').fill('9');
    await start.getByLabel('Year').fill('2025');
    await page.getByRole('button', { name: 'Add placement' }).click();
    await expectPage(page, { path: trainee.path, heading: trainee.name });
    assert.match(
      await textOf(page.locator('.govuk-notification-banner')),
      /A placement at Thornbury Church of England Primary School has been added/,
    );
    const card = page.locator('.govuk-summary-card', { hasText: 'Thornbury Church of England Primary School' });
    assert.match(await textOf(card), /URN\s*100002.*NR21 1DX.*8 September 2025/);
  }

  it('with JavaScript: the search box suggests schools as you type', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const page = await browser.newPage({ javaScript: true });
    const trainee = await traineeWithFewerPlacements(page, 0);
    await page.getByRole('link', { name: 'Add a placement' }).click();
    await expectPage(page, {
      path: `${trainee.path}/placements/new/school`,
      heading: `Find the school for ${trainee.name}’s placement`,
    });
    const box = page.getByRole('combobox', { name: 'Search by school name, URN or postcode' });
    await box.fill('thornbury ch');
    const suggestion = page.getByRole('option', { name: /Thornbury Church of England Primary School \(URN 100002/ });
    await suggestion.waitFor();
    await expectNoAxeViolations(page);
    await suggestion.click();
    assert.equal(await box.inputValue(), 'Thornbury Church of England Primary School');
    await page.getByRole('button', { name: 'Continue' }).click();
    await fillDetailsAndAdd(page, trainee, `${trainee.path}/placements/new?urn=100002`);
    browser.expectNoConsoleErrors();
  });

  it('without JavaScript: a results page lists the schools to choose from', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: false });
    const trainee = await traineeWithFewerPlacements(page, 1);
    await page.getByRole('link', { name: 'Add a placement' }).click();
    const search = `${trainee.path}/placements/new/school`;
    await expectPage(page, { path: search, heading: `Find the school for ${trainee.name}’s placement` });

    await page.getByLabel('Search by school name, URN or postcode').fill('x');
    await page.getByRole('button', { name: 'Search' }).click();
    await expectPage(page, { path: `${search}?q=x&urn=`, heading: `Find the school for ${trainee.name}’s placement` });
    assert.match(await textOf(page.locator('.govuk-error-summary')), /Enter at least 2 characters/);

    await page.getByLabel('Search by school name, URN or postcode').fill('nr21 1dx');
    await page.getByRole('button', { name: 'Search' }).click();
    await expectPage(page, {
      path: /\/school\?q=nr21\+1dx/,
      heading: `Find the school for ${trainee.name}’s placement`,
    });
    await page.getByLabel('Thornbury Church of England Primary School').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await fillDetailsAndAdd(page, trainee, `${trainee.path}/placements/new?q=nr21+1dx&urn=100002`);
    browser.expectNoConsoleErrors();
  });
});
