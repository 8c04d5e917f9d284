// School data in the browser, with and without JavaScript, axe run on every page: a school admin
// downloads the template, uploads 300 learners with 40 fields of the school's own (two rows with
// errors, fixed through the error report), previews a learner's page and publishes; gives
// themselves permission, finds the learner and prints their sign-in letter; the learner uses the
// code, sets a password and sees their own data without blanks; the admin's view is in the list.
// Then a second upload of 20 of a school's learners, published at a time a little ahead: until that
// time its learners keep seeing their previous data, and from then they see the new one, while the
// others keep theirs. Meanwhile a new member of staff is refused every learner page (404) until the
// admin gives them permission; then they find a learner, see the page, and the admin sees that view.
// Last, learners whose upload rows gave an email address are invited by email: one uses the link
// to choose a password, which then works once only, and signs in with that address.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { csvText, readCsv } from '../support/csv.ts';
import { JOURNEY_TIMEOUT_MS, notFoundLogged, useBrowser } from './support/browser.ts';
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

/** A smaller sheet: learners `from`..`from + count - 1` in one year group, with two fields of the school's own. */
function termSheet(intro: string, year: string, learners: number[], value: (n: number) => string): string {
  return csvText([
    ['School name', 'Rollbook Demo Primary School'],
    ['Introductory text paragraph 1', intro],
    [],
    ['First name', 'Surname', 'UPN', 'Admission number', 'Date of birth', 'Year group', 'Maths target', 'Reading'],
    ...learners.map((n) => [`Kit${n}`, `Journey${n}`, upn(n), `J${n}`, '14/2/2011', year, value(n), `Book ${n}`]),
  ]);
}

/**
 * The next whole minute at least `leadMs` from now, and its date and time on a clock in England, as
 * the review page asks for them (the page takes hours and minutes).
 */
function publishTimeAhead(leadMs: number) {
  const at = new Date(Math.ceil((Date.now() + leadMs) / 60_000) * 60_000);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/London',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  return { at, day: parts.day, month: parts.month, year: parts.year, time: `${parts.hour}:${parts.minute}` };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The admin finds a learner by admission number and prints their letter: the learner's page address and code. */
async function printLetter(page: Page, n: number): Promise<{ learnerPath: string; code: string }> {
  await page.goto(`/learners?q=J${n}`);
  await expectPage(page, { path: `/learners?q=J${n}`, heading: 'Find a learner' });
  await page.getByRole('link', { name: `Kit${n} Journey${n}` }).click();
  await expectPage(page, { path: /^\/learners\/[0-9a-f-]{36}$/, heading: `Kit${n} Journey${n}` });
  const learnerPath = new URL(page.url()).pathname;
  await page.getByRole('button', { name: `Print a sign-in letter for Kit${n} Journey${n}` }).click();
  await expectPage(page, { path: '/organisation/learner-data/letters', heading: 'Sign-in letters for 1 learner' });
  const code = /[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}/.exec(await textOf(page.locator('.rollbook-letter')))?.[0];
  assert.ok(code);
  return { learnerPath, code };
}

/** A learner uses the code on their letter and chooses a password: their page shows. */
async function learnerUsesCode(learner: Page, code: string) {
  await learner.goto('/learner/code');
  await expectPage(learner, { path: '/learner/code', heading: 'Use the code from your letter' });
  await learner.getByLabel('Code').fill(code);
  await learner.getByLabel('Choose a password').fill(PASSWORD);
  await learner.getByLabel('Type the password again').fill(PASSWORD);
  await learner.getByRole('button', { name: 'Set password and continue' }).click();
  await expectPage(learner, { path: '/your-school-data?password=set', heading: 'Your school data' });
}

/** The learner's page, again: what it says now. */
async function reread(learner: Page): Promise<string> {
  await learner.goto('/your-school-data');
  await expectPage(learner, { path: '/your-school-data', heading: 'Your school data' });
  return textOf(learner.locator('main'));
}

/** The admin gives themselves permission to see learners' data, if they have not yet. */
async function givePermission(page: Page, name: string) {
  await page.goto('/organisation/learner-data');
  await expectPage(page, { path: '/organisation/learner-data', heading: 'Who can see learners’ data' });
  const give = page.getByRole('button', { name: `Give permission for ${name}` });
  if (await give.count()) {
    await give.click();
    await expectPage(page, { path: '/organisation/learner-data', heading: 'Who can see learners’ data' });
    assert.match(
      await textOf(page.locator('.govuk-notification-banner--success')),
      new RegExp(`${name} can now see learners’ data`),
    );
  }
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

  /** Pages staff were refused (404), which the browser logs as errors. */
  const refused: string[] = [];
  for (const javaScript of [true, false]) {
    const how = javaScript ? 'with JavaScript' : 'without JavaScript';
    const first = javaScript ? 3000 : 4000;
    const year = javaScript ? 'Year 10' : 'Year 11';
    const teacher = javaScript
      ? { first: 'Robin', last: 'Teachwell', email: 'robin.teachwell@example.com' }
      : { first: 'Alex', last: 'Nojs', email: 'alex.nojs@example.com' };

    it(`a second upload of 20 learners published later replaces only theirs once its time comes; staff need permission (${how})`, {
      timeout: JOURNEY_TIMEOUT_MS * 4,
    }, async () => {
      const page = await browser.newPage({ javaScript });
      await page.goto(KIND.start);
      await signIn(page, 'school@example.com');
      const upload = new UploadPages(page, KIND);
      await upload.expectStartPage();

      // The first upload: 30 learners, published now.
      const all = Array.from({ length: 30 }, (_, i) => first + i);
      await upload.upload(
        csv(
          'autumn.csv',
          termSheet('Autumn targets.', year, all, (n) => `Autumn ${n}`),
        ),
      );
      await upload.expectCounts({ change: 30, skip: 0, error: 0 });
      await upload.continueToReview();
      await upload.submit('Submit school data for 30 learners', 'School data submitted for 30 learners');

      // Two learners sign in with their letters: one among the 20, one not.
      await givePermission(page, 'Siân Evans');
      const inSecond = first;
      const notInSecond = first + 25;
      const letterIn = await printLetter(page, inSecond);
      const letterOut = await printLetter(page, notInSecond);
      const learnerIn = await browser.newPage({ javaScript });
      await learnerUsesCode(learnerIn, letterIn.code);
      const learnerOut = await browser.newPage({ javaScript });
      await learnerUsesCode(learnerOut, letterOut.code);
      assert.match(await textOf(learnerIn.locator('main')), new RegExp(`Autumn targets\\..*Autumn ${inSecond}`));

      // The second upload: the first 20 learners, published at a time a little ahead.
      await upload.openStartPage();
      const twenty = all.slice(0, 20);
      await upload.upload(
        csv(
          'spring.csv',
          termSheet('Spring targets.', year, twenty, (n) => `Spring ${n}`),
        ),
      );
      await upload.expectCounts({ change: 20, skip: 0, error: 0 });
      await upload.continueToReview();
      // Far enough ahead for the checks before it, on a busy machine.
      const when = publishTimeAhead(45_000);
      await page.getByLabel('At a date and time I choose').check();
      await page.getByLabel('Day', { exact: true }).fill(when.day);
      await page.getByLabel('Month', { exact: true }).fill(when.month);
      await page.getByLabel('Year', { exact: true }).fill(when.year);
      await page.getByLabel('Time to publish').fill(when.time);
      await upload.submit('Submit school data for 20 learners', 'School data submitted for 20 learners');

      // Before that time: both learners still see the first upload's data; staff are told newer data is coming.
      const beforeIn = await reread(learnerIn);
      assert.match(beforeIn, new RegExp(`Autumn targets\\..*Autumn ${inSecond}`));
      assert.doesNotMatch(beforeIn, /Spring/);
      assert.ok(Date.now() < when.at.getTime(), 'checked before the time to publish');
      await page.goto(letterIn.learnerPath);
      await expectPage(page, { path: letterIn.learnerPath, heading: `Kit${inSecond} Journey${inSecond}` });
      assert.match(await textOf(page.locator('main')), /Newer data for this learner will be published on/);

      // Meanwhile: a new member of staff, without permission, is refused every learner page.
      await page.goto('/organisation');
      await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
      await page.getByRole('button', { name: 'Add a user' }).click();
      await expectPage(page, { path: '/organisation/users/new', heading: /Add a user/ });
      await page.getByLabel('Email address').fill(teacher.email);
      await page.getByLabel('First name').fill(teacher.first);
      await page.getByLabel('Last name').fill(teacher.last);
      await page.getByRole('button', { name: 'Add user' }).click();
      await expectPage(page, { path: '/organisation', heading: 'Your organisation' });
      // The invitation is read where support reads emails: the outbox.
      const support = await browser.newPage({ javaScript });
      await support.goto('/sign-in');
      await signIn(support, 'support@example.com');
      await support.goto('/support/outbox');
      await expectPage(support, { path: '/support/outbox', heading: 'Emails sent' });
      const invitation = support.locator('.govuk-summary-card').filter({ hasText: teacher.email }).first();
      const link = /\/set-password\/[\w-]+/.exec(await invitation.innerHTML())?.[0];
      assert.ok(link, `an invitation for ${teacher.email}`);
      const staff = await browser.newPage({ javaScript });
      await staff.goto(link);
      await expectPage(staff, { path: link, heading: /password/i });
      await staff.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await staff.getByLabel('Confirm password', { exact: true }).fill(PASSWORD);
      await staff.getByRole('button', { name: 'Set password and sign in' }).click();
      await expectPage(staff, { path: '/', heading: 'Rollbook Demo Primary School' });
      for (const path of ['/learners', `/learners?q=J${inSecond}`, letterIn.learnerPath]) {
        const answer = await staff.goto(path);
        assert.equal(answer?.status(), 404, path);
        refused.push(notFoundLogged(staff.url()));
        await expectPage(staff, { path, heading: 'Page not found' });
        assert.doesNotMatch(await textOf(staff.locator('main')), /Kit\d+|Autumn|Spring/);
      }

      // The admin gives them permission: they find a learner and see the learner's page.
      await page.goto('/organisation/learner-data');
      await expectPage(page, { path: '/organisation/learner-data', heading: 'Who can see learners’ data' });
      const name = `${teacher.first} ${teacher.last}`;
      await page.getByRole('button', { name: `Give permission for ${name}` }).click();
      await expectPage(page, { path: '/organisation/learner-data', heading: 'Who can see learners’ data' });
      await staff.goto('/learners');
      await expectPage(staff, { path: '/learners', heading: 'Find a learner' });
      await staff.getByLabel('Name, UPN or admission number').fill(`Kit${notInSecond}`);
      await staff.getByRole('button', { name: 'Search' }).click();
      await expectPage(staff, { path: `/learners?q=Kit${notInSecond}`, heading: 'Find a learner' });
      await staff.getByRole('link', { name: `Kit${notInSecond} Journey${notInSecond}` }).click();
      await expectPage(staff, { path: letterOut.learnerPath, heading: `Kit${notInSecond} Journey${notInSecond}` });
      assert.match(await textOf(staff.locator('.rollbook-preview')), new RegExp(`Autumn ${notInSecond}`));
      await page.goto('/organisation/learner-data/views');
      await expectPage(page, { path: '/organisation/learner-data/views', heading: 'Views of learners’ data' });
      assert.match(
        await textOf(page.locator('main table')),
        new RegExp(`${name} Kit${notInSecond} Journey${notInSecond} \\(UPN ${upn(notInSecond)}\\)`),
      );

      // Once the time comes (nothing runs then: a learner sees the latest data set whose time has passed).
      await sleep(Math.max(0, when.at.getTime() - Date.now() + 1_000));
      const afterIn = await reread(learnerIn);
      assert.match(afterIn, new RegExp(`Spring targets\\..*Spring ${inSecond}`));
      assert.doesNotMatch(afterIn, /Autumn/, 'the replaced data is not shown again');
      const afterOut = await reread(learnerOut);
      assert.match(afterOut, new RegExp(`Autumn targets\\..*Autumn ${notInSecond}`), 'the others keep theirs');
      assert.doesNotMatch(afterOut, /Spring/);
      browser.expectNoConsoleErrors({ allowed: refused });
    });
  }

  for (const javaScript of [true, false]) {
    const how = javaScript ? 'with JavaScript' : 'without JavaScript';
    const first = javaScript ? 5000 : 6000;
    const year = javaScript ? 'Year 12' : 'Year 13';

    it(`a school invites learners by the email addresses it uploaded, and one signs in with theirs (${how})`, {
      timeout: JOURNEY_TIMEOUT_MS * 2,
    }, async () => {
      const page = await browser.newPage({ javaScript });
      await page.goto(KIND.start);
      await signIn(page, 'school@example.com');
      const upload = new UploadPages(page, KIND);
      await upload.expectStartPage();
      const address = (n: number) => `kit${n}@pupils.example.com`;
      const sheetWithEmails = csvText([
        ['School name', 'Rollbook Demo Primary School'],
        [],
        ['First name', 'Surname', 'UPN', 'Admission number', 'Date of birth', 'Year group', 'Email address', 'Art'],
        ...[first, first + 1].map((n) => [
          `Kit${n}`,
          `Journey${n}`,
          upn(n),
          `J${n}`,
          '14/2/2010',
          year,
          address(n),
          `Art ${n}`,
        ]),
        [`Kit${first + 2}`, `Journey${first + 2}`, upn(first + 2), `J${first + 2}`, '14/2/2010', year, '', 'No email'],
      ]);
      await upload.upload(csv('emails.csv', sheetWithEmails));
      await upload.expectCounts({ change: 3, skip: 0, error: 0 });
      await upload.continueToReview();
      await upload.submit('Submit school data for 3 learners', 'School data submitted for 3 learners');

      await page.goto('/organisation/learner-data');
      await expectPage(page, { path: '/organisation/learner-data', heading: 'Who can see learners’ data' });
      await page.getByRole('link', { name: 'Invite learners by email' }).click();
      await expectPage(page, { path: '/organisation/learner-data/invitations', heading: 'Invite learners by email' });
      await page.getByLabel(`${year} (2 of 3 have an email address)`).check();
      await page.getByRole('button', { name: 'Send the invitations' }).click();
      await expectPage(page, {
        path: '/organisation/learner-data/invitations',
        heading: 'Invitations sent to 2 learners',
      });
      const sent = await textOf(page.locator('main'));
      assert.match(sent, new RegExp(`Kit${first} Journey${first} \\(${address(first).replace(/\./g, '\\.')}\\)`));

      const support = await browser.newPage({ javaScript });
      await support.goto('/sign-in');
      await signIn(support, 'support@example.com');
      await support.goto('/support/outbox');
      await expectPage(support, { path: '/support/outbox', heading: 'Emails sent' });
      const message = support
        .locator('.govuk-summary-card')
        .filter({ hasText: address(first) })
        .first();
      const link = /\/learner\/invitation\/[\w-]+/.exec(await message.innerHTML())?.[0];
      assert.ok(link, `an invitation for ${address(first)}`);

      const learner = await browser.newPage({ javaScript });
      await learner.goto(link);
      await expectPage(learner, { path: link, heading: 'Choose a password' });
      await learner.getByLabel('Choose a password').fill(PASSWORD);
      await learner.getByLabel('Type the password again').fill(PASSWORD);
      await learner.getByRole('button', { name: 'Set password and continue' }).click();
      await expectPage(learner, { path: '/your-school-data?password=set', heading: 'Your school data' });
      const mine = await textOf(learner.locator('main'));
      assert.match(mine, new RegExp(`sign in with your email address, ${address(first).replace(/\./g, '\\.')}`));
      assert.match(mine, new RegExp(`Art ${first}`));
      assert.doesNotMatch(mine, /pupils\.example\.com.*Email address/, 'the address is not one of the fields');
      const used = await learner.goto(link);
      assert.equal(used?.status(), 404, 'the link works once');
      refused.push(notFoundLogged(learner.url()));
      await expectPage(learner, { path: link, heading: 'This link does not work' });

      const again = await browser.newPage({ javaScript });
      await again.goto('/learner/sign-in');
      await expectPage(again, { path: '/learner/sign-in', heading: 'Sign in to see your school data' });
      await again.getByLabel('Username or email address').fill(address(first).toUpperCase());
      await again.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await again.getByRole('button', { name: 'Sign in', exact: true }).click();
      await expectPage(again, { path: '/your-school-data', heading: 'Your school data' });
      assert.match(await textOf(again.locator('main')), new RegExp(`Kit${first} Journey${first}, ${year}`));
      browser.expectNoConsoleErrors({ allowed: refused });
    });
  }
});
