// The QTS/EYTS recommendation journey in Chromium, with axe run on every page: home → start page →
// the prefilled CSV downloaded → filled in, one row broken → uploaded → summary with its three counts
// → error report → (fixed and uploaded again) → continue without the rows with errors → review →
// submit → confirmation → the trainee's record → the list of uploads; and cancelling an upload.
// Once with JavaScript, once without.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { QTS_RECOMMENDATIONS } from './support/kinds.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';
import { expectNoAxeViolations } from './support/server.ts';
import type { Sheet } from './support/sheet.ts';
import { UploadPages } from './support/upload.ts';

const DATE_COLUMN = 'Date QTS or EYTS standards met';

/** yyyy-mm-dd → d/m/yyyy, as a person types a date. */
const typed = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d}/${m}/${y}`;
};

/** dd/mm/yyyy (as the sheet writes dates) → yyyy-mm-dd. */
const iso = (sheetDate: string) => {
  const [d, m, y] = sheetDate.split('/');
  return `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`;
};

/**
 * n rows of the sheet that can take today's date as the standards date (an ITT start on or before
 * today), taken from each route in turn so that the review page has several groups.
 */
function pickRows(sheet: Sheet, n: number, today: string): string[][] {
  const byRoute = new Map<string, string[][]>();
  for (const row of sheet.rows) {
    if (iso(sheet.cell(row, 'ITT start date')) > today || sheet.cell(row, DATE_COLUMN) !== '') continue;
    const route = `${sheet.cell(row, 'Route')} (${sheet.cell(row, 'QTS or EYTS')})`;
    byRoute.set(route, [...(byRoute.get(route) ?? []), row]);
  }
  const queues = [...byRoute.values()];
  const picked: string[][] = [];
  for (let i = 0; picked.length < n && queues.some((q) => i < q.length); i++) {
    for (const queue of queues) if (i < queue.length && picked.length < n) picked.push(queue[i]);
  }
  assert.equal(picked.length, n, `the sheet has ${n} trainees who can be recommended today`);
  return picked;
}

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

describe('recommending trainees for QTS or EYTS in the browser', () => {
  const browser = useBrowser();
  const today = todayInEngland();

  /** Signs in as the SCITT's user and follows the home page's card to the start page. */
  async function startPage(page: Page): Promise<UploadPages> {
    const uploads = new UploadPages(page, QTS_RECOMMENDATIONS);
    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.getByRole('link', { name: QTS_RECOMMENDATIONS.title }).click();
    await uploads.expectStartPage();
    return uploads;
  }

  /** Downloads the prefilled CSV from the start page: every eligible trainee, no dates. */
  async function downloadSheet(uploads: UploadPages): Promise<Sheet> {
    const eligible = Number(
      /([\d,]+) trainees? can be recommended now/
        .exec(await textOf(uploads.page.locator('main')))?.[1]
        .replace(/,/g, ''),
    );
    assert.ok(eligible > 0, 'the start page says how many trainees can be recommended');
    const sheet = await uploads.downloadTemplate();
    assert.equal(sheet.fileName, 'rollbook-demo-scitt-qts-or-eyts-recommendations.csv');
    assert.equal(sheet.headers.at(-1), DATE_COLUMN);
    assert.equal(sheet.rows.length, eligible, 'the sheet lists every trainee the start page counts');
    assert.ok(
      sheet.rows.every((row) => sheet.cell(row, DATE_COLUMN) === ''),
      'the date column is empty',
    );
    return sheet;
  }

  /** From the confirmation page to the trainee's record, through the list of trainees and its search. */
  async function expectRecommended(page: Page, sheet: Sheet, row: string[]) {
    const trn = sheet.cell(row, 'TRN');
    const award = sheet.cell(row, 'QTS or EYTS');
    await page.getByRole('link', { name: 'See your trainees' }).click();
    await expectPage(page, { path: '/trainees', heading: 'Trainees' });
    await page.getByLabel('Name, TRN, trainee ID or HESA ID').fill(trn);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectPage(page, { path: new RegExp(`^/trainees\\?q=${trn}(&|$)`), heading: 'Trainees' });
    const lastName = sheet.cell(row, 'Last name');
    await page
      .getByRole('table')
      .getByRole('link', { name: new RegExp(`^${escapeRegExp(lastName)},`) })
      .click();
    // The trainee's Back link keeps the list's filters, in ?back=.
    await expectPage(page, {
      path: /^\/trainees\/[0-9a-f-]{36}(\?back=[^&]*)?$/,
      heading: new RegExp(escapeRegExp(lastName)),
    });
    const state = await textOf(page.locator('main .govuk-tag').first());
    assert.match(state, new RegExp(`^(Recommended for|Holds) ${award}$`), 'the trainee is recommended or awarded');
    assert.match(await textOf(page.locator('main')), new RegExp(escapeRegExp(trn)));
  }

  it('with JavaScript: recommends 30 trainees, leaving out a row with an error, reviewed in an accordion', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: true });
    const uploads = await startPage(page);

    // The guidance, and the sheet as an Excel workbook as well as CSV.
    await page.getByRole('link', { name: 'what goes in each column' }).click();
    await expectPage(page, { path: `${QTS_RECOMMENDATIONS.start}/guidance`, heading: 'What goes in the sheet' });
    assert.match(await textOf(page.getByRole('table')), new RegExp(DATE_COLUMN));
    await page.getByRole('link', { name: 'Back to recommend trainees for QTS or EYTS' }).click();
    await uploads.expectStartPage();
    const workbook = await uploads.downloadWorkbook();
    assert.equal(workbook.fileName, 'rollbook-demo-scitt-qts-or-eyts-recommendations.xlsx');

    const sheet = await downloadSheet(uploads);

    // 31 dated rows over several routes, one of them with a last name that is not the trainee's.
    const picked = pickRows(sheet, 31, today);
    for (const row of picked) sheet.set(row, DATE_COLUMN, typed(today));
    const broken = picked[0];
    const recommended = picked.slice(1);
    const brokenTrn = sheet.cell(broken, 'TRN');
    const onRecord = sheet.cell(broken, 'Last name');
    sheet.set(broken, 'Last name', 'Changed');
    const routes = new Set(recommended.map((row) => `${sheet.cell(row, 'Route')}|${sheet.cell(row, 'QTS or EYTS')}`));
    assert.ok(routes.size > 1, 'the dated rows are on several routes');

    const fileName = 'recommendations with JavaScript.csv';
    await uploads.upload(sheet.toFile(fileName));
    await uploads.expectCounts({ change: 30, skip: sheet.rows.length - 31, error: 1 });

    const report = await uploads.downloadErrorReport(fileName);
    assert.equal(report.rows.length, sheet.rows.length, 'every row, in its order');
    assert.deepEqual(
      report.rows.map((row) => row[0]),
      sheet.rows.map((row) => row[0]),
    );
    const reported = report.find(brokenTrn);
    assert.equal(report.cell(reported, 'Validation result'), '1 error');
    assert.match(report.cell(reported, 'Errors'), new RegExp(`^Last name: "Changed" .*"${escapeRegExp(onRecord)}"`));
    assert.equal(report.cell(report.find(sheet.cell(recommended[0], 'TRN')), 'Validation result'), 'Passed');
    const undated = sheet.rows.find((row) => sheet.cell(row, DATE_COLUMN) === '');
    assert.ok(undated);
    assert.equal(report.cell(report.find(sheet.cell(undated, 'TRN')), 'Validation result'), 'Not recommended: no date');

    await uploads.continueToReview({ withoutErrors: true });
    assert.match(
      await textOf(page.locator('main')),
      /1 row cannot be recommended because of errors\. They are left out of this upload/,
    );

    // More than 25: grouped by route and award in an accordion, its sections closed until opened.
    const accordion = page.locator('.govuk-accordion');
    const sections = accordion.locator('.govuk-accordion__section');
    assert.equal(await sections.count(), routes.size, 'one section for each route and award');
    const lines = accordion.locator('li').filter({ hasText: /Standards met/ });
    assert.equal(await lines.count(), 30);
    assert.equal(await lines.first().isVisible(), false, 'the sections start closed');
    await accordion.getByRole('button', { name: /Show all sections/ }).click();
    for (const line of await lines.all()) assert.equal(await line.isVisible(), true);
    const firstLine = await textOf(accordion.locator('li').filter({ hasText: sheet.cell(recommended[0], 'TRN') }));
    assert.match(firstLine, new RegExp(`TRN ${sheet.cell(recommended[0], 'TRN')}`));
    assert.doesNotMatch(await textOf(accordion), new RegExp(brokenTrn), 'the row with an error is left out');
    await expectNoAxeViolations(page);

    await uploads.submit('Recommend 30 trainees', '30 trainees recommended for QTS or EYTS');
    assert.match(await textOf(page.locator('.govuk-panel')), new RegExp(`From ‘${fileName}’`));

    await expectRecommended(page, sheet, recommended[0]);

    const listed = await uploads.uploadsRow(fileName);
    assert.match(listed, /Submitted/);
    assert.match(listed, /Recommended: 30/);
    assert.match(listed, /Errors: 1/);
  });

  it('without JavaScript: fixes the error report and uploads it again, continues without the rest, and cancels an upload', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    const page = await browser.newPage({ javaScript: false });
    const uploads = await startPage(page);
    const sheet = await downloadSheet(uploads);

    // Five dated rows: one with a changed last name, one with a date that does not exist.
    const picked = pickRows(sheet, 5, today);
    for (const row of picked) sheet.set(row, DATE_COLUMN, typed(today));
    const [renamed, misdated] = picked;
    const onRecord = sheet.cell(renamed, 'Last name');
    sheet.set(renamed, 'Last name', `${onRecord}-Changed`);
    sheet.set(misdated, DATE_COLUMN, `31/2/${today.slice(0, 4)}`);

    const fileName = 'recommendations without JavaScript.csv';
    await uploads.upload(sheet.toFile(fileName));
    await uploads.expectCounts({ change: 3, skip: sheet.rows.length - 5, error: 2 });

    const report = await uploads.downloadErrorReport(fileName);
    const renamedReport = report.find(sheet.cell(renamed, 'TRN'));
    assert.equal(report.cell(renamedReport, 'Validation result'), '1 error');
    assert.match(report.cell(renamedReport, 'Errors'), /^Last name: ".*-Changed" does not match the trainee’s record/);
    const misdatedReport = report.find(sheet.cell(misdated, 'TRN'));
    assert.equal(report.cell(misdatedReport, 'Validation result'), '1 error');
    assert.match(report.cell(misdatedReport, 'Errors'), new RegExp(`^${DATE_COLUMN}: `));

    // Fix one cell in the report itself and upload it as it is, added columns and all.
    report.set(renamedReport, 'Last name', onRecord);
    sheet.set(renamed, 'Last name', onRecord);
    const fixedName = fileName.replace(/\.csv$/, '-checked.csv');
    const second = await uploads.reupload(report.toFile(fixedName));
    await uploads.expectCounts({ change: 4, skip: sheet.rows.length - 5, error: 1 });

    await uploads.continueToReview({ withoutErrors: true });
    assert.equal(await page.locator('.govuk-accordion').count(), 0, 'four lines need no accordion');
    const review = await textOf(page.locator('main'));
    assert.equal(review.match(/Standards met \d+ \w+ \d{4}/g)?.length, 4);
    assert.match(review, new RegExp(`TRN ${sheet.cell(renamed, 'TRN')}`), 'the fixed row is in');
    assert.doesNotMatch(review, new RegExp(`TRN ${sheet.cell(misdated, 'TRN')}`), 'the row still in error is not');

    await uploads.submit('Recommend 4 trainees', '4 trainees recommended for QTS or EYTS');
    assert.equal(uploads.uploadId, second);

    await expectRecommended(page, sheet, renamed);

    const submitted = await uploads.uploadsRow(fixedName);
    assert.match(submitted, /Submitted/);
    assert.match(submitted, /Recommended: 4/);
    // The upload the fixed file replaced says so, rather than "Cancelled".
    assert.match(await uploads.rowOf(fileName), new RegExp(`Replaced by ${escapeRegExp(fixedName)}`));

    // Cancelling: a new upload, checked, reviewed, then cancelled after confirming.
    await page.getByRole('link', { name: QTS_RECOMMENDATIONS.title }).click();
    await uploads.expectStartPage();
    const fresh = await downloadSheet(uploads);
    const [one] = pickRows(fresh, 1, today);
    fresh.set(one, DATE_COLUMN, typed(today));
    const toCancel = 'to cancel.csv';
    const third = await uploads.upload(fresh.toFile(toCancel));
    await uploads.expectCounts({ change: 1, skip: fresh.rows.length - 1, error: 0 });
    await uploads.continueToReview();

    assert.match(await uploads.cancel(), /You cancelled the upload of ‘to cancel\.csv’/);
    assert.match(await uploads.uploadsRow(toCancel), /Cancelled/);
    await page.getByRole('link', { name: toCancel }).click();
    await expectPage(page, { path: `/uploads/${third}`, heading: 'Upload cancelled' });
    assert.match(await textOf(page.locator('main')), /Nothing in it was changed/);
  });
});
