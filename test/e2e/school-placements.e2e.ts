// A school offers a placement and assigns it to a provider, in Chromium with axe run on every page:
// refused placements before it has a placement contact → adds the contact, and is back on
// Placements → adds a placement (a primary school: asked the year group only) → finds the demo SCITT
// and assigns it; then the SCITT sees it under "Placements offered by schools", with the school's
// placement contact first, and puts a trainee on it: the trainee's placement shows the contact.
// Once with JavaScript, once without, each on a server of its own (the first journey leaves the
// school with a contact).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { academicYearName } from '../../src/domain/dates.ts';
import { offeredAcademicYears } from '../../src/domain/placements/offered-placements.ts';
import { useBrowser } from './support/browser.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';

const TEST_TIMEOUT_MS = 180_000;
const PLACEMENT = /^\/school\/placements\/([0-9a-f-]{36})$/;
const CONTACT_EMAIL = 'placements@demo-primary.example';

describe('a school offering placements in the browser', () => {
  const browser = useBrowser({ server: 'own' });

  async function signOut(page: Page) {
    await page.getByRole('navigation').getByRole('button', { name: 'Sign out' }).click();
    await expectPage(page, { path: '/signed-out', heading: 'You have signed out' });
  }

  for (const javaScript of [true, false]) {
    it(`${javaScript ? 'with' : 'without'} JavaScript: adds a contact, offers a placement, assigns the SCITT, who sees it`, {
      timeout: TEST_TIMEOUT_MS,
    }, async () => {
      const server = await browser.newServer();
      try {
        const page = await browser.newPage({ javaScript, server });
        const next = academicYearName(offeredAcademicYears()[1]);

        // The school has no placement contact yet: placements are refused, with the reason.
        await page.goto('/');
        await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
        await signIn(page, 'school@example.com');
        await expectPage(page, { path: '/', heading: DEMO.school.name });
        await page.getByRole('navigation').getByRole('link', { name: 'Placements' }).click();
        await expectPage(page, { path: '/school/placements', heading: 'Placements' });
        assert.match(
          await textOf(page.locator('.govuk-inset-text')),
          /Before you can add placements, add a placement contact/,
        );
        assert.equal(await page.getByRole('button', { name: 'Add placement' }).count(), 0);

        await page.goto('/school/placements/new');
        await expectPage(page, { path: '/school/placements/new', heading: 'Add a placement contact first' });
        await page.getByRole('link', { name: 'Add placement contact' }).click();
        await expectPage(page, {
          path: '/organisation/placement-contact?from=placements',
          heading: 'Add placement contact',
        });

        // The email address is required; names are optional.
        await page.getByLabel('First name (optional)').fill('Siân');
        await page.getByRole('button', { name: 'Add placement contact' }).click();
        await expectPage(page, { path: '/organisation/placement-contact', heading: 'Add placement contact' });
        assert.match(
          await textOf(page.locator('.govuk-error-summary')),
          /Enter the email address providers should use to contact your school/,
        );
        await page.getByLabel('Last name (optional)').fill('Evans');
        await page.getByLabel('Email address').fill('  Placements@Demo-Primary.example ');
        await page.getByRole('button', { name: 'Add placement contact' }).click();
        // Added from Placements: back on Placements.
        await expectPage(page, { path: '/school/placements', heading: 'Placements' });
        assert.match(await textOf(page.locator('.govuk-notification-banner--success')), /Placement contact added/);
        await page.getByRole('navigation').getByRole('link', { name: 'Your organisation' }).click();
        await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
        const contactList = page.locator('.govuk-summary-list').first();
        assert.match(await textOf(contactList), new RegExp(`Siân.*Evans.*${CONTACT_EMAIL.replace(/\./g, '\\.')}`));
        assert.equal(await page.getByRole('link', { name: /remove/i }).count(), 0, 'nothing removes the contact');

        // Now a placement can be offered.
        await page.getByRole('navigation').getByRole('link', { name: 'Placements' }).click();
        await expectPage(page, { path: '/school/placements', heading: 'Placements' });
        await page.getByRole('button', { name: 'Add placement' }).click();
        await expectPage(page, { path: '/school/placements/new', heading: 'Add placement' });
        await page.getByRole('button', { name: 'Add placement' }).click();
        await expectPage(page, { path: '/school/placements/new', heading: 'Add placement' });
        // A primary school is asked the year group, and nothing about a subject.
        assert.match(
          await textOf(page.locator('.govuk-error-summary')),
          /Select the year group the trainee would teach/,
        );
        assert.equal(await page.getByLabel('Subject').count(), 0);
        await page.getByLabel('Year 3').check();
        assert.equal(await page.getByLabel(next).isChecked(), true, 'the next academic year is chosen already');
        await page.getByLabel('Autumn term').check();
        await page.getByLabel('Spring term').check();
        await page.getByRole('button', { name: 'Add placement' }).click();
        await expectPage(page, { path: PLACEMENT, heading: /^Primary \(Year 3\)/ });
        assert.match(await textOf(page.locator('.govuk-notification-banner--success')), /Placement added/);
        assert.match(await textOf(page.locator('.govuk-summary-list').first()), /Autumn term, Spring term/);

        // Assign the demo SCITT, found by searching.
        await page.getByRole('button', { name: 'Assign a provider' }).click();
        await expectPage(page, { path: /\/provider$/, heading: 'Assign a provider' });
        await page.getByRole('button', { name: 'Search' }).click();
        await expectPage(page, { path: /\/provider\?q=$/, heading: 'Assign a provider' });
        assert.match(await textOf(page.locator('.govuk-error-summary')), /Enter a provider’s name, UKPRN or postcode/);
        await page.getByLabel('Find the provider').fill('scitt');
        await page.getByRole('button', { name: 'Search' }).click();
        await expectPage(page, { path: /\/provider\?q=scitt$/, heading: 'Assign a provider' });
        await page.getByLabel(DEMO.scitt.name).check();
        await page.getByRole('button', { name: 'Assign provider' }).click();
        await expectPage(page, { path: PLACEMENT, heading: /^Primary \(Year 3\)/ });
        assert.match(
          await textOf(page.locator('.govuk-notification-banner--success')),
          new RegExp(`Provider assigned: ${DEMO.scitt.name}`),
        );
        await page.getByRole('navigation').getByRole('link', { name: 'Placements' }).click();
        await expectPage(page, { path: '/school/placements', heading: 'Placements' });
        assert.match(
          await textOf(page.getByRole('table')),
          new RegExp(`Primary \\(Year 3\\).*${DEMO.scitt.name}.*Assigned`),
        );
        await signOut(page);

        // The SCITT sees it, with the school's placement contact first.
        await page.goto('/sign-in');
        await signIn(page, 'provider@example.com');
        await expectPage(page, { path: '/', heading: DEMO.scitt.name });
        await page.getByRole('navigation').getByRole('link', { name: 'Placements offered by schools' }).click();
        await expectPage(page, { path: '/placements', heading: 'Placements offered by schools' });
        assert.match(await textOf(page.getByRole('table')), new RegExp(`Primary \\(Year 3\\).*${DEMO.school.name}`));
        await page.getByRole('link', { name: 'Primary (Year 3)' }).click();
        await expectPage(page, { path: /^\/placements\/[0-9a-f-]{36}$/, heading: /^Primary \(Year 3\)/ });
        const sections = await page.getByRole('heading', { level: 2 }).allTextContents();
        assert.deepEqual(
          sections
            .map((s) => s.trim())
            .filter((s) => ['Placement contact', 'Dates', 'School and placement'].includes(s)),
          ['Placement contact', 'Dates', 'School and placement'],
        );
        assert.match(
          await textOf(page.locator('.govuk-summary-list').first()),
          new RegExp(`Siân.*Evans.*${CONTACT_EMAIL}`),
        );

        // The SCITT puts one of its trainees who still need placements on it.
        await page.getByRole('button', { name: 'Put a trainee on this placement' }).click();
        await expectPage(page, {
          path: /^\/placements\/[0-9a-f-]{36}\/trainee$/,
          heading: 'Choose a trainee for this placement',
        });
        const trainee = page.locator('.govuk-radios__item').first();
        const traineeName = await textOf(trainee.locator('label'));
        await trainee.locator('input').check();
        await page.getByRole('button', { name: 'Put the trainee on this placement' }).click();
        await expectPage(page, { path: /^\/trainees\/[0-9a-f-]{36}$/, heading: traineeName });
        assert.match(
          await textOf(page.locator('.govuk-notification-banner--success')),
          new RegExp(`A placement at ${DEMO.school.name} has been added`),
        );
        const card = page.locator('.govuk-summary-card', { hasText: DEMO.school.name }).last();
        assert.match(await textOf(card), new RegExp(`Placement contact Siân Evans ?${CONTACT_EMAIL}`));
        await signOut(page);
      } finally {
        await server.stop();
      }
    });
  }
});
