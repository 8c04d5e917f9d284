// A background check whose process is killed (SIGKILL) mid-check is started again by the next
// process, on whichever database the suite runs on: the real job runner in child processes
// (test/support/job-runner.ts), with the sweep's times shortened so the test takes seconds.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../src/db/database.ts';
import { loadDemoData } from '../../src/demo/index.ts';
import { today } from '../../src/domain/dates.ts';
import { receiveUpload } from '../../src/uploads/pipeline.ts';
import { actorFor } from '../support/actors.ts';
import { testDatabase, testDatabaseUrl } from '../support/database.ts';
import type { JobRunnerOptions } from '../support/job-runner.ts';
import { largeRecommendationsFile } from '../support/large-upload.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const STALE_AFTER_MS = 3_000;
const WAIT_MS = 60_000;

interface UploadLine {
  event: 'upload';
  state: string;
  rows_checked: number;
  check_attempts: number;
  change_count: number;
  failure_message: string | null;
  staged: number;
}

/** A job runner process, and the lines it has printed. */
function startRunner(options: JobRunnerOptions) {
  const child: ChildProcess = spawn(process.execPath, ['test/support/job-runner.ts', JSON.stringify(options)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const lines: { event: string }[] = [];
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-10_000);
  });
  const output = child.stdout ? createInterface({ input: child.stdout }) : undefined;
  output?.on('line', (line) => {
    if (line.startsWith('{')) lines.push(JSON.parse(line));
  });
  const exited = new Promise<string>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? String(code))),
  );
  let exitedWith: string | undefined;
  void exited.then((how) => {
    exitedWith = how;
  });

  return {
    lines,
    uploads: () => lines.filter((line): line is UploadLine => line.event === 'upload'),
    /** Waits for a line that passes the test; fails if the process ends first. */
    async waitFor<T extends { event: string }>(what: string, test: (line: { event: string }) => boolean): Promise<T> {
      const until = Date.now() + WAIT_MS;
      for (;;) {
        const found = lines.find(test);
        if (found) return found as T;
        if (exitedWith !== undefined || Date.now() > until) {
          throw new Error(`No ${what} (runner ${exitedWith ? `exited: ${exitedWith}` : 'timed out'}):\n${errors}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop(signal: 'SIGKILL' | 'SIGTERM') {
      process.off('exit', killOnExit);
      if (exitedWith === undefined) child.kill(signal);
      return exited;
    },
  };
}

describe('a background check whose process is killed', () => {
  let database: Database | undefined;
  let dataDir: string | undefined;
  before(() => {
    if (!testDatabaseUrl) dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-stopped-check-'));
  });
  after(async () => {
    if (database?.pool) await database.pool.query(`drop schema if exists pgboss_${database.schema} cascade`);
    await database?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('is started again by the next process and finishes, never twice while it is alive', async () => {
    // A large upload, received but not queued: as if its process died before the job was sent.
    database = await testDatabase({ dataDir });
    await loadDemoData(database.db);
    const actor = await actorFor(database.db, 'provider@example.com', '10000001');
    const { bytes, rowCount } = await largeRecommendationsFile(database.db, actor);
    const upload = await receiveUpload(database, actor, 'qts-recommendations', { name: 'big.csv', bytes }, today(), {
      checkLater: async () => {},
    });
    assert.equal(upload.state, 'received');
    // PGlite is one process's at a time: the runners open its directory once this one lets go.
    if (!database.pool) {
      await database.close();
      database = undefined;
    }
    const options: JobRunnerOptions = {
      databaseUrl: testDatabaseUrl,
      schema: database?.schema,
      dataDir,
      uploadId: upload.id,
      stall: true,
      stalledChecks: { staleAfterMs: STALE_AFTER_MS, receivedAfterMs: 200, maxAttempts: 3 },
      sweepEveryMs: 200,
    };

    const first = startRunner(options);
    try {
      await first.waitFor('stalled check', (line) => line.event === 'stalled');
      // Alive but stuck: its heartbeat stays fresh through two windows, so no sweep starts it again.
      await new Promise((resolve) => setTimeout(resolve, STALE_AFTER_MS * 2));
      const seen = first.uploads();
      assert.ok(seen.length > 0, 'the runner reported the upload');
      assert.deepEqual(
        seen.filter((line) => line.state !== 'received').map((line) => [line.state, line.check_attempts]),
        seen.filter((line) => line.state !== 'received').map(() => ['checking', 1]),
        'checked once, and still checking',
      );
      assert.equal(seen.at(-1)?.state, 'checking');
    } finally {
      assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
    }

    const second = startRunner({ ...options, stall: false });
    try {
      const checked = await second.waitFor<UploadLine>(
        'checked upload',
        (line) => line.event === 'upload' && ['checked', 'failed'].includes((line as UploadLine).state),
      );
      assert.equal(checked.state, 'checked', checked.failure_message ?? '');
      assert.equal(checked.check_attempts, 2, 'the second attempt finished it');
      assert.equal(checked.rows_checked, rowCount);
      assert.equal(checked.change_count, 2);
      assert.equal(checked.staged, rowCount, 'each row staged once');
    } finally {
      assert.equal(await second.stop('SIGTERM'), '0');
    }
  });
});
