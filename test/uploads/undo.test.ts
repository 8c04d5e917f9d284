// Undoing a submitted upload in the shared pipeline, with the placements kind: exactly the upload's
// placements go, all or nothing; refused when one changed since, when already undone (no change),
// after 7 days, for a kind that cannot be undone, and for another organisation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { loadDemoData } from '../../src/demo/index.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import { NotFoundError } from '../../src/domain/errors.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { receiveUpload, submitUpload, UploadConflict } from '../../src/uploads/pipeline.ts';
import { templateFile } from '../../src/uploads/template.ts';
import { UndoBlocked, undoUpload } from '../../src/uploads/undo.ts';
import { actorFor } from '../support/actors.ts';
import { csvFile, readCsv } from '../support/csv.ts';
import { testDatabase } from '../support/database.ts';

const DAY_MS = 86_400_000;

describe('undoing an upload', () => {
  let database: Database;
  let scitt: Actor;
  let university: Actor;
  let sheet: { headers: string[]; rows: string[][] };
  let next = 0;
  const today = todayInEngland();

  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
    scitt = await actorFor(database.db, 'provider@example.com', '10000001');
    university = await actorFor(database.db, 'university@example.com', '10000002');
    const file = await templateFile(database.db, scitt, 'placements', 'csv', today);
    const [headers, ...rows] = readCsv(file.body);
    const recorded = headers.indexOf('Placements recorded');
    sheet = { headers, rows: rows.filter((row) => row[recorded] === '') };
  });
  after(() => database.close());

  /** Submits an upload adding placements at 100003 and 100004 for the next n trainees with none. */
  async function submitted(n = 3) {
    const { headers } = sheet;
    const rows = sheet.rows.slice(next, next + n).map((row) => {
      const copy = [...row];
      copy[headers.indexOf('Placement 1 URN')] = '100003';
      copy[headers.indexOf('Placement 2 URN')] = '100004';
      return copy;
    });
    next += n;
    const bytes = csvFile([headers, ...rows]);
    const upload = await receiveUpload(database, scitt, 'placements', { name: 'p.csv', bytes }, today);
    assert.deepEqual(await submitUpload(database, scitt, upload.id, { skipErrors: false, today }), {
      state: 'submitted',
      submitted: n,
    });
    return upload.id;
  }

  async function placementCount(uploadId?: string) {
    let query = database.db.selectFrom('placements').select((eb) => eb.fn.countAll<string>().as('n'));
    if (uploadId) query = query.where('added_by_upload', '=', uploadId);
    return Number((await query.executeTakeFirstOrThrow()).n);
  }

  async function state(uploadId: string) {
    return (
      await database.db.selectFrom('uploads').select('state').where('id', '=', uploadId).executeTakeFirstOrThrow()
    ).state;
  }

  it('removes exactly the placements the upload added, once, with audit events', async () => {
    const kept = await submitted(2);
    const id = await submitted(3);
    const before = await placementCount();
    const undone = await undoUpload(database, scitt, id);
    assert.equal(undone.state, 'undone');
    assert.ok(undone.undone_at);
    assert.equal(await placementCount(id), 0);
    assert.equal(await placementCount(kept), 4, 'the other upload’s placements stay');
    assert.equal(await placementCount(), before - 6);
    const events = await database.db
      .selectFrom('events')
      .select(['action', 'subject_type', 'changes'])
      .where('via', '=', `undo of upload ${id}`)
      .execute();
    assert.equal(events.length, 3, 'one event for each of the 3 trainees');
    for (const event of events) {
      assert.equal(event.action, 'placements removed');
      assert.equal(event.subject_type, 'trainee');
      assert.deepEqual(event.changes, {
        placements: { from: 'Willow Green High School (URN 100003); Chapel End High School (URN 100004)' },
      });
    }
    const uploadEvent = await database.db
      .selectFrom('events')
      .select('action')
      .where('subject_id', '=', id)
      .where('action', '=', 'undone')
      .execute();
    assert.equal(uploadEvent.length, 1);

    // Again (a double click): nothing more happens.
    const again = await undoUpload(database, scitt, id);
    assert.equal(again.state, 'undone');
    assert.equal(await placementCount(kept), 4);
    assert.equal(
      (
        await database.db
          .selectFrom('events')
          .select('id')
          .where('subject_id', '=', id)
          .where('action', '=', 'undone')
          .execute()
      ).length,
      1,
    );
  });

  it('undoes nothing when a placement was changed since, and says which', async () => {
    const id = await submitted(2);
    const changed = await database.db
      .selectFrom('placements')
      .innerJoin('trainees', 'trainees.id', 'placements.trainee_id')
      .select(['placements.id', 'trainees.first_names', 'trainees.last_name'])
      .where('placements.added_by_upload', '=', id)
      .where('school_urn', '=', '100004')
      .executeTakeFirstOrThrow();
    await sql`update placements set start_date = '2025-09-01', version = version + 1, updated_at = now() + interval '1 second' where id = ${changed.id}`.execute(
      database.db,
    );
    await assert.rejects(undoUpload(database, scitt, id), (error) => {
      assert.ok(error instanceof UndoBlocked);
      assert.match(error.message, /Nothing was undone/);
      assert.equal(error.reasons.length, 1);
      assert.match(
        error.reasons[0],
        new RegExp(
          `^${changed.first_names} ${changed.last_name}: the placement at Chapel End High School \\(URN 100004\\) was changed on`,
        ),
      );
      return true;
    });
    assert.equal(await state(id), 'submitted');
    assert.equal(await placementCount(id), 4, 'nothing was removed');
  });

  it('undoes nothing when a placement it added has been removed since', async () => {
    const id = await submitted(2);
    const gone = await database.db
      .selectFrom('placements')
      .select('id')
      .where('added_by_upload', '=', id)
      .executeTakeFirstOrThrow();
    await database.db.deleteFrom('placements').where('id', '=', gone.id).execute();
    await assert.rejects(undoUpload(database, scitt, id), (error) => {
      assert.ok(error instanceof UndoBlocked);
      assert.deepEqual(error.reasons, ['1 placement this upload added has been removed since']);
      return true;
    });
    assert.equal(await state(id), 'submitted');
    assert.equal(await placementCount(id), 3, 'the others are kept');
  });

  it('can be undone for 7 days only', async () => {
    const id = await submitted(1);
    const later = new Date(Date.now() + 8 * DAY_MS);
    await assert.rejects(undoUpload(database, scitt, id, { now: later }), (error) => {
      assert.ok(error instanceof UploadConflict);
      assert.match(error.message, /can be undone for 7 days after it was submitted/);
      return true;
    });
    assert.equal(await state(id), 'submitted');
    assert.equal(await placementCount(id), 2);
    const sixDays = new Date(Date.now() + 6 * DAY_MS);
    assert.equal((await undoUpload(database, scitt, id, { now: sixDays })).state, 'undone');
  });

  it('refuses an upload that is not submitted, a kind that cannot be undone, and another organisation’s', async () => {
    const { headers } = sheet;
    const row = [...sheet.rows[next++]];
    row[headers.indexOf('Placement 1 URN')] = '100003';
    const checked = await receiveUpload(
      database,
      scitt,
      'placements',
      { name: 'p.csv', bytes: csvFile([headers, row]) },
      today,
    );
    await assert.rejects(
      undoUpload(database, scitt, checked.id),
      /This upload is checked, so there is nothing to undo/,
    );

    const qts = await templateFile(database.db, scitt, 'qts-recommendations', 'csv', today);
    const [qtsHeaders, first] = readCsv(qts.body);
    first[qtsHeaders.indexOf('Date QTS or EYTS standards met')] = today.split('-').reverse().join('/');
    const recommended = await receiveUpload(
      database,
      scitt,
      'qts-recommendations',
      { name: 'q.csv', bytes: csvFile([qtsHeaders, first]) },
      today,
    );
    await submitUpload(database, scitt, recommended.id, { skipErrors: true, today });
    await assert.rejects(undoUpload(database, scitt, recommended.id), /Uploads of this kind cannot be undone/);

    const id = await submitted(1);
    await assert.rejects(undoUpload(database, university, id), NotFoundError);
    assert.equal(await state(id), 'submitted');
    assert.equal(await placementCount(id), 2);
  });
});
