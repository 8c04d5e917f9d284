// Placements from the HESA student collection (upload kind hesa-placements): trainees matched by
// HESA ID within the provider, unknown HUSIDs and URNs named, duplicates skipped (recorded, or
// repeated in the file), split sites kept, HESA's own headings and aliases, submission and undo; a
// HUSID Excel rounded (test/fixtures/uploads/hesa-placements/excel-saved.csv).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { actorFor } from '../../../../test/support/actors.ts';
import { csvFile, readCsv } from '../../../../test/support/csv.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { uploadFixture } from '../../../../test/support/fixtures.ts';
import type { Database } from '../../../db/database.ts';
import { loadDemoData } from '../../../demo/index.ts';
import { today as todayInEngland } from '../../../domain/dates.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import { receiveUpload, submitUpload } from '../../../uploads/pipeline.ts';
import { errorReport } from '../../../uploads/report.ts';
import { templateFile } from '../../../uploads/template.ts';
import { undoUpload } from '../../../uploads/undo.ts';

const KIND = 'hesa-placements';
const csv = (rows: string[][]) => csvFile(rows);

describe('HESA placements upload', () => {
  let database: Database;
  let university: Actor;
  let scitt: Actor;
  let trainees: { id: string; hesa_id: string | null }[];
  const today = todayInEngland();

  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
    university = await actorFor(database.db, 'university@example.com', '10000002');
    scitt = await actorFor(database.db, 'provider@example.com', '10000001');
    trainees = await database.db
      .selectFrom('trainees')
      .leftJoin('placements', 'placements.trainee_id', 'trainees.id')
      .select(['trainees.id', 'trainees.hesa_id'])
      .where('trainees.provider_id', '=', university.organisation.id)
      .where('placements.id', 'is', null)
      .where('trainees.hesa_id', 'is not', null)
      .orderBy('trainees.hesa_id')
      .execute();
  });
  after(() => database.close());

  const husid = (i: number) => trainees[i].hesa_id ?? '';

  async function placementsOf(i: number) {
    return database.db
      .selectFrom('placements')
      .selectAll()
      .where('trainee_id', '=', trainees[i].id)
      .orderBy('start_date')
      .execute();
  }

  it('offers a blank sheet with HESA’s headings', async () => {
    const file = await templateFile(database.db, university, KIND, 'csv', today);
    const text = file.body
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trim();
    assert.equal(text, 'HUSID,PLMNTSCH,PLMNTSTDATE');
    assert.equal(file.fileName, 'rollbook-demo-university-hesa-placements.csv');
  });

  it('matches trainees by HESA ID, reports unknown ones and URNs, skips duplicates and keeps split sites', async () => {
    await database.db
      .insertInto('placements')
      .values({ trainee_id: trainees[2].id, provider_id: university.organisation.id, school_urn: '100003' })
      .execute();
    const scittTrainee = await database.db
      .selectFrom('trainees')
      .select('trn')
      .where('provider_id', '=', scitt.organisation.id)
      .executeTakeFirstOrThrow();
    const rows = [
      ['Student identifier', 'Placement school URN', 'Start date', 'NUMPLMNT'],
      [husid(0), '100003', '2/9/2025', '1'], // 1: added
      [husid(0), '100004', '', '2'], // 2: added
      [` ${husid(0).slice(0, 4)} ${husid(0).slice(4)} `, '100003', '2025-09-02', '3'], // 3: same as row 1, spaced: skipped
      [husid(1), '100006', '1/9/2025', '1'], // 4: added
      [husid(1), '100006', '5/1/2026', '2'], // 5: same URN, other date (split site): added
      [husid(2), '100003', '', '1'], // 6: already recorded: skipped
      ['9999999999999', '100003', '', '1'], // 7: nobody's HUSID
      ['12345', '100003', '', '1'], // 8: not a HUSID
      [husid(3), '999999', '', '1'], // 9: not in the register
      [husid(3), '100003', '31/2/2025', '1'], // 10: not a date
      [scittTrainee.trn ?? '', '100003', '', '1'], // 11: not a HUSID
      ['', '', '', ''], // blank: ignored
    ];
    const upload = await receiveUpload(database, university, KIND, { name: 'hesa.csv', bytes: csv(rows) }, today);
    assert.deepEqual(JSON.parse(JSON.stringify(upload.unknown_columns)), ['NUMPLMNT']);
    assert.equal(upload.change_count, 4);
    assert.equal(upload.skip_count, 2);
    assert.equal(upload.error_count, 5);

    const report = readCsv((await errorReport(database.db, university, upload.id)).body);
    const result = (row: number) => report[row].slice(-2).join(' | ');
    assert.match(result(3), /The same placement as in row 2/);
    assert.match(result(6), /Already recorded/);
    assert.match(result(7), /HUSID: no trainee of yours has HESA ID 9999999999999/);
    assert.match(result(8), /HUSID: "12345" is not a HUSID/);
    assert.match(result(9), /PLMNTSCH: there is no school with URN 999999 in the register/);
    assert.match(result(10), /PLMNTSTDATE: "31\/2\/2025" is not a real date/);

    assert.deepEqual(await submitUpload(database, university, upload.id, { skipErrors: true, today }), {
      state: 'submitted',
      submitted: 4,
    });
    assert.deepEqual(
      (await placementsOf(0)).map((p) => [p.school_urn, p.start_date]),
      [
        ['100003', '2025-09-02'],
        ['100004', null],
      ],
    );
    assert.deepEqual(
      (await placementsOf(1)).map((p) => [p.school_urn, p.start_date]),
      [
        ['100006', '2025-09-01'],
        ['100006', '2026-01-05'],
      ],
    );
    assert.equal((await placementsOf(2)).length, 1);
    // One event per trainee, naming every placement their rows added.
    const eventsVia = (via: string) =>
      database.db.selectFrom('events').select(['subject_id', 'action', 'changes']).where('via', '=', via).execute();
    const added = await eventsVia(`upload ${upload.id}`);
    assert.deepEqual(added.map((e) => e.subject_id).sort(), [trainees[0].id, trainees[1].id].sort());
    assert.ok(added.every((e) => e.action === 'placements added'));
    assert.deepEqual(added.find((e) => e.subject_id === trainees[0].id)?.changes, {
      placements: {
        to: 'Willow Green High School (URN 100003), starting 2025-09-02; Chapel End High School (URN 100004)',
      },
    });

    assert.equal((await undoUpload(database, university, upload.id)).state, 'undone');
    const removed = await eventsVia(`undo of upload ${upload.id}`);
    assert.equal(removed.length, 2);
    // The undo names the same placements as the submission did.
    const addedTo = added.find((e) => e.subject_id === trainees[1].id)?.changes as
      | { placements: { to: string } }
      | undefined;
    assert.deepEqual(removed.find((e) => e.subject_id === trainees[1].id)?.changes, {
      placements: { from: addedTo?.placements.to },
    });
    assert.equal((await placementsOf(0)).length, 0);
    assert.equal((await placementsOf(1)).length, 0);
    assert.equal((await placementsOf(2)).length, 1, 'the placement recorded before stays');
  });

  it('does not find another provider’s trainee by HESA ID', async () => {
    const rows = [
      ['HUSID', 'PLMNTSCH'],
      [husid(5), '100003'],
    ];
    const upload = await receiveUpload(database, scitt, KIND, { name: 'hesa.csv', bytes: csv(rows) }, today);
    assert.equal(upload.error_count, 1);
    assert.equal(upload.change_count, 0);
  });

  it('refuses a file without a HUSID or URN column', async () => {
    await assert.rejects(
      receiveUpload(database, university, KIND, uploadFixture(KIND, 'no-school-column'), today),
      /"PLMNTSCH"/,
    );
  });
  it('refuses a HUSID that two of the provider’s trainees share, naming them, rather than guess', async () => {
    const [first, second] = [trainees[20], trainees[21]];
    await database.db.updateTable('trainees').set({ hesa_id: first.hesa_id }).where('id', '=', second.id).execute();
    try {
      const checked = await receiveUpload(
        database,
        university,
        KIND,
        {
          name: 'hesa.csv',
          bytes: csv([
            ['HUSID', 'PLMNTSCH'],
            [first.hesa_id ?? '', '100004'],
          ]),
        },
        today,
      );
      assert.equal(checked.error_count, 1);
      const report = (await errorReport(database.db, university, checked.id)).body.toString('utf8');
      assert.match(report, /is the HESA ID of more than one of your trainees/);
    } finally {
      await database.db.updateTable('trainees').set({ hesa_id: second.hesa_id }).where('id', '=', second.id).execute();
    }
  });

  it('refuses a HUSID Excel rounded into scientific notation, saying what happened and what to do', async () => {
    // Saved by Excel as "CSV UTF-8": the first HUSID was shown, then saved, as 3.0001E+12.
    const checked = await receiveUpload(database, university, KIND, uploadFixture(KIND, 'excel-saved'), today);
    assert.deepEqual([checked.change_count, checked.error_count, checked.warning_count], [1, 1, 0]);
    const report = readCsv((await errorReport(database.db, university, checked.id)).body);
    assert.deepEqual(report[1].slice(-2), [
      '1 error',
      'HUSID: "3.0001E+12" was changed by the spreadsheet into a rounded number, and its other digits are lost. Copy the HUSIDs again from your HESA return, and to keep long identifiers whole, format the column as Text in your spreadsheet before you type or paste the identifiers, or use the Excel workbook (.xlsx) template',
    ]);
    assert.equal(report[2].at(-2), 'Passed', 'a HUSID saved whole');
  });
});
