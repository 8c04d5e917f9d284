// The upload journey on pages, with its first kind (QTS/EYTS recommendations): start page,
// template, upload, summary, error report, fix or skip, review, submit, confirmation, cancel,
// the list of uploads, refusals, CSRF and isolation between organisations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { reviewChanges } from '../../src/uploads/review.ts';
import { actorFor } from '../support/actors.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';
import { csvFile, readCsv } from '../support/csv.ts';
import { uploadFixture } from '../support/fixtures.ts';

const START = '/bulk/qts-recommendations';
const DATE_COLUMN = 'Date QTS or EYTS standards met';
/** A named upload file of this kind, as the form posts it. */
const fixture = (name: string) => {
  const file = uploadFixture('qts-recommendations', name);
  return { name: file.name, content: file.bytes };
};

/** yyyy-mm-dd → d/m/yyyy as a person would type it. */
const typed = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d}/${m}/${y}`;
};

const csv = (rows: string[][]) => csvFile(rows);

/** The upload id a page or redirect points at. */
function uploadIdFrom(location: unknown): string {
  const id = /\/uploads\/([0-9a-f-]{36})/.exec(String(location))?.[1];
  if (!id) throw new Error(`No upload in ${String(location)}`);
  return id;
}

describe('upload pages', () => {
  let t: TestContext;
  let scittId: string;
  const today = todayInEngland();

  before(async () => {
    t = await startTestApp();
    scittId = (await findOrganisationByReference(t.database.db, '10000001')).id;
  });
  after(() => t.close());

  async function template(agent: Agent): Promise<string[][]> {
    const response = await agent.get(`${START}/template.csv`);
    assert.equal(response.statusCode, 200);
    return readCsv(response.body);
  }

  /** The template with a standards date for the first n trainees. */
  async function filled(agent: Agent, n: number) {
    const [headers, ...rows] = await template(agent);
    const dateIndex = headers.indexOf(DATE_COLUMN);
    const startIndex = headers.indexOf('ITT start date');
    const done = rows.map((row, i) => {
      if (i >= n) return row;
      const [d, m, y] = row[startIndex].split('/').map(Number);
      const start = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      const copy = [...row];
      copy[dateIndex] = typed(start < today ? today : start);
      return copy;
    });
    return { headers, rows: done, dateIndex };
  }

  async function upload(agent: Agent, name: string, content: string | Uint8Array, fields: Record<string, string> = {}) {
    await agent.get(START);
    const response = await agent.postFile(START, { name, content, type: 'text/csv' }, fields);
    assert.equal(response.statusCode, 303, response.body);
    return uploadIdFrom(response.headers.location);
  }

  async function uploadState(id: string) {
    return (await t.database.db.selectFrom('uploads').select('state').where('id', '=', id).executeTakeFirstOrThrow())
      .state;
  }

  async function uploadCount() {
    const row = await t.database.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async function recommendedEvents(uploadId: string) {
    const row = await t.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'recommended for award')
      .where('via', '=', `upload ${uploadId}`)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('offers the journey from the home page and the navigation, with a start page and downloads', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const home = await agent.get('/');
    assert.match(home.body, /href="\/bulk\/qts-recommendations">Recommend trainees for QTS or EYTS/);
    assert.match(home.body, /href="\/uploads"[^>]*>\s*Uploads/);

    const start = await agent.get(START);
    assert.equal(start.statusCode, 200);
    assert.match(start.body, /<title>Recommend trainees for QTS or EYTS – Rollbook<\/title>/);
    assert.match(start.body, /540 trainees can be recommended now/);
    assert.match(start.body, /href="\/bulk\/qts-recommendations\/template\.csv"/);
    assert.match(start.body, /href="\/bulk\/qts-recommendations\/template\.xlsx"/);
    assert.match(start.body, /href="\/bulk\/qts-recommendations\/guidance"/);
    assert.match(start.body, /enctype="multipart\/form-data"/);
    assert.match(start.body, /type="file"[^>]*accept="\.csv,\.xlsx/);
    assert.match(start.body, /name="_csrf" value="[^"]+"/);
  });

  it('explains every column, the date formats and the limits', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const page = await agent.get(`${START}/guidance`);
    assert.equal(page.statusCode, 200);
    for (const header of ['TRN', 'Provider trainee ID', 'HESA ID', 'Last name', 'Route', DATE_COLUMN]) {
      assert.match(page.body, new RegExp(`<strong>${header}</strong>`), header);
    }
    assert.match(page.body, /27\/3\/2025/);
    assert.match(page.body, /2025-03-27/);
    assert.match(page.body, /100,000 rows and 50 MB/);
    assert.match(page.body, /Blank rows are ignored/);
    assert.match(page.body, /href="\/bulk\/qts-recommendations"/);
  });

  it('downloads the prefilled sheet as CSV and as XLSX', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const response = await agent.get(`${START}/template.csv`);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    assert.match(
      String(response.headers['content-disposition']),
      /^attachment; filename="rollbook-demo-scitt-qts-or-eyts-recommendations\.csv"/,
    );
    const [headers, ...rows] = await template(agent);
    assert.equal(headers.at(-1), DATE_COLUMN);
    assert.equal(rows.length, 540);
    const xlsx = await agent.get(`${START}/template.xlsx`);
    assert.equal(xlsx.statusCode, 200);
    assert.match(String(xlsx.headers['content-disposition']), /\.xlsx"/);
    assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK');
  });

  it('checks an upload, shows the counts, and recommends the trainees once when submitted', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows } = await filled(agent, 10);
    const id = await upload(agent, 'cohort.csv', csv([headers, ...rows]));

    const summary = await agent.get(`/uploads/${id}`);
    assert.equal(summary.statusCode, 200);
    assert.match(summary.body, /Your file has been checked – Rollbook/);
    assert.match(summary.body, /cohort\.csv/);
    assert.match(summary.body, /10 trainees will be recommended/);
    assert.match(summary.body, /530 trainees will not be recommended because no date was given/);
    assert.match(summary.body, /0 rows cannot be recommended because of errors/);
    assert.doesNotMatch(summary.body, /Download the error report/);
    assert.match(summary.body, new RegExp(`href="/uploads/${id}/review"`));

    const review = await agent.get(`/uploads/${id}/review`);
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /Check who you’ll recommend – Rollbook/);
    assert.doesNotMatch(review.body, /govuk-accordion/, 'ten lines need no accordion');
    assert.equal((review.body.match(/Standards met \d+ \w+ \d{4}/g) ?? []).length, 10);
    assert.match(review.body, new RegExp(`TRN ${rows[0][0]}`));
    assert.match(review.body, /name="skipErrors" value="false"/);
    assert.match(review.body, new RegExp(`href="/uploads/${id}/cancel"`));
    assert.match(review.body, /Recommend 10 trainees/);

    const submitted = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'false' });
    assert.equal(submitted.statusCode, 303);
    assert.equal(submitted.headers.location, `/uploads/${id}/done`);
    const done = await agent.get(`/uploads/${id}/done`);
    assert.match(done.body, /govuk-panel/);
    assert.match(done.body, /10 trainees recommended for QTS or EYTS/);
    assert.match(done.body, /Holds QTS/);
    assert.match(done.body, /href="\/trainees"/);

    const trainee = await t.database.db
      .selectFrom('trainees')
      .selectAll()
      .where('trn', '=', rows[0][0])
      .executeTakeFirstOrThrow();
    // Recommended, and the award request sent to the (local) Teaching Record System, which in
    // tests awards at once.
    assert.ok(['recommended', 'awarded'].includes(trainee.state), trainee.state);
    assert.ok(trainee.standards_met_date);
    const request = await t.database.db
      .selectFrom('award_requests')
      .select('state')
      .where('trainee_id', '=', trainee.id)
      .executeTakeFirst();
    assert.ok(request, 'an award request was made');
    assert.equal(await recommendedEvents(id), 10);

    // A second click (or the back button and submit again) recommends nobody twice.
    const again = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'false' });
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, `/uploads/${id}/done`);
    assert.equal(await recommendedEvents(id), 10);
    const reviewAfter = await agent.get(`/uploads/${id}/review`);
    assert.equal(reviewAfter.headers.location, `/uploads/${id}/done`);
    const summaryAfter = await agent.get(`/uploads/${id}`);
    assert.match(summaryAfter.body, /Upload submitted/);
    assert.match(summaryAfter.body, /10 trainees recommended for QTS or EYTS on/);
  });

  it('reports errors, offers the error report, and continues without the rows with errors', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows, dateIndex } = await filled(agent, 32);
    const lastName = headers.indexOf('Last name');
    rows[0][dateIndex] = '31/02/2025';
    rows[1][lastName] = 'Changed';
    const id = await upload(agent, 'with errors.csv', csv([headers, ...rows]));

    const summary = await agent.get(`/uploads/${id}`);
    assert.match(summary.body, /30 trainees will be recommended/);
    assert.match(summary.body, /2 rows cannot be recommended because of errors/);
    assert.match(summary.body, new RegExp(`href="/uploads/${id}/report"[^>]*>Download the error report`));
    assert.match(summary.body, /name="replaces" value="[0-9a-f-]{36}"/);
    assert.match(summary.body, new RegExp(`href="/uploads/${id}/review\\?skipErrors=true"`));
    // So few errors are listed on the page too: row, column, value and message.
    const table = /<table class="govuk-table">[\s\S]*?<\/table>/.exec(summary.body)?.[0] ?? '';
    assert.match(table, /<caption[^>]*>Errors in ‘with errors\.csv’<\/caption>/);
    const cells = [...table.matchAll(/<td class="govuk-table__cell">([^<]*)<\/td>/g)].map((m) => m[1].trim());
    assert.deepEqual(cells.slice(0, 3), ['2', DATE_COLUMN, '31/02/2025']);
    assert.match(cells[3], /^Date QTS or EYTS standards met: &quot;31\/02\/2025&quot; is not a real date/);
    assert.deepEqual(cells.slice(4, 7), ['3', 'Last name', 'Changed']);
    assert.equal(cells.length, 8, 'two errors');

    const report = await agent.get(`/uploads/${id}/report`);
    assert.equal(report.statusCode, 200);
    assert.match(String(report.headers['content-disposition']), /^attachment; filename="with errors-checked\.csv"/);
    const [reportHeaders, ...reportRows] = readCsv(report.body);
    assert.deepEqual(reportHeaders.slice(-2), ['Validation result', 'Errors']);
    assert.equal(reportRows[0].at(-2), '1 error');
    assert.match(reportRows[1].at(-1) ?? '', /Last name: "Changed"/);
    assert.equal(reportRows[2].at(-2), 'Passed');

    // Without choosing to skip them, the rows with errors stop the journey.
    const review = await agent.get(`/uploads/${id}/review`);
    assert.equal(review.statusCode, 303);
    assert.equal(review.headers.location, `/uploads/${id}`);
    const refused = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'false' });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /govuk-error-summary/);
    assert.match(refused.body, /Some rows have errors/);

    const skipping = await agent.get(`/uploads/${id}/review?skipErrors=true`);
    assert.equal(skipping.statusCode, 200);
    assert.match(skipping.body, /govuk-accordion/, 'thirty lines are grouped by route');
    assert.match(skipping.body, /2 rows cannot be recommended because of errors\. They are left out/);
    assert.match(skipping.body, /name="skipErrors" value="true"/);
    const submitted = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'true' });
    assert.equal(submitted.headers.location, `/uploads/${id}/done`);
    const done = await agent.get(`/uploads/${id}/done`);
    assert.match(done.body, /30 trainees recommended for QTS or EYTS/);
    assert.equal(await recommendedEvents(id), 30);
  });

  it('takes the XLSX sheet filled in with date cells, and reports in XLSX', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const download = await agent.get(`${START}/template.xlsx`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(download.rawPayload as unknown as ExcelJS.Buffer);
    const sheet = workbook.worksheets[0];
    const dateColumn = sheet.getRow(1).cellCount;
    assert.equal(sheet.getRow(1).getCell(dateColumn).text, DATE_COLUMN);
    const [y, m, d] = today.split('-').map(Number);
    for (const row of [2, 3]) {
      // A real date cell, as Excel makes when a date is typed into a cell formatted as a date.
      const cell = sheet.getRow(row).getCell(dateColumn);
      cell.value = new Date(Date.UTC(y, m - 1, d));
      cell.numFmt = 'dd/mm/yyyy';
    }
    sheet.getRow(4).getCell(dateColumn).value = 'not a date';
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    await agent.get(START);
    const response = await agent.postFile(START, {
      name: 'Recommendations.xlsx',
      content: bytes,
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    assert.equal(response.statusCode, 303, response.body);
    const id = uploadIdFrom(response.headers.location);
    const summary = await agent.get(`/uploads/${id}`);
    assert.match(summary.body, /2 trainees will be recommended/);
    assert.match(summary.body, /1 row cannot be recommended because of errors/);
    const report = await agent.get(`/uploads/${id}/report`);
    assert.match(String(report.headers['content-type']), /spreadsheetml/);
    assert.match(String(report.headers['content-disposition']), /filename="Recommendations-checked\.xlsx"/);
    await agent.post(`/uploads/${id}/cancel`);
  });

  it('reads the changes for review in pages, grouped, with at most so many lines a group', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows } = await filled(agent, 40);
    const id = await upload(agent, 'many.csv', csv([headers, ...rows]));
    const actor = await actorFor(t.database.db, 'provider@example.com', '10000001');
    const all = await reviewChanges(t.database.db, actor, id);
    const paged = await reviewChanges(t.database.db, actor, id, { linesPerGroup: 2, pageSize: 3 });
    assert.equal(all.total, 40);
    assert.equal(paged.total, 40);
    assert.deepEqual(
      paged.groups.map((g) => [g.name, g.total]),
      all.groups.map((g) => [g.name, g.total]),
    );
    assert.ok(paged.groups.every((g) => g.lines.length === Math.min(2, g.total)));
    assert.deepEqual(paged.groups[0].lines, all.groups[0].lines.slice(0, 2));
    const university = await actorFor(t.database.db, 'university@example.com', '10000002');
    await assert.rejects(reviewChanges(t.database.db, university, id), /not found/);
    await agent.post(`/uploads/${id}/cancel`);
  });

  it('replaces an upload with errors by a fixed file, cancelling the old one', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows, dateIndex } = await filled(agent, 3);
    const good = rows[0][dateIndex];
    rows[0][dateIndex] = '1/1/2099';
    const first = await upload(agent, 'first.csv', csv([headers, ...rows]));
    assert.match((await agent.get(`/uploads/${first}`)).body, /1 row cannot be recommended/);
    rows[0][dateIndex] = good;
    const second = await upload(agent, 'fixed.csv', csv([headers, ...rows]), { replaces: first });
    assert.notEqual(second, first);
    assert.equal(await uploadState(first), 'cancelled');
    assert.equal(await uploadState(second), 'checked');
    const summary = await agent.get(`/uploads/${second}`);
    assert.match(summary.body, /3 trainees will be recommended/);
    // The old one says what replaced it, with a link, rather than "Cancelled".
    const old = await agent.get(`/uploads/${first}`);
    assert.match(old.body, /<h1 class="govuk-heading-l">Upload replaced<\/h1>/);
    assert.match(old.body, new RegExp(`<a class="govuk-link" href="/uploads/${second}">Replaced by fixed\\.csv</a>`));
    assert.match(old.body, /This upload was replaced by a fixed file on/);
    assert.doesNotMatch(old.body, /Cancelled/);
    const list = await agent.get('/uploads');
    assert.match(list.body, new RegExp(`<a class="govuk-link" href="/uploads/${second}">Replaced by fixed\\.csv</a>`));
    const event = await t.database.db
      .selectFrom('events')
      .select('changes')
      .where('subject_id', '=', first)
      .where('action', '=', 'cancelled')
      .executeTakeFirstOrThrow();
    assert.deepEqual(event.changes, { state: { from: 'checked', to: 'cancelled' }, replaced_by: { to: second } });
  });

  it('lists errors on the summary only when 20 rows or fewer have them', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows, dateIndex } = await filled(agent, 21);
    for (const row of rows.slice(0, 21)) row[dateIndex] = '1/1/2099';
    const many = await upload(agent, 'many errors.csv', csv([headers, ...rows]));
    const summary = await agent.get(`/uploads/${many}`);
    assert.match(summary.body, /21 rows cannot be recommended because of errors/);
    assert.doesNotMatch(summary.body, /govuk-table/, 'the report has them');
    assert.match(summary.body, /Download the error report/);
    rows[20][dateIndex] = '';
    const fewer = await upload(agent, 'fewer errors.csv', csv([headers, ...rows]), { replaces: many });
    const listed = await agent.get(`/uploads/${fewer}`);
    assert.equal([...listed.body.matchAll(/is in the future/g)].length, 20);
    await agent.post(`/uploads/${fewer}/cancel`);
  });

  it('shows a refused replacement on the summary of the upload it would replace', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows } = await filled(agent, 1);
    const id = await upload(agent, 'one.csv', csv([headers, ...rows]));
    await agent.get(`/uploads/${id}`);
    const before = await uploadCount();
    const refused = await agent.postFile(START, { name: 'blank.csv', content: '' }, { replaces: id });
    assert.equal(refused.statusCode, 422);
    assert.match(refused.body, /Your file has been checked/);
    assert.match(refused.body, /The file is empty/);
    assert.match(refused.body, /You chose ‘blank\.csv’/);
    assert.equal(await uploadCount(), before);
    assert.equal(await uploadState(id), 'checked');
  });

  it('cancels an upload after asking, and says so on the start page', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows } = await filled(agent, 2);
    const id = await upload(agent, 'to-cancel.csv', csv([headers, ...rows]));
    const confirm = await agent.get(`/uploads/${id}/cancel`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /Are you sure you want to cancel this upload\?/);
    assert.match(confirm.body, new RegExp(`href="/uploads/${id}"`));
    const cancelled = await agent.post(`/uploads/${id}/cancel`);
    assert.equal(cancelled.statusCode, 303);
    assert.equal(cancelled.headers.location, START);
    const start = await agent.get(START);
    assert.match(start.body, /govuk-notification-banner--success/);
    assert.match(start.body, /You cancelled the upload of ‘to-cancel\.csv’/);
    assert.equal(await uploadState(id), 'cancelled');
    // Nothing to confirm once cancelled, and it cannot be submitted.
    assert.equal((await agent.get(`/uploads/${id}/cancel`)).statusCode, 303);
    const submitted = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'true' });
    assert.equal(submitted.statusCode, 409);
    assert.match(submitted.body, /This upload is cancelled, so it cannot be submitted/);
  });

  it('tells the user when records changed between the check and the submit', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows } = await filled(agent, 3);
    const id = await upload(agent, 'stale.csv', csv([headers, ...rows]));
    await t.database.db
      .updateTable('trainees')
      .set((eb) => ({ state: 'deferred', version: eb('version', '+', 1) }))
      .where('trn', '=', rows[0][0])
      .execute();
    await agent.get(`/uploads/${id}/review`);
    const submitted = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'false' });
    assert.equal(submitted.statusCode, 303);
    assert.equal(submitted.headers.location, `/uploads/${id}?changed=1`);
    const summary = await agent.get(String(submitted.headers.location));
    assert.match(summary.body, /govuk-error-summary/);
    assert.match(summary.body, /1 record has changed since the file was checked/);
    assert.match(summary.body, /2 trainees will be recommended/);
    assert.match(summary.body, /1 row cannot be recommended because of errors/);
    assert.equal(await recommendedEvents(id), 0);
  });

  it('has nothing to submit when no row has a date', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const rows = await template(agent);
    const id = await upload(agent, 'no-dates.csv', csv(rows));
    const summary = await agent.get(`/uploads/${id}`);
    assert.match(summary.body, /There is nothing to submit/);
    assert.doesNotMatch(summary.body, new RegExp(`/uploads/${id}/review`));
    assert.equal((await agent.get(`/uploads/${id}/review`)).headers.location, `/uploads/${id}`);
    const submitted = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'true' });
    assert.equal(submitted.statusCode, 409);
    assert.match(submitted.body, /There is nothing to submit in this file/);
    assert.equal(await uploadState(id), 'checked');
  });

  it('refuses a file that cannot be used, on the page, storing nothing', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    await agent.get(START);
    const before = await uploadCount();

    const none = await agent.postFile(START, undefined);
    assert.equal(none.statusCode, 400);
    assert.match(none.body, /<title>Error: Recommend trainees for QTS or EYTS – Rollbook<\/title>/);
    assert.match(none.body, /govuk-error-summary/);
    assert.match(none.body, /href="#file">Select a CSV or XLSX file/);
    assert.match(none.body, /govuk-error-message/);

    const empty = await agent.postFile(START, { name: 'empty.csv', content: '' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /href="#file">The file is empty/);
    assert.match(empty.body, /You chose ‘empty\.csv’/);

    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const picture = await agent.postFile(START, { name: 'photo.png', content: png, type: 'image/png' });
    assert.equal(picture.statusCode, 422);
    assert.match(picture.body, /The file is not a CSV or XLSX file/);
    assert.match(picture.body, /You chose ‘photo\.png’/);

    const xls = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512)]);
    const old = await agent.postFile(START, { name: 'old.xls', content: xls });
    assert.match(old.body, /Excel 97-2003 workbook/);

    const headersOnly = await agent.postFile(START, fixture('headers-only'));
    assert.match(headersOnly.body, /no rows/);

    const big = await agent.postFile(START, { name: 'big.csv', content: Buffer.alloc(51 * 1024 * 1024, 'a,') });
    assert.equal(big.statusCode, 422);
    assert.match(big.body, /The file is larger than 50 MB/);
    assert.match(big.body, /You chose ‘big\.csv’/);

    const missing = await agent.postFile(START, fixture('no-date-column'));
    assert.match(missing.body, /has no &quot;Date QTS or EYTS standards met&quot; column/);

    assert.equal(await uploadCount(), before, 'nothing stored');
  });

  it('checks a large file in a job, with a progress page that refreshes itself', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const headers = ['TRN', DATE_COLUMN];
    // Rows without a date are skipped, among rows with errors: on either side of the error
    // report's batches of 1,000, so that each row's result is seen to stay with its row.
    const undated = new Set([0, 998, 999, 1000, 2999, 5000]);
    const rows = Array.from({ length: 5001 }, (_, i) => [String(9_000_000 + i), undated.has(i) ? '' : typed(today)]);
    const id = await upload(agent, 'large.csv', csv([headers, ...rows]));
    // The test's jobs run inline, so the check has finished by the time the page shows.
    const summary = await agent.get(`/uploads/${id}`);
    assert.match(summary.body, /4995 rows cannot be recommended because of errors/);
    assert.doesNotMatch(summary.body, /http-equiv="refresh"/);
    const [, ...reported] = readCsv((await agent.get(`/uploads/${id}/report`)).body);
    assert.deepEqual(
      reported.map((row) => row[0]),
      rows.map((row) => row[0]),
      'every row, in order',
    );
    for (const [i, row] of reported.entries()) {
      assert.equal(row.at(-2), undated.has(i) ? 'Not recommended: no date' : '1 error', `row ${i + 2}`);
    }

    await t.database.db
      .updateTable('uploads')
      .set({ state: 'checking', rows_checked: 2000 })
      .where('id', '=', id)
      .execute();
    const progress = await agent.get(`/uploads/${id}`);
    assert.match(progress.body, /<meta http-equiv="refresh" content="3">/);
    assert.match(progress.body, /Your file is being checked/);
    assert.match(progress.body, /checked 2000 of 5001 rows/);
    assert.equal((await agent.get(`/uploads/${id}/review`)).headers.location, `/uploads/${id}`);
    await t.database.db.updateTable('uploads').set({ state: 'checked' }).where('id', '=', id).execute();
    await agent.post(`/uploads/${id}/cancel`);
  });

  it('refuses an upload without a valid CSRF token', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const { headers, rows } = await filled(agent, 1);
    const before = await uploadCount();
    const response = await agent.postFile(
      START,
      { name: 'x.csv', content: csv([headers, ...rows]) },
      {},
      { csrf: false },
    );
    assert.equal(response.statusCode, 403);
    const forged = await agent.postFile(
      START,
      { name: 'x.csv', content: csv([headers, ...rows]) },
      { _csrf: 'forged' },
      { csrf: false },
    );
    assert.equal(forged.statusCode, 403);
    assert.equal(await uploadCount(), before);
  });

  it('sends a signed-out multipart post to sign in, reading nothing', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: START,
      payload: '--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nTRN\r\n--x--\r\n',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
    });
    assert.equal(response.statusCode, 303);
    assert.match(String(response.headers.location), /^\/sign-in/);
  });

  it('lists the organisation’s uploads, newest first, each linking to its summary', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const page = await agent.get('/uploads');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Uploads – Rollbook<\/title>/);
    assert.match(page.body, /href="\/uploads" aria-current="true"/);
    const uploads = await t.database.db
      .selectFrom('uploads')
      .select(['id', 'file_name'])
      .where('organisation_id', '=', scittId)
      .orderBy('created_at', 'desc')
      .execute();
    assert.ok(uploads.length >= 8);
    // Each upload's own link (a replaced one also links to the upload that replaced it).
    const linked = [...page.body.matchAll(/href="\/uploads\/([0-9a-f-]{36})">(?!Replaced by)/g)].map((m) => m[1]);
    assert.deepEqual(linked, uploads.map((u) => u.id).slice(0, 25));
    assert.match(page.body, /cohort\.csv/);
    assert.match(page.body, /Recommended: 10/);
    assert.match(page.body, /Submitted/);
    assert.match(page.body, /Cancelled/);
    const uploader = await t.database.db
      .selectFrom('users')
      .select(['first_name', 'last_name'])
      .where('email', '=', 'provider@example.com')
      .executeTakeFirstOrThrow();
    assert.match(page.body, new RegExp(`${uploader.first_name} ${uploader.last_name}`), 'who uploaded');
    const university = await signedIn(t.app, 'university@example.com');
    const theirs = await university.get('/uploads');
    assert.doesNotMatch(theirs.body, /cohort\.csv/);
    assert.match(theirs.body, /not uploaded any files yet/);
  });

  it('gives another organisation 404 for every page of an upload, and other organisation types 404 for the kind', async () => {
    const scitt = await signedIn(t.app, 'provider@example.com');
    const { headers, rows } = await filled(scitt, 2);
    const id = await upload(scitt, 'private.csv', csv([headers, ...rows]));

    const university = await signedIn(t.app, 'university@example.com');
    for (const url of [
      `/uploads/${id}`,
      `/uploads/${id}/report`,
      `/uploads/${id}/review`,
      `/uploads/${id}/review?skipErrors=true`,
      `/uploads/${id}/done`,
      `/uploads/${id}/cancel`,
    ]) {
      const response = await university.get(url);
      assert.equal(response.statusCode, 404, `GET ${url}`);
      assert.doesNotMatch(response.body, /private\.csv/);
    }
    for (const url of [`/uploads/${id}/submit`, `/uploads/${id}/cancel`]) {
      assert.equal((await university.post(url, { skipErrors: 'true' })).statusCode, 404, `POST ${url}`);
    }
    await university.get(START);
    const replacing = await university.postFile(
      START,
      { name: 'x.csv', content: csv([headers, ...rows]) },
      { replaces: id },
    );
    assert.equal(replacing.statusCode, 404);
    assert.equal(await uploadState(id), 'checked');
    assert.equal(await recommendedEvents(id), 0);

    for (const email of ['school@example.com', 'ab@example.com']) {
      const other = await signedIn(t.app, email);
      for (const url of [START, `${START}/guidance`, `${START}/template.csv`, `${START}/template.xlsx`]) {
        assert.equal((await other.get(url)).statusCode, 404, `${email} GET ${url}`);
      }
      await other.get('/');
      const post = await other.postFile(START, { name: 'x.csv', content: csv([headers, ...rows]) });
      assert.equal(post.statusCode, 404, `${email} POST`);
      assert.equal((await other.get(`/uploads/${id}`)).statusCode, 404);
      assert.doesNotMatch((await other.get('/')).body, /Recommend trainees/);
    }
  });
});
