// Bulk placements (upload kind placements), below the pages: the template and its choices, every
// row rule, the counts, the set-based submission with its audit events, and a recheck at submission; a
// sheet saved by Excel (test/fixtures/uploads/placements/excel-saved.csv), with rounded HESA IDs and placement dates.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { actorFor } from '../../../../test/support/actors.ts';
import { csvFile, readCsv } from '../../../../test/support/csv.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { uploadFixture } from '../../../../test/support/fixtures.ts';
import type { Database } from '../../../db/database.ts';
import { inTransaction } from '../../../db/transaction.ts';
import { loadDemoData } from '../../../demo/index.ts';
import { today as todayInEngland, traineeAcademicYear } from '../../../domain/dates.ts';
import { DomainError } from '../../../domain/errors.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import { receiveUpload, submitUpload } from '../../../uploads/pipeline.ts';
import { errorReport } from '../../../uploads/report.ts';
import { reviewChanges } from '../../../uploads/review.ts';
import { templateFile } from '../../../uploads/template.ts';
import { UploadConflict } from '../../../uploads/upload-conflict.ts';
import { placements } from './kind.ts';

const KIND = 'placements';

function parse(body: Buffer): string[][] {
  return readCsv(body);
}

const csv = (rows: string[][]) => csvFile(rows);

describe('bulk placements upload', () => {
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

  async function template(actor = scitt, options: Record<string, string> = {}) {
    const file = await templateFile(database.db, actor, KIND, 'csv', today, options);
    const [headers, ...rows] = parse(file.body);
    const col = (header: string) => {
      const index = headers.indexOf(header);
      assert.notEqual(index, -1, header);
      return index;
    };
    return { headers, rows, col, fileName: file.fileName };
  }

  async function traineeId(trn: string) {
    return (await database.db.selectFrom('trainees').select('id').where('trn', '=', trn).executeTakeFirstOrThrow()).id;
  }

  async function schoolName(urn: string) {
    return (await database.db.selectFrom('schools').select('name').where('urn', '=', urn).executeTakeFirstOrThrow())
      .name;
  }

  async function placementsOf(trn: string) {
    return database.db
      .selectFrom('placements')
      .selectAll()
      .where('trainee_id', '=', await traineeId(trn))
      .orderBy('created_at')
      .orderBy('school_urn')
      .execute();
  }

  async function upload(headers: string[], rows: string[][], name = 'placements.csv') {
    return receiveUpload(database, scitt, KIND, { name, bytes: csv([headers, ...rows]) }, today);
  }

  it('offers a sheet of the trainees with fewer than 2 placements, or of every trainee of a year', async () => {
    const { headers, rows, col, fileName } = await template();
    assert.deepEqual(headers.slice(0, 6), [
      'TRN',
      'Provider trainee ID',
      'HESA ID',
      'Last name',
      'First names',
      'Route',
    ]);
    assert.ok(headers.includes('Placements recorded'));
    assert.deepEqual(headers.slice(-5), [
      'Placement 5 URN',
      'Placement 5 school name',
      'Placement 5 postcode',
      'Placement 5 start date',
      'Placement 5 end date',
    ]);
    assert.equal(fileName, 'rollbook-demo-scitt-placements-fewer-than-2.csv');
    const { rows: expected } = await sql<{ n: string }>`
      select count(*) as n from trainees t
      where t.provider_id = ${scitt.organisation.id} and t.state <> 'withdrawn'
        and t.route not in ('assessment_only', 'early_years_assessment_only')
        and (select count(*) from placements p where p.trainee_id = t.id) < 2
    `.execute(database.db);
    assert.equal(
      rows.length,
      Number(expected[0].n),
      'every trainee with fewer than 2, but those withdrawn or on assessment-only routes',
    );
    assert.ok(rows.length > 400);

    // A trainee with 2 placements leaves the default sheet, but is in their year's, with both listed.
    const trn = (rows.find((r) => r[col('Placements recorded')] === '') ?? [])[col('TRN')];
    const id = await traineeId(trn);
    await database.db
      .insertInto('placements')
      .values([
        { trainee_id: id, provider_id: scitt.organisation.id, school_urn: '100003' },
        {
          trainee_id: id,
          provider_id: scitt.organisation.id,
          school_name: 'Hillside Annexe',
          school_postcode: 'LS1 4AB',
        },
      ])
      .execute();
    const after = await template();
    assert.equal(after.rows.length, rows.length - 1);
    assert.ok(!after.rows.some((row) => row[col('TRN')] === trn));

    const trainee = await database.db.selectFrom('trainees').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const year = traineeAcademicYear(trainee.itt_start_date);
    const ofYear = await template(scitt, { trainees: 'year', year: String(year) });
    const row = ofYear.rows.find((r) => r[col('TRN')] === trn);
    assert.ok(row, 'the trainee is in the sheet of their year');
    // Both listed, in the order they were added (here, in the same moment: either order).
    assert.deepEqual(row[col('Placements recorded')].split('; ').sort(), [
      'Hillside Annexe (LS1 4AB)',
      'Willow Green High School (URN 100003)',
    ]);
    assert.match(ofYear.fileName, new RegExp(`placements-${year}-to-${year + 1}\\.csv$`));

    await assert.rejects(
      templateFile(database.db, scitt, KIND, 'csv', today, { trainees: 'year', year: '1850' }),
      (error) => error instanceof DomainError && error.field === 'year',
    );
    await assert.rejects(
      templateFile(database.db, scitt, KIND, 'csv', today, { trainees: 'some' }),
      (error) => error instanceof DomainError && /trainees must be one of: fewer-than-2, year/.test(error.message),
    );
    const xlsx = await templateFile(database.db, scitt, KIND, 'xlsx', today);
    assert.equal(xlsx.body.subarray(0, 2).toString(), 'PK');
  });

  it('checks every row rule, counts the trainees who get placements, and adds them in one submission', async () => {
    const { headers, rows, col } = await template();
    const their = (await template(university)).rows[0];
    // Trainees with no placements yet, so that what the test records is all they have.
    const pick = rows
      .filter((row) => row[col('Placements recorded')] === '')
      .slice(10, 30)
      .map((row) => [...row]);
    const trnOf = (i: number) => pick[i][col('TRN')];
    const set = (i: number, n: number, urn: string, name = '', postcode = '') => {
      pick[i][col(`Placement ${n} URN`)] = urn;
      pick[i][col(`Placement ${n} school name`)] = name;
      pick[i][col(`Placement ${n} postcode`)] = postcode;
    };
    // Already recorded before the upload: one at 100005 (no dates), one at 100006 with a start date.
    await database.db
      .insertInto('placements')
      .values([
        { trainee_id: await traineeId(trnOf(8)), provider_id: scitt.organisation.id, school_urn: '100005' },
        {
          trainee_id: await traineeId(trnOf(10)),
          provider_id: scitt.organisation.id,
          school_urn: '100006',
          start_date: '2025-09-01',
        },
      ])
      .execute();

    set(0, 1, '100003');
    set(0, 2, '100004'); // two placements by URN
    set(1, 1, '', 'St Mary’s Hospital School', 'ls1  4ab'); // no URN: name and postcode, tidied
    set(2, 3, '999999'); // not in the register
    set(3, 1, 'abc'); // not a URN
    set(4, 1, '', 'Riverside Academy'); // a name without a postcode
    set(5, 2, '', 'Riverside Academy', 'NOT A POSTCODE');
    set(6, 1, '100003', 'Willow Green High School'); // a URN and a name
    // 7: nothing given
    set(8, 1, '100005'); // identical to the one recorded
    set(9, 1, '100007');
    set(9, 2, '100007'); // repeated in the row: added once
    set(10, 1, '100006'); // same URN as a recorded one with dates: a split site, added
    pick[11][col('TRN')] = their[0]; // another provider's trainee
    set(11, 1, '100003');
    pick[12][col('Last name')] = 'Changed';
    set(12, 1, '100003');
    pick[13][col('TRN')] = '';
    set(13, 1, '100008'); // found by provider trainee ID

    const checked = await upload(headers, pick);
    assert.equal(checked.state, 'checked');
    assert.equal(checked.change_count, 5, 'rows 0, 1, 9, 10 and 13');
    assert.equal(checked.error_count, 7);
    assert.equal(checked.skip_count, pick.length - 12, 'rows 7 and 8, and the rows left as they were');

    const report = parse((await errorReport(database.db, scitt, checked.id)).body);
    const errorsOf = (i: number) => report[i + 1].at(-1) ?? '';
    const resultOf = (i: number) => report[i + 1].at(-2) ?? '';
    assert.equal(resultOf(0), 'Passed');
    assert.match(errorsOf(2), /Placement 3 URN: there is no school with URN 999999 in the register/);
    assert.match(errorsOf(3), /Placement 1 URN: "abc" is not a URN/);
    assert.match(errorsOf(4), /Placement 1 postcode: empty. Enter the school’s postcode as well as its name/);
    assert.match(errorsOf(5), /Placement 2 postcode: "NOT A POSTCODE" is not a full UK postcode/);
    assert.match(errorsOf(6), /Placement 1 school name: leave it empty when you give a URN/);
    assert.match(resultOf(7), /Nothing to add/);
    assert.match(resultOf(8), /already recorded/);
    assert.match(errorsOf(11), new RegExp(`TRN: no trainee of yours has TRN ${their[0]}`));
    assert.match(errorsOf(12), /Last name: "Changed" does not match the trainee’s record/);

    const review = await reviewChanges(database.db, scitt, checked.id);
    const lines = review.groups.flatMap((g) => g.lines);
    const first = lines.find((line) => line.details.includes(`TRN ${trnOf(0)}`));
    assert.deepEqual(first?.details.slice(1), [
      'Placement at Willow Green High School (URN 100003)',
      'Placement at Chapel End High School (URN 100004)',
    ]);

    const result = await submitUpload(database, scitt, checked.id, { skipErrors: true, today });
    assert.deepEqual(result, { state: 'submitted', submitted: 5 });
    assert.deepEqual(
      (await placementsOf(trnOf(0))).map((p) => [p.school_urn, p.added_by_upload]),
      [
        ['100003', checked.id],
        ['100004', checked.id],
      ],
    );
    const byName = await placementsOf(trnOf(1));
    assert.deepEqual(
      byName.map((p) => [p.school_urn, p.school_name, p.school_postcode]),
      [[null, 'St Mary’s Hospital School', 'LS1 4AB']],
    );
    assert.equal((await placementsOf(trnOf(8))).length, 1, 'the identical placement was not added again');
    assert.equal((await placementsOf(trnOf(9))).length, 1, 'the repeated placement was added once');
    assert.equal((await placementsOf(trnOf(10))).length, 2, 'the split site was added');
    assert.equal((await placementsOf(trnOf(12))).length, 0);
    const events = await database.db
      .selectFrom('events')
      .select(['subject_type', 'subject_id', 'action', 'changes', 'actor_user_id'])
      .where('via', '=', `upload ${checked.id}`)
      .execute();
    assert.equal(events.length, 5, 'one event for each trainee given placements');
    assert.ok(events.every((e) => e.action === 'placements added' && e.actor_user_id === scitt.userId));
    const eventOf = async (i: number) => {
      const id = await traineeId(trnOf(i));
      return events.find((e) => e.subject_type === 'trainee' && e.subject_id === id)?.changes;
    };
    assert.deepEqual(await eventOf(0), {
      placements: { to: 'Willow Green High School (URN 100003); Chapel End High School (URN 100004)' },
    });
    assert.deepEqual(await eventOf(1), { placements: { to: 'St Mary’s Hospital School (LS1 4AB)' } });
  });

  it('refuses a file without the placement columns, and one that finds no trainee column', async () => {
    await assert.rejects(upload(['TRN', 'Last name'], [['2000001', 'Smith']]), /Placement 1 URN/);
    await assert.rejects(
      upload(['Last name', 'Placement 1 URN'], [['Smith', '100003']]),
      /"TRN" or "Provider trainee ID"/,
    );
  });

  it('turns a row into an error at submission when its placement was recorded since the check', async () => {
    const { headers, rows, col } = await template();
    const pick = rows
      .filter((row) => row[col('Placements recorded')] === '')
      .slice(40, 42)
      .map((row) => [...row]);
    for (const row of pick) row[col('Placement 1 URN')] = '100009';
    const checked = await upload(headers, pick);
    assert.equal(checked.change_count, 2);
    await database.db
      .insertInto('placements')
      .values({
        trainee_id: await traineeId(pick[0][col('TRN')]),
        provider_id: scitt.organisation.id,
        school_urn: '100009',
      })
      .execute();
    const result = await submitUpload(database, scitt, checked.id, { skipErrors: false, today });
    assert.deepEqual(result, { state: 'checked', stale: 1 });
    assert.equal((await placementsOf(pick[1][col('TRN')])).length, 0, 'nothing was added');
    const again = await submitUpload(database, scitt, checked.id, { skipErrors: true, today });
    assert.deepEqual(again, { state: 'submitted', submitted: 1 });
    assert.equal((await placementsOf(pick[0][col('TRN')])).length, 1, 'not added twice');
  });

  it('re-checks at submission: a trainee gone, or an identical placement recorded meanwhile, but not another one', async () => {
    const { headers, rows, col } = await template();
    const pick = rows
      .filter((row) => row[col('Placements recorded')] === '')
      .slice(50, 54)
      .map((row) => [...row]);
    for (const row of pick) {
      row[col('Placement 1 URN')] = '100010';
      row[col('Placement 2 school name')] = 'Hill Top Farm School';
      row[col('Placement 2 postcode')] = 'LS2 9JT';
    }
    const checked = await upload(headers, pick);
    assert.equal(checked.change_count, 4);
    const [gone, sameName, splitSite] = await Promise.all(pick.slice(0, 3).map((row) => traineeId(row[col('TRN')])));
    await database.db
      .insertInto('placements')
      .values({ trainee_id: gone, provider_id: scitt.organisation.id, school_urn: '100012' })
      .execute();
    await database.db.deleteFrom('trainees').where('id', '=', gone).execute();
    const left = await database.db.selectFrom('placements').select('id').where('trainee_id', '=', gone).execute();
    assert.deepEqual(left, [], 'a trainee’s placements go with them');
    await database.db
      .insertInto('placements')
      .values([
        // The same school by name and postcode, in other capitals: identical.
        {
          trainee_id: sameName,
          provider_id: scitt.organisation.id,
          school_name: 'HILL TOP FARM SCHOOL',
          school_postcode: 'LS2 9JT',
        },
        // The same URN with a start date: another placement (a split site), so the row still stands.
        { trainee_id: splitSite, provider_id: scitt.organisation.id, school_urn: '100010', start_date: '2025-09-01' },
      ])
      .execute();

    assert.deepEqual(await submitUpload(database, scitt, checked.id, { skipErrors: false, today }), {
      state: 'checked',
      stale: 2,
    });
    const report = parse((await errorReport(database.db, scitt, checked.id)).body);
    assert.match(report[1].at(-1) ?? '', /record has gone since the file was checked/);
    assert.match(
      report[2].at(-1) ?? '',
      /has had the placement at Hill Top Farm School \(LS2 9JT\) recorded since the file was checked/,
    );
    assert.equal(report[3].at(-2), 'Passed');
    assert.equal((await placementsOf(pick[3][col('TRN')])).length, 0, 'nothing was added');

    assert.deepEqual(await submitUpload(database, scitt, checked.id, { skipErrors: true, today }), {
      state: 'submitted',
      submitted: 2,
    });
    assert.equal((await placementsOf(pick[2][col('TRN')])).length, 3, 'the split site and the two rows’ placements');
    assert.equal((await placementsOf(pick[3][col('TRN')])).length, 2);
  });

  it('adds nothing when an identical placement is recorded between the re-check and the insert', async () => {
    const { headers, rows, col } = await template();
    const pick = rows
      .filter((row) => row[col('Placements recorded')] === '')
      .slice(60, 62)
      .map((row) => [...row]);
    for (const row of pick) row[col('Placement 1 URN')] = '100011';
    const checked = await upload(headers, pick);
    assert.equal(checked.change_count, 2);
    await database.db
      .insertInto('placements')
      .values({
        trainee_id: await traineeId(pick[1][col('TRN')]),
        provider_id: scitt.organisation.id,
        school_urn: '100011',
      })
      .execute();
    // The insert itself, as if the placement had come just after the re-check.
    await assert.rejects(
      inTransaction(database.db, (tx) =>
        placements.apply(tx, { db: tx, actor: scitt, today, uploadId: checked.id, expected: 2 }),
      ),
      (error: Error) =>
        error instanceof UploadConflict &&
        /recorded while it was being submitted, so nothing was added/.test(error.message),
      'a conflict the page and the API report (409), not a server error',
    );
    assert.equal((await placementsOf(pick[0][col('TRN')])).length, 0, 'nothing was added');
  });
  it('fails every row of a trainee repeated many times, each naming a few of the others', async () => {
    const { headers, rows, col } = await template();
    const row = [...rows.filter((r) => r[col('Placements recorded')] === '')[70]];
    row[col('Placement 1 URN')] = '100012';
    const checked = await upload(
      headers,
      Array.from({ length: 300 }, () => [...row]),
    );
    assert.equal(checked.error_count, 300);
    const staged = await database.db
      .selectFrom('upload_rows')
      .select('errors')
      .where('upload_id', '=', checked.id)
      .where('row_number', '=', 2)
      .executeTakeFirstOrThrow();
    const message = (staged.errors as { message: string }[]).map((e) => e.message).join(' ');
    assert.match(message, /also in row 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 and 289 more\./);
  });

  it('adds a school without a URN once when a row names it twice in different capitals (İ)', async () => {
    const { headers, rows, col } = await template();
    const row = [...rows.filter((r) => r[col('Placements recorded')] === '')[80]];
    row[col('Placement 1 school name')] = 'İlkokul Nursery';
    row[col('Placement 1 postcode')] = 'LS1 4AB';
    row[col('Placement 2 school name')] = 'ilkokul nursery';
    row[col('Placement 2 postcode')] = 'LS1 4AB';
    const checked = await upload(headers, [row]);
    assert.equal(checked.change_count, 1);
    const result = await submitUpload(database, scitt, checked.id, { skipErrors: false, today });
    assert.equal(result.state, 'submitted');
    assert.equal((await placementsOf(row[col('TRN')])).length, 1);
  });

  it('reads a sheet saved by Excel: rounded HESA IDs are warnings when the TRN or ID finds the trainee, dates are checked and stored', async () => {
    // Saved by Excel as "CSV UTF-8": a byte order mark, CRLF, dates as dd/mm/yyyy, and each 13-digit
    // HESA ID shown, then saved, as 3.0001E+12.
    const checked = await receiveUpload(database, university, KIND, uploadFixture(KIND, 'excel-saved'), today);
    assert.equal(checked.state, 'checked');
    assert.deepEqual(
      [checked.change_count, checked.skip_count, checked.error_count, checked.warning_count],
      [4, 1, 5, 7],
    );
    const report = parse((await errorReport(database.db, university, checked.id)).body);
    const resultOf = (row: number) => report[row - 1].at(-2) ?? '';
    const errorsOf = (row: number) => report[row - 1].at(-1) ?? '';
    // Row 2: found by TRN; row 3: by provider trainee ID. Each passes, with a warning.
    for (const [row, by] of [
      [2, 'TRN'],
      [3, 'provider trainee ID'],
    ] as const) {
      assert.equal(resultOf(row), 'Passed');
      assert.equal(
        errorsOf(row),
        `Warning: HESA ID: "3.0001E+12" is a long number rounded by a spreadsheet, so it could not be checked against the record, which has "300010000000${row - 2}". The trainee was found by their ${by}, so the row can go ahead. To keep long identifiers whole, format the column as Text in your spreadsheet before you type or paste the identifiers, or use the Excel workbook (.xlsx) template`,
      );
    }
    assert.deepEqual([resultOf(4), errorsOf(4)], ['Passed', ''], 'a HESA ID saved whole');
    // Nothing else finds the trainee: an error saying what the spreadsheet did and what to do.
    assert.equal(resultOf(5), '2 errors');
    assert.match(
      errorsOf(5),
      /\nHESA ID: "3\.0001E\+12" was changed by the spreadsheet into a rounded number, and its other digits are lost\. Rollbook finds trainees by TRN or provider trainee ID: enter one of them, and to keep long identifiers whole, format the column as Text/,
    );
    // Rounded, but not from the HESA ID on record: a mismatch like any other.
    assert.match(
      errorsOf(6),
      /^HESA ID: "3\.0002E\+12" does not match the trainee’s record, which has "3000100000004"/,
    );
    assert.equal(resultOf(7), '1 error');
    assert.match(
      errorsOf(7),
      /^Placement 1 end date: 8 September 2025 is before the start date, 19 December 2025\. Enter an end date on or after the start date\nWarning: HESA ID/,
    );
    assert.match(resultOf(8), /^Nothing to add/);
    assert.match(errorsOf(8), /^Warning: HESA ID/);
    assert.match(errorsOf(9), /^Placement 1 URN: empty\. Enter the URN of the school for the dates you gave/);
    assert.match(errorsOf(10), /^Placement 1 start date: "31\/02\/2026" is not a real date/);
    assert.equal(resultOf(11), 'Passed');

    const lines = (await reviewChanges(database.db, university, checked.id)).groups.flatMap((g) => g.lines);
    const detailsOf = (trn: string) => lines.find((line) => line.details.includes(`TRN ${trn}`))?.details.slice(1);
    assert.deepEqual(detailsOf('3000001'), [
      'Placement at Willow Green High School (URN 100003), 8 September 2025 to 19 December 2025',
    ]);
    assert.deepEqual(detailsOf('3000011'), [
      `Placement at ${await schoolName('100011')} (URN 100011), starting 8 September 2025`,
      'Placement at Hill Top Farm School (LS2 9JT), ending 30 June 2026',
    ]);

    assert.deepEqual(await submitUpload(database, university, checked.id, { skipErrors: true, today }), {
      state: 'submitted',
      submitted: 4,
    });
    const stored = async (trn: string) =>
      (await placementsOf(trn)).map((p) => [p.school_urn ?? p.school_name, p.start_date, p.end_date]);
    assert.deepEqual(await stored('3000001'), [['100003', '2025-09-08', '2025-12-19']]);
    assert.deepEqual(await stored('3000002'), [['100004', null, null]]);
    assert.deepEqual(await stored('3000011'), [
      ['100011', '2025-09-08', null],
      ['Hill Top Farm School', null, '2026-06-30'],
    ]);
    const event = await database.db
      .selectFrom('events')
      .select('changes')
      .where('via', '=', `upload ${checked.id}`)
      .where('subject_id', '=', await traineeId('3000001'))
      .executeTakeFirstOrThrow();
    assert.deepEqual(event.changes, {
      placements: { to: 'Willow Green High School (URN 100003), starting 2025-09-08, ending 2025-12-19' },
    });
    // What undoing would remove, for the confirmation page.
    assert.equal(
      await placements.undoPreview?.(database.db, { db: database.db, actor: university, today, uploadId: checked.id }),
      '5 placements of 4 trainees',
    );
  });

  it('writes HESA IDs into the CSV template so that Excel keeps them, and takes the template back as it is', async () => {
    const file = await templateFile(database.db, university, KIND, 'csv', today);
    const text = file.body.toString('utf8');
    assert.match(text, /\r\n3000001,U-000001,"=""3000100000000""",/, 'the HESA ID as a text formula');
    const checked = await receiveUpload(database, university, KIND, { name: 'template.csv', bytes: file.body }, today);
    assert.equal(checked.error_count, 0);
    assert.equal(checked.warning_count, 0, 'every HESA ID read back whole');
    assert.equal(checked.skip_count, parse(file.body).length - 1);
  });
});
