// School data in the browser, with and without JavaScript, axe run on every page: a school admin
// downloads the template, uploads 300 learners with 40 fields of the school's own (two rows with
// errors, fixed through the error report), previews a learner's page and publishes; gives
// themselves permission, finds the learner and prints their sign-in letter; the learner uses the
// code, sets a password and sees their own data without blanks; the admin's view is in the list.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { csvText, readCsv } from '../support/csv.ts';
import { JOURNEY_TIMEOUT_MS, useBrowser } from './support/browser.ts';
import { download, expectPage, signIn, textOf } from './support/pages.ts';
import { UploadPages } from './support/upload.ts';

const KIND = {
  start: '/bulk/school-data',
  title: 'Upload your learners’ school data',
  reviewHeading: 'Check the school data and preview what learners will see',
};
const UPN_LETTERS = 'ABCDEFGHJKLMNPQRTUVWXYZ';
const upn = (n: number) => {
  const last12 = `80130000${String(n).padStart(4, '0')}`;
  let sum = 0;
  for (let i = 0; i < 12; i++) sum += Number(last12[i]) * (i + 2);
  return `${UPN_LETTERS[sum % 23]}${last12}`;
};
const FIELDS = Array.from({ length: 40 }, (_, i) => `Subject ${i + 1}`);
const PASSWORD = 'learner-journey-password';

/** The sheet: the header block, the heading row, then 300 learners from `first` (rows 5 and 9 with errors). */
function sheet(first: number): string {
  const rows = Array.from({ length: 300 }, (_, i) => {
    const n = first + i;
    return [
      `Kit${n}`,
      `Journey${n}`,
      // Row 5's UPN has the wrong check letter.
      i === 5 ? `${upn(n)[0] === 'A' ? 'B' : 'A'}${upn(n).slice(1)}` : upn(n),
      `J${n}`,
      '14/2/2013',
      i === 9 ? 'Year 14' : 'Year 8',
      // Every third field blank: not stored, not shown.
      ...FIELDS.map((_, f) => (f % 3 === 2 ? '' : `${(n + f) % 9}`)),
    ];
  });
  return csvText([
    ['School name', 'Rollbook Demo Primary School'],
    ['School postcode', ''],
    ['Import spreadsheet submitted by', ''],
    ['Date submitted', ''],
    ['Introductory text paragraph 1', 'These are your predicted grades.'],
    [],
    ['First name', 'Surname', 'UPN', 'Admission number', 'Date of birth', 'Year group', ...FIELDS],
    ...rows,
  ]);
}

const csv = (name: string, text: string) => ({ name, mimeType: 'text/csv', buffer: Buffer.from(text, 'utf8') });

/** The error report, fixed: the bad UPN and year group put right. */
function fixReport(report: Buffer, first: number): string {
  const rows = readCsv(report, { keepBlankLines: true });
  const heading = rows.findIndex((row) => row[0] === 'First name');
  const upnColumn = rows[heading].indexOf('UPN');
  const yearColumn = rows[heading].indexOf('Year group');
  rows[heading + 1 + 5][upnColumn] = upn(first + 5);
  rows[heading + 1 + 9][yearColumn] = 'Y8';
  return csvText(rows.filter((row) => row.length > 1 || row[0] !== ''));
}

describe('school data in the browser', () => {
  const browser = useBrowser();

  for (const javaScript of [true, false]) {
    const how = javaScript ? 'with JavaScript' : 'without JavaScript';
    const first = javaScript ? 1000 : 2000;

    it(`a school uploads, previews and publishes, and a learner signs in with their letter (${how})`, {
      timeout: JOURNEY_TIMEOUT_MS * 2,
    }, async () => {
      const page = await browser.newPage({ javaScript });
      await page.goto(KIND.start);
      await signIn(page, 'school@example.com');
      const upload = new UploadPages(page, KIND);
      await upload.expectStartPage();
      const template = await download(
        page,
        page
          .getByRole('link', { name: 'Download the sheet as CSV', exact: true })
          .or(page.getByRole('button', { name: 'Download the sheet as CSV', exact: true })),
      );
      assert.match(template.bytes.toString('utf8'), /School name,Rollbook Demo Primary School/);

      await upload.upload(csv('school-data.csv', sheet(first)));
      await upload.expectCounts({ change: 298, skip: 0, error: 2 });
      const report = await download(page, page.getByRole('link', { name: 'Download the error report' }));
      await upload.reupload(csv('school-data.csv', fixReport(report.bytes, first)));
      await upload.expectCounts({ change: 300, skip: 0, error: 0 });
      await upload.continueToReview();

      // The preview of a chosen learner, exactly as they will see it.
      const option = page.locator('#learner option', { hasText: `Kit${first + 3} Journey${first + 3} (` });
      const row = await option.getAttribute('value');
      assert.ok(row);
      await page.getByLabel('Learner to preview').selectOption(row);
      await page.getByRole('button', { name: 'Show this learner' }).click();
      await expectPage(page, { path: new RegExp(`/review\\?learner=${row}`), heading: KIND.reviewHeading });
      const preview = await textOf(page.locator('.rollbook-preview'));
      assert.match(preview, /These are your predicted grades\./);
      assert.match(preview, /Subject 1/);
      assert.doesNotMatch(preview, /Subject 3 /, 'a blank field is not shown');
      await upload.submit('Submit school data for 300 learners', 'School data submitted for 300 learners');

      // Permission, then the learner's page and a sign-in letter.
      await page.goto('/organisation/learner-data');
      await expectPage(page, { path: '/organisation/learner-data', heading: 'Who can see learners’ data' });
      const give = page.getByRole('button', { name: /Give permission for Siân Evans/ });
      if (await give.count()) {
        await give.click();
        await expectPage(page, { path: '/organisation/learner-data', heading: 'Who can see learners’ data' });
      }
      await page.goto('/learners');
      await expectPage(page, { path: '/learners', heading: 'Find a learner' });
      await page.getByLabel('Name, UPN or admission number').fill(`J${first + 3}`);
      await page.getByRole('button', { name: 'Search' }).click();
      await expectPage(page, { path: `/learners?q=J${first + 3}`, heading: 'Find a learner' });
      await page.getByRole('link', { name: `Kit${first + 3} Journey${first + 3}` }).click();
      await expectPage(page, { path: /^\/learners\/[0-9a-f-]{36}$/, heading: `Kit${first + 3} Journey${first + 3}` });
      await page
        .getByRole('button', { name: `Print a sign-in letter for Kit${first + 3} Journey${first + 3}` })
        .click();
      await expectPage(page, { path: '/organisation/learner-data/letters', heading: 'Sign-in letters for 1 learner' });
      const letter = await textOf(page.locator('.rollbook-letter'));
      const code = /[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(letter)?.[0];
      assert.ok(code, letter);

      const learner: Page = await browser.newPage({ javaScript });
      await learner.goto('/learner/code');
      await expectPage(learner, { path: '/learner/code', heading: 'Use the code from your letter' });
      await learner.getByLabel('Code').fill(code);
      await learner.getByLabel('Choose a password').fill(PASSWORD);
      await learner.getByLabel('Type the password again').fill(PASSWORD);
      await learner.getByRole('button', { name: 'Set password and continue' }).click();
      await expectPage(learner, { path: '/your-school-data?password=set', heading: 'Your school data' });
      const mine = await textOf(learner.locator('main'));
      assert.match(mine, new RegExp(`Kit${first + 3} Journey${first + 3}, Year 8`));
      assert.match(mine, /These are your predicted grades\./);
      assert.match(mine, /Subject 2/);
      assert.doesNotMatch(mine, /Subject 3 /, 'blanks are left out');
      assert.doesNotMatch(mine, new RegExp(`Kit${first + 4}`), 'only their own data');

      await page.goto('/organisation/learner-data/views');
      await expectPage(page, { path: '/organisation/learner-data/views', heading: 'Views of learners’ data' });
      assert.match(await textOf(page.locator('main')), new RegExp(`Siân Evans Kit${first + 3} Journey${first + 3}`));
      browser.expectNoConsoleErrors();
    });
  }
});
