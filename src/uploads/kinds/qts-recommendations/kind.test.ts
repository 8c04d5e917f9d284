// The upload pipeline, end to end below the pages, with its first kind: QTS/EYTS recommendations.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { actorFor } from '../../../../test/support/actors.ts';
import { csvFile, csvText, readCsv } from '../../../../test/support/csv.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { uploadFixture } from '../../../../test/support/fixtures.ts';
import type { Database } from '../../../db/database.ts';
import { loadDemoData } from '../../../demo/index.ts';
import { today as todayInEngland } from '../../../domain/dates.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import {
  cancelUpload,
  purgeOldUploads,
  receiveUpload,
  submitUpload,
  UploadConflict,
} from '../../../uploads/pipeline.ts';
import { errorReport } from '../../../uploads/report.ts';
import { FileRefusal } from '../../../uploads/sheets/sheet.ts';
import { templateFile } from '../../../uploads/template.ts';

const KIND = 'qts-recommendations';
const DATE_COLUMN = 'Date QTS or EYTS standards met';

/** yyyy-mm-dd → d/m/yyyy as a person would type it. */
const typed = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d}/${m}/${y}`;
};

describe('QTS or EYTS recommendations upload', () => {
  let database: Database;
  let scitt: Actor;
  let university: Actor;
  const today = todayInEngland();

  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
    scitt = await actorFor(database.db, 'provider@example.com', '10000001');
    university = await actorFor(database.db, 'university@example.com', '10000002');
  });
  after(() => database.close());

  async function template(actor = scitt): Promise<string[][]> {
    const file = await templateFile(database.db, actor, KIND, 'csv', today);
    return readCsv(file.body);
  }

  function csv(rows: string[][], delimiter = ','): Uint8Array {
    return csvFile(rows, { delimiter });
  }

  /** The template with a standards date filled in for the first n trainees (a date after their ITT start). */
  async function filled(n: number, actor = scitt) {
    const [headers, ...rows] = await template(actor);
    const dateIndex = headers.indexOf(DATE_COLUMN);
    const startIndex = headers.indexOf('ITT start date');
    const done = rows.map((row, i) => {
      if (i >= n) return row;
      const [d, m, y] = row[startIndex].split('/').map(Number);
      const start = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      const date = start < today ? today : start;
      const copy = [...row];
      copy[dateIndex] = typed(date);
      return copy;
    });
    return { headers, rows: done, dateIndex };
  }

  async function traineeByTrn(trn: string) {
    return database.db.selectFrom('trainees').selectAll().where('trn', '=', trn).executeTakeFirstOrThrow();
  }

  it('offers a prefilled sheet of every eligible trainee, with the date column last and empty', async () => {
    const [headers, ...rows] = await template();
    assert.deepEqual(headers.slice(0, 2), ['TRN', 'Provider trainee ID']);
    assert.equal(headers.at(-1), DATE_COLUMN);
    assert.equal(rows.length, 540);
    assert.ok(rows.every((row) => row.at(-1) === ''));
    const xlsx = await templateFile(database.db, scitt, KIND, 'xlsx', today);
    assert.equal(xlsx.body.subarray(0, 2).toString(), 'PK');
  });

  it('checks a filled sheet, counts who will be recommended, and recommends them in one submission, once', async () => {
    const { headers, rows, dateIndex } = await filled(12);
    const upload = await receiveUpload(
      database,
      scitt,
      KIND,
      { name: 'cohort.csv', bytes: csv([headers, ...rows]) },
      today,
    );
    assert.equal(upload.state, 'checked');
    assert.equal(upload.change_count, 12);
    assert.equal(upload.skip_count, 528);
    assert.equal(upload.error_count, 0);

    const [first, second] = await Promise.all([
      submitUpload(database, scitt, upload.id, { skipErrors: false, today }),
      submitUpload(database, scitt, upload.id, { skipErrors: false, today }),
    ]);
    assert.deepEqual(first, { state: 'submitted', submitted: 12 });
    assert.equal(second.state, 'submitted');
    const again = await submitUpload(database, scitt, upload.id, { skipErrors: false, today });
    assert.equal(again.state, 'submitted');

    const trainee = await traineeByTrn(rows[0][0]);
    assert.equal(trainee.state, 'recommended');
    assert.equal(typed(String(trainee.standards_met_date)), rows[0][dateIndex]);
    const events = await database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('action', '=', 'recommended for award')
      .where('via', '=', `upload ${upload.id}`)
      .executeTakeFirstOrThrow();
    assert.equal(Number(events.n), 12, 'recommended once, with one audit event each');
    const untouched = await traineeByTrn(rows[20][0]);
    assert.equal(untouched.state, 'trn_received');
  });

  it('reports every row problem at once, in the user’s own sheet, and accepts the report back once fixed', async () => {
    const { headers, rows, dateIndex } = await filled(30);
    const lastName = headers.indexOf('Last name');
    const their = (await template(university))[1];
    const withdrawn = await database.db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', scitt.organisation.id)
      .where('state', '=', 'withdrawn')
      .executeTakeFirstOrThrow();
    const bad = rows.slice(0, 30).map((row) => [...row]);
    bad[0][0] = their[0]; // another provider's TRN
    bad[1][0] = '9999999'; // nobody's TRN
    bad[2][lastName] = 'Changed';
    bad[3][dateIndex] = '31/02/2025';
    bad[4][dateIndex] = '1/1/2099';
    bad[5][dateIndex] = '1/1/1990';
    bad[6][0] = withdrawn.trn ?? '';
    bad[7] = [...bad[8]]; // the same trainee twice
    bad[9][0] = '12AB';
    bad[10][0] = ''; // found by provider trainee ID instead
    bad[11][lastName] = '=HYPERLINK("http://example.com","x")';
    const body = [headers, ...bad, [], ...rows.slice(30)];
    const upload = await receiveUpload(database, scitt, KIND, { name: 'with-errors.csv', bytes: csv(body) }, today);
    assert.equal(upload.error_count, 11, 'rows 0 to 9 and the changed name in row 11');
    assert.equal(upload.change_count, 19);

    const report = await errorReport(database.db, scitt, upload.id);
    assert.equal(report.fileName, 'with-errors-checked.csv');
    const [reportHeaders, ...reportRows] = readCsv(report.body);
    assert.deepEqual(reportHeaders.slice(-2), ['Validation result', 'Errors']);
    assert.equal(reportRows.length, rows.length, 'every row, blank rows left out');
    const errorsOf = (i: number) => reportRows[i].at(-1) ?? '';
    assert.match(errorsOf(0), /no trainee of yours has TRN/);
    assert.equal(
      errorsOf(0).replace(their[0], 'X'),
      errorsOf(1).replace('9999999', 'X'),
      'another provider’s TRN reads as unknown',
    );
    assert.match(errorsOf(2), /Last name: "Changed" does not match the trainee’s record, which has "/);
    assert.match(errorsOf(3), /"31\/02\/2025" is not a real date/);
    assert.match(errorsOf(4), /is in the future/);
    assert.match(errorsOf(5), /is before the ITT start date/);
    assert.match(errorsOf(6), /cannot be recommended: the trainee has withdrawn/);
    assert.match(errorsOf(7), /also in row 10/);
    assert.match(errorsOf(8), /also in row 9/);
    assert.match(errorsOf(9), /"12AB" is not a TRN/);
    assert.equal(reportRows[10].at(-2), 'Passed', 'found by provider trainee ID');
    assert.equal(reportRows[11][lastName], `'=HYPERLINK("http://example.com","x")`, 'formula neutralised');
    assert.equal(reportRows[3].at(-2), '1 error');
    assert.equal(reportRows[40].at(-2), 'Not recommended: no date');

    // Fix the cells in the report itself and upload it as it is.
    const fixed = [
      reportHeaders,
      ...reportRows.map((row, i) => (i < 12 ? [...rows[i]] : row).concat(i < 12 ? ['', ''] : [])),
    ];
    fixed[1][0] = rows[0][0];
    const again = await receiveUpload(
      database,
      scitt,
      KIND,
      { name: 'with-errors-checked.csv', bytes: csv(fixed) },
      today,
    );
    assert.equal(again.error_count, 0);
    assert.equal(again.change_count, 30);
    assert.deepEqual(JSON.parse(JSON.stringify(again.unknown_columns)), [], 'the report’s own columns are not unknown');
  });

  it('reads a Windows-1252, semicolon-separated Excel CSV and writes the report back the same way', async () => {
    const { headers, rows } = await filled(3, university);
    const text = csvText([headers, ...rows], { delimiter: ';' });
    const bytes = iconv.encode(text, 'win1252');
    assert.ok(!Buffer.from(text).equals(bytes), 'the file really is not UTF-8');
    const upload = await receiveUpload(database, university, KIND, { name: 'excel.csv', bytes }, today);
    assert.equal(upload.encoding, 'windows-1252');
    assert.equal(upload.delimiter, ';');
    assert.equal(upload.error_count, 0, 'names with accents still match');
    assert.equal(upload.change_count, 3);
    const report = await errorReport(database.db, university, upload.id);
    const decoded = iconv.decode(report.body, 'win1252');
    assert.match(decoded.split('\r\n')[0], /^TRN;Provider trainee ID;/);
  });

  it('reads a UTF-16 file with a BOM, tab-separated, as Excel’s "Unicode text" saves it', async () => {
    const { headers, rows } = await filled(2, university);
    const text = csvText([headers, ...rows], { delimiter: '\t' });
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const upload = await receiveUpload(database, university, KIND, { name: 'unicode.txt', bytes }, today);
    assert.equal(upload.encoding, 'utf-16le');
    assert.equal(upload.delimiter, '\t');
    assert.equal(upload.error_count, 0);
    assert.equal(upload.change_count, 2);
    const report = await errorReport(database.db, university, upload.id);
    assert.deepEqual([...report.body.subarray(0, 2)], [0xff, 0xfe], 'the report keeps the encoding');
  });

  it('reads XLSX date cells and text dates alike', async () => {
    const { headers, rows, dateIndex } = await filled(4, university);
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Recommendations');
    sheet.addRow(headers);
    rows.forEach((row, i) => {
      const cells: (string | Date)[] = [...row];
      if (i < 2) {
        const [d, m, y] = row[dateIndex].split('/').map(Number);
        cells[dateIndex] = new Date(Date.UTC(y, m - 1, d));
      }
      sheet.addRow(cells);
    });
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const upload = await receiveUpload(database, university, KIND, { name: 'sheet.xlsx', bytes }, today);
    assert.equal(upload.file_format, 'xlsx');
    assert.equal(upload.error_count, 0);
    assert.equal(upload.change_count, 4);
  });

  it('refuses a file that cannot be used, saying why, and stores nothing', async () => {
    const before = await database.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const refusals: [string, Uint8Array, RegExp][] = [
      ['empty', new Uint8Array(), /The file is empty/],
      ['blank lines', Buffer.from('\n\n  \n'), /The file is empty/],
      ['headers only', uploadFixture(KIND, 'headers-only').bytes, /column headings but no rows/],
      ['no date column', uploadFixture(KIND, 'no-date-column').bytes, /no "Date QTS or EYTS standards met" column/],
      ['no identifier', uploadFixture(KIND, 'no-identifier').bytes, /needs a "TRN" or "Provider trainee ID" column/],
      [
        'binary',
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
        /not a CSV or XLSX file/,
      ],
      ['xls', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0]), /Excel 97-2003/],
      ['broken xlsx', Buffer.from('PK\u0003\u0004 not really a zip'), /could not be opened/],
    ];
    for (const [name, bytes, message] of refusals) {
      await assert.rejects(
        receiveUpload(database, scitt, KIND, { name: `${name}.csv`, bytes }, today),
        (error: Error) => {
          assert.ok(error instanceof FileRefusal, `${name}: ${error.message}`);
          assert.match(error.message, message, name);
          return true;
        },
      );
    }
    const tooMany = `TRN,${DATE_COLUMN}\n${'1234567,\n'.repeat(100_001)}`;
    await assert.rejects(
      receiveUpload(database, scitt, KIND, { name: 'big.csv', bytes: Buffer.from(tooMany) }, today),
      /more than 100,000 rows/,
    );
    const tooLarge = Buffer.alloc(50 * 1024 * 1024 + 1, 0x41);
    await assert.rejects(
      receiveUpload(database, scitt, KIND, { name: 'huge.csv', bytes: tooLarge }, today),
      /larger than 50 MB/,
    );
    const after = await database.db
      .selectFrom('uploads')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    assert.equal(after.n, before.n);
  });

  it('turns a record that changed since the check into an error, and submits the rest only when told to', async () => {
    const { headers, rows } = await filled(5, university);
    const upload = await receiveUpload(
      database,
      university,
      KIND,
      { name: 'stale.csv', bytes: csv([headers, ...rows]) },
      today,
    );
    assert.equal(upload.change_count, 5);
    await database.db
      .updateTable('trainees')
      .set((eb) => ({
        state: 'withdrawn',
        withdrawal_date: today,
        withdrawal_reason: 'Personal reasons',
        version: eb('version', '+', 1),
      }))
      .where('trn', '=', rows[1][0])
      .execute();
    const result = await submitUpload(database, university, upload.id, { skipErrors: false, today });
    assert.deepEqual(result, { state: 'checked', stale: 1 });
    assert.equal((await traineeByTrn(rows[0][0])).state, 'trn_received', 'nothing applied yet');
    await assert.rejects(submitUpload(database, university, upload.id, { skipErrors: false, today }), UploadConflict);
    const report = await errorReport(database.db, university, upload.id);
    assert.match(report.body.toString('utf8'), /can no longer be recommended: the trainee has withdrawn/);
    const done = await submitUpload(database, university, upload.id, { skipErrors: true, today });
    assert.deepEqual(done, { state: 'submitted', submitted: 4 });
    assert.equal((await traineeByTrn(rows[0][0])).state, 'recommended');
  });

  it('leaves every record as it was when the submission fails part way', async () => {
    const { headers, rows } = await filled(6, university);
    const upload = await receiveUpload(
      database,
      university,
      KIND,
      { name: 'fails.csv', bytes: csv([headers, ...rows]) },
      today,
    );
    // A real failure inside the database, on the fourth trainee's update.
    const victim = await traineeByTrn(rows[3][0]);
    await sql`create function fail_update() returns trigger language plpgsql as $$
      begin raise exception 'injected failure'; end; $$`.execute(database.db);
    await sql
      .raw(`create trigger fail_update before update on trainees for each row
      when (old.id = '${victim.id}') execute function fail_update()`)
      .execute(database.db);
    try {
      await assert.rejects(
        submitUpload(database, university, upload.id, { skipErrors: false, today }),
        /injected failure/,
      );
    } finally {
      await sql`drop trigger fail_update on trainees`.execute(database.db);
      await sql`drop function fail_update`.execute(database.db);
    }
    for (const row of rows.slice(0, 6)) assert.equal((await traineeByTrn(row[0])).state, 'trn_received');
    const after = await database.db
      .selectFrom('uploads')
      .select('state')
      .where('id', '=', upload.id)
      .executeTakeFirstOrThrow();
    assert.equal(after.state, 'checked', 'the upload can be tried again');
    const retried = await submitUpload(database, university, upload.id, { skipErrors: false, today });
    assert.deepEqual(retried, { state: 'submitted', submitted: 6 });
  });

  it('cancels an upload, and keeps only its summary once a week has passed', async () => {
    const { headers, rows } = await filled(2, scitt);
    const upload = await receiveUpload(
      database,
      scitt,
      KIND,
      { name: 'cancel.csv', bytes: csv([headers, ...rows]) },
      today,
    );
    await cancelUpload(database.db, scitt, upload.id);
    await assert.rejects(submitUpload(database, scitt, upload.id, { skipErrors: false, today }), UploadConflict);
    await assert.rejects(
      errorReport(database.db, university, upload.id),
      /not found/,
      'another provider cannot see it',
    );
    await database.db
      .updateTable('uploads')
      .set({ ended_at: new Date(Date.now() - 8 * 86_400_000) })
      .where('id', '=', upload.id)
      .execute();
    assert.ok((await purgeOldUploads(database.db)) >= 1);
    const rowsLeft = await database.db
      .selectFrom('upload_rows')
      .select('row_number')
      .where('upload_id', '=', upload.id)
      .execute();
    assert.equal(rowsLeft.length, 0);
    const files = await database.db
      .selectFrom('upload_files')
      .select('upload_id')
      .where('upload_id', '=', upload.id)
      .execute();
    assert.equal(files.length, 0);
    const kept = await database.db
      .selectFrom('uploads')
      .selectAll()
      .where('id', '=', upload.id)
      .executeTakeFirstOrThrow();
    assert.equal(kept.state, 'cancelled');
    assert.equal(kept.change_count, 2);
  });
});
