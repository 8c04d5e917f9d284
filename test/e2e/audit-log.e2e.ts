// The audit log in Chromium, with axe run on every page. The SCITT's admin adds a placement, opens
// the audit log from "Your organisation", reads the change as a sentence, follows the trainee's
// link, filters by who and by a date (a wrong date is an error on the form), and the Back link of the
// trainee's page. Without JavaScript, support reads every organisation's log and one organisation's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { useBrowser } from './support/browser.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';

const TEST_TIMEOUT_MS = 150_000;
const LOG = '/organisation/audit-log';

describe('the audit log in the browser', () => {
  const browser = useBrowser();

  const newest = (page: Page) => textOf(page.locator('.rollbook-audit-log__entry').first());

  it('an admin reads their organisation’s changes as sentences, follows a record and filters', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: true });
    await page.goto('/sign-in');
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });

    // A change to record: a placement for the first trainee who still needs one.
    await page.goto('/trainees?placements=fewer-than-2');
    await expectPage(page, { path: '/trainees?placements=fewer-than-2', heading: 'Trainees' });
    const first = page.getByRole('table').getByRole('link').first();
    const [lastName, firstNames] = (await textOf(first)).split(', ');
    const name = `${firstNames} ${lastName}`;
    await first.click();
    await expectPage(page, { path: /^\/trainees\/[0-9a-f-]{36}\?back=placements%3Dfewer-than-2$/, heading: name });
    const traineePath = new URL(page.url()).pathname;
    await page.getByRole('link', { name: 'Add a placement' }).click();
    await expectPage(page, {
      path: `${traineePath}/placements/new/school`,
      heading: `Find the school for ${name}’s placement`,
    });
    await page.goto(`${traineePath}/placements/new?urn=100002`);
    await expectPage(page, {
      path: `${traineePath}/placements/new?urn=100002`,
      heading: `Add a placement for ${name}`,
    });
    await page.getByRole('button', { name: 'Add placement' }).click();
    await expectPage(page, { path: traineePath, heading: name });

    // Your organisation → Audit log: the change, as a sentence, newest first.
    await page.getByRole('navigation').getByRole('link', { name: 'Your organisation' }).click();
    await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
    await page.getByRole('link', { name: 'See the audit log' }).click();
    await expectPage(page, { path: LOG, heading: 'Audit log' });
    assert.match(
      await newest(page),
      new RegExp(
        `^\\d{1,2} \\w+ \\d{4}, \\d{1,2}:\\d{2}(am|pm) Priya Shah added a placement at Thornbury Church of England Primary School \\(URN 100002\\) for ${name}$`,
      ),
    );

    // The trainee's name opens their record; its link back to the log shows only their changes.
    await page.locator('.rollbook-audit-log__entry').first().getByRole('link', { name }).click();
    await expectPage(page, { path: traineePath, heading: name });
    await page.getByRole('link', { name: `See every change to ${name}’s record` }).click();
    await expectPage(page, { path: /^\/organisation\/audit-log\?record=trainee:/, heading: 'Audit log' });
    assert.match(await textOf(page.locator('.rollbook-filter')), new RegExp(`Only changes to ${name}`));
    assert.equal(await page.locator('.rollbook-audit-log__entry').count(), 1);

    // Filter by who: Rollbook's own changes (the demo data) only.
    await page.goto(LOG);
    await page.getByLabel('Who').selectOption({ label: 'Rollbook (automatic changes)' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectPage(page, { path: /^\/organisation\/audit-log\?who=rollbook/, heading: 'Audit log' });
    assert.match(await newest(page), /Rollbook \(demo data\)/);

    // A date that does not exist is an error on the form, linked to its field.
    await page.getByRole('group', { name: 'From' }).getByLabel('Day').fill('31');
    await page.getByRole('group', { name: 'From' }).getByLabel('Month').fill('2');
    await page.getByRole('group', { name: 'From' }).getByLabel('Year').fill('2026');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectPage(page, { path: /^\/organisation\/audit-log\?/, heading: 'Audit log' });
    assert.match(await textOf(page.locator('.govuk-error-summary')), /The ‘from’ date must be a real date/);
  });

  it('without JavaScript, support reads every organisation’s log and one organisation’s', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: false });
    await page.goto('/sign-in');
    await signIn(page, 'support@example.com');
    await expectPage(page, { path: '/', heading: DEMO.support.name });
    await page.getByRole('navigation').getByRole('link', { name: 'Audit log' }).click();
    await expectPage(page, { path: '/support/audit-log', heading: 'Audit log' });
    assert.match(await newest(page), /Priya Shah added a placement at Thornbury Church of England Primary School/);
    assert.match(await newest(page), new RegExp(DEMO.scitt.name));
    await page.locator('.rollbook-audit-log__entry').first().getByRole('link', { name: DEMO.scitt.name }).click();
    await expectPage(page, {
      path: /^\/support\/organisations\/[0-9a-f-]{36}\/events$/,
      heading: `Audit log for ${DEMO.scitt.name}`,
    });
    await page.getByLabel('What').selectOption({ label: 'User added' });
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectPage(page, { path: /\/events\?.*what=user-added/, heading: `Audit log for ${DEMO.scitt.name}` });
    const entries = await page.locator('.rollbook-audit-log__entry').allTextContents();
    assert.ok(entries.length > 0);
    assert.ok(
      entries.every((entry) =>
        /added .+ to Rollbook Demo SCITT as (an admin|a member)/.test(entry.replace(/\s+/g, ' ')),
      ),
    );
  });
});
