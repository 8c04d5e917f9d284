// Bulk outcomes (upload kind induction-outcomes) through the pipeline, below the pages, with named
// fixture files: each row rule (a fail refused in bulk, terms with two decimals, an outcome that is
// not pass or release, an ECT not claimed or with another body, an end date in the future, a TRN
// and date of birth the teaching record does not know), a row left empty skipped, the file-level
// refusals, and the pass and the release recorded. The teachers are made here with the fixed TRNs
// the files hold; today is fixed, so the dates in the files never age.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { readCsv } from '../../../../test/support/csv.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { createAppropriateBody, createRecordTeacher } from '../../../../test/support/factories.ts';
import { uploadFixture } from '../../../../test/support/fixtures.ts';
import type { Database } from '../../../db/database.ts';
import { claimEcts } from '../../../domain/induction/periods.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import type { RecordTeacher } from '../../../domain/ports/teaching-record.ts';
import { localTeachingRecordInduction } from '../../../integrations/teaching-record/local-induction.ts';
import { checkUpload, receiveUpload, submitUpload } from '../../pipeline.ts';
import { errorReport } from '../../report.ts';
import { FileRefusal } from '../../sheets/sheet.ts';

const KIND = 'induction-outcomes';
const TODAY = '2026-06-15';

describe('bulk induction outcomes upload', () => {
  let database: Database;
  let hub: Actor;

  before(async () => {
    database = await testDatabase();
    hub = await createAppropriateBody(database.db, { name: 'Outcomes Hub' });
    const other = await createAppropriateBody(database.db, { name: 'Northfield Hub' });
    const teachers: [string, string, string, string][] = [
      ['7200001', '1995-04-12', 'Amira', 'Shah'],
      ['7200002', '1996-05-03', 'Ben', 'Cole'],
      ['7200003', '1994-11-21', 'Cara', 'Dunn'],
      ['7200004', '1997-01-30', 'Dan', 'Evans'],
      ['7200005', '1998-08-08', 'Eve', 'Ford'],
      ['7200006', '1993-02-14', 'Femi', 'Gray'],
      ['7200007', '1992-10-02', 'Gita', 'Hale'],
      ['7200008', '1991-03-19', 'Hal', 'Irwin'],
      ['7200009', '1990-12-25', 'Ines', 'Joyce'],
    ];
    const records = new Map<string, RecordTeacher>();
    for (const [trn, dateOfBirth, firstName, lastName] of teachers) {
      records.set(trn, await createRecordTeacher(database.db, { trn, dateOfBirth, firstName, lastName }));
    }
    const claim = (actor: Actor, trns: string[]) =>
      claimEcts(
        database.db,
        actor,
        trns.map((trn) => ({
          record: records.get(trn) as RecordTeacher,
          startedOn: '2025-09-01',
          programme: 'provider_led',
        })),
        { via: 'test', today: TODAY },
      );
    // 7200006 is never claimed.
    await claim(hub, ['7200001', '7200002', '7200003', '7200004', '7200005', '7200008', '7200009']);
    await claim(other, ['7200007']);
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

  it('checks each row, refusing a fail in bulk, and records the pass and the release', async () => {
    const checked = await check('row-problems');
    assert.deepEqual([checked.change_count, checked.skip_count, checked.error_count], [2, 1, 7]);
    const [headers, ...rows] = readCsv((await errorReport(database.db, hub, checked.id)).body);
    assert.deepEqual(headers.slice(-2), ['Validation result', 'Errors']);
    const errorsOf = (trn: string) => rows.find((row) => row[0] === trn)?.at(-1);
    assert.equal(errorsOf('7200001'), '');
    assert.equal(errorsOf('7200002'), '', 'Release, whatever its capitals');
    assert.equal(
      errorsOf('7200003'),
      'Outcome: a fail cannot be recorded in bulk. Record it on the teacher’s page, with the date you sent them written confirmation',
    );
    assert.equal(errorsOf('7200004'), 'Number of terms: Number of terms can only have up to 1 decimal place, like 2.5');
    assert.equal(rows.find((row) => row[0] === '7200005')?.at(-2), 'No outcome given', 'a row left empty is skipped');
    assert.equal(errorsOf('7200006'), 'Femi Gray has not been claimed');
    assert.equal(
      errorsOf('7200007'),
      'Gita Hale is completing their induction with another appropriate body (Northfield Hub)',
    );
    assert.equal(errorsOf('7200008'), 'Hal Irwin: The induction end date cannot be in the future');
    assert.equal(errorsOf('7200009'), 'Outcome: "passed" is not pass or release. Write pass or release');
    assert.equal(
      errorsOf('7999999'),
      'TRN 7999999 and date of birth 1 January 1990 do not match a teacher in the Teaching Record System. Check both against the teacher’s records',
    );

    const submitted = await submitUpload(database, hub, checked.id, { skipErrors: true, today: TODAY });
    assert.deepEqual(submitted, { state: 'submitted', submitted: 2 });
    const closed = await database.db
      .selectFrom('induction_periods')
      .innerJoin('teachers', 'teachers.id', 'induction_periods.teacher_id')
      .select([
        'teachers.trn',
        'induction_periods.finished_on',
        'induction_periods.outcome',
        sql<string>`induction_periods.number_of_terms::text`.as('terms'),
      ])
      .where('induction_periods.closed_by_upload', '=', checked.id)
      .orderBy('teachers.trn')
      .execute();
    assert.deepEqual(closed, [
      { trn: '7200001', finished_on: '2026-06-12', outcome: 'pass', terms: '6' },
      { trn: '7200002', finished_on: '2026-06-12', outcome: null, terms: '2.5' },
    ]);
  });

  it('refuses a file with no outcome column, or with headings and no rows, and stores nothing', async () => {
    const before = await database.db.selectFrom('uploads').select('id').execute();
    const refusals: [string, RegExp][] = [
      ['no-outcome-column', /"Outcome"/],
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
});
