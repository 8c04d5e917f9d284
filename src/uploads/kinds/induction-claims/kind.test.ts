// Bulk claims (upload kind induction-claims) through the pipeline, below the pages, with named
// fixture files: each row rule (a TRN and date of birth the teaching record does not know, a
// prohibited teacher, one with another body, a start before QTS or in the future, empty cells, a
// programme that is not one), the file-level refusals, and a sheet as Excel saves it, claimed.
// The teachers are made here with the fixed TRNs the files hold; today is fixed, so the dates
// in the files never age.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readCsv } from '../../../../test/support/csv.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { createAppropriateBody, createRecordTeacher } from '../../../../test/support/factories.ts';
import { uploadFixture } from '../../../../test/support/fixtures.ts';
import type { Database } from '../../../db/database.ts';
import { claimEcts } from '../../../domain/induction/periods.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import { localTeachingRecordInduction } from '../../../integrations/teaching-record/local-induction.ts';
import { checkUpload, receiveUpload, submitUpload } from '../../pipeline.ts';
import { errorReport } from '../../report.ts';
import { FileRefusal } from '../../sheets/sheet.ts';

const KIND = 'induction-claims';
const TODAY = '2026-06-15';

describe('bulk induction claims upload', () => {
  let database: Database;
  let hub: Actor;

  before(async () => {
    database = await testDatabase();
    hub = await createAppropriateBody(database.db, { name: 'Claims Hub' });
    const other = await createAppropriateBody(database.db, { name: 'Northfield Hub' });
    const teacher = (trn: string, dateOfBirth: string, firstName: string, lastName: string, qtsDate = '2024-07-20') =>
      createRecordTeacher(database.db, { trn, dateOfBirth, firstName, lastName, qtsDate });
    await teacher('7100001', '1995-04-12', 'Amira', 'Shah');
    const prohibited = await teacher('7100002', '1996-05-03', 'Ben', 'Cole');
    await database.db
      .updateTable('teaching_record_teachers')
      .set({ prohibited: true })
      .where('trn', '=', prohibited.trn)
      .execute();
    const elsewhere = await teacher('7100003', '1994-11-21', 'Cara', 'Dunn');
    await claimEcts(database.db, other, [{ record: elsewhere, startedOn: '2025-09-01', programme: 'provider_led' }], {
      via: 'test',
      today: TODAY,
    });
    await teacher('7100004', '1997-01-30', 'Dan', 'Evans', '2025-07-20');
    await teacher('7100005', '1998-08-08', 'Eve', 'Ford');
    await teacher('7100006', '1993-02-14', 'Femi', 'Gray');
    await teacher('7100007', '1992-10-02', 'Gita', 'Hale');
  });
  after(() => database.close());

  /** Receives a fixture file and checks it as the background job does, with the local teaching record. */
  async function check(name: string) {
    const received = await receiveUpload(database, hub, KIND, uploadFixture(KIND, name), TODAY, {
      checkLater: async () => {},
    });
    const local = localTeachingRecordInduction(database.db);
    const checked = await checkUpload(database, hub, received.id, TODAY, undefined, {
      adapters: { teachingRecord: { ...local, requestAwards: async () => [], requestTrns: async () => [] } },
    });
    assert.equal(checked.state, 'checked', checked.failure_message ?? '');
    return checked;
  }

  /** The error report's rows after the headings, as [TRN, result, errors]. */
  async function reported(uploadId: string) {
    const [headers, ...rows] = readCsv((await errorReport(database.db, hub, uploadId)).body);
    assert.deepEqual(headers.slice(-2), ['Validation result', 'Errors']);
    return rows.map((row) => [row[0], row.at(-2) ?? '', row.at(-1) ?? '']);
  }

  it('checks each row against the teaching record and the claim rules, naming the teacher', async () => {
    const checked = await check('row-problems');
    assert.deepEqual([checked.change_count, checked.skip_count, checked.error_count], [1, 0, 6]);
    const rows = await reported(checked.id);
    assert.deepEqual(rows[0], ['7100001', 'Passed', '']);
    assert.equal(rows[1][2], 'You cannot claim Ben Cole: they are prohibited from teaching.');
    assert.equal(
      rows[2][2],
      'You cannot claim Cara Dunn: they are completing their induction with another appropriate body (Northfield Hub). That body must release them first.',
    );
    assert.equal(rows[3][2], 'Dan Evans: The induction start date cannot be before their QTS date (20 July 2025)');
    assert.equal(rows[4][2], 'Eve Ford: The induction start date cannot be in the future');
    assert.equal(
      rows[5][2],
      'TRN 7999999 and date of birth 1 January 1990 do not match a teacher in the Teaching Record System. Check both against the teacher’s records',
    );
    assert.deepEqual(rows[6], [
      '7100006',
      '2 errors',
      'Induction programme: "online" is not one of the choices. Write provider-led or school-led\nInduction period start date: empty. Fill it in, or delete the row',
    ]);
  });

  it('refuses a file with no start date column, or with headings and no rows, and stores nothing', async () => {
    const before = await database.db.selectFrom('uploads').select('id').execute();
    const refusals: [string, RegExp][] = [
      ['no-start-date-column', /"Induction period start date"/],
      ['headers-only', /column headings but no rows/],
    ];
    for (const [name, message] of refusals) {
      await assert.rejects(
        receiveUpload(database, hub, KIND, uploadFixture(KIND, name), TODAY, { checkLater: async () => {} }),
        (error: Error) => {
          assert.ok(error instanceof FileRefusal, `${name}: ${error.message}`);
          assert.match(error.message, message, name);
          return true;
        },
      );
    }
    const after = await database.db.selectFrom('uploads').select('id').execute();
    assert.equal(after.length, before.length);
  });

  it('claims from a sheet as Excel saves it: byte order mark, short dates, the programmes’ other names, emptied rows', async () => {
    const checked = await check('excel-saved');
    assert.deepEqual([checked.change_count, checked.skip_count, checked.error_count], [2, 0, 0]);
    const submitted = await submitUpload(database, hub, checked.id, { skipErrors: false, today: TODAY });
    assert.deepEqual(submitted, { state: 'submitted', submitted: 2 });
    const claimed = await database.db
      .selectFrom('induction_periods')
      .innerJoin('teachers', 'teachers.id', 'induction_periods.teacher_id')
      .select(['teachers.trn', 'induction_periods.started_on', 'induction_periods.training_programme'])
      .where('induction_periods.claimed_by_upload', '=', checked.id)
      .orderBy('teachers.trn')
      .execute();
    assert.deepEqual(claimed, [
      { trn: '7100006', started_on: '2025-09-01', training_programme: 'school_led' },
      { trn: '7100007', started_on: '2025-09-02', training_programme: 'provider_led' },
    ]);
  });
});
