// The performance-profile sign-off journey in Chromium, with axe run on every page: the SCITT's user
// goes from home to the sign-off page, sees the trainees awarded last year with fewer than 2
// placements, shows them all, exports CSV and XLSX, makes a mistake in the declaration, fixes it and
// signs off; the year then shows as signed off. Without JavaScript, a support user then sees the
// SCITT signed off and sends the others a reminder (an error, a preview, a change, then send).
// Each run has a server of its own, since a year is signed off once.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { academicYearName, today } from '../../src/domain/dates.ts';
import { signOffYear } from '../../src/domain/placements/sign-off.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { download, expectPage, signIn, textOf } from './support/pages.ts';
import { BOM, Sheet } from './support/sheet.ts';

describe('performance profile sign-off in the browser', () => {
  const year = signOffYear(today());
  const yearName = academicYearName(year);
  const browser = useBrowser({ server: 'own' });

  /** As the SCITT: check, export and sign off. */
  async function signOffAsTheScitt(page: Page) {
    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.getByRole('link', { name: 'Performance profile sign-off' }).click();
    await expectPage(page, { path: '/sign-off', heading: 'Performance profile sign-off' });

    // 1. The awarded trainees missing placements, each with a link to their record.
    const main = await textOf(page.locator('main'));
    assert.match(main, new RegExp(`${yearName} academic year`));
    const missing = Number(/(\d+) trainees? awarded QTS or EYTS (?:has|have) fewer than 2 placements/.exec(main)?.[1]);
    assert.ok(missing > 0, 'the demo SCITT has awarded trainees with fewer than 2 placements');
    const fixLinks = page.getByRole('link', { name: /^Add placements for / });
    assert.equal(await fixLinks.count(), Math.min(missing, 25));
    assert.match((await fixLinks.first().getAttribute('href')) ?? '', /^\/trainees\/[0-9a-f-]{36}$/);
    assert.equal(
      await page.getByRole('link', { name: 'add placements in bulk' }).getAttribute('href'),
      '/bulk/placements',
    );

    const total = Number(/Show all (\d+) trainees with a course outcome/.exec(main)?.[1]);
    await page.getByRole('link', { name: /^Show all \d+ trainees with a course outcome$/ }).click();
    await expectPage(page, { path: '/sign-off?show=all', heading: 'Performance profile sign-off' });
    assert.match(await textOf(page.locator('main')), new RegExp(`Showing all ${total} trainees with a course outcome`));

    // 2. The export, as CSV and as an Excel workbook.
    const csv = await download(page, page.getByRole('link', { name: 'Download the trainee data as CSV' }));
    assert.equal(csv.fileName, `rollbook-demo-scitt-performance-profile-${year}-to-${year + 1}.csv`);
    assert.ok(csv.bytes.toString('utf8').startsWith(BOM));
    const exported = Sheet.read(csv);
    assert.equal(exported.rows.length, total, 'a row for each trainee with a course outcome');
    assert.ok(exported.headers.includes('Number of placements'));
    const xlsx = await download(
      page,
      page.getByRole('link', { name: 'Download the trainee data as an Excel workbook (XLSX)' }),
    );
    assert.equal(xlsx.fileName, `rollbook-demo-scitt-performance-profile-${year}-to-${year + 1}.xlsx`);
    assert.equal(xlsx.bytes.subarray(0, 2).toString(), 'PK');

    // 3. The declaration: a mistake first, then signed.
    await page.getByRole('button', { name: `Sign off the ${yearName} data` }).click();
    await expectPage(page, { path: '/sign-off/declaration', heading: 'Sign off your trainee data' });
    assert.equal(await page.getByLabel('Your full name').inputValue(), 'Priya Shah', 'the name is suggested');
    await page.getByLabel('Your full name').fill('');
    await page.getByRole('button', { name: 'Sign off', exact: true }).click();
    await expectPage(page, { path: '/sign-off/declaration', heading: 'Sign off your trainee data' });
    const summary = await textOf(page.locator('.govuk-error-summary'));
    assert.match(summary, /Confirm the data is accurate to the best of your knowledge/);
    assert.match(summary, /Enter your full name/);
    assert.match(summary, /Enter your job title or role/);
    assert.match(await page.title(), /^Error: /);
    await page.getByLabel('The data is accurate to the best of my knowledge').check();
    await page.getByLabel('Your full name').fill('Priya Shah');
    await page.getByLabel('Your job title or role').fill('SCITT director');
    await page.getByRole('button', { name: 'Sign off', exact: true }).click();
    await expectPage(page, { path: '/sign-off', heading: 'Performance profile sign-off' });
    assert.match(
      await textOf(page.locator('.govuk-notification-banner--success')),
      new RegExp(`You have signed off your trainee data for the ${yearName} academic year`),
    );
    const signed = await textOf(page.locator('main'));
    assert.match(signed, /Priya Shah \(SCITT director\) signed off the/);
    assert.match(signed, /It cannot be signed off again/);
    assert.equal(await page.getByRole('button', { name: `Sign off the ${yearName} data` }).count(), 0);
  }

  it('with JavaScript: the SCITT checks, exports and signs off', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const page = await browser.newPage({ javaScript: true, server: await browser.newServer() });
    await signOffAsTheScitt(page);
  });

  it('without JavaScript: the SCITT signs off, then support reminds the providers that have not', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    const server = await browser.newServer();
    await signOffAsTheScitt(await browser.newPage({ javaScript: false, server }));

    const page = await browser.newPage({ javaScript: false, server });
    await page.goto('/sign-in');
    await expectPage(page, { path: '/sign-in', heading: 'Sign in to Rollbook' });
    await signIn(page, 'support@example.com');
    await expectPage(page, { path: '/', heading: DEMO.support.name });
    await page.getByRole('navigation').getByRole('link', { name: 'Sign-off' }).click();
    await expectPage(page, { path: '/support/sign-offs', heading: 'Performance profile sign-off by provider' });
    const scittRow = await textOf(page.getByRole('row').filter({ hasText: DEMO.scitt.name }));
    assert.match(scittRow, /Signed off Priya Shah \(SCITT director\)/);
    assert.match(await textOf(page.getByRole('row').filter({ hasText: DEMO.university.name })), /Not signed off/);

    await page.getByRole('button', { name: 'Send reminders' }).click();
    await expectPage(page, { path: '/support/sign-offs/reminders', heading: 'Remind providers to sign off' });
    // No deadline yet: an error that says what to enter.
    await page.getByRole('button', { name: 'Preview the email' }).click();
    await expectPage(page, { path: '/support/sign-offs/reminders', heading: 'Remind providers to sign off' });
    assert.match(await textOf(page.locator('.govuk-error-summary')), /Enter the deadline for signing off/);
    await page.getByLabel('Day').fill('31');
    await page.getByLabel('Month').fill('1');
    await page.getByLabel('Year').fill(String(year + 2));
    await page.getByRole('button', { name: 'Preview the email' }).click();
    await expectPage(page, { path: '/support/sign-offs/reminders', heading: 'Check the reminder before sending it' });
    const preview = await textOf(page.locator('main'));
    assert.match(preview, /Dear (Tom|Morgan)/);
    assert.match(preview, new RegExp(`${DEMO.university.name} has not yet signed off`));
    assert.match(preview, new RegExp(`31 January ${year + 2}`));
    assert.doesNotMatch(preview, /\(\(/, 'every placeholder is filled in');

    // Change the subject, preview again, send.
    await page.getByRole('button', { name: 'Change the email' }).click();
    await expectPage(page, { path: '/support/sign-offs/reminders', heading: 'Remind providers to sign off' });
    await page.getByLabel('Subject').fill('Last call: sign off ((provider_name)) by ((deadline))');
    await page.getByRole('button', { name: 'Preview the email' }).click();
    await expectPage(page, { path: '/support/sign-offs/reminders', heading: 'Check the reminder before sending it' });
    assert.match(
      await textOf(page.locator('main')),
      new RegExp(`Last call: sign off ${DEMO.university.name} by 31 January ${year + 2}`),
    );
    await page.getByRole('button', { name: 'Send 2 emails' }).click();
    await expectPage(page, { path: '/support/sign-offs', heading: 'Performance profile sign-off by provider' });
    assert.match(
      await textOf(page.locator('.govuk-notification-banner--success')),
      /Reminder sent: 2 emails to users of 1 provider that has not signed off/,
    );

    await page.getByRole('navigation').getByRole('link', { name: 'Emails sent' }).click();
    await expectPage(page, { path: '/support/outbox', heading: 'Emails sent' });
    const outbox = await textOf(page.locator('main'));
    assert.match(outbox, new RegExp(`Last call: sign off ${DEMO.university.name} by 31 January ${year + 2}`));
    assert.match(outbox, /university@example\.com/);
    assert.doesNotMatch(outbox, /provider@example\.com/, 'the SCITT signed off: its user is not reminded');
  });
});
