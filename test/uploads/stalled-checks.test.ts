// The rules for checks that stopped (src/uploads/stalled-checks.ts), and the guards in
// checkUpload that keep an attempt given up on from writing its result.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DeleteQueryNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  sql,
  type UnknownRow,
} from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { UploadState } from '../../src/db/schema.ts';
import { loadDemoData } from '../../src/demo/index.ts';
import { today } from '../../src/domain/dates.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { cancelUpload, checkUpload, findUpload, receiveUpload } from '../../src/uploads/pipeline.ts';
import { CHECK_STOPPED_MESSAGE, STALLED_CHECK_RULES, sweepStalledChecks } from '../../src/uploads/stalled-checks.ts';
import { templateFile } from '../../src/uploads/template.ts';
import { actorFor } from '../support/actors.ts';
import { testDatabase } from '../support/database.ts';

/** Runs `then` once, when the check clears its staged rows: the moment between starting and staging. */
class WhenStagingStarts implements KyselyPlugin {
  #queries = new Set<QueryId>();
  #then: (() => Promise<void>) | undefined;
  constructor(then: () => Promise<void>) {
    this.#then = then;
  }
  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    if (DeleteQueryNode.is(node) && JSON.stringify(node.from).includes('"upload_rows"')) this.#queries.add(queryId);
    return node;
  }
  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    const then = this.#then;
    if (this.#queries.delete(queryId) && then) {
      this.#then = undefined;
      await then();
    }
    return result;
  }
}

describe('checks that stopped', () => {
  let database: Database;
  let actor: Actor;
  let file: Buffer;
  before(async () => {
    database = await testDatabase();
    await loadDemoData(database.db);
    actor = await actorFor(database.db, 'provider@example.com', '10000001');
    file = (await templateFile(database.db, actor, 'qts-recommendations', 'csv', today())).body;
  });
  after(() => database.close());

  /** An upload of the small file, put in the given state as if a check had got that far. */
  async function anUpload(
    state: UploadState,
    { heartbeatAgo = '0 seconds', createdAgo = '0 seconds', attempts = 1 } = {},
  ): Promise<string> {
    const { id } = await receiveUpload(
      database,
      actor,
      'qts-recommendations',
      { name: 'small.csv', bytes: file },
      today(),
    );
    await sql`
      update uploads set state = ${state}, check_attempts = ${attempts}, rows_checked = 3,
        check_heartbeat_at = now() - ${heartbeatAgo}::interval, created_at = now() - ${createdAgo}::interval
      where id = ${id}
    `.execute(database.db);
    return id;
  }
  const stateOf = (id: string) => findUpload(database.db, actor, id);

  it('starts again a check whose heartbeat has gone quiet, and leaves alone one that is alive', async () => {
    const stopped = await anUpload('checking', { heartbeatAgo: '5 minutes', createdAgo: '6 minutes' });
    const alive = await anUpload('checking', { heartbeatAgo: '5 seconds', createdAgo: '6 minutes' });
    const waiting = await anUpload('received', { createdAgo: '2 minutes', attempts: 0 });
    const justReceived = await anUpload('received', { attempts: 0 });
    const checked = await anUpload('checked', { heartbeatAgo: '5 minutes', createdAgo: '6 minutes' });

    const { resume, failed } = await sweepStalledChecks(database.db);

    assert.ok(resume.includes(stopped), 'the stopped check is queued again');
    assert.ok(resume.includes(waiting), 'a received upload that no check took up is queued again');
    for (const id of [alive, justReceived, checked]) assert.ok(!resume.includes(id));
    assert.deepEqual(failed, []);
    const moved = await stateOf(stopped);
    assert.equal(moved.state, 'received');
    assert.equal(moved.rows_checked, 0, 'its progress starts again');
    assert.equal((await stateOf(alive)).state, 'checking');
    assert.equal((await stateOf(checked)).state, 'checked');

    // Started again, it checks the stored file and stages each row once.
    const done = await checkUpload(database, actor, stopped, today());
    assert.equal(done.state, 'checked');
    assert.equal(done.check_attempts, 2);
    const staged = await database.db
      .selectFrom('upload_rows')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('upload_id', '=', stopped)
      .executeTakeFirstOrThrow();
    assert.equal(Number(staged.n), done.row_count);
    // A second sweep finds nothing more to do with it.
    assert.ok(!(await sweepStalledChecks(database.db)).resume.includes(stopped));
  });

  it('fails a check that has stopped too often, telling the user to upload the file again', async () => {
    const attempts = STALLED_CHECK_RULES.maxAttempts;
    const tooOften = await anUpload('checking', { heartbeatAgo: '5 minutes', createdAgo: '1 hour', attempts });
    const onceLess = await anUpload('checking', {
      heartbeatAgo: '5 minutes',
      createdAgo: '1 hour',
      attempts: attempts - 1,
    });

    const { resume, failed } = await sweepStalledChecks(database.db);

    assert.deepEqual(failed, [tooOften]);
    assert.ok(!resume.includes(tooOften));
    assert.ok(resume.includes(onceLess), 'one try left: started again');
    const upload = await stateOf(tooOften);
    assert.equal(upload.state, 'failed');
    assert.equal(upload.failure_message, CHECK_STOPPED_MESSAGE);
    assert.match(upload.failure_message ?? '', /Upload the file again/);
    assert.ok(upload.ended_at);
  });

  it('counts each start, and keeps the heartbeat fresh while the check runs', async () => {
    const { id } = await receiveUpload(
      database,
      actor,
      'qts-recommendations',
      { name: 'small.csv', bytes: file },
      today(),
    );
    const upload = await stateOf(id);
    assert.equal(upload.state, 'checked');
    assert.equal(upload.check_attempts, 1);
    assert.ok(upload.check_heartbeat_at, 'the check touched its heartbeat');
  });

  it('lets no check given up on write its result over a newer attempt', async () => {
    const id = await anUpload('received', { attempts: 0 });
    // While this check runs, it is given up on and a second one starts (as a sweep would).
    const hooked = database.db.withPlugin(
      new WhenStagingStarts(async () => {
        await sql`update uploads set check_attempts = check_attempts + 1 where id = ${id}`.execute(database.db);
      }),
    );
    const result = await checkUpload({ ...database, db: hooked }, actor, id, today());
    assert.equal(result.state, 'checking', 'left to the newer attempt');
    assert.equal(result.check_attempts, 2);
  });

  it('leaves an upload cancelled while its check ran cancelled', async () => {
    const id = await anUpload('received', { attempts: 0 });
    const hooked = database.db.withPlugin(new WhenStagingStarts(() => cancelUpload(database.db, actor, id)));
    const result = await checkUpload({ ...database, db: hooked }, actor, id, today());
    assert.equal(result.state, 'cancelled');
    assert.equal((await stateOf(id)).state, 'cancelled');
  });
});
