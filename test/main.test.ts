// npm start as a person runs it: what it says when it is ready, and what happens when a second
// process wants the same database (on the embedded one it is turned away; on PostgreSQL the command
// line works beside the service, which sees what it did).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DEMO_PASSWORD } from '../src/demo/index.ts';
import { testDatabaseUrl } from './support/database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WAIT_MS = 90_000;
const DEMO_EMAILS = [
  'provider@example.com',
  'university@example.com',
  'school@example.com',
  'ab@example.com',
  'support@example.com',
  'multi@example.com',
];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

interface Run {
  child: ChildProcess;
  output(): string;
  /** Resolves with the output once it matches, or rejects when the process ends or time runs out. */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

function run(args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env } });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    output: () => output,
    exited,
    async waitFor(pattern) {
      const until = Date.now() + WAIT_MS;
      while (!pattern.test(output)) {
        if (done) throw new Error(`The process ended before printing ${pattern}:\n${output}`);
        if (Date.now() > until) throw new Error(`Nothing matched ${pattern} after ${WAIT_MS / 1000} s:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return output;
    },
    async stop() {
      process.off('exit', killOnExit);
      if (!done) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The JSON log lines' messages, in order. */
const messages = (output: string) =>
  output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { msg?: string; demoUsers?: string[] });

describe('npm start on the embedded database', { skip: testDatabaseUrl ? 'only on embedded PGlite' : false }, () => {
  let dataDir: string;
  let service: Run | undefined;
  let port: number;
  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-start-'));
    port = await freePort();
  });
  after(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says which address to open and which demo users to sign in as, with their password', async () => {
    service = run(['src/main.ts'], {
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: '',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      SESSION_SECRET: '',
      DEMO_DATA: '',
      LOG_LEVEL: 'info',
    });
    const output = await service.waitFor(/Sign in as a demo user/);
    const logged = messages(output);
    assert.ok(
      logged.some((line) => line.msg?.includes(`Rollbook is running: open http://localhost:${port}`)),
      output,
    );
    const demo = logged.find((line) => line.msg?.startsWith('Sign in as a demo user'));
    assert.ok(demo?.msg);
    assert.match(demo.msg, new RegExp(`with the password ${DEMO_PASSWORD}:`));
    assert.deepEqual(demo.demoUsers, DEMO_EMAILS);
    assert.match(demo.msg, /provider@example\.com \(Rollbook Demo SCITT\)/);
    assert.match(demo.msg, /multi@example\.com \(Rollbook Demo SCITT, Rollbook Demo University\)/);
    const health = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(health.status, 200);
  });

  it('turns away a second npm start on the same data folder, naming the first', async () => {
    assert.ok(service?.child.pid, 'the first service is running');
    const second = run(['src/main.ts'], {
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
    });
    assert.equal(await second.exited, 1);
    assert.match(
      second.output(),
      new RegExp(
        `^Error: The embedded database in ${dataDir} is in use by process ${service.child.pid} on .* \\(node src/main\\.ts\\), since `,
      ),
    );
    assert.match(second.output(), /Stop that process/);
    assert.equal((await fetch(`http://127.0.0.1:${port}/health`)).status, 200, 'the first runs on');
  });
});

describe('npm start on PostgreSQL', { skip: testDatabaseUrl ? false : 'only with TEST_DATABASE_URL' }, () => {
  const name = `rollbook_start_${randomBytes(5).toString('hex')}`;
  let databaseUrl: string;
  let service: Run | undefined;
  let port: number;
  const admin = async (query: string) => {
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      await client.query(query);
    } finally {
      await client.end();
    }
  };
  before(async () => {
    await admin(`create database ${name}`);
    const url = new URL(testDatabaseUrl as string);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    port = await freePort();
  });
  after(async () => {
    await service?.stop();
    await admin(`drop database if exists ${name} with (force)`);
  });

  it('lets the command line run beside the service, which sees what it did at once', async () => {
    const env = {
      DATABASE_URL: databaseUrl,
      SESSION_SECRET: 's'.repeat(32),
      DEMO_DATA: 'true',
      PORT: String(port),
      HOST: '127.0.0.1',
      BASE_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'info',
    };
    service = run(['src/main.ts'], env);
    const output = await service.waitFor(/Rollbook is running/);
    assert.doesNotMatch(output, /Sign in as a demo user/, 'demo users are named only on the embedded database');

    const cli = run(['src/cli.ts', 'create-organisation', '--type', 'support', '--name', 'Beside The Service'], env);
    assert.equal(await cli.exited, 0, cli.output());
    assert.match(cli.output(), /Created Beside The Service/);

    // Signed in as the demo support user, the running service finds the new organisation.
    const base = `http://127.0.0.1:${port}`;
    const cookies = new Map<string, string>();
    const send = async (url: string, form?: Record<string, string>) => {
      const response = await fetch(`${base}${url}`, {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: {
          cookie: [...cookies].map(([key, value]) => `${key}=${value}`).join('; '),
          ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        body: form ? new URLSearchParams(form).toString() : undefined,
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const at = pair.indexOf('=');
        cookies.set(pair.slice(0, at), pair.slice(at + 1));
      }
      return { status: response.status, body: await response.text() };
    };
    const signInPage = await send('/sign-in');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(signInPage.body)?.[1] ?? '';
    const signedIn = await send('/sign-in', { _csrf: csrf, email: 'support@example.com', password: DEMO_PASSWORD });
    assert.equal(signedIn.status, 303);
    const found = await send('/support/organisations?q=Beside');
    assert.equal(found.status, 200);
    assert.match(found.body, /Beside The Service/);
  });
});
