// Induction in the browser, with and without JavaScript, axe run on every page: a school registers
// an ECT with the demo appropriate body, which claims them from its task list; the body finds and
// claims an ECT another body released (a start on the release day refused) and records a fail
// with written confirmation; support corrects a period and adds one (each with a reason); the body
// claims 40 prefilled ECTs in bulk (two rows fixed from the error report) and records passes and
// releases in bulk.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO, DEMO_INDUCTION, demoInductionTeacher } from '../../src/demo/index.ts';
import { today } from '../../src/domain/dates.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { chooseFile, expectPage, signIn, textOf } from './support/pages.ts';
import { UploadPages } from './support/upload.ts';

const UPLOAD_PAGE = /^\/uploads\/[0-9a-f-]{36}$/;
const [YEAR, MONTH, DAY] = today().split('-');
const dateParts = (iso: string) => {
  const [year, month, day] = iso.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
};
const dmy = (iso: string) => iso.split('-').reverse().join('/');
/** The academic year's first day on or before today (1 September), as the demo data counts. */
const academicYearStart = () => `${Number(MONTH) >= 9 ? YEAR : Number(YEAR) - 1}-09-01`;

async function fillDate(page: Page, group: string, iso: string) {
  const { day, month, year } = dateParts(iso);
  const fieldset = page.getByRole('group', { name: group });
  await fieldset.getByLabel('Day').fill(day);
  await fieldset.getByLabel('Month').fill(month);
  await fieldset.getByLabel('Year').fill(year);
}

async function signInAt(page: Page, path: string, email: string, heading: string) {
  await page.goto(path);
  await expectPage(page, { path: `/sign-in?returnTo=${encodeURIComponent(path)}`, heading: 'Sign in to Rollbook' });
  await signIn(page, email);
  await expectPage(page, { path, heading });
}

/** Uploads a file on a kind's start page and waits for its check (these kinds check in the background). */
async function uploadAndWait(
  upload: UploadPages,
  file: { name: string; mimeType: string; buffer: Buffer },
  label = 'Upload a file',
) {
  await chooseFile(upload.page, label, file);
  await upload.page.getByRole('button', { name: 'Upload and check the file' }).click();
  // The progress page refreshes itself (no JavaScript needed) until the check is done.
  await upload.page.getByRole('heading', { level: 1, name: 'Your file has been checked' }).waitFor({ timeout: 60_000 });
  await expectPage(upload.page, { path: UPLOAD_PAGE, heading: 'Your file has been checked' });
}

const CLAIMS = {
  start: '/bulk/induction-claims',
  title: 'Claim early-career teachers in bulk',
  reviewHeading: 'Check the ECTs you’ll claim',
  counts: {
    change: (n: number) => `${n} ${n === 1 ? 'ECT' : 'ECTs'} will be claimed`,
    skip: (n: number) => `${n} ${n === 1 ? 'row has' : 'rows have'} nothing to claim`,
    error: (n: number) => `${n} ${n === 1 ? 'row' : 'rows'} cannot be claimed because of errors`,
  },
};
const OUTCOMES = {
  start: '/bulk/induction-outcomes',
  title: 'Record induction outcomes in bulk',
  reviewHeading: 'Check the outcomes you’ll record',
};

describe('induction in the browser', () => {
  const browser = useBrowser();

  for (const javaScript of [true, false]) {
    const how = javaScript ? 'with JavaScript' : 'without JavaScript';

    it(`a school registers an ECT with the demo body, which claims them from its tasks (${how})`, {
      timeout: JOURNEY_TIMEOUT_MS,
    }, async () => {
      const ect = demoInductionTeacher(javaScript ? 48 : 49);
      const name = `${ect.firstName} ${ect.lastName}`;
      const school = await browser.newPage({ javaScript });
      await signInAt(school, '/school/ects', 'school@example.com', 'Early-career teachers');
      await school.getByRole('button', { name: 'Register an ECT' }).click();
      await expectPage(school, { path: '/school/ects/register', heading: 'Register an early-career teacher' });
      await school.getByLabel('Teacher reference number (TRN)').fill(ect.trn);
      await fillDate(school, 'Date of birth', ect.dateOfBirth);
      await fillDate(school, 'When does or did their induction start at your school?', today());
      await school.getByLabel('School-led').check();
      await school.getByLabel('Appropriate body').selectOption({ label: DEMO.appropriateBody.name });
      await school.getByRole('button', { name: 'Register ECT' }).click();
      await expectPage(school, { path: '/school/ects', heading: 'Early-career teachers' });
      assert.match(await textOf(school.locator('.govuk-notification-banner')), new RegExp(`${name} registered`));
      const row = school.getByRole('row').filter({ hasText: ect.trn });
      assert.match(await textOf(row), /Registered: waiting for the appropriate body/);

      const body = await browser.newPage({ javaScript });
      await signInAt(body, '/induction/tasks', 'ab@example.com', 'Tasks from schools');
      await body.getByRole('button', { name: `Check ${name}` }).click();
      await expectPage(body, { path: '/induction/find', heading: `Check details for ${name}` });
      await body.getByRole('button', { name: 'Claim induction' }).click();
      await expectPage(body, { path: '/induction/claim', heading: `Tell us about ${name}’s induction` });
      const start = body.getByRole('group', { name: `When did ${name} start their induction with you?` });
      assert.equal(await start.getByLabel('Year').inputValue(), YEAR, 'the school’s start date');
      assert.equal(await body.getByLabel('School-led').isChecked(), true, 'the school’s programme');
      await body.getByRole('button', { name: 'Claim induction' }).click();
      await expectPage(body, {
        path: /^\/induction\/teachers\/[0-9a-f-]{36}\/claimed$/,
        heading: `You’ve claimed ${name}’s induction`,
      });

      await school.reload();
      await expectPage(school, { path: '/school/ects', heading: 'Early-career teachers' });
      assert.match(await textOf(row), new RegExp(`Claimed by ${DEMO.appropriateBody.name}`));
      browser.expectNoConsoleErrors();
    });

    it(`a second body finds and claims an ECT another body released, then records a fail with written confirmation (${how})`, {
      timeout: JOURNEY_TIMEOUT_MS,
    }, async () => {
      // Indexes 75 and 83 were released by Northshire Teaching School Hub last December.
      const ect = demoInductionTeacher(javaScript ? 75 : 83);
      const name = `${ect.firstName} ${ect.lastName}`;
      const body = await browser.newPage({ javaScript });
      await signInAt(body, '/induction/find', 'ab@example.com', 'Find an early-career teacher');
      await body.getByLabel('Teacher reference number (TRN)').fill(ect.trn);
      await fillDate(body, 'Date of birth', '1980-01-01');
      await body.getByRole('button', { name: 'Continue' }).click();
      await expectPage(body, { path: '/induction/find', heading: 'Find an early-career teacher' });
      assert.match(
        await textOf(body.locator('.govuk-error-summary')),
        /No teacher with this TRN and date of birth was found/,
      );
      await fillDate(body, 'Date of birth', ect.dateOfBirth);
      await body.getByRole('button', { name: 'Continue' }).click();
      await expectPage(body, { path: '/induction/find', heading: `Check details for ${name}` });
      assert.match(await textOf(body.locator('main')), new RegExp(`${DEMO_INDUCTION.otherBody}.*Released`));
      await body.getByRole('button', { name: 'Claim induction' }).click();
      await expectPage(body, { path: '/induction/claim', heading: `Tell us about ${name}’s induction` });
      // The other body released them on 19 December last year: a start that day is refused.
      const released = `${Number(academicYearStart().slice(0, 4)) - 1}-12-19`;
      await fillDate(body, `When did ${name} start their induction with you?`, released);
      await body.getByLabel('Provider-led').check();
      await body.getByRole('button', { name: 'Claim induction' }).click();
      await expectPage(body, { path: '/induction/claim/confirm', heading: `Tell us about ${name}’s induction` });
      assert.match(
        await textOf(body.locator('.govuk-error-summary')),
        /Enter an induction start date after their last induction period finished \(19 December \d{4}\)/,
      );
      await fillDate(body, `When did ${name} start their induction with you?`, today());
      await body.getByRole('button', { name: 'Claim induction' }).click();
      await expectPage(body, { path: /\/claimed$/, heading: `You’ve claimed ${name}’s induction` });
      await body.getByRole('link', { name: `Go to ${name}’s page` }).click();
      await expectPage(body, { path: /^\/induction\/teachers\/[0-9a-f-]{36}$/, heading: name });

      await body.getByRole('link', { name: 'Record a fail' }).click();
      await expectPage(body, { path: /\/fail$/, heading: `Record a failing outcome for ${name}` });
      await fillDate(body, `When did their induction end with ${DEMO.appropriateBody.name}?`, today());
      await body.getByLabel('How many terms of induction did they spend with you?').fill('0.5');
      await body.getByRole('button', { name: `Record failing outcome for ${name}` }).click();
      await expectPage(body, { path: /\/fail$/, heading: `Record a failing outcome for ${name}` });
      assert.match(await textOf(body.locator('.govuk-error-summary')), /has been sent written confirmation/);
      await body.getByLabel(/has been sent written confirmation of their induction outcome/).check();
      await fillDate(body, 'When did you send it?', today());
      await body.getByRole('button', { name: `Record failing outcome for ${name}` }).click();
      await expectPage(body, { path: /\/failed$/, heading: `You’ve recorded a failing outcome for ${name}` });
      browser.expectNoConsoleErrors();
    });

    it(`support corrects a period and adds one, each with a reason (${how})`, {
      timeout: JOURNEY_TIMEOUT_MS,
    }, async () => {
      // Current ECTs of the demo body since last September, with QTS on 20 July before it.
      const ect = demoInductionTeacher(javaScript ? 61 : 62);
      const name = `${ect.firstName} ${ect.lastName}`;
      const lastYear = Number(academicYearStart().slice(0, 4)) - 1;
      const page = await browser.newPage({ javaScript });
      await signInAt(page, '/support/teachers', 'support@example.com', 'Find a teacher’s induction');
      await page.getByLabel('Teacher reference number (TRN)').fill(ect.trn);
      await page.getByRole('button', { name: 'Find' }).click();
      await expectPage(page, { path: /^\/support\/teachers\/[0-9a-f-]{36}$/, heading: name });
      const teacherPath = new URL(page.url()).pathname;

      await page.getByRole('link', { name: /^Correct this period/ }).click();
      await expectPage(page, { path: /\/periods\/[0-9a-f-]{36}\/edit$/, heading: 'Correct an induction period' });
      // Both teachers follow a provider-led programme; the school says school-led.
      await page.getByLabel('School-led').check();
      await page.getByRole('button', { name: 'Save correction' }).click();
      await expectPage(page, { path: /\/edit$/, heading: 'Correct an induction period' });
      assert.match(await textOf(page.locator('.govuk-error-summary')), /Enter the reason for this correction/);
      assert.equal(await page.getByLabel('School-led').isChecked(), true, 'the choice is kept');
      await page.getByLabel('Reason for this correction').fill('Ticket 501: the school chose school-led');
      await page.getByRole('button', { name: 'Save correction' }).click();
      await expectPage(page, { path: /\/corrected$/, heading: 'Induction period corrected' });
      assert.match(await textOf(page.locator('main')), /school-led/);
      await page.getByRole('link', { name: `Back to ${name}’s induction` }).click();
      await expectPage(page, { path: teacherPath, heading: name });

      await page.getByRole('link', { name: 'Add an induction period' }).click();
      await expectPage(page, { path: `${teacherPath}/periods/new`, heading: 'Add an induction period' });
      await page.getByLabel('Appropriate body').selectOption({ label: DEMO_INDUCTION.otherBody });
      await fillDate(page, 'Start date', `${lastYear}-07-21`);
      await fillDate(page, 'End date', `${lastYear}-09-01`);
      await page.getByLabel('Number of terms').fill('0.5');
      await page.getByLabel('School-led').check();
      await page.getByLabel('Reason for this correction').fill('Ticket 502: a summer period the hub forgot');
      await page.getByRole('button', { name: 'Add period' }).click();
      await expectPage(page, { path: `${teacherPath}/periods/new`, heading: 'Add an induction period' });
      assert.match(
        await textOf(page.locator('.govuk-error-summary')),
        new RegExp(`This period would overlap ${name}’s period with ${DEMO.appropriateBody.name}`),
      );
      await fillDate(page, 'End date', `${lastYear}-08-29`);
      await page.getByRole('button', { name: 'Add period' }).click();
      await expectPage(page, { path: /\/periods\/[0-9a-f-]{36}\/added$/, heading: 'Induction period added' });
      await page.getByRole('link', { name: `Back to ${name}’s induction` }).click();
      await expectPage(page, { path: teacherPath, heading: name });
      assert.match(await textOf(page.locator('main')), new RegExp(`${DEMO_INDUCTION.otherBody}.*Released`));
      browser.expectNoConsoleErrors();
    });
  }

  for (const javaScript of [true, false]) {
    it(`the body claims 40 prefilled ECTs in bulk, fixing two rows from the error report, then records passes and releases (${javaScript ? 'with' : 'without'} JavaScript)`, {
      timeout: JOURNEY_TIMEOUT_MS * 2,
    }, async () => {
      // Each variant on a server of its own: the first claims 40 of the 48 the demo school reported.
      const page = await browser.newPage({ javaScript, server: await browser.newServer() });
      await signInAt(page, '/bulk/induction-claims', 'ab@example.com', CLAIMS.title);
      const claims = new UploadPages(page, CLAIMS);
      const sheet = await claims.downloadTemplate();
      assert.deepEqual(sheet.headers, ['TRN', 'Date of birth', 'Induction programme', 'Induction period start date']);
      assert.ok(sheet.rows.length >= 45, `${sheet.rows.length} ECTs prefilled`);
      sheet.rows.splice(40);
      const [wrongDob, future] = [sheet.rows[3], sheet.rows[7]];
      const goodDob = sheet.cell(wrongDob, 'Date of birth');
      const goodStart = sheet.cell(future, 'Induction period start date');
      sheet.set(wrongDob, 'Date of birth', '01/01/1970');
      sheet.set(
        future,
        'Induction period start date',
        dmy(`${Number(YEAR) + 1}-${MONTH}-${DAY === '29' ? '28' : DAY}`),
      );
      await uploadAndWait(claims, sheet.toFile('claims.csv'));
      await claims.expectCounts({ change: 38, skip: 0, error: 2 });
      const report = await claims.downloadErrorReport('claims.csv');
      const reportWrongDob = report.find(sheet.cell(wrongDob, 'TRN'));
      assert.match(report.cell(reportWrongDob, 'Errors'), /do not match a teacher in the Teaching Record System/);
      report.set(reportWrongDob, 'Date of birth', goodDob);
      const reportFuture = report.find(sheet.cell(future, 'TRN'));
      assert.match(report.cell(reportFuture, 'Errors'), /cannot be in the future/);
      report.set(reportFuture, 'Induction period start date', goodStart);
      await uploadAndWait(claims, report.toFile('claims-fixed.csv'), 'Upload a fixed file');
      await claims.expectCounts({ change: 40, skip: 0, error: 0 });
      await claims.continueToReview();
      await claims.submit('Claim 40 ECTs', '40 ECTs claimed');

      await page.goto(OUTCOMES.start);
      await expectPage(page, { path: OUTCOMES.start, heading: OUTCOMES.title });
      const outcomes = new UploadPages(page, OUTCOMES);
      const current = await outcomes.downloadTemplate();
      const filled = current.rows.slice(0, 3);
      for (const [i, row] of filled.entries()) {
        current.set(row, 'Induction period end date', dmy(today()));
        current.set(row, 'Number of terms', i === 2 ? '2.5' : '6');
        current.set(row, 'Outcome', i === 2 ? 'release' : 'pass');
      }
      await uploadAndWait(outcomes, current.toFile('outcomes.csv'));
      const counts = await outcomes.counts();
      assert.deepEqual([counts.change, counts.error], [3, 0]);
      await outcomes.continueToReview();
      await outcomes.submit('Record 3 outcomes', '3 outcomes recorded');
      browser.expectNoConsoleErrors();
    });
  }
});
