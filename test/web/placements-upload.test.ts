// The bulk placements journey on pages: the start page's template choice, downloads by choice,
// upload, summary, review, submit, confirmation with undo, the undo confirmation and its refusal,
// the HESA start page, isolation (another provider gets 404 and nothing changes), and a sheet
// saved by Excel: its warnings and few errors listed on the summary.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';
import { csvFile, readCsv } from '../support/csv.ts';
import { uploadFixture } from '../support/fixtures.ts';

const START = '/bulk/placements';

function uploadIdFrom(location: unknown): string {
  const id = /\/uploads\/([0-9a-f-]{36})/.exec(String(location))?.[1];
  if (!id) throw new Error(`No upload in ${String(location)}`);
  return id;
}

describe('bulk placements pages', () => {
  let t: TestContext;

  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function submitted(agent: Agent, n: number, urn = '100005') {
    const response = await agent.get(`${START}/template.csv?trainees=fewer-than-2`);
    assert.equal(response.statusCode, 200);
    const [headers, ...rows] = readCsv(response.body);
    const recorded = headers.indexOf('Placements recorded');
    const picked = rows.filter((row) => row[recorded] === '').slice(0, n);
    for (const row of picked) row[headers.indexOf('Placement 1 URN')] = urn;
    await agent.get(START);
    const posted = await agent.postFile(START, { name: 'placements.csv', content: csvFile([headers, ...picked]) });
    assert.equal(posted.statusCode, 303, posted.body);
    const id = uploadIdFrom(posted.headers.location);
    const summary = await agent.get(`/uploads/${id}`);
    assert.match(summary.body, new RegExp(`${n} trainees? will get new placements`));
    assert.match(summary.body, /0 rows have nothing to add/);
    const review = await agent.get(`/uploads/${id}/review`);
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /<title>Check the placements you’ll add – Rollbook<\/title>/);
    assert.match(review.body, new RegExp(`Placement at [^<]+ \\(URN ${urn}\\)`));
    assert.match(review.body, new RegExp(`Add placements for ${n} trainees?`));
    const submitted = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'false' });
    assert.equal(submitted.headers.location, `/uploads/${id}/done`);
    return id;
  }

  async function addedBy(id: string) {
    return (await t.database.db.selectFrom('placements').select('id').where('added_by_upload', '=', id).execute())
      .length;
  }

  it('offers a choice of trainees on the start page, and downloads the chosen sheet', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const start = await agent.get(START);
    assert.equal(start.statusCode, 200);
    assert.match(start.body, /<title>Add placements for your trainees – Rollbook<\/title>/);
    assert.match(start.body, /trainees have fewer than 2 placements/);
    assert.match(start.body, /<form method="get" action="\/bulk\/placements\/template\.csv"/);
    assert.match(start.body, /name="trainees" type="radio" value="fewer-than-2" checked/);
    assert.match(start.body, /name="trainees" type="radio" value="year"/);
    assert.match(start.body, /<select class="govuk-select" id="year" name="year">/);
    assert.match(start.body, /formaction="\/bulk\/placements\/template\.xlsx"/);

    const year = /<option value="(\d{4})"/.exec(start.body)?.[1];
    const sheet = await agent.get(`${START}/template.csv?trainees=year&year=${year}`);
    assert.equal(sheet.statusCode, 200);
    assert.match(String(sheet.headers['content-disposition']), new RegExp(`placements-${year}-to-`));
    const xlsx = await agent.get(`${START}/template.xlsx?trainees=fewer-than-2`);
    assert.equal(xlsx.statusCode, 200);

    const wrong = await agent.get(`${START}/template.csv?trainees=year&year=1900`);
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /govuk-error-summary/);
    assert.match(wrong.body, /href="#year"/);

    const hesa = await agent.get('/bulk/hesa-placements');
    assert.equal(hesa.statusCode, 200);
    assert.match(hesa.body, /Import placements from your HESA return/);
    assert.match(hesa.body, /href="\/bulk\/hesa-placements\/template\.csv"/);
  });

  it('adds placements, then undoes the upload after a confirmation', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const id = await submitted(agent, 3);
    assert.equal(await addedBy(id), 3);
    const done = await agent.get(`/uploads/${id}/done`);
    assert.match(done.body, /Placements added for 3 trainees/);
    assert.match(done.body, new RegExp(`href="/uploads/${id}/undo"`));
    const summary = await agent.get(`/uploads/${id}`);
    assert.match(summary.body, /Undo this upload/);

    const confirm = await agent.get(`/uploads/${id}/undo`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /<title>Are you sure you want to undo this upload\? – Rollbook<\/title>/);
    assert.match(
      confirm.body,
      /will be removed: 3 placements of 3 trainees\. You cannot undo this/,
      'how many it removes',
    );
    const undone = await agent.post(`/uploads/${id}/undo`);
    assert.equal(undone.statusCode, 303);
    assert.equal(undone.headers.location, `/uploads/${id}`);
    assert.equal(await addedBy(id), 0);
    const after = await agent.get(`/uploads/${id}`);
    assert.match(after.body, /You undid the upload of ‘placements\.csv’/);
    assert.match(after.body, /Upload undone/);
    assert.match(after.body, /Undone/);
    assert.doesNotMatch(after.body, /Undo this upload/);
    // The confirmation page has nothing to confirm any more.
    assert.equal((await agent.get(`/uploads/${id}/undo`)).headers.location, `/uploads/${id}`);
  });

  it('says which placements changed since, and undoes nothing', async () => {
    const agent = await signedIn(t.app, 'provider@example.com');
    const id = await submitted(agent, 2, '100007');
    await sql`update placements set version = version + 1, updated_at = now() + interval '1 second'
      where id = (select id from placements where added_by_upload = ${id} limit 1)`.execute(t.database.db);
    await agent.get(`/uploads/${id}/undo`);
    const refused = await agent.post(`/uploads/${id}/undo`);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /<title>Error: This upload cannot be undone – Rollbook<\/title>/);
    assert.match(refused.body, /Nothing was undone/);
    assert.match(refused.body, /the placement at Riverside Primary School \(URN 100007\) was changed on/);
    assert.equal(await addedBy(id), 2);
  });

  it('gives another provider 404 on every page of the upload, and changes nothing', async () => {
    const owner = await signedIn(t.app, 'provider@example.com');
    const id = await submitted(owner, 1, '100008');
    const other = await signedIn(t.app, 'university@example.com');
    for (const url of [`/uploads/${id}`, `/uploads/${id}/undo`, `/uploads/${id}/done`]) {
      assert.equal((await other.get(url)).statusCode, 404, url);
    }
    await other.get('/uploads');
    assert.equal((await other.post(`/uploads/${id}/undo`)).statusCode, 404);
    assert.equal(await addedBy(id), 1);
    const school = await signedIn(t.app, 'school@example.com');
    assert.equal((await school.get(START)).statusCode, 404);
    assert.equal((await school.get(`${START}/template.csv`)).statusCode, 404);
  });

  it('lists the warnings and the few errors of a sheet saved by Excel on its summary', async () => {
    const agent = await signedIn(t.app, 'university@example.com');
    const { name, bytes } = uploadFixture('placements', 'excel-saved');
    await agent.get(START);
    const posted = await agent.postFile(START, { name, content: bytes });
    assert.equal(posted.statusCode, 303, posted.body);
    const summary = await agent.get(String(posted.headers.location));
    assert.match(summary.body, /<h2 class="govuk-heading-m">Rows with warnings<\/h2>/);
    assert.match(
      summary.body,
      /7 rows have a warning: something Rollbook could not check, which does not stop the row/,
    );
    const tables = [...summary.body.matchAll(/<table class="govuk-table">[\s\S]*?<\/table>/g)].map((m) => m[0]);
    assert.equal(tables.length, 2);
    const rowsOf = (table: string) =>
      [...table.matchAll(/<tr class="govuk-table__row">\s*((?:<td[\s\S]*?<\/td>\s*)+)<\/tr>/g)].map((row) =>
        [...row[1].matchAll(/<td class="govuk-table__cell">([^<]*)<\/td>/g)].map((cell) => cell[1].trim()),
      );
    const [warnings, errors] = tables.map(rowsOf);
    assert.match(tables[0], /<caption[^>]*>Warnings in ‘excel-saved\.csv’<\/caption>/);
    assert.deepEqual(
      warnings.map((row) => row.slice(0, 3)),
      [2, 3, 7, 8, 9, 10, 11].map((row) => [String(row), 'HESA ID', '3.0001E+12']),
    );
    assert.match(warnings[0][3], /^HESA ID: &quot;3.0001E\+12&quot; is a long number rounded by a spreadsheet/);
    assert.match(tables[1], /<caption[^>]*>Errors in ‘excel-saved\.csv’<\/caption>/);
    assert.deepEqual(
      errors.map((row) => row.slice(0, 3)),
      [
        ['5', 'TRN', ''],
        ['5', 'HESA ID', '3.0001E+12'],
        ['6', 'HESA ID', '3.0002E+12'],
        ['7', 'Placement 1 end date', '08/09/2025'],
        ['9', 'Placement 1 URN', ''],
        ['10', 'Placement 1 start date', '31/02/2026'],
      ],
    );
    assert.match(errors[3][3], /^Placement 1 end date: 8 September 2025 is before the start date, 19 December 2025/);
  });
});
