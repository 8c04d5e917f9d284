// Adding placements in bulk in Chromium, with axe run on every page: home → start page → the sheet
// of trainees with fewer than 2 placements downloaded (CSV, and the XLSX checked too) → placements
// filled in for a few trainees (one with dates), one URN unknown → uploaded → summary with its three
// counts and its one error listed → error report → the URN fixed in the report itself, uploaded
// again → review → submit → confirmation → the trainee's record shows the placements → the first
// upload "Replaced by" the second in the list → the upload undone after a confirmation that says
// how many placements go → the placements gone and the upload "Undone". Once with JavaScript, once
// without.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { PLACEMENTS } from './support/kinds.ts';
import { expectPage, pathOf, signIn, textOf } from './support/pages.ts';
import type { Sheet } from './support/sheet.ts';
import { UploadPages } from './support/upload.ts';

const RECORDED = 'Placements recorded';
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

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

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
  const browser = useBrowser();

  /** Signs in as the SCITT's user and follows the home page's card to the start page. */
  async function startPage(page: Page): Promise<UploadPages> {
    const uploads = new UploadPages(page, PLACEMENTS);
    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.getByRole('link', { name: 'Add placements in bulk' }).click();
    await uploads.expectStartPage();
    return uploads;
  }

  /** Downloads the sheet of trainees with fewer than 2 placements (the start page's default choice). */
  async function downloadSheet(uploads: UploadPages): Promise<Sheet> {
    const page = uploads.page;
    const fewer = page.getByRole('radio', { name: 'Trainees with fewer than 2 placements' });
    assert.equal(await fewer.isChecked(), true, 'the sheet lists trainees with fewer than 2 placements unless told');
    const listed = Number(
      /([\d,]+) trainees? ha(?:s|ve) fewer than 2 placements/
        .exec(await textOf(page.locator('main')))?.[1]
        .replace(/,/g, ''),
    );
    assert.ok(listed > 0, 'the start page says how many trainees have fewer than 2 placements');
    const sheet = await uploads.downloadTemplate();
    assert.equal(sheet.fileName, `${SHEET_NAME}.csv`);
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

  /** From a page with the "See your trainees" link to the trainee's record, through the list's search. */
  async function traineePage(page: Page, sheet: Sheet, row: string[]) {
    const trn = sheet.cell(row, 'TRN');
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
    await expectPage(page, { path: TRAINEE, heading: new RegExp(escapeRegExp(lastName)) });
    assert.match(await textOf(page.locator('main')), new RegExp(trn));
  }

  /** The placement cards on the trainee's page. */
  const placementCards = (page: Page) => page.locator('#placements ~ .govuk-summary-card');

  /** The whole journey; with JavaScript it also reads the guidance. */
  async function journey({ javaScript }: { javaScript: boolean }) {
    const page = await browser.newPage({ javaScript });
    const uploads = await startPage(page);

    if (javaScript) {
      // The guidance, and the sheet as an Excel workbook as well as CSV.
      await page.getByRole('link', { name: 'what goes in each column' }).click();
      await expectPage(page, { path: `${PLACEMENTS.start}/guidance`, heading: 'What goes in the sheet' });
      assert.match(await textOf(page.getByRole('table')), /Placement 1 URN/);
      await page.getByRole('link', { name: 'Back to add placements for your trainees' }).click();
      await uploads.expectStartPage();
    }
    const workbook = await uploads.downloadWorkbook();
    assert.equal(workbook.fileName, `${SHEET_NAME}.xlsx`);

    const sheet = await downloadSheet(uploads);
    const filled = fillIn(sheet);
    const skipped = sheet.rows.length - 4;

    const fileName = `placements ${javaScript ? 'with' : 'without'} JavaScript.csv`;
    const first = await uploads.upload(sheet.toFile(fileName));
    await uploads.expectCounts({ change: 3, skip: skipped, error: 1 });
    // One error: listed on the page as well as in the report.
    assert.deepEqual(await uploads.errorsListed(), [
      [
        String(sheet.rows.indexOf(filled.broken) + 2),
        'Placement 1 URN',
        UNKNOWN_URN,
        `Placement 1 URN: there is no school with URN ${UNKNOWN_URN} in the register. Check the URN, or for a school without one leave it empty and give the school’s name and postcode`,
      ],
    ]);

    const report = await uploads.downloadErrorReport(fileName);
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
    const second = await uploads.reupload(report.toFile(fixedName));
    await uploads.expectCounts({ change: 4, skip: skipped, error: 0 });

    await uploads.continueToReview();
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

    await uploads.submit('Add placements for 4 trainees', 'Placements added for 4 trainees');
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

    const submitted = await uploads.uploadsRow(fixedName);
    assert.match(submitted, /Submitted/);
    assert.match(submitted, /Trainees updated: 4/);
    // The upload the fixed file replaced says so, and links to the upload that replaced it.
    const replaced = await uploads.rowOf(fileName);
    assert.match(replaced, new RegExp(`Replaced by ${escapeRegExp(fixedName)}`));
    assert.doesNotMatch(replaced, /Cancelled/);
    await page.getByRole('link', { name: fileName, exact: true }).click();
    await expectPage(page, { path: `/uploads/${first}`, heading: 'Upload replaced' });

    // Undo, after a confirmation, from the page of the upload that replaced it.
    await page.getByRole('link', { name: `Replaced by ${fixedName}`, exact: true }).click();
    await expectPage(page, { path: `/uploads/${second}`, heading: 'Upload submitted' });
    const undone = await uploads.undo();
    assert.match(
      undone.confirmation,
      new RegExp(`Everything ‘${escapeRegExp(fixedName)}’ added on .* will be removed: 5 placements of 4 trainees\\.`),
    );
    assert.match(undone.banner, new RegExp(`You undid the upload of ‘${escapeRegExp(fixedName)}’`));
    assert.match(await textOf(page.locator('.govuk-summary-list')), /Status Undone/);
    assert.equal(await page.getByRole('button', { name: 'Undo this upload' }).count(), 0);

    // The placements are gone from the trainee's record, and the list says the upload was undone.
    await traineePage(page, sheet, filled.two);
    assert.equal(pathOf(page), traineePath);
    assert.equal(await placementCards(page).count(), 0);
    assert.match(await textOf(page.locator('main')), /has no placements/);
    assert.match(await uploads.uploadsRow(fixedName), /Trainees updated: 4.*Undone|Undone.*Trainees updated: 4/);

    // The same trainees are in a new sheet of trainees with fewer than 2 placements, with none recorded.
    await page.getByRole('link', { name: PLACEMENTS.title }).click();
    await uploads.expectStartPage();
    const again = await downloadSheet(uploads);
    for (const row of [filled.two, filled.one, filled.nursery, filled.broken]) {
      assert.equal(again.cell(again.find(sheet.cell(row, 'TRN')), RECORDED), '');
    }
    browser.expectNoConsoleErrors();
  }

  it('with JavaScript: adds placements from a sheet fixed through its error report, then undoes them', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    await journey({ javaScript: true });
  });

  it('without JavaScript: adds placements from a sheet fixed through its error report, then undoes them', {
    timeout: JOURNEY_TIMEOUT_MS,
  }, async () => {
    await journey({ javaScript: false });
  });
});
