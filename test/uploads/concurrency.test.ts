// Submits and undos racing other writers, on PostgreSQL (PGlite has one connection, so nothing can
// interleave there). A second connection holds a row lock to fix the order of events.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { Database } from '../../src/db/database.ts';
import { loadDemoData } from '../../src/demo/index.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { addPlacement } from '../../src/domain/placements/placements.ts';
import { receiveUpload, submitUpload } from '../../src/uploads/pipeline.ts';
import { templateFile } from '../../src/uploads/template.ts';
import { undoUpload } from '../../src/uploads/undo.ts';
import { actorFor } from '../support/actors.ts';
import { csvFile, readCsv } from '../support/csv.ts';
import { testDatabase, testDatabaseUrl } from '../support/database.ts';

describe('uploads racing other writers', { skip: testDatabaseUrl ? false : 'only on PostgreSQL' }, () => {
  let database: Database;
  let scitt: Actor;
  let rows: string[][];
  let headers: string[];
  const today = todayInEngland();
  const col = (header: string) => headers.indexOf(header);

  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
    scitt = await actorFor(database.db, 'provider@example.com', '10000001');
    const file = await templateFile(database.db, scitt, 'placements', 'csv', today);
    [headers, ...rows] = readCsv(file.body);
    rows = rows.filter((row) => row[col('Placements recorded')] === '');
  });
  after(() => database.close());

  async function uploadRows(picked: string[][], urn: string) {
    const filled = picked.map((row) => row.map((cell, i) => (i === col('Placement 1 URN') ? urn : cell)));
    const bytes = csvFile([headers, ...filled]);
    return receiveUpload(database, scitt, 'placements', { name: 'placements.csv', bytes }, today);
  }

  /** A second connection, in a transaction, to hold locks while the code under test waits on them. */
  async function otherConnection() {
    const client = new pg.Client({ connectionString: testDatabaseUrl, options: `-c search_path=${database.schema}` });
    await client.connect();
    await client.query('begin');
    return client;
  }

  it('applies nothing on a second submit made while the first found a stale row', async () => {
    const upload = await uploadRows(rows.slice(0, 2), '100003');
    const staged = await database.db
      .selectFrom('upload_rows')
      .select('change')
      .where('upload_id', '=', upload.id)
      .orderBy('row_number')
      .execute();
    // After the check, the first trainee gets the same placement on their page: that row is stale.
    await addPlacement(database.db, scitt, (staged[0].change as { traineeId: string }).traineeId, { urn: '100003' });
    const other = await otherConnection();
    await other.query('select 1 from uploads where id = $1 for update', [upload.id]);
    const submit = () =>
      submitUpload(database, scitt, upload.id, { skipErrors: false, today }).then(
        (result) => result.state,
        (error: Error) => error.message,
      );
    const first = submit();
    const second = submit();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await other.query('commit');
    await other.end();
    assert.deepEqual((await Promise.all([first, second])).sort(), [
      'Some rows have errors. Upload a fixed file, or choose to continue without the rows with errors',
      'checked',
    ]);
    const now = await database.db
      .selectFrom('uploads')
      .selectAll()
      .where('id', '=', upload.id)
      .executeTakeFirstOrThrow();
    assert.equal(now.state, 'checked', 'nothing was submitted');
    assert.equal(now.error_count, 1);
  });

  it('undoes nothing when a placement it added is being changed on the trainee’s page at the time', async () => {
    const upload = await uploadRows(rows.slice(10, 11), '100004');
    assert.equal((await submitUpload(database, scitt, upload.id, { skipErrors: false, today })).state, 'submitted');
    const placement = await database.db
      .selectFrom('placements')
      .selectAll()
      .where('added_by_upload', '=', upload.id)
      .executeTakeFirstOrThrow();
    const other = await otherConnection();
    await other.query(
      `update placements set start_date = '2025-09-01', version = version + 1, updated_at = now() where id = $1`,
      [placement.id],
    );
    const undoing = undoUpload(database, scitt, upload.id).then(
      (undone) => undone.state,
      (error: Error) => error.message,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await other.query('commit');
    await other.end();
    assert.match(await undoing, /Nothing was undone/);
    const kept = await database.db
      .selectFrom('placements')
      .selectAll()
      .where('id', '=', placement.id)
      .executeTakeFirst();
    assert.equal(kept?.start_date, '2025-09-01', 'the change made on the page is kept');
  });
});
