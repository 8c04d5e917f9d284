// Benchmark of the upload pipeline for one kind: the kind's set-up (bench/kinds/<kind>.ts, run by
// bench/upload-seed.ts in a child process) makes an organisation, its records and a filled N-row
// CSV whose every row is a change; this times upload → checked, the error report, and the commit,
// with this process's peak memory; and, in the same run, the floor for the same file: PapaParse
// parsing alone plus COPY of the same rows.
//   npm run bench:upload -- [--kind qts-recommendations] [--rows 100000] [--database pglite|postgres]
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import Papa from 'papaparse';
import { copyRows } from '../src/db/copy.ts';
import { openDatabase } from '../src/db/database.ts';
import { today as todayInEngland } from '../src/domain/dates.ts';
import type { Actor } from '../src/domain/organisations/actor.ts';
import { commitUpload, receiveUpload } from '../src/uploads/pipeline.ts';
import { streamErrorReport } from '../src/uploads/report.ts';
import { createBenchTarget } from './scratch-database.ts';

const USAGE =
  'Usage: npm run bench:upload -- [--kind qts-recommendations] [--rows 100000] [--database pglite|postgres]';

/** The kinds with a benchmark set-up: one bench/kinds/<kind id>.ts each. */
const hasBenchSetUp = (kind: string) =>
  /^[a-z0-9-]+$/.test(kind) && existsSync(fileURLToPath(new URL(`./kinds/${kind}.ts`, import.meta.url)));

const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main() {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'qts-recommendations' },
      rows: { type: 'string', default: '100000' },
      database: { type: 'string', default: 'pglite' },
    },
  });
  const uploadKind = values.kind;
  const rows = Number(values.rows);
  const databaseKind = values.database;
  if (
    !hasBenchSetUp(uploadKind) ||
    !Number.isInteger(rows) ||
    rows < 1 ||
    rows > 100_000 ||
    (databaseKind !== 'pglite' && databaseKind !== 'postgres')
  ) {
    console.error(USAGE);
    process.exit(2);
  }
  const today = todayInEngland();
  const target = await createBenchTarget(databaseKind);
  const dir = mkdtempSync(path.join(tmpdir(), 'rollbook-bench-file-'));
  const file = path.join(dir, 'bench.csv');
  // Set-up (not timed) in a child process: its memory is not the pipeline's.
  const seeded = spawnSync(
    process.execPath,
    [
      fileURLToPath(new URL('./upload-seed.ts', import.meta.url)),
      JSON.stringify({ kind: uploadKind, rows, file, ...target.options }),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (seeded.status !== 0) {
    await target.drop();
    throw new Error('The benchmark set-up failed');
  }
  const { actor } = JSON.parse(seeded.stdout.trim().split('\n').at(-1) ?? '{}') as { actor: Actor };
  const database = await openDatabase(target.options);
  try {
    const fileSize = statSync(file).size;

    // Timed, in one process run. The file is let go once received, as a server lets go of a
    // request's body.
    let start = performance.now();
    const upload = await receiveUpload(
      database,
      actor,
      uploadKind,
      { name: 'bench.csv', bytes: readFileSync(file) },
      today,
    );
    const checkSeconds = seconds(start);
    if (upload.change_count !== rows)
      throw new Error(`Expected ${rows} changes, got ${upload.change_count} (${upload.error_count} errors)`);

    start = performance.now();
    const report = await streamErrorReport(database, actor, upload.id);
    const reportFile = path.join(dir, report.fileName);
    await pipeline(report.body, createWriteStream(reportFile));
    const reportSeconds = seconds(start);

    start = performance.now();
    const result = await commitUpload(database, actor, upload.id, { skipErrors: false, today });
    const commitSeconds = seconds(start);
    if (result.state !== 'committed' || result.committed !== rows)
      throw new Error(`Commit did not apply: ${JSON.stringify(result)}`);
    // The pipeline's peak: the floor below is a yardstick, not part of it.
    const pipelinePeakRssMB = peakRssMB();

    // The floor: parse the same bytes and COPY the same rows into a scratch table.
    await sql`create table bench_floor (row_number integer, cells text[])`.execute(database.db);
    const bytes = readFileSync(file);
    start = performance.now();
    const floorRows = Papa.parse<string[]>(bytes.toString('utf8'), { skipEmptyLines: true }).data;
    await copyRows(
      database,
      'bench_floor',
      ['row_number', 'cells'],
      floorRows.map((cells, i) => [
        i + 1,
        `{${cells.map((c) => `"${c.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`,
      ]),
    );
    const floorSeconds = seconds(start);

    const figures = {
      kind: uploadKind,
      rows,
      database: databaseKind,
      checkSeconds,
      reportSeconds,
      commitSeconds,
      peakRssMB: pipelinePeakRssMB,
      floorSeconds,
      ratio: Math.round(((checkSeconds + commitSeconds) / floorSeconds) * 100) / 100,
    };
    console.log(
      `Upload pipeline, ${uploadKind}, ${rows.toLocaleString('en-GB')} rows on ${databaseKind} (file ${(fileSize / 1e6).toFixed(1)} MB, report ${(statSync(reportFile).size / 1e6).toFixed(1)} MB)`,
    );
    console.table({
      'upload → checked': `${checkSeconds} s`,
      'error report': `${reportSeconds} s`,
      commit: `${commitSeconds} s`,
      'floor (parse + COPY)': `${floorSeconds} s`,
      'ratio (check + commit) / floor': figures.ratio,
      'peak RSS': `${figures.peakRssMB} MB`,
    });
    console.log(JSON.stringify(figures));
  } finally {
    await database.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
