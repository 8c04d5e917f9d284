// Bulk writes refresh the planner's statistics of what they wrote (PGlite has no autovacuum, and
// PostgreSQL's comes too late for the next query): bulk-inserted trainees, staged upload rows and
// the records a large submission wrote.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { today } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { receiveUpload, submitUpload } from '../../src/uploads/pipeline.ts';
import { csvFile, templateRows } from '../support/csv.ts';
import { testDatabase } from '../support/database.ts';
import { createProvider, createTrainees } from '../support/factories.ts';

const TRAINEES = 1_500;

/** What the planner believes a table holds: -1 until it has been analysed. */
async function plannedRows(database: Database, table: string): Promise<number> {
  const { rows } = await sql<{
    n: number;
  }>`select reltuples::int as n from pg_class where oid = ${table}::regclass`.execute(database.db);
  return rows[0].n;
}

describe('statistics after bulk writes', () => {
  let database: Database;
  let actor: Actor;

  before(async () => {
    database = await testDatabase();
    actor = await createProvider(database.db);
  });
  after(() => database.close());

  it('knows how many trainees a bulk insert added', async () => {
    await createTrainees(database.db, actor, { count: TRAINEES });
    assert.ok((await plannedRows(database, 'trainees')) >= TRAINEES);
  });

  it('knows how many rows an upload staged, and how many events its submission wrote', async () => {
    const { headers, rows } = await templateRows(database.db, actor, 'qts-recommendations');
    const [y, m, d] = today().split('-');
    for (const row of rows) row[headers.length - 1] = `${d}/${m}/${y}`;
    const upload = await receiveUpload(
      database,
      actor,
      'qts-recommendations',
      { name: 'all.csv', bytes: csvFile([headers, ...rows]) },
      today(),
    );
    assert.equal(upload.change_count, TRAINEES);
    assert.ok((await plannedRows(database, 'upload_rows')) >= TRAINEES);

    const result = await submitUpload(database, actor, upload.id, { skipErrors: false, today: today() });
    assert.deepEqual(result, { state: 'submitted', submitted: TRAINEES });
    assert.ok((await plannedRows(database, 'events')) >= TRAINEES);
    assert.ok((await plannedRows(database, 'award_requests')) >= TRAINEES);
  });
});
