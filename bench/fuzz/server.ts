// A real Rollbook server for the fuzzer, started as `npm start` starts it (node
// <NODE_FLAGS> src/main.ts) on a free loopback port, with a database of its own and the
// demo data: embedded PGlite in a fresh temporary DATA_DIR, or a fresh PostgreSQL database made on
// the server of `postgresUrl` (named after its database, `<name>_fuzz_<random>`) and dropped when
// the server stops. Its log (pino JSON on standard output) is read as it goes: every entry of level
// 50 (error) or above is kept.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NODE_FLAGS } from '../../src/node-flags.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 20_000;
const KEPT_ERRORS = 200;
const KEPT_OUTPUT = 20_000;

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface LogEntry {
  level: number;
  time?: number;
  msg?: string;
  reqId?: string;
  reference?: string;
  err?: { type?: string; message?: string; stack?: string; code?: string };
  [more: string]: unknown;
}

export interface FuzzServer {
  baseUrl: string;
  database: 'pglite' | 'postgres';
  /** Log entries of level 50 or more (the first 200), and how many there were in all. */
  errors(): { count: number; entries: LogEntry[] };
  /** Lines the server wrote that are not pino JSON (standard error, mostly), the last 20 kB. */
  otherOutput(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** How it ended, when it has: an exit code or a signal. */
  exit(): string | undefined;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (!address || typeof address === 'string') {
        probe.close();
        reject(new Error('Could not find a free port'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

/** A new, empty database on the PostgreSQL server of `url`; the database of `url` is not changed. */
async function scratchDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const parsed = new URL(url);
  const base = (decodeURIComponent(parsed.pathname.slice(1)) || 'postgres').replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const name = `${base.slice(0, 40)}_fuzz_${randomBytes(5).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  parsed.pathname = `/${name}`;
  return { url: parsed.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startFuzzServer({
  database,
  postgresUrl = DEFAULT_POSTGRES_URL,
}: {
  database: 'pglite' | 'postgres';
  postgresUrl?: string;
}): Promise<FuzzServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-fuzz-'));
  const scratch = database === 'postgres' ? await scratchDatabase(postgresUrl) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: baseUrl,
    DATA_DIR: dataDir,
    // Warnings and errors only: the fuzzer counts the errors.
    LOG_LEVEL: 'warn',
    DEMO_DATA: 'true',
  };
  for (const name of ['DATABASE_URL', 'SESSION_SECRET', 'NODE_OPTIONS', 'NODE_TEST_CONTEXT']) delete env[name];
  if (scratch) {
    env.DATABASE_URL = scratch.url;
    env.SESSION_SECRET = randomBytes(32).toString('base64url');
  }

  const child: ChildProcess = spawn(process.execPath, [...NODE_FLAGS, 'src/main.ts'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let errorCount = 0;
  const errorEntries: LogEntry[] = [];
  let other = '';
  const keepOther = (text: string) => {
    other = (other + text).slice(-KEPT_OUTPUT);
  };
  let pending = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    pending += chunk;
    let newline = pending.indexOf('\n');
    while (newline !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      newline = pending.indexOf('\n');
      if (!line.trim()) continue;
      let entry: LogEntry | undefined;
      try {
        entry = JSON.parse(line) as LogEntry;
      } catch {
        keepOther(`${line}\n`);
        continue;
      }
      if (typeof entry.level === 'number' && entry.level >= 50) {
        errorCount++;
        if (errorEntries.length < KEPT_ERRORS) errorEntries.push(entry);
      }
    }
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', keepOther);

  let exitedWith: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = signal ?? String(code);
      resolve();
    });
    child.once('error', (error) => {
      exitedWith ??= error.message;
      resolve();
    });
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killOnExit);
    if (exitedWith === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  try {
    while (true) {
      if (exitedWith !== undefined) throw new Error(`The server exited (${exitedWith}) before it was ready:\n${other}`);
      if (Date.now() > deadline) {
        throw new Error(`The server was not ready after ${START_TIMEOUT_MS / 1000}s (${lastProblem}):\n${other}`);
      }
      try {
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
        await response.arrayBuffer();
        if (response.status === 200) break;
        lastProblem = `GET /health answered ${response.status}`;
      } catch (error) {
        lastProblem = `GET /health: ${(error as Error).message}`;
      }
      await Promise.race([sleep(250), exited]);
    }
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    baseUrl,
    database,
    errors: () => ({ count: errorCount, entries: [...errorEntries] }),
    otherOutput: () => other,
    alive: () => exitedWith === undefined,
    exit: () => exitedWith,
    stop,
  };
}
