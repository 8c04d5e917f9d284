// School data in the domain: a data set replaces the data of the learners it holds and no one
// else's, creates new learners and updates details; publish at leaves the previous data showing
// until its time; undo restores exactly what was replaced and is refused once a later data set
// holds a learner; replaced data is deleted once undo is no longer possible; schools never see
// each other's learners; every change and view is audited.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { inTransaction } from '../../src/db/transaction.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { findLearner, findLearnerByUpn, searchLearners } from '../../src/domain/school-data/learners.ts';
import {
  forgetReplacedSchoolData,
  learnerDataPage,
  listLearnerViews,
  recordLearnerView,
  type StagedLearnerData,
  submitSchoolData,
  undoSchoolData,
} from '../../src/domain/school-data/school-data.ts';
import { testDatabase } from '../support/database.ts';
import { createSchoolOrganisation, testUpn } from '../support/factories.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function learner(n: number, fields: [string, string][], overrides: Partial<StagedLearnerData> = {}): StagedLearnerData {
  return {
    upn: testUpn(n),
    admissionNumber: `A${n}`,
    firstName: `First${n}`,
    surname: `Surname${n}`,
    dateOfBirth: '2012-05-01',
    yearGroup: 'Year 9',
    fields: fields,
    ...overrides,
  };
}

describe('school data', () => {
  let database: Database;
  let school: Actor;
  let other: Actor;
  before(async () => {
    database = await testDatabase();
    school = await createSchoolOrganisation(database.db);
    other = await createSchoolOrganisation(database.db);
  });
  after(() => database.close());

  const details = (publishAt = new Date(), introduction = ['Your predicted grades.']) => ({
    introduction,
    publishAt,
    submittedByName: 'Sam Staff',
    dateSubmitted: null,
  });

  /** Submits a data set as if from an upload (so it can be undone): staged rows are given as items here. */
  async function submit(actor: Actor, items: StagedLearnerData[], publishAt = new Date(), introduction?: string[]) {
    return inTransaction(database.db, async (tx) => {
      const uploadId = (
        await tx
          .insertInto('uploads')
          .values({
            organisation_id: actor.organisation.id,
            kind: 'school-data',
            state: 'submitted',
            file_name: 'data.csv',
            file_format: 'csv',
            file_size: 1,
            headers: '[]',
            unknown_columns: '[]',
            submitted_at: new Date(),
          })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      await tx
        .insertInto('upload_rows')
        .values(
          items.map((item, i) => ({
            upload_id: uploadId,
            row_number: i + 2,
            outcome: 'change' as const,
            errors: '[]',
            change: JSON.stringify(item),
          })),
        )
        .execute();
      const result = await submitSchoolData(tx, actor, { uploadId }, details(publishAt, introduction), {
        via: `upload ${uploadId}`,
      });
      return { ...result, uploadId };
    });
  }

  const page = async (actor: Actor, n: number, now?: Date) => {
    const found = await findLearnerByUpn(database.db, actor.organisation.id, testUpn(n));
    assert.ok(found, `learner ${n} exists`);
    return learnerDataPage(database.db, found, now);
  };

  it('creates new learners with their data, in column order, blanks left out', async () => {
    const result = await submit(school, [
      learner(1, [
        ['Maths', '7'],
        ['English', ''],
        ['Art', 'A*'],
      ]),
      learner(2, [['Maths', '007']]),
    ]);
    assert.deepEqual([result.added, result.updated], [2, 0]);
    const first = await page(school, 1);
    assert.deepEqual(first.data?.fields, [
      { name: 'Maths', value: '7' },
      { name: 'Art', value: 'A*' },
    ]);
    assert.deepEqual(first.data?.introduction, ['Your predicted grades.']);
    assert.deepEqual((await page(school, 2)).data?.fields, [{ name: 'Maths', value: '007' }], 'kept exactly as typed');
  });

  it('replaces only the learners in a new data set, and brings their details up to date', async () => {
    await submit(school, [learner(1, [['Science', '6']], { yearGroup: 'Year 10', surname: 'Newname' })], new Date(), [
      'Second.',
    ]);
    const first = await page(school, 1);
    assert.deepEqual(first.data?.fields, [{ name: 'Science', value: '6' }], 'the old fields are not shown again');
    assert.deepEqual(first.data?.introduction, ['Second.']);
    assert.equal(first.learner.year_group, 'Year 10');
    assert.equal(first.learner.surname, 'Newname');
    assert.deepEqual((await page(school, 2)).data?.fields, [{ name: 'Maths', value: '007' }], 'others keep theirs');
  });

  it('publishes at a later time: until then learners keep seeing the previous data', async () => {
    const later = new Date(Date.now() + 2 * DAY);
    await submit(school, [learner(2, [['Maths', '8']])], later);
    const now = await page(school, 2);
    assert.deepEqual(now.data?.fields, [{ name: 'Maths', value: '007' }]);
    assert.equal(now.pending?.publishAt.getTime(), later.getTime(), 'staff are told newer data is coming');
    const then = await page(school, 2, new Date(later.getTime() + 1000));
    assert.deepEqual(then.data?.fields, [{ name: 'Maths', value: '8' }]);
    assert.equal(then.pending, null);
  });

  it('undoes a data set, restoring exactly what it replaced and removing learners it created', async () => {
    const before = await page(school, 1);
    const { uploadId } = await submit(school, [
      learner(1, [['History', '5']], { firstName: 'Changed', dateOfBirth: '2012-05-01' }),
      learner(3, [['History', '4']]),
    ]);
    assert.deepEqual((await page(school, 1)).data?.fields, [{ name: 'History', value: '5' }]);
    const reasons = await inTransaction(database.db, (tx) =>
      undoSchoolData(tx, school, uploadId, { via: `undo of upload ${uploadId}` }),
    );
    assert.deepEqual(reasons, []);
    const after = await page(school, 1);
    assert.deepEqual(after.data, before.data);
    assert.equal(after.learner.first_name, before.learner.first_name);
    assert.equal(await findLearnerByUpn(database.db, school.organisation.id, testUpn(3)), undefined);
    const events = await database.db
      .selectFrom('events')
      .select(['action'])
      .where('subject_type', '=', 'learner')
      .where('via', '=', `undo of upload ${uploadId}`)
      .orderBy('action')
      .execute();
    assert.deepEqual(
      events.map((e) => e.action),
      ['learner removed', 'school data restored'],
    );
  });

  it('refuses to undo a data set once a later one holds one of its learners, naming them', async () => {
    const first = await submit(school, [learner(4, [['Art', '1']])]);
    await submit(school, [learner(4, [['Art', '2']])]);
    const reasons = await inTransaction(database.db, (tx) =>
      undoSchoolData(tx, school, first.uploadId, { via: 'undo' }),
    );
    assert.equal(reasons.length, 1);
    assert.match(reasons[0], /First4 Surname4 \(UPN .+\) has had school data uploaded since/);
  });

  it('deletes replaced data once it can no longer be undone, and not before', async () => {
    const learner1 = await findLearnerByUpn(database.db, school.organisation.id, testUpn(1));
    assert.ok(learner1);
    const rowsOf = () =>
      database.db
        .selectFrom('learner_school_data')
        .select('data_set_id')
        .where('learner_id', '=', learner1.id)
        .execute();
    const kept = (await rowsOf()).length;
    assert.ok(kept >= 2, 'replaced data is kept while undo is possible');
    assert.equal(await forgetReplacedSchoolData(database.db, new Date()), 0);
    const shownBefore = await page(school, 1);
    await forgetReplacedSchoolData(database.db, new Date(Date.now() + 8 * DAY));
    assert.equal((await rowsOf()).length, 1, 'only the data shown is left');
    assert.deepEqual((await page(school, 1)).data, shownBefore.data);
    // Data published later is kept until it is shown: learner 2's newer data is due in 2 days.
    const learner2 = await findLearnerByUpn(database.db, school.organisation.id, testUpn(2));
    assert.ok(learner2);
    const rows2 = await database.db
      .selectFrom('learner_school_data')
      .select('data_set_id')
      .where('learner_id', '=', learner2.id)
      .execute();
    assert.equal(
      rows2.length,
      1,
      'the older data was replaced once the newer one was published and could not be undone',
    );
  });

  it('keeps schools apart: the same UPN at another school is another learner, and each finds only its own', async () => {
    await submit(other, [learner(1, [['Other', 'secret']], { firstName: 'Elsewhere' })]);
    const mine = await findLearnerByUpn(database.db, school.organisation.id, testUpn(1));
    const theirs = await findLearnerByUpn(database.db, other.organisation.id, testUpn(1));
    assert.ok(mine && theirs && mine.id !== theirs.id);
    assert.notDeepEqual((await learnerDataPage(database.db, mine)).data?.fields, [{ name: 'Other', value: 'secret' }]);
    await assert.rejects(findLearner(database.db, school, theirs.id), NotFoundError);
    assert.deepEqual(
      (await searchLearners(database.db, school, 'Elsewhere')).map((l) => l.id),
      [],
      'a search finds only the school’s own learners',
    );
    assert.deepEqual(
      (await searchLearners(database.db, other, testUpn(1))).map((l) => l.id),
      [theirs.id],
    );
  });

  it('finds learners by name, UPN or admission number', async () => {
    const ids = async (q: string) => (await searchLearners(database.db, school, q)).map((l) => l.upn);
    assert.deepEqual(await ids('surname2'), [testUpn(2)]);
    assert.deepEqual(await ids('first2 surname2'), [testUpn(2)]);
    assert.deepEqual(await ids('a2'), [testUpn(2)]);
    assert.deepEqual(await ids(testUpn(2).toLowerCase()), [testUpn(2)]);
    assert.deepEqual(await ids('%'), []);
  });

  it('records every view of a learner’s data, which the school lists', async () => {
    const found = await findLearnerByUpn(database.db, school.organisation.id, testUpn(2));
    assert.ok(found);
    await recordLearnerView(database.db, school, found, 'learner page');
    const views = await listLearnerViews(database.db, school);
    assert.equal(views[0].learnerId, found.id);
    assert.equal(views[0].viewer, `${school.firstName} ${school.lastName}`);
    assert.deepEqual(await listLearnerViews(database.db, other), [], 'another school sees none of them');
  });
});
