// A provider adds a trainee through the task list, registers them and sees their TRN, changes their
// email address, defers and reinstates them, then withdraws them with a reason, in Chromium with and
// without JavaScript, axe run on every page.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';

const DRAFT = /^\/trainees\/drafts\/([0-9a-f-]{36})$/;
const TRAINEE = /^\/trainees\/([0-9a-f-]{36})$/;

function startYear() {
  const now = new Date();
  return now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
}

async function fillDate(page: Page, legend: string, day: string, month: string, year: string) {
  const group = page.getByRole('group', { name: legend });
  await group.getByLabel('Day').fill(day);
  await group.getByLabel('Month').fill(month);
  await group.getByLabel('Year').fill(year);
}

async function addAndRegister(page: Page, lastName: string) {
  await page.goto('/trainees');
  await signIn(page, 'provider@example.com');
  await expectPage(page, { path: '/trainees', heading: 'Trainees' });
  await page.getByRole('link', { name: 'Add a trainee' }).click();
  await expectPage(page, { path: '/trainees/new', heading: 'Add a trainee' });
  await page.getByRole('button', { name: 'Start adding a trainee' }).click();
  await expectPage(page, { path: DRAFT, heading: 'Add a trainee' });

  await page.getByRole('link', { name: 'Personal details' }).click();
  await expectPage(page, { path: /\/personal$/, heading: 'Personal details' });
  await page.getByLabel('First names').fill('Katherine');
  await page.getByLabel('Last name', { exact: true }).fill(lastName);
  await fillDate(page, 'Date of birth', '26', '8', '1998');
  await page.getByLabel('Female').check();
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expectPage(page, { path: DRAFT, heading: 'Add a trainee' });

  await page.getByRole('link', { name: 'Contact details' }).click();
  await page.getByLabel('Email address').fill(`${lastName.toLowerCase()}@example.com`);
  await page.getByRole('button', { name: 'Save and continue' }).click();

  await page.getByRole('link', { name: 'Course details' }).click();
  await expectPage(page, { path: /\/course$/, heading: 'Course details' });
  await page.getByLabel('Training route').selectOption('provider_led_postgrad');
  await page.getByLabel('First subject').selectOption('Mathematics');
  await page.getByLabel('Age range').selectOption('11 to 16');
  await page.getByLabel('Full time').check();
  const year = startYear();
  await fillDate(page, 'ITT start date', '1', '9', String(year));
  await fillDate(page, 'Expected end date', '15', '7', String(year + 1));
  await page.getByRole('button', { name: 'Save and continue' }).click();

  await page.getByRole('link', { name: 'Degree' }).click();
  await page.getByLabel('UK degree', { exact: true }).check();
  await page.getByLabel('Degree subject', { exact: true }).fill('Mathematics');
  await page.getByLabel('Grade', { exact: true }).selectOption('first');
  await page.getByLabel('Graduation year').fill('2019');
  await page.getByLabel('Awarding institution (UK degrees)').fill('University of Hull');
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await expectPage(page, { path: DRAFT, heading: 'Add a trainee' });

  await page.getByRole('button', { name: 'Check your answers' }).click();
  await expectPage(page, { path: /\/check$/, heading: 'Check your answers before registering the trainee' });
  await page.getByRole('button', { name: 'Register trainee' }).click();
  await expectPage(page, { path: TRAINEE, heading: `Katherine ${lastName}` });
  assert.match(
    await textOf(page.locator('.govuk-notification-banner')),
    new RegExp(`Katherine ${lastName} has been registered`),
  );
  // The TRN request is a background job: the page shows the TRN once the teaching record answers.
  for (let attempt = 0; attempt < 30; attempt++) {
    if (/TRN received/.test(await textOf(page.locator('main')))) break;
    await page.waitForTimeout(1000);
    await page.reload();
  }
  assert.match(await textOf(page.locator('main')), /TRN received/);
  assert.match(await textOf(page.locator('main')), /TRN\s*9\d{6}/);
}

/** The date of a change of state: today, or the ITT start date if that is later (it is not, after 1 September). */
function stateDate() {
  const today = new Date().toISOString().slice(0, 10);
  const september = `${startYear()}-09-01`;
  return { date: today < september ? september : today, today };
}

async function changeEmail(page: Page, lastName: string) {
  const traineePath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: 'Change email address' }).click();
  await expectPage(page, { path: `${traineePath}/change/contact`, heading: 'Contact details' });
  const email = `${lastName.toLowerCase()}@school.example`;
  await page.getByLabel('Email address').fill(email);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expectPage(page, { path: traineePath, heading: `Katherine ${lastName}` });
  assert.match(
    await textOf(page.locator('.govuk-notification-banner')),
    new RegExp(`Katherine ${lastName}’s contact details have been changed`),
  );
  assert.ok((await textOf(page.locator('main'))).includes(`Email address ${email} Change email address`));
}

/** Defers the trainee, then reinstates them, each through its form and its check-and-confirm page. */
async function deferAndReinstate(page: Page, lastName: string) {
  const traineePath = new URL(page.url()).pathname;
  const { date, today } = stateDate();
  const [y, m, d] = date.split('-');
  const steps = [
    { link: 'Defer trainee', verb: 'defer', legend: 'Date of deferral', done: 'has been deferred', state: 'Deferred' },
    {
      link: 'Reinstate trainee',
      verb: 'reinstate',
      legend: 'Date the trainee returned to training',
      done: 'has been reinstated',
      state: 'TRN received',
    },
  ];
  for (const step of steps) {
    await page.getByRole('link', { name: step.link }).click();
    const title = `${step.verb.replace(/^./, (c) => c.toUpperCase())} Katherine ${lastName}`;
    await expectPage(page, { path: `${traineePath}/${step.verb}`, heading: title });
    await fillDate(page, step.legend, String(Number(d)), String(Number(m)), y);
    await page.getByRole('button', { name: 'Continue' }).click();
    if (date > today) return; // Not started yet: nothing to defer.
    await expectPage(page, {
      path: `${traineePath}/${step.verb}`,
      heading: `Check and confirm: ${step.verb} Katherine ${lastName}`,
    });
    await page.getByRole('button', { name: step.link }).click();
    await expectPage(page, { path: traineePath, heading: `Katherine ${lastName}` });
    assert.match(await textOf(page.locator('.govuk-notification-banner')), new RegExp(step.done));
    assert.ok((await textOf(page.locator('main'))).includes(`Status ${step.state}`), `the status is ${step.state}`);
  }
}

async function withdraw(page: Page, lastName: string) {
  const traineePath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: 'Withdraw trainee' }).click();
  await expectPage(page, { path: `${traineePath}/withdraw`, heading: `Withdraw Katherine ${lastName}` });
  const { date, today } = stateDate();
  const [y, m, d] = date.split('-');
  await fillDate(page, 'Date of withdrawal', String(Number(d)), String(Number(m)), y);
  await page.getByLabel('Health reasons').check();
  await page.getByRole('button', { name: 'Continue' }).click();
  if (date > today) return; // Not started yet: nothing to withdraw from.
  await expectPage(page, {
    path: `${traineePath}/withdraw`,
    heading: `Check and confirm: withdraw Katherine ${lastName}`,
  });
  await page.getByRole('button', { name: 'Withdraw trainee' }).click();
  await expectPage(page, { path: traineePath, heading: `Katherine ${lastName}` });
  assert.match(await textOf(page.locator('.govuk-notification-banner')), /has been withdrawn/);
}

describe('adding a trainee in the browser', () => {
  const browser = useBrowser();

  it('with JavaScript', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const page = await browser.newPage({ javaScript: true });
    await addAndRegister(page, 'Johnson');
    await changeEmail(page, 'Johnson');
    await deferAndReinstate(page, 'Johnson');
    await withdraw(page, 'Johnson');
    browser.expectNoConsoleErrors();
  });

  it('without JavaScript', { timeout: JOURNEY_TIMEOUT_MS }, async () => {
    const page = await browser.newPage({ javaScript: false });
    await addAndRegister(page, 'Vaughan');
    await changeEmail(page, 'Vaughan');
    await deferAndReinstate(page, 'Vaughan');
    await withdraw(page, 'Vaughan');
  });
});
