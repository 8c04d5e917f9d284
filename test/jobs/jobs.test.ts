// Background work through the real queue (pg-boss), on whichever database the suite runs on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import { loadDemoData } from '../../src/demo-data.ts';
import { today } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { localTeachingRecord } from '../../src/integrations/teaching-record/teaching-record.ts';
import { type Jobs, startPgBoss } from '../../src/jobs/jobs.ts';
import { commitUpload, findUpload, receiveUpload } from '../../src/uploads/pipeline.ts';
import { templateFile } from '../../src/uploads/template.ts';
import { actorFor } from '../support/actors.ts';
import { testDatabase } from '../support/database.ts';

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, seconds = 30): Promise<T> {
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
    jobs = await startPgBoss({ database, teachingRecord: localTeachingRecord(today) }, () => {}, {
      schema: `pgboss_${database.schema ?? 'test'}`,
    });
  });
  after(async () => {
    await jobs.stop();
    if (database.pool) await database.pool.query(`drop schema if exists pgboss_${database.schema} cascade`);
    await database.close();
  });

  it('checks a large file in a job, then awards recommended trainees through the Teaching Record System', async () => {
    const template = await templateFile(database.db, actor, 'qts-recommendations', 'csv', today());
    const [headers, ...rows] = Papa.parse<string[]>(template.body.toString('utf8').replace(/^\uFEFF/, ''), {
      skipEmptyLines: true,
    }).data;
    const dateIndex = headers.length - 1;
    const [d, m, y] = today().split('-').reverse();
    rows[0][dateIndex] = `${d}/${m}/${y}`;
    rows[1][dateIndex] = `${d}/${m}/${y}`;
    // Padding rows that identify nobody and have no date: skipped, but they make the file large.
    const padding = Array.from({ length: 5_001 }, () => headers.map(() => ''));
    for (const row of padding) row[1] = 'nobody';
    const bytes = Buffer.from(Papa.unparse([headers, ...rows, ...padding]));

    const received = await receiveUpload(database, actor, 'qts-recommendations', { name: 'big.csv', bytes }, today(), {
      checkLater: (id) => jobs.checkUpload(id),
    });
    assert.equal(received.state, 'received', 'a large file is left for the job');
    const checked = await eventually('the check', async () => {
      const upload = await findUpload(database.db, actor, received.id);
      return upload.state === 'checked' ? upload : undefined;
    });
    assert.equal(checked.change_count, 2);
    assert.equal(checked.rows_checked, rows.length + padding.length);

    await commitUpload(database, actor, received.id, {
      skipErrors: false,
      today: today(),
      afterCommit: (kind) => jobs.uploadCommitted(kind),
    });
    const awarded = await eventually('the award', async () => {
      const trainee = await database.db
        .selectFrom('trainees')
        .selectAll()
        .where('trn', '=', rows[0][0])
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
