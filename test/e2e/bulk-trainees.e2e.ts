// Adding and updating trainees in bulk in Chromium, with axe run on every page: home → start page →
// the empty template downloaded → 200 trainees filled in, 3 of them with a mistake → uploaded →
// summary with its three counts and the 3 errors listed → error report downloaded, the 3 rows fixed
// in it, uploaded again → review → submit → the sheet of the provider's trainees downloaded, 20 of
// them given a new email address and study mode, the rest left as they are (unchanged) → the review
// shows each changed field, old → new → submit → a trainee's record shows the new details. The start
// page's link to the allowed values is followed too. Once with JavaScript, once without (each with trainees of its own).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { DEMO } from '../../src/demo/index.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { TRAINEES } from './support/kinds.ts';
import { expectPage, signIn, textOf } from './support/pages.ts';
import { Sheet } from './support/sheet.ts';
import { UploadPages } from './support/upload.ts';

const ADDED = 200;
const UPDATED = 20;
/** The rows (1-based, as in the file) given a mistake, and the column it is in. */
const MISTAKES = [
  { row: 7, column: 'Date of birth', wrong: '31/02/1996', right: '28/02/1996' },
  { row: 88, column: 'Sex', wrong: 'F', right: 'Female' },
  { row: 163, column: 'Email address', wrong: 'not an email address', right: '' },
];

function startYear() {
  const now = new Date();
  return now.getUTCMonth() >= 7 ? now.getUTCFullYear() : now.getUTCFullYear() - 1;
}

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

/** The cells of trainee n (1-based), by heading, on a postgraduate route, with HESA codes here and there. */
function traineeCells(tag: string, n: number): Record<string, string> {
  const year = startYear();
  return {
    'Provider trainee ID': `${tag}-${n}`,
    'First names': `Trainee ${n}`,
    'Last name': `Bulk${tag}${String.fromCharCode(65 + (n % 26))}${n}`,
    'Date of birth': `${(n % 28) + 1}/${(n % 12) + 1}/1997`,
    Sex: n % 2 ? '10' : 'male',
    'Email address': `${tag.toLowerCase()}.${n}@example.com`,
    'Training route': n % 3 ? 'provider_led_postgrad' : '12',
    'Course subject 1': n % 2 ? 'Mathematics' : '100425',
    'Age range': '11 to 16',
    'Study mode': n % 4 ? 'full_time' : '01',
    'ITT start date': `1/9/${year}`,
    'Expected end date': `${year + 1}-07-15`,
    'Degree type': 'uk',
    'Degree subject': 'Mathematics',
    'Degree grade': '2:1',
    'Degree graduation year': '2019',
    'Awarding institution': 'University of Hull',
  };
}

describe('adding and updating trainees in bulk in the browser', () => {
  const browser = useBrowser();

  async function startPage(page: Page): Promise<UploadPages> {
    const uploads = new UploadPages(page, TRAINEES);
    await page.goto('/');
    await expectPage(page, { path: '/sign-in?returnTo=%2F', heading: 'Sign in to Rollbook' });
    await signIn(page, 'provider@example.com');
    await expectPage(page, { path: '/', heading: DEMO.scitt.name });
    await page.getByRole('link', { name: 'Add or update trainees in bulk' }).click();
    await uploads.expectStartPage();
    return uploads;
  }

  async function journey({ javaScript }: { javaScript: boolean }) {
    const page = await browser.newPage({ javaScript });
    const tag = javaScript ? 'JS' : 'NOJS';
    const uploads = await startPage(page);

    // The allowed values, linked from the start page.
    await page.getByRole('link', { name: 'allowed values for trainees’ details' }).click();
    await expectPage(page, { path: '/trainees/reference', heading: 'Allowed values for trainees’ details' });
    assert.match(await textOf(page.locator('#training-routes + p + table')), /provider_led_postgrad/);
    await uploads.openStartPage();

    // The empty template (the default): the headings, no rows.
    assert.equal(
      await page.getByRole('radio', { name: 'Nothing: an empty sheet, to add new trainees' }).isChecked(),
      true,
    );
    const template = await uploads.downloadTemplate();
    assert.deepEqual(template.headers.slice(0, 4), ['Provider trainee ID', 'HESA ID', 'First names', 'Last name']);
    assert.equal(template.rows.length, 0);

    // 200 trainees, 3 with a mistake.
    const rows = Array.from({ length: ADDED }, (_, i) => {
      const cells = traineeCells(tag, i + 1);
      return template.headers.map((header) => cells[header] ?? '');
    });
    for (const mistake of MISTAKES) rows[mistake.row - 1][template.column(mistake.column)] = mistake.wrong;
    const sheet = new Sheet(template.headers, rows, true);
    const fileName = `new trainees ${tag}.csv`;
    await uploads.upload(sheet.toFile(fileName));
    await uploads.expectCounts({ change: ADDED - MISTAKES.length, skip: 0, error: MISTAKES.length });
    const listed = await uploads.errorsListed();
    assert.deepEqual(
      listed.map(([row, column, value]) => [row, column, value]),
      MISTAKES.map((m) => [String(m.row + 1), m.column, m.wrong]),
      'each mistake listed with its row (the heading is row 1), column and value',
    );
    for (const [, column, , message] of listed) {
      assert.match(message, new RegExp(`^${escapeRegExp(column)}`), 'each message starts with its column');
    }

    // Fixed in the error report itself, which goes back as it is.
    const report = await uploads.downloadErrorReport(fileName);
    assert.equal(report.rows.length, ADDED, 'every row, in its order');
    for (const mistake of MISTAKES) {
      const row = report.rows[mistake.row - 1];
      assert.equal(report.cell(row, 'Validation result'), '1 error');
      assert.match(report.cell(row, 'Errors'), new RegExp(`^${escapeRegExp(mistake.column)}`));
      report.set(row, mistake.column, mistake.right || `${tag.toLowerCase()}.${mistake.row}@example.com`);
    }
    assert.equal(report.cell(report.rows[0], 'Validation result'), 'Passed');
    const fixedName = fileName.replace(/\.csv$/, '-checked.csv');
    await uploads.reupload(report.toFile(fixedName));
    await uploads.expectCounts({ change: ADDED, skip: 0, error: 0 });

    await uploads.continueToReview();
    const review = await textOf(page.locator('main'));
    assert.match(review, new RegExp(`Trainees to add \\(${ADDED}\\)`));
    assert.doesNotMatch(review, /Trainees to update/);
    await uploads.submit(`Add or update ${ADDED} trainees`, `${ADDED} trainees added or updated`);

    // The teaching record gives the new trainees their TRNs in a job, which changes their records.
    // Wait for it, as a user sees it in the trainee list, so that it cannot land between the check
    // of the changes below and their submission (which would then rightly refuse them as changed).
    const matching = async (query: string) => {
      await page.goto(`/trainees?${query}`);
      return Number(/([\d,]+)<\/strong> trainees? match/.exec(await page.content())?.[1]?.replace(',', '') ?? 0);
    };
    assert.equal(await matching(`q=Bulk${tag}`), ADDED, 'the search finds the trainees just added');
    for (let tries = 0; ; tries++) {
      const waiting = await matching(`q=Bulk${tag}&state=submitted_for_trn`);
      if (waiting === 0) break;
      assert.ok(tries < 60, `${waiting} trainees still waiting for a TRN after a minute`);
      await page.waitForTimeout(1_000);
    }

    // A second file: the sheet of the provider's trainees, in which 20 of them change their email
    // address and study mode; every other row is left as it is.
    await uploads.openStartPage();
    await page.getByRole('radio', { name: 'Your trainees, to change their details' }).check();
    const mine = await uploads.downloadTemplate();
    assert.ok(mine.rows.length >= ADDED, 'the sheet lists the trainees just added, and others');
    const changed = Array.from({ length: UPDATED }, (_, i) => i * 10 + 1);
    for (const n of changed) {
      const row = mine.rows.find((r) => mine.cell(r, 'Provider trainee ID') === `${tag}-${n}`);
      assert.ok(row, `the sheet lists ${tag}-${n}`);
      assert.equal(mine.cell(row, 'Study mode'), 'full_time');
      mine.set(row, 'Email address', `${tag.toLowerCase()}.${n}@school.example`);
      mine.set(row, 'Study mode', '31');
    }
    const updateName = `changed trainees ${tag}.csv`;
    await uploads.upload(mine.toFile(updateName));
    await uploads.expectCounts({ change: UPDATED, skip: mine.rows.length - UPDATED, error: 0 });
    await uploads.continueToReview();
    assert.match(await textOf(page.locator('main')), new RegExp(`Trainees to update \\(${UPDATED}\\)`));
    for (const n of changed) {
      const cells = traineeCells(tag, n);
      const name = `${cells['First names']} ${cells['Last name']}`;
      const line = page
        .locator('main li')
        .filter({ has: page.locator('strong', { hasText: new RegExp(`^${name}$`) }) });
      assert.equal(
        await textOf(line.locator('span')),
        `Email address: ${cells['Email address']} → ${tag.toLowerCase()}.${n}@school.example · Study mode: Full time → Part time`,
      );
    }
    await uploads.submit(`Add or update ${UPDATED} trainees`, `${UPDATED} trainees added or updated`);

    // The trainee's record shows the new details.
    const first = traineeCells(tag, changed[1]);
    await page.getByRole('link', { name: 'See your trainees' }).click();
    await expectPage(page, { path: '/trainees', heading: 'Trainees' });
    await page.getByLabel('Name, TRN, trainee ID or HESA ID').fill(first['Provider trainee ID']);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expectPage(page, { path: /^\/trainees\?q=/, heading: 'Trainees' });
    await page
      .getByRole('table')
      .getByRole('link', { name: new RegExp(`^${first['Last name']},`) })
      .click();
    await expectPage(page, {
      path: /^\/trainees\/[0-9a-f-]{36}(\?back=[^&]*)?$/,
      heading: `${first['First names']} ${first['Last name']}`,
    });
    const record = await textOf(page.locator('main'));
    assert.match(record, new RegExp(escapeRegExp(`${tag.toLowerCase()}.${changed[1]}@school.example`)));
    assert.match(record, /Study mode\s*Part time/);
  }

  it('with JavaScript', { timeout: JOURNEY_TIMEOUT_MS * 2 }, async () => {
    await journey({ javaScript: true });
    browser.expectNoConsoleErrors();
  });

  it('without JavaScript', { timeout: JOURNEY_TIMEOUT_MS * 2 }, async () => {
    await journey({ javaScript: false });
  });
});
