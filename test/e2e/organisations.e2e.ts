// Journeys through signing in, choosing and changing organisation, "Your organisation", support's
// organisation search and audit log, signing out, and resetting a forgotten password: in Chromium,
// with axe run on every page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_PASSWORD } from '../../src/demo/index.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';

const SCREENSHOT = '/tmp/rollbook-e2e-home.png';

async function signOut(page: Page) {
  await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
  await expectPage(page, { path: '/signed-out', heading: 'You have signed out' });
}

describe('organisations in the browser', () => {
  const browser = useBrowser();

  it('signs in a user of two providers, who chooses one, changes to the other and signs out', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: true });

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

  it('needs no JavaScript: sign in, home, your organisation, sign out', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const page = await browser.newPage({ javaScript: false });

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

  it('lets a support user find an organisation and read its audit log', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const page = await browser.newPage({ javaScript: true });

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

  it('resets a forgotten password from the sign-in page, with and without JavaScript; an admin resends an invitation', {
    timeout: JOURNEY_TIMEOUT_MS * 2,
  }, async () => {
    // The reset emails are read where support reads them: the outbox.
    const support = await browser.newPage({ javaScript: true });
    await support.goto('/sign-in');
    await signIn(support, 'support@example.com');
    await expectPage(support, { path: '/', heading: DEMO.support.name });

    const people = [
      { email: 'university@example.com', organisation: DEMO.university.name, javaScript: true },
      { email: 'ab@example.com', organisation: DEMO.appropriateBody.name, javaScript: false },
    ];
    for (const { email, organisation, javaScript } of people) {
      const newPassword = `a new passphrase for ${email}`;
      const page = await browser.newPage({ javaScript });
      await page.goto('/sign-in');
      await expectPage(page, { path: '/sign-in', heading: 'Sign in to Rollbook' });
      await page.getByRole('link', { name: 'Forgotten your password?' }).click();
      await expectPage(page, { path: '/forgotten-password', heading: 'Reset your password' });

      await page.getByRole('button', { name: 'Send reset link' }).click();
      await expectPage(page, { path: '/forgotten-password', heading: 'Reset your password' });
      assert.match(await textOf(page.locator('.govuk-error-summary')), /Enter your email address/);

      await page.getByLabel('Email address').fill(email);
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await expectPage(page, { path: '/forgotten-password', heading: 'Check your email' });
      assert.match(
        await textOf(page.getByRole('main')),
        new RegExp(`If ${email.replaceAll('.', '\\.')} is the email address`),
      );

      await support.goto('/support/outbox');
      await expectPage(support, { path: '/support/outbox', heading: 'Emails sent' });
      const message = support
        .locator('.govuk-summary-card')
        .filter({ hasText: 'Reset your Rollbook password' })
        .filter({ hasText: email })
        .first();
      // The HTML, where a <br> ends the link (the text runs it into the next paragraph).
      const link = /\/reset-password\/[\w-]+/.exec(await message.innerHTML())?.[0];
      assert.ok(link, `an email with a reset link for ${email}`);

      await page.goto(link);
      await expectPage(page, { path: link, heading: 'Reset your password' });
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('Confirm new password', { exact: true }).fill(`${newPassword} but different`);
      await page.getByRole('button', { name: 'Reset password and sign in' }).click();
      await expectPage(page, { path: link, heading: 'Reset your password' });
      assert.match(await textOf(page.locator('.govuk-error-summary')), /The passwords do not match/);
      await page.getByLabel('New password', { exact: true }).fill(newPassword);
      await page.getByLabel('Confirm new password', { exact: true }).fill(newPassword);
      await page.getByRole('button', { name: 'Reset password and sign in' }).click();
      await expectPage(page, { path: '/', heading: organisation });
      assert.match(
        await textOf(page.locator('.govuk-notification-banner--success')),
        /Your password has been reset and you are signed in/,
      );
      await signOut(page);

      // The link was for once; the old password no longer works, the new one does.
      await page.goto(link);
      await expectPage(page, { path: link, heading: 'This link has expired or has already been used' });
      await page.goto('/sign-in');
      await page.getByLabel('Email address').fill(email);
      await page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectPage(page, { path: '/sign-in', heading: 'Sign in to Rollbook' });
      await page.getByLabel('Password', { exact: true }).fill(newPassword);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectPage(page, { path: '/', heading: organisation });
      if (javaScript) continue;

      // An admin resends the invitation of someone who has not set a password.
      await page.getByRole('navigation').getByRole('link', { name: 'Your organisation' }).click();
      await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
      await page.getByRole('button', { name: 'Add a user' }).click();
      await expectPage(page, { path: '/organisation/users/new', heading: /Add a user/ });
      await page.getByLabel('Email address').fill('kit.newcomer@example.com');
      await page.getByLabel('First name').fill('Kit');
      await page.getByLabel('Last name').fill('Newcomer');
      await page.getByRole('button', { name: 'Add user' }).click();
      await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
      const row = page.getByRole('row').filter({ hasText: 'Kit Newcomer' });
      assert.match(await textOf(row), /Invited: has not set a password yet/);
      await row.getByRole('button', { name: 'Resend invitation to Kit Newcomer' }).click();
      await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
      assert.match(
        await textOf(page.locator('.govuk-notification-banner--success')),
        /A new invitation has been sent to kit\.newcomer@example\.com/,
      );
    }

    await support.goto('/help');
    await expectPage(support, { path: '/help', heading: 'Get help with Rollbook' });
  });
});
