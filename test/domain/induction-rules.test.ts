// Two rules of induction, each written once in src/domain/induction/rules.ts and applied by the
// single journeys and by every row in bulk: a teacher is 18 to 100 years old (from their date of
// birth), and an induction period starts on or after the earliest date allowed (1 September 2021
// for a claim or a school's registration, 1 September 1999 for a period support adds).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { claimEcts } from '../../src/domain/induction/periods.ts';
import {
  claimDateProblem,
  dateOfBirthProblem,
  EARLIEST_CLAIM_START,
  periodOutcomeName,
  periodStartProblem,
} from '../../src/domain/induction/rules.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { localTeachingRecordInduction } from '../../src/integrations/teaching-record/local-induction.ts';
import { checkUpload, receiveUpload } from '../../src/uploads/pipeline.ts';
import { errorReport } from '../../src/uploads/report.ts';
import { csvFile, readCsv } from '../support/csv.ts';
import { testDatabase } from '../support/database.ts';
import { createAppropriateBody, createRecordTeacher } from '../support/factories.ts';

const TODAY = '2026-06-15';
const dmy = (iso: string) => iso.split('-').reverse().join('/');

describe('induction rules: the teacher’s age and the earliest start date', () => {
  let database: Database;
  let hub: Actor;

  before(async () => {
    database = await testDatabase();
    hub = await createAppropriateBody(database.db, { name: 'Rules Hub' });
  });
  after(() => database.close());

  it('takes a teacher from 18 to 100 years old, to the day', () => {
    assert.equal(dateOfBirthProblem('2008-06-15', TODAY), undefined, '18 today');
    assert.match(
      dateOfBirthProblem('2008-06-16', TODAY) ?? '',
      /^The teacher must be between 18 and 100 years old, and a date of birth of 16 June 2008 makes them 17 years old\. Check the date of birth$/,
    );
    assert.equal(dateOfBirthProblem('1925-06-16', TODAY), undefined, '100, turning 101 tomorrow');
    assert.match(dateOfBirthProblem('1925-06-15', TODAY) ?? '', /makes them 101 years old/);
    assert.match(dateOfBirthProblem('2026-06-16', TODAY) ?? '', /cannot be in the future/);
  });

  it('starts a claim on or after 1 September 2021, and any period on or after 1 September 1999', () => {
    const claim = (date: string) =>
      claimDateProblem(date, { qtsDate: '1999-07-01', lastFinishedOn: null, today: TODAY });
    assert.equal(EARLIEST_CLAIM_START, '2021-09-01');
    assert.equal(claim('2021-09-01'), undefined);
    assert.equal(claim('2021-08-31'), 'The induction start date must be on or after 1 September 2021');
    const period = (date: string) => periodStartProblem(date, { qtsDate: null, today: TODAY });
    assert.equal(period('1999-09-01'), undefined);
    assert.equal(period('1999-08-31'), 'The induction start date must be on or after 1 September 1999');
  });

  it('lets a school’s registration start in the future, with the same earliest-start and QTS rules', () => {
    const registration = (date: string) =>
      periodStartProblem(date, {
        qtsDate: '2024-07-20',
        today: TODAY,
        earliest: EARLIEST_CLAIM_START,
        allowFuture: true,
      });
    assert.equal(registration('2026-09-01'), undefined);
    assert.equal(
      periodStartProblem('2026-09-01', { qtsDate: null, today: TODAY }),
      'The induction start date cannot be in the future',
    );
    assert.equal(registration('2021-08-31'), 'The induction start date must be on or after 1 September 2021');
    assert.equal(registration('2024-07-19'), 'The induction start date cannot be before their QTS date (20 July 2024)');
  });

  it('names how a period ended in one place: Passed, Failed, Released or In progress', () => {
    assert.equal(periodOutcomeName({ outcome: 'pass', finished_on: '2026-05-01' }), 'Passed');
    assert.equal(
      periodOutcomeName({ outcome: 'fail', finished_on: '2026-05-01' }, { failedDetail: ' (sent)' }),
      'Failed (sent)',
    );
    assert.equal(periodOutcomeName({ outcome: null, finished_on: '2026-05-01' }), 'Released');
    assert.equal(periodOutcomeName({ outcome: null, finished_on: null }), 'In progress');
  });

  it('refuses to claim from before 1 September 2021, one by one', async () => {
    const record = await createRecordTeacher(database.db, { qtsDate: '2019-07-20' });
    await assert.rejects(
      claimEcts(database.db, hub, [{ record, startedOn: '2021-08-31', programme: 'provider_led' }], {
        via: 'test',
        today: TODAY,
      }),
      (error: Error) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.message, 'The induction start date must be on or after 1 September 2021');
        return true;
      },
    );
  });

  /** Checks a file of one kind as the background job would, with the local teaching record; gives its rows' errors by TRN. */
  async function check(kind: string, rows: string[][]) {
    const received = await receiveUpload(database, hub, kind, { name: `${kind}.csv`, bytes: csvFile(rows) }, TODAY, {
      checkLater: async () => {},
    });
    const local = localTeachingRecordInduction(database.db);
    const checked = await checkUpload(database, hub, received.id, TODAY, undefined, {
      adapters: { teachingRecord: { ...local, requestAwards: async () => [], requestTrns: async () => [] } },
    });
    assert.equal(checked.state, 'checked');
    const [headers, ...report] = readCsv((await errorReport(database.db, hub, received.id)).body.toString('utf8'));
    const errors = new Map(report.map((row) => [row[0], row.at(-1) ?? '']));
    assert.equal(headers.at(-1), 'Errors');
    return { counts: [checked.change_count, checked.error_count], errors };
  }

  it('applies both to every row of a bulk claim, naming the teacher', async () => {
    const young = await createRecordTeacher(database.db, { dateOfBirth: '2008-06-16' });
    const early = await createRecordTeacher(database.db, { qtsDate: '2019-07-20' });
    const fine = await createRecordTeacher(database.db);
    const headers = ['TRN', 'Date of birth', 'Induction programme', 'Induction period start date'];
    const { counts, errors } = await check('induction-claims', [
      headers,
      [young.trn, dmy(young.dateOfBirth), 'provider-led', '01/09/2025'],
      ['7999999', '01/01/1900', 'provider-led', '01/09/2025'],
      [early.trn, dmy(early.dateOfBirth), 'school-led', '31/08/2021'],
      [fine.trn, dmy(fine.dateOfBirth), 'school-led', '01/09/2025'],
    ]);
    assert.deepEqual(counts, [1, 3]);
    assert.equal(
      errors.get(young.trn),
      `${young.firstName} ${young.lastName}: The teacher must be between 18 and 100 years old, and a date of birth of 16 June 2008 makes them 17 years old. Check the date of birth`,
    );
    assert.match(
      errors.get('7999999') ?? '',
      /^The teacher with TRN 7999999: The teacher must be between 18 and 100 years old, and a date of birth of 1 January 1900 makes them 126 years old/,
    );
    assert.equal(
      errors.get(early.trn),
      `${early.firstName} ${early.lastName}: The induction start date must be on or after 1 September 2021`,
    );
    assert.equal(errors.get(fine.trn) ?? '', '', 'a good row has no error');
  });

  it('applies the age rule to every row of bulk outcomes, naming the teacher', async () => {
    const young = await createRecordTeacher(database.db, { dateOfBirth: '2008-06-16' });
    const { counts, errors } = await check('induction-outcomes', [
      ['TRN', 'Date of birth', 'Induction period end date', 'Number of terms', 'Outcome'],
      [young.trn, dmy(young.dateOfBirth), dmy(TODAY), '2', 'release'],
    ]);
    assert.deepEqual(counts, [0, 1]);
    assert.match(errors.get(young.trn) ?? '', /^Jo Teacher\d+: The teacher must be between 18 and 100 years old/);
  });
});
