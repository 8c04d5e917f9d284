// How much memory `npm start` holds when idle on the embedded database: starts the service on a
// fresh data folder (first start: the database is made and the demo data loaded), waits until
// /health answers, lets it settle, and reads its resident set size from /proc. With --restart it
// also stops it and starts it again on the same folder (a later start, with the data on disk).
//
//   npm run bench:idle-memory -- [--settle 10] [--restart]
//
// Linux only (/proc). Prints a table, then one JSON line with the figures in MB.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NODE_FLAGS } from '../src/node-flags.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: { settle: { type: 'string', default: '10' }, restart: { type: 'boolean', default: false } },
});
const settleMs = Number(values.settle) * 1000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

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

/** VmRSS and VmHWM (the peak) of a process, in MB. */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

async function measure(dataDir: string, label: string) {
  const port = await freePort();
  const started = Date.now();
  // As `npm start` runs it (package.json), without npm in between so the pid is the service's.
  const child = spawn(process.execPath, [...NODE_FLAGS, 'src/main.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const pid = child.pid;
  if (!pid) throw new Error('The service did not start');
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`The service exited with ${child.exitCode}`);
      if (Date.now() - started > 120_000) throw new Error('The service was not ready after 120 s');
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) break;
      await sleep(200);
    }
    const readySeconds = (Date.now() - started) / 1000;
    const atReady = memoryOf(pid);
    await sleep(settleMs);
    const idle = memoryOf(pid);
    return { label, readySeconds, readyRssMB: atReady.rss, idleRssMB: idle.rss, peakRssMB: idle.peak };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-idle-memory-'));
try {
  const results = [await measure(dataDir, 'first start')];
  if (values.restart) results.push(await measure(dataDir, 'later start'));
  for (const r of results) {
    console.log(
      `${r.label.padEnd(12)} ready in ${r.readySeconds.toFixed(1)} s; RSS at ready ${r.readyRssMB} MB, ` +
        `idle after ${settleMs / 1000} s ${r.idleRssMB} MB, peak ${r.peakRssMB} MB`,
    );
  }
  console.log(JSON.stringify(results));
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
