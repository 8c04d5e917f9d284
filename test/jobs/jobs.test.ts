// Background work through the real queue (pg-boss), on whichever database the suite runs on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { loadDemoData } from '../../src/demo/index.ts';
import { today } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { localTeachingRecord } from '../../src/integrations/teaching-record/teaching-record.ts';
import { type Jobs, startPgBoss } from '../../src/jobs/jobs.ts';
import { findUpload, receiveUpload, submitUpload } from '../../src/uploads/pipeline.ts';
import { actorFor } from '../support/actors.ts';
import { testDatabase } from '../support/database.ts';
import { largeRecommendationsFile } from '../support/large-upload.ts';

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, seconds = 90): Promise<T> {
  const until = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('background jobs on pg-boss', () => {
  let database: Database;
  let jobs: Jobs;
  let actor: Actor;
  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
    actor = await actorFor(database.db, 'provider@example.com', '10000001');
    jobs = await startPgBoss({ database, teachingRecord: localTeachingRecord(today, database.db) }, () => {}, {
      schema: `pgboss_${database.schema ?? 'test'}`,
    });
  });
  after(async () => {
    await jobs.stop();
    if (database.pool) await database.pool.query(`drop schema if exists pgboss_${database.schema} cascade`);
    await database.close();
  });

  it('checks a large file in a job, then awards recommended trainees through the Teaching Record System', async () => {
    const { bytes, recommended, rowCount } = await largeRecommendationsFile(database.db, actor);

    const received = await receiveUpload(database, actor, 'qts-recommendations', { name: 'big.csv', bytes }, today(), {
      checkLater: (id) => jobs.checkUpload(id),
    });
    assert.equal(received.state, 'received', 'a large file is left for the job');
    const checked = await eventually('the check', async () => {
      const upload = await findUpload(database.db, actor, received.id);
      return upload.state === 'checked' ? upload : undefined;
    });
    assert.equal(checked.change_count, 2);
    assert.equal(checked.rows_checked, rowCount);
    assert.equal(checked.check_attempts, 1);

    await submitUpload(database, actor, received.id, {
      skipErrors: false,
      today: today(),
      afterSubmit: (kind) => jobs.uploadSubmitted(kind),
    });
    const awarded = await eventually('the award', async () => {
      const trainee = await database.db
        .selectFrom('trainees')
        .selectAll()
        .where('trn', '=', recommended[0][0])
        .executeTakeFirstOrThrow();
      return trainee.state === 'awarded' ? trainee : undefined;
    });
    assert.equal(awarded.awarded_date, today());
    const requests = await database.db
      .selectFrom('award_requests')
      .selectAll()
      .where('state', '=', 'awarded')
      .execute();
    assert.equal(requests.length, 2);
  });
});
