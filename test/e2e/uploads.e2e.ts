// The QTS/EYTS recommendation journey in Chromium, with axe run on every page: home → start page →
// the prefilled CSV downloaded → filled in, one row broken → uploaded → summary with its three counts
// → error report → (fixed and uploaded again) → continue without the rows with errors → review →
// submit → confirmation → the trainee's record → the list of uploads; and cancelling an upload.
// Once with JavaScript, once without.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import { chooseFile, download, expectPage, pathOf, signIn, textOf } from './support/pages.ts';
import {
  expectNoAxeViolations,
  launchBrowser,
  newContextWithoutJavaScript,
  type RunningServer,
  startServer,
} from './support/server.ts';
import { Sheet } from './support/sheet.ts';

const TEST_TIMEOUT_MS = 120_000;
const ACTION_TIMEOUT_MS = 15_000;

const START = '/bulk/qts-recommendations';
const KIND_TITLE = 'Recommend trainees for QTS or EYTS';
const DATE_COLUMN = 'Date QTS or EYTS standards met';
const UPLOAD = /^\/uploads\/([0-9a-f-]{36})$/;

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

/** The id of the upload whose page is showing. */
function uploadIdOf(page: Page): string {
  const id = UPLOAD.exec(pathOf(page))?.[1];
  assert.ok(id, `${pathOf(page)} is an upload's page`);
  return id;
}

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The text of the row for an upload in the list of uploads. */
const rowOf = (page: Page, fileName: string) =>
  textOf(page.getByRole('row').filter({ has: page.getByRole('link', { name: fileName, exact: true }) }));

/** The summary's three counts. */
async function expectCounts(page: Page, { change, skip, error }: { change: number; skip: number; error: number }) {
  const result = await textOf(page.locator('main'));
  for (const sentence of [
    `${plural(change, 'trainee', 'trainees')} will be recommended`,
    `${plural(skip, 'trainee', 'trainees')} will not be recommended because no date was given`,
    `${plural(error, 'row', 'rows')} cannot be recommended because of errors`,
  ]) {
    assert.ok(result.includes(sentence), `the summary says “${sentence}”:\n${result}`);
  }
}

describe('recommending trainees for QTS or EYTS in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const today = todayInEngland();

  before(async () => {
    [server, browser] = await Promise.all([startServer(), launchBrowser()]);
  });

  after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await server?.stop();
  });

  async function newPage({ javaScript }: { javaScript: boolean }): Promise<Page> {
    const options = { baseURL: server.baseUrl, acceptDownloads: true };
    const context = javaScript
      ? await browser.newContext(options)
      : await newContextWithoutJavaScript(browser, options);
    context.setDefaultTimeout(ACTION_TIMEOUT_MS);
    contexts.push(context);
    return context.newPage();
  }

  /** Signs in as the SCITT's user and follows the home page's card to the start page. */
  async function startPage(page: Page) {
    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.getByRole('link', { name: KIND_TITLE }).click();
    await expectPage(page, { path: START, heading: KIND_TITLE });
  }

  /** Downloads the prefilled CSV from the start page: every eligible trainee, no dates. */
  async function downloadSheet(page: Page): Promise<Sheet> {
    const eligible = Number(
      /([\d,]+) trainees? can be recommended now/.exec(await textOf(page.locator('main')))?.[1].replace(/,/g, ''),
    );
    assert.ok(eligible > 0, 'the start page says how many trainees can be recommended');
    const file = await download(page, page.getByRole('link', { name: 'Download the sheet as CSV' }));
    assert.equal(file.fileName, 'rollbook-demo-scitt-qts-or-eyts-recommendations.csv');
    const sheet = Sheet.read(file);
    assert.equal(sheet.headers.at(-1), DATE_COLUMN);
    assert.equal(sheet.rows.length, eligible, 'the sheet lists every trainee the start page counts');
    assert.ok(
      sheet.rows.every((row) => sheet.cell(row, DATE_COLUMN) === ''),
      'the date column is empty',
    );
    return sheet;
  }

  /** Chooses the file in the form labelled so, and submits it: the summary of the new upload shows. */
  async function upload(page: Page, label: string, file: ReturnType<Sheet['toFile']>) {
    await chooseFile(page, label, file);
    await page.getByRole('button', { name: 'Upload and check the file' }).click();
    await expectPage(page, { path: UPLOAD, heading: 'Your file has been checked' });
    assert.match(await textOf(page.locator('.govuk-summary-list')), new RegExp(`File ${escapeRegExp(file.name)}`));
    return uploadIdOf(page);
  }

  /** Downloads the error report from the summary, with its two added columns. */
  async function errorReport(page: Page, uploadName: string): Promise<Sheet> {
    const file = await download(page, page.getByRole('link', { name: 'Download the error report' }));
    assert.equal(file.fileName, uploadName.replace(/\.csv$/, '-checked.csv'));
    const report = Sheet.read(file);
    assert.deepEqual(report.headers.slice(-2), ['Validation result', 'Errors']);
    return report;
  }

  /** From the confirmation page to the trainee's record, through the list of trainees and its search. */
  async function expectRecommended(page: Page, sheet: Sheet, row: string[]) {
    const trn = sheet.cell(row, 'TRN');
    const award = sheet.cell(row, 'QTS or EYTS');
    await page.getByRole('link', { name: 'See your trainees' }).click();
    await expectPage(page, { path: '/trainees', heading: 'Trainees' });
    await page.getByLabel('Name, TRN or trainee ID').fill(trn);
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

  /** The list of uploads, from the navigation, with the row of one upload. */
  async function uploadsRow(page: Page, fileName: string) {
    await page.getByRole('navigation').getByRole('link', { name: 'Uploads' }).click();
    await expectPage(page, { path: '/uploads', heading: 'Uploads' });
    return rowOf(page, fileName);
  }

  it('with JavaScript: recommends 30 trainees, leaving out a row with an error, reviewed in an accordion', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const page = await newPage({ javaScript: true });
    await startPage(page);

    // The guidance, and the sheet as an Excel workbook as well as CSV.
    await page.getByRole('link', { name: 'what goes in each column' }).click();
    await expectPage(page, { path: `${START}/guidance`, heading: 'What goes in the sheet' });
    assert.match(await textOf(page.getByRole('table')), new RegExp(DATE_COLUMN));
    await page.getByRole('link', { name: 'Back to recommend trainees for QTS or EYTS' }).click();
    await expectPage(page, { path: START, heading: KIND_TITLE });
    const workbook = await download(
      page,
      page.getByRole('link', { name: 'Download the sheet as an Excel workbook (XLSX)' }),
    );
    assert.equal(workbook.fileName, 'rollbook-demo-scitt-qts-or-eyts-recommendations.xlsx');
    assert.equal(workbook.bytes.subarray(0, 2).toString(), 'PK', 'a zip, as an XLSX file is');

    const sheet = await downloadSheet(page);

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
    await upload(page, 'Upload a file', sheet.toFile(fileName));
    await expectCounts(page, { change: 30, skip: sheet.rows.length - 31, error: 1 });

    const report = await errorReport(page, fileName);
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

    await page.getByRole('button', { name: 'Continue without the rows with errors' }).click();
    await expectPage(page, {
      path: /^\/uploads\/[0-9a-f-]{36}\/review\?skipErrors=true$/,
      heading: 'Check who you’ll recommend',
    });
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

    await page.getByRole('button', { name: 'Recommend 30 trainees' }).click();
    await expectPage(page, {
      path: /^\/uploads\/[0-9a-f-]{36}\/done$/,
      heading: '30 trainees recommended for QTS or EYTS',
    });
    assert.match(await textOf(page.locator('.govuk-panel')), new RegExp(`From ‘${fileName}’`));

    await expectRecommended(page, sheet, recommended[0]);

    const listed = await uploadsRow(page, fileName);
    assert.match(listed, /Submitted/);
    assert.match(listed, /Recommended: 30/);
    assert.match(listed, /Errors: 1/);
  });

  it('without JavaScript: fixes the error report and uploads it again, continues without the rest, and cancels an upload', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    const page = await newPage({ javaScript: false });
    await startPage(page);
    const sheet = await downloadSheet(page);

    // Five dated rows: one with a changed last name, one with a date that does not exist.
    const picked = pickRows(sheet, 5, today);
    for (const row of picked) sheet.set(row, DATE_COLUMN, typed(today));
    const [renamed, misdated] = picked;
    const onRecord = sheet.cell(renamed, 'Last name');
    sheet.set(renamed, 'Last name', `${onRecord}-Changed`);
    sheet.set(misdated, DATE_COLUMN, `31/2/${today.slice(0, 4)}`);

    const fileName = 'recommendations without JavaScript.csv';
    const first = await upload(page, 'Upload a file', sheet.toFile(fileName));
    await expectCounts(page, { change: 3, skip: sheet.rows.length - 5, error: 2 });

    const report = await errorReport(page, fileName);
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
    const second = await upload(page, 'Upload a fixed file', report.toFile(fixedName));
    assert.notEqual(second, first, 'the fixed file is a new upload');
    await expectCounts(page, { change: 4, skip: sheet.rows.length - 5, error: 1 });

    await page.getByRole('button', { name: 'Continue without the rows with errors' }).click();
    await expectPage(page, {
      path: `/uploads/${second}/review?skipErrors=true`,
      heading: 'Check who you’ll recommend',
    });
    assert.equal(await page.locator('.govuk-accordion').count(), 0, 'four lines need no accordion');
    const review = await textOf(page.locator('main'));
    assert.equal(review.match(/Standards met \d+ \w+ \d{4}/g)?.length, 4);
    assert.match(review, new RegExp(`TRN ${sheet.cell(renamed, 'TRN')}`), 'the fixed row is in');
    assert.doesNotMatch(review, new RegExp(`TRN ${sheet.cell(misdated, 'TRN')}`), 'the row still in error is not');

    await page.getByRole('button', { name: 'Recommend 4 trainees' }).click();
    await expectPage(page, { path: `/uploads/${second}/done`, heading: '4 trainees recommended for QTS or EYTS' });

    await expectRecommended(page, sheet, renamed);

    const submitted = await uploadsRow(page, fixedName);
    assert.match(submitted, /Submitted/);
    assert.match(submitted, /Recommended: 4/);
    // The upload the fixed file replaced says so, rather than "Cancelled".
    assert.match(await rowOf(page, fileName), new RegExp(`Replaced by ${escapeRegExp(fixedName)}`));

    // Cancelling: a new upload, checked, reviewed, then cancelled after confirming.
    await page.getByRole('link', { name: KIND_TITLE }).click();
    await expectPage(page, { path: START, heading: KIND_TITLE });
    const fresh = await downloadSheet(page);
    const [one] = pickRows(fresh, 1, today);
    fresh.set(one, DATE_COLUMN, typed(today));
    const toCancel = 'to cancel.csv';
    const third = await upload(page, 'Upload a file', fresh.toFile(toCancel));
    await expectCounts(page, { change: 1, skip: fresh.rows.length - 1, error: 0 });
    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await expectPage(page, { path: `/uploads/${third}/review`, heading: 'Check who you’ll recommend' });

    await page.getByRole('link', { name: 'Cancel this upload' }).click();
    await expectPage(page, {
      path: `/uploads/${third}/cancel`,
      heading: 'Are you sure you want to cancel this upload?',
    });
    await page.getByRole('button', { name: 'Yes, cancel the upload' }).click();
    await expectPage(page, { path: START, heading: KIND_TITLE });
    assert.match(
      await textOf(page.locator('.govuk-notification-banner--success')),
      /You cancelled the upload of ‘to cancel\.csv’/,
    );
    assert.match(await uploadsRow(page, toCancel), /Cancelled/);
    await page.getByRole('link', { name: toCancel }).click();
    await expectPage(page, { path: `/uploads/${third}`, heading: 'Upload cancelled' });
    assert.match(await textOf(page.locator('main')), /Nothing in it was changed/);
  });
});
