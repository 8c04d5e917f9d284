// Migration 0017 gives the placements an upload stages (upload_rows.change) readable keys. Rows
// staged before it, in the old one-letter shape, are rewritten to exactly what a check stages now,
// and such an upload still submits and undoes; the migration's down puts the old shape back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { down, up } from '../../src/db/migrations/0017-staged-placement-names.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { receiveUpload, submitUpload } from '../../src/uploads/pipeline.ts';
import { undoUpload } from '../../src/uploads/undo.ts';
import { csvFile } from '../support/csv.ts';
import { testDatabase } from '../support/database.ts';
import { createProvider, createSchool, createTrainees } from '../support/factories.ts';

describe('staged placements from before their keys were renamed (migration 0017)', () => {
  let database: Database;
  let provider: Actor;
  const today = todayInEngland();

  before(async () => {
    database = await testDatabase();
    provider = await createProvider(database.db);
    await createTrainees(database.db, provider, { count: 2 });
  });
  after(() => database.close());

  const stagedChanges = async (uploadId: string) =>
    (
      await database.db
        .selectFrom('upload_rows')
        .select('change')
        .where('upload_id', '=', uploadId)
        .where('outcome', '=', 'change')
        .orderBy('row_number')
        .execute()
    ).map((row) => row.change as Record<string, unknown>);

  it('rewrites them as a check stages them now, and the upload submits and undoes', async () => {
    const school = await createSchool(database.db);
    const trns = (
      await database.db
        .selectFrom('trainees')
        .select('trn')
        .where('provider_id', '=', provider.organisation.id)
        .orderBy('trn')
        .execute()
    ).map((trainee) => trainee.trn ?? '');
    const bytes = csvFile([
      ['TRN', 'Placement 1 URN', 'Placement 1 start date', 'Placement 2 school name', 'Placement 2 postcode'],
      [trns[0], school.urn, '8/9/2025', 'Little Acorns Nursery', 'LS6 2QT'],
      [trns[1], school.urn, '', '', ''],
    ]);
    const upload = await receiveUpload(database, provider, 'placements', { name: 'placements.csv', bytes }, today);
    assert.equal(upload.change_count, 2);
    const readable = await stagedChanges(upload.id);
    assert.deepEqual(Object.keys(readable[0]).sort(), ['placements', 'route', 'traineeId', 'traineeName', 'trn']);
    assert.deepEqual((readable[0].placements as unknown[])[1], {
      schoolName: 'Little Acorns Nursery',
      postcode: 'LS6 2QT',
      label: 'Little Acorns Nursery (LS6 2QT)',
    });

    // As a check staged them before the migration.
    await down(database.db as Kysely<unknown>);
    const old = await stagedChanges(upload.id);
    assert.deepEqual(Object.keys(old[0]).sort(), ['n', 'p', 'r', 't', 'trn']);
    assert.deepEqual((old[0].p as unknown[])[0], {
      u: school.urn,
      d: '2025-09-08',
      l: `${school.name} (URN ${school.urn})`,
    });

    await up(database.db as Kysely<unknown>);
    assert.deepEqual(await stagedChanges(upload.id), readable);

    assert.deepEqual(await submitUpload(database, provider, upload.id, { skipErrors: false, today }), {
      state: 'submitted',
      submitted: 2,
    });
    const added = await database.db
      .selectFrom('placements')
      .select(['school_urn', 'school_name', 'start_date'])
      .where('added_by_upload', '=', upload.id)
      .execute();
    assert.equal(added.length, 3);
    assert.equal((await undoUpload(database, provider, upload.id)).state, 'undone');
  });
});
