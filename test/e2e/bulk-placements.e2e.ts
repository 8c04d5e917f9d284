// Adding placements in bulk in Chromium, with axe run on every page: home → start page → the sheet
// of trainees with fewer than 2 placements downloaded (CSV, and the XLSX checked too) → placements
// filled in for a few trainees (one with dates), one URN unknown → uploaded → summary with its three
// counts and its one error listed → error report → the URN fixed in the report itself, uploaded
// again → review → submit → confirmation → the trainee's record shows the placements → the first
// upload "Replaced by" the second in the list → the upload undone after a confirmation that says
// how many placements go → the placements gone and the upload "Undone". Once with JavaScript, once
// without.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { chooseFile, download, expectPage, pathOf, signIn, textOf } from './support/pages.ts';
import { launchBrowser, newContextWithoutJavaScript, type RunningServer, startServer } from './support/server.ts';
import { Sheet } from './support/sheet.ts';

const TEST_TIMEOUT_MS = 120_000;
const ACTION_TIMEOUT_MS = 15_000;

const START = '/bulk/placements';
const KIND_TITLE = 'Add placements for your trainees';
const RECORDED = 'Placements recorded';
const UPLOAD = /^\/uploads\/([0-9a-f-]{36})$/;
/** A trainee's page, reached from the list (whose filters its Back link keeps, in ?back=). */
const TRAINEE = /^\/trainees\/[0-9a-f-]{36}(\?back=[^&]*)?$/;
const SHEET_NAME = 'rollbook-demo-scitt-placements-fewer-than-2';

/** Schools of the demo register (data/demo-schools.csv). */
const SCHOOLS = {
  thornbury: { urn: '100002', name: 'Thornbury Church of England Primary School' },
  willowGreen: { urn: '100003', name: 'Willow Green High School' },
  chapelEnd: { urn: '100004', name: 'Chapel End High School' },
  moorside: { urn: '100006', name: 'Moorside High School' },
};
/** Not in the register. */
const UNKNOWN_URN = '999999';
/** A school without a URN, given by name and postcode (as typed: the postcode is tidied). */
const NURSERY = { name: 'Little Acorns Nursery', typedPostcode: 'ls1 4ab', postcode: 'LS1 4AB' };

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
    `${plural(change, 'trainee', 'trainees')} will get new placements`,
    `${plural(skip, 'row has', 'rows have')} nothing to add`,
    `${plural(error, 'row', 'rows')} cannot be added because of errors`,
  ]) {
    assert.ok(result.includes(sentence), `the summary says “${sentence}”:\n${result}`);
  }
}

/** The rows the journey fills in, and what it expects of each. */
interface Filled {
  /** Two placements by URN, the first with its dates. */
  two: string[];
  /** One placement by URN. */
  one: string[];
  /** A school without a URN, by name and postcode. */
  nursery: string[];
  /** An unknown URN, fixed in the error report. */
  broken: string[];
  /** The placement it already has, given again: nothing to add. */
  repeated: string[];
}

/**
 * Fills in placements for four trainees with none recorded, one of them with an unknown URN, and
 * gives a trainee with one placement that same placement again.
 */
function fillIn(sheet: Sheet): Filled {
  const empty = sheet.rows.filter((row) => sheet.cell(row, RECORDED) === '' && sheet.cell(row, 'TRN') !== '');
  assert.ok(empty.length >= 4, 'the sheet has at least 4 trainees with a TRN and no placements');
  const [two, one, nursery, broken] = empty;
  sheet.set(two, 'Placement 1 URN', SCHOOLS.thornbury.urn);
  sheet.set(two, 'Placement 1 start date', '8/9/2025');
  sheet.set(two, 'Placement 1 end date', '19/12/2025');
  sheet.set(two, 'Placement 2 URN', SCHOOLS.willowGreen.urn);
  sheet.set(one, 'Placement 1 URN', SCHOOLS.chapelEnd.urn);
  sheet.set(nursery, 'Placement 1 school name', NURSERY.name);
  sheet.set(nursery, 'Placement 1 postcode', NURSERY.typedPostcode);
  sheet.set(broken, 'Placement 1 URN', UNKNOWN_URN);
  const repeated = sheet.rows.find(
    (row) => /\(URN \d{6}\)$/.test(sheet.cell(row, RECORDED)) && sheet.cell(row, 'TRN') !== '',
  );
  assert.ok(repeated, 'the sheet has a trainee with one placement at a school with a URN');
  sheet.set(repeated, 'Placement 1 URN', /\(URN (\d{6})\)$/.exec(sheet.cell(repeated, RECORDED))?.[1] ?? '');
  return { two, one, nursery, broken, repeated };
}

describe('adding placements in bulk in the browser', () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

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
    const page = await context.newPage();
    // A script or style refused by the Content-Security-Policy, or a script failing, would show here.
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(`${page.url()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
    return page;
  }

  /** Signs in as the SCITT's user and follows the home page's card to the start page. */
  async function startPage(page: Page) {
    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.getByRole('link', { name: 'Add placements in bulk' }).click();
    await expectPage(page, { path: START, heading: KIND_TITLE });
  }

  /** Downloads the sheet of trainees with fewer than 2 placements (the start page's default choice). */
  async function downloadSheet(page: Page): Promise<Sheet> {
    const fewer = page.getByRole('radio', { name: 'Trainees with fewer than 2 placements' });
    assert.equal(await fewer.isChecked(), true, 'the sheet lists trainees with fewer than 2 placements unless told');
    const listed = Number(
      /([\d,]+) trainees? ha(?:s|ve) fewer than 2 placements/
        .exec(await textOf(page.locator('main')))?.[1]
        .replace(/,/g, ''),
    );
    assert.ok(listed > 0, 'the start page says how many trainees have fewer than 2 placements');
    const file = await download(page, page.getByRole('button', { name: 'Download the sheet as CSV' }));
    assert.equal(file.fileName, `${SHEET_NAME}.csv`);
    const sheet = Sheet.read(file);
    assert.equal(sheet.rows.length, listed, 'the sheet lists every trainee the start page counts');
    assert.deepEqual(sheet.headers.slice(-25, -20), [
      'Placement 1 URN',
      'Placement 1 school name',
      'Placement 1 postcode',
      'Placement 1 start date',
      'Placement 1 end date',
    ]);
    assert.equal(sheet.headers.at(-5), 'Placement 5 URN');
    for (const row of sheet.rows) {
      assert.ok(
        sheet.cell(row, RECORDED).split('; ').filter(Boolean).length < 2,
        'every trainee listed has fewer than 2 placements',
      );
      assert.ok(
        sheet.headers.slice(-25).every((header) => sheet.cell(row, header) === ''),
        'the new placements’ columns are empty',
      );
    }
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

  /** From a page with the "See your trainees" link to the trainee's record, through the list's search. */
  async function traineePage(page: Page, sheet: Sheet, row: string[]) {
    const trn = sheet.cell(row, 'TRN');
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
    await expectPage(page, { path: TRAINEE, heading: new RegExp(escapeRegExp(lastName)) });
    assert.match(await textOf(page.locator('main')), new RegExp(trn));
  }

  /** The placement cards on the trainee's page. */
  const placementCards = (page: Page) => page.locator('#placements ~ .govuk-summary-card');

  /** The list of uploads, from the navigation, with the row of one upload. */
  async function uploadsRow(page: Page, fileName: string) {
    await page.getByRole('navigation').getByRole('link', { name: 'Uploads' }).click();
    await expectPage(page, { path: '/uploads', heading: 'Uploads' });
    return rowOf(page, fileName);
  }

  /** The whole journey; with JavaScript it also reads the guidance. */
  async function journey(page: Page, { javaScript }: { javaScript: boolean }) {
    await startPage(page);

    if (javaScript) {
      // The guidance, and the sheet as an Excel workbook as well as CSV.
      await page.getByRole('link', { name: 'what goes in each column' }).click();
      await expectPage(page, { path: `${START}/guidance`, heading: 'What goes in the sheet' });
      assert.match(await textOf(page.getByRole('table')), /Placement 1 URN/);
      await page.getByRole('link', { name: 'Back to add placements for your trainees' }).click();
      await expectPage(page, { path: START, heading: KIND_TITLE });
    }
    const workbook = await download(
      page,
      page.getByRole('button', { name: 'Download the sheet as an Excel workbook (XLSX)' }),
    );
    assert.equal(workbook.fileName, `${SHEET_NAME}.xlsx`);
    assert.equal(workbook.bytes.subarray(0, 2).toString(), 'PK', 'a zip, as an XLSX file is');

    const sheet = await downloadSheet(page);
    const filled = fillIn(sheet);
    const skipped = sheet.rows.length - 4;

    const fileName = `placements ${javaScript ? 'with' : 'without'} JavaScript.csv`;
    const first = await upload(page, 'Upload a file', sheet.toFile(fileName));
    await expectCounts(page, { change: 3, skip: skipped, error: 1 });
    // One error: listed on the page as well as in the report.
    const errors = page.getByRole('table', { name: `Errors in ‘${fileName}’` });
    assert.deepEqual(await errors.getByRole('row').nth(1).getByRole('cell').allTextContents(), [
      String(sheet.rows.indexOf(filled.broken) + 2),
      'Placement 1 URN',
      UNKNOWN_URN,
      `Placement 1 URN: there is no school with URN ${UNKNOWN_URN} in the register. Check the URN, or for a school without one leave it empty and give the school’s name and postcode`,
    ]);

    const report = await errorReport(page, fileName);
    assert.equal(report.rows.length, sheet.rows.length, 'every row, in its order');
    const brokenTrn = sheet.cell(filled.broken, 'TRN');
    const reported = report.find(brokenTrn);
    assert.equal(report.cell(reported, 'Validation result'), '1 error');
    assert.match(
      report.cell(reported, 'Errors'),
      new RegExp(`^Placement 1 URN: there is no school with URN ${UNKNOWN_URN}`),
    );
    for (const row of [filled.two, filled.one, filled.nursery]) {
      assert.equal(report.cell(report.find(sheet.cell(row, 'TRN')), 'Validation result'), 'Passed');
    }
    assert.equal(
      report.cell(report.find(sheet.cell(filled.repeated, 'TRN')), 'Validation result'),
      'Nothing to add: the placements are already recorded',
    );

    // Fix the URN in the report itself and upload it as it is, added columns and all.
    report.set(reported, 'Placement 1 URN', SCHOOLS.moorside.urn);
    const fixedName = fileName.replace(/\.csv$/, '-checked.csv');
    const second = await upload(page, 'Upload a fixed file', report.toFile(fixedName));
    assert.notEqual(second, first, 'the fixed file is a new upload');
    await expectCounts(page, { change: 4, skip: skipped, error: 0 });

    await page.getByRole('button', { name: 'Continue', exact: true }).click();
    await expectPage(page, { path: `/uploads/${second}/review`, heading: 'Check the placements you’ll add' });
    const review = await textOf(page.locator('main'));
    assert.match(review, new RegExp(`From ‘${escapeRegExp(fixedName)}’: 4 trainees will get new placements`));
    const line = (row: string[]) =>
      textOf(page.locator('main li').filter({ hasText: `TRN ${sheet.cell(row, 'TRN')}` }));
    assert.match(
      await line(filled.two),
      new RegExp(
        `Placement at ${escapeRegExp(SCHOOLS.thornbury.name)} \\(URN ${SCHOOLS.thornbury.urn}\\), 8 September 2025 to 19 December 2025 · Placement at ${escapeRegExp(SCHOOLS.willowGreen.name)} \\(URN ${SCHOOLS.willowGreen.urn}\\)`,
      ),
    );
    assert.match(await line(filled.nursery), new RegExp(`Placement at ${NURSERY.name} \\(${NURSERY.postcode}\\)`));
    assert.match(await line(filled.broken), new RegExp(`Placement at ${SCHOOLS.moorside.name}`));
    assert.equal(
      await page
        .locator('main li')
        .filter({ hasText: /TRN \d{7}/ })
        .count(),
      4,
      'four trainees, no more',
    );

    await page.getByRole('button', { name: 'Add placements for 4 trainees' }).click();
    await expectPage(page, { path: `/uploads/${second}/done`, heading: 'Placements added for 4 trainees' });
    assert.match(await textOf(page.locator('.govuk-panel')), new RegExp(`From ‘${escapeRegExp(fixedName)}’`));
    assert.equal(await page.getByRole('link', { name: 'undo it' }).getAttribute('href'), `/uploads/${second}/undo`);

    // The trainee's record shows the two placements the sheet added.
    await traineePage(page, sheet, filled.two);
    const cards = placementCards(page);
    assert.equal(await cards.count(), 2);
    assert.match(
      await textOf(cards.nth(0)),
      new RegExp(`${escapeRegExp(SCHOOLS.thornbury.name)}.*URN ${SCHOOLS.thornbury.urn}`),
    );
    assert.match(
      await textOf(cards.nth(1)),
      new RegExp(`${escapeRegExp(SCHOOLS.willowGreen.name)}.*URN ${SCHOOLS.willowGreen.urn}`),
    );
    const traineePath = pathOf(page);

    const submitted = await uploadsRow(page, fixedName);
    assert.match(submitted, /Submitted/);
    assert.match(submitted, /Trainees updated: 4/);
    // The upload the fixed file replaced says so, and links to the upload that replaced it.
    const replaced = await rowOf(page, fileName);
    assert.match(replaced, new RegExp(`Replaced by ${escapeRegExp(fixedName)}`));
    assert.doesNotMatch(replaced, /Cancelled/);
    await page.getByRole('link', { name: fileName, exact: true }).click();
    await expectPage(page, { path: `/uploads/${first}`, heading: 'Upload replaced' });

    // Undo, after a confirmation, from the page of the upload that replaced it.
    await page.getByRole('link', { name: `Replaced by ${fixedName}`, exact: true }).click();
    await expectPage(page, { path: `/uploads/${second}`, heading: 'Upload submitted' });
    await page.getByRole('button', { name: 'Undo this upload' }).click();
    await expectPage(page, {
      path: `/uploads/${second}/undo`,
      heading: 'Are you sure you want to undo this upload?',
    });
    assert.match(
      await textOf(page.locator('main')),
      new RegExp(`Everything ‘${escapeRegExp(fixedName)}’ added on .* will be removed: 5 placements of 4 trainees\\.`),
    );
    await page.getByRole('button', { name: 'Yes, undo the upload' }).click();
    await expectPage(page, { path: `/uploads/${second}`, heading: 'Upload undone' });
    assert.match(
      await textOf(page.locator('.govuk-notification-banner--success')),
      new RegExp(`You undid the upload of ‘${escapeRegExp(fixedName)}’`),
    );
    assert.match(await textOf(page.locator('.govuk-summary-list')), /Status Undone/);
    assert.equal(await page.getByRole('button', { name: 'Undo this upload' }).count(), 0);

    // The placements are gone from the trainee's record, and the list says the upload was undone.
    await traineePage(page, sheet, filled.two);
    assert.equal(pathOf(page), traineePath);
    assert.equal(await placementCards(page).count(), 0);
    assert.match(await textOf(page.locator('main')), /has no placements/);
    assert.match(await uploadsRow(page, fixedName), /Trainees updated: 4.*Undone|Undone.*Trainees updated: 4/);

    // The same trainees are in a new sheet of trainees with fewer than 2 placements, with none recorded.
    await page.getByRole('link', { name: KIND_TITLE }).click();
    await expectPage(page, { path: START, heading: KIND_TITLE });
    const again = await downloadSheet(page);
    for (const row of [filled.two, filled.one, filled.nursery, filled.broken]) {
      assert.equal(again.cell(again.find(sheet.cell(row, 'TRN')), RECORDED), '');
    }
    assert.deepEqual(consoleErrors, []);
  }

  it('with JavaScript: adds placements from a sheet fixed through its error report, then undoes them', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await journey(await newPage({ javaScript: true }), { javaScript: true });
  });

  it('without JavaScript: adds placements from a sheet fixed through its error report, then undoes them', {
    timeout: TEST_TIMEOUT_MS,
  }, async () => {
    await journey(await newPage({ javaScript: false }), { javaScript: false });
  });
});
