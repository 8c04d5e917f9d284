import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { openDatabase } from '../src/db/database.ts';
import { migrations } from '../src/db/migrations/index.ts';

describe('npm run migrate', () => {
  it('brings an embedded database up to the latest migration, and can run again', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-migrate-'));
    try {
      for (let run = 0; run < 2; run++) {
        const result = spawnSync(process.execPath, ['src/migrate.ts'], {
          env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '' },
          encoding: 'utf8',
        });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /Migrations are up to date/);
      }
      const database = await openDatabase({ dataDir });
      const applied = await database.db
        .selectFrom('kysely_migration' as never)
        .select('name' as never)
        .execute();
      await database.close();
      assert.deepEqual(
        applied.map((row) => (row as { name: string }).name),
        Object.keys(migrations),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
