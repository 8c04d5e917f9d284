// Embedded PGlite starts with our settings on top of its own: 32 MB of shared buffers rather than
// 128 MB, which an idle service would otherwise hold for good (see the README's memory figures).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { testDatabase, testDatabaseUrl } from '../support/database.ts';

describe('embedded PGlite settings', { skip: testDatabaseUrl ? 'only on embedded PGlite' : false }, () => {
  let database: Database;
  before(async () => {
    database = await testDatabase();
  });
  after(() => database.close());

  it('runs with 32 MB of shared buffers and PGlite’s own start parameters', async () => {
    const setting = async (name: string) =>
      (await sql<{ setting: string }>`select current_setting(${name}) as setting`.execute(database.db)).rows[0].setting;
    assert.equal(await setting('shared_buffers'), '32MB');
    // PGlite's own parameters still apply.
    assert.equal(await setting('max_worker_processes'), '0');
  });
});
