// One process at a time per embedded data folder: a second opener (another openDatabase, the
// command line, a second service) stops at once, says who holds the folder and what to do, and
// changes nothing; once the first lets go, or dies, the folder opens.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataDirInUseError, LOCK_FILE, lockDataDir } from '../../src/db/data-dir-lock.ts';
import { type Database, migrateToLatest, openDatabase } from '../../src/db/database.ts';
import { testDatabaseUrl } from '../support/database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A process id that was in use a moment ago and is not any more. */
function deadPid(): number {
  const gone = spawnSync(process.execPath, ['-e', '']);
  assert.ok(gone.pid);
  return gone.pid;
}

function writeLock(dataDir: string, holder: object, ageMs = 0) {
  const file = path.join(dataDir, LOCK_FILE);
  writeFileSync(file, JSON.stringify(holder));
  const when = new Date(Date.now() - ageMs);
  utimesSync(file, when, when);
  return file;
}

describe('the lock of an embedded data folder', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-lock-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a second holder, naming the first, until the first lets go', () => {
    const first = lockDataDir(dataDir, 'node src/main.ts');
    try {
      assert.throws(
        () => lockDataDir(dataDir, 'node src/cli.ts create-user'),
        (error: unknown) => {
          assert.ok(error instanceof DataDirInUseError);
          assert.equal(error.holder?.pid, process.pid);
          assert.match(
            error.message,
            new RegExp(`is in use by process ${process.pid} on ${hostname()} \\(node src/main\\.ts\\), since \\d{4}-`),
          );
          assert.match(error.message, /Stop that process .*then try again/);
          assert.match(error.message, /use PostgreSQL/);
          return true;
        },
      );
    } finally {
      first.release();
    }
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false, 'released');
    lockDataDir(dataDir).release();
  });

  it('takes over a lock whose process has died', () => {
    writeLock(dataDir, {
      pid: deadPid(),
      host: hostname(),
      command: 'node src/main.ts',
      since: new Date().toISOString(),
    });
    const lock = lockDataDir(dataDir);
    assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid);
    lock.release();
  });

  it('takes over a lock whose process was killed and not yet waited for', async () => {
    // Its parent has not reaped it: the process number still answers, as a zombie.
    const child = spawn('sh', ['-c', 'sleep 30 & echo $!; exec sleep 1'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pid = await new Promise<number>((resolve) => child.stdout.once('data', (data) => resolve(Number(data))));
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 100));
    writeLock(dataDir, { pid, host: hostname(), command: 'node src/cli.ts', since: new Date().toISOString() });
    const lock = lockDataDir(dataDir);
    assert.equal(JSON.parse(readFileSync(lock.file, 'utf8')).pid, process.pid);
    lock.release();
    await new Promise((resolve) => child.once('close', resolve));
  });

  it('takes over a lock left under this process’s own number by an earlier process', () => {
    // As in a container, whose first process has the same number after every restart.
    writeLock(dataDir, {
      pid: process.pid,
      host: hostname(),
      command: 'node src/main.ts',
      since: '2020-01-01',
      token: 'x',
    });
    lockDataDir(dataDir).release();
  });

  it('refuses a fresh lock from another host, and takes over one left untouched for long', () => {
    const holder = { pid: 1, host: 'elsewhere.example', command: 'node src/main.ts', since: new Date().toISOString() };
    writeLock(dataDir, holder);
    assert.throws(() => lockDataDir(dataDir), /in use by process 1 on elsewhere\.example.*delete .*rollbook\.lock/s);
    writeLock(dataDir, holder, 10 * 60_000);
    lockDataDir(dataDir).release();
  });

  it('is released when its process exits without closing', () => {
    const script = `import { lockDataDir } from ${JSON.stringify(path.join(root, 'src/db/data-dir-lock.ts'))};
      lockDataDir(${JSON.stringify(dataDir)}); console.log('locked');`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), 'locked');
    assert.equal(existsSync(path.join(dataDir, LOCK_FILE)), false);
  });
});

describe('opening an embedded database that another process has open', {
  skip: testDatabaseUrl ? 'only on embedded PGlite' : false,
}, () => {
  let dataDir: string;
  let first: Database | undefined;
  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-lock-db-'));
  });
  after(async () => {
    await first?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The command line as a process of its own on the data folder. */
  function cli(...args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['src/cli.ts', ...args], {
        cwd: root,
        env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: '', SESSION_SECRET: 's'.repeat(32) },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
      });
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
      });
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  }

  it('stops a second opener and the command line at once, and opens once the first has closed', async () => {
    first = await openDatabase({ dataDir });
    await migrateToLatest(first.db);
    const filesBefore = readdirSync(dataDir).sort();

    await assert.rejects(openDatabase({ dataDir }), DataDirInUseError);

    const refused = await cli('create-organisation', '--type', 'support', '--name', 'While Open');
    assert.equal(refused.status, 1, refused.stderr);
    assert.equal(refused.stdout, '');
    assert.match(
      refused.stderr,
      new RegExp(`^Error: The embedded database in ${dataDir} is in use by process ${process.pid}`),
    );
    assert.match(refused.stderr, /Stop that process/);
    assert.deepEqual(readdirSync(dataDir).sort(), filesBefore, 'the second opener wrote nothing');

    await first.close();
    first = undefined;
    const created = await cli('create-organisation', '--type', 'support', '--name', 'After Close');
    assert.equal(created.status, 0, created.stderr);
    assert.match(created.stdout, /^Created After Close/);

    first = await openDatabase({ dataDir });
    const names = await first.db.selectFrom('organisations').select('name').execute();
    assert.deepEqual(
      names.map((row) => row.name),
      ['After Close'],
    );
  });
});
