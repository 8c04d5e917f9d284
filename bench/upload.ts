// Benchmark of the upload pipeline for one kind: the kind's set-up (bench/kinds/<kind>.ts, run by
// bench/upload-seed.ts in a child process) makes an organisation, its records and a filled N-row
// CSV whose every row is a change; this times upload → checked, the error report, and the submission,
// with this process's peak memory; and, in the same run, the floor for the same file: PapaParse
// parsing alone, COPY of the same rows into a scratch table, and the records the submission must write,
// done directly from that table in set-based SQL by the kind's floorWrites (in bench/kinds/<kind>.ts).
//   npm run bench:upload -- [--kind qts-recommendations] [--rows 100000] [--fields 20] [--database pglite|postgres]
// (--rows: up to the kind's maxRows.)
// (--fields: for a kind whose files name their own columns, like school-data, how many the file has.)
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type RawBuilder, sql } from 'kysely';
import Papa from 'papaparse';
import { copyRows } from '../src/db/copy.ts';
import { type DatabaseOptions, openDatabase } from '../src/db/database.ts';
import type { DB } from '../src/db/schema.ts';
import { today as todayInEngland } from '../src/domain/dates.ts';
import type { Actor } from '../src/domain/organisations/actor.ts';
import { localTeachingRecord } from '../src/integrations/teaching-record/teaching-record.ts';
import { findKind } from '../src/uploads/kinds/index.ts';
import { checkUpload, receiveUpload, submitUpload } from '../src/uploads/pipeline.ts';
import { streamErrorReport } from '../src/uploads/report.ts';
import { createBenchTarget } from './scratch-database.ts';

/** What a kind's floorWrites gets: the file's rows as `f` (row_number, cells), and a cell by its heading. */
export interface FloorContext {
  rows: RawBuilder<unknown>;
  cell(header: string): RawBuilder<string>;
  actor: Actor;
  /** As the submission's audit events name where they came from. */
  via: string;
}

/** One set-based statement of the floor, timed on its own: the records one table must get. */
export interface FloorWrite {
  name: string;
  table: keyof DB & string;
  statement: RawBuilder<unknown>;
}

const USAGE =
  'Usage: npm run bench:upload -- [--kind qts-recommendations] [--rows 100000] [--fields 20] [--database pglite|postgres]';

/** The kinds with a benchmark set-up: one bench/kinds/<kind id>.ts each. */
const hasBenchSetUp = (kind: string) =>
  /^[a-z0-9-]+$/.test(kind) && existsSync(fileURLToPath(new URL(`./kinds/${kind}.ts`, import.meta.url)));

const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

/**
 * The process's memory sampled every 20 ms: the highest seen since the last call of `stage`, so
 * that each stage (check, report, submit) has its own peak (the process's own is over them all).
 */
function stagePeaks() {
  let peak = 0;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage.rss());
  };
  const timer = setInterval(sample, 20);
  timer.unref();
  return {
    stage(): number {
      sample();
      const mb = Math.round(peak / 1024 / 1024);
      peak = 0;
      return mb;
    },
    stop: () => clearInterval(timer),
  };
}

/** What the floor's process is given, as JSON after --floor. */
interface FloorJob {
  kind: string;
  file: string;
  actor: Actor;
  options: DatabaseOptions;
}

/**
 * The floor for the file, in a process of its own (so that neither its memory nor its garbage is
 * the pipeline's), before the pipeline runs: parse, COPY into a scratch table, then the kind's
 * floorWrites against the real tables (their indexes, triggers and fill factor as they are), each
 * timed, in one transaction that is rolled back; then the tables written are vacuumed, so that
 * the pipeline meets them as the set-up left them. Prints each part's seconds as JSON.
 */
async function floor({ kind, file, actor, options }: FloorJob) {
  const { floorWrites } = (await import(new URL(`./kinds/${kind}.ts`, import.meta.url).href)) as {
    floorWrites: (ctx: FloorContext) => FloorWrite[];
  };
  const database = await openDatabase(options);
  const parts: Record<string, number> = {};
  try {
    await sql`create table bench_floor (row_number integer, cells text[])`.execute(database.db);
    const bytes = readFileSync(file);
    let start = performance.now();
    const floorRows = Papa.parse<string[]>(bytes.toString('utf8'), { skipEmptyLines: true }).data;
    parts.parse = seconds(start);
    start = performance.now();
    await copyRows(
      database,
      'bench_floor',
      ['row_number', 'cells'],
      floorRows.map((cells, i) => [
        i + 1,
        `{${cells.map((c) => `"${c.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`,
      ]),
    );
    parts.copy = seconds(start);
    const headers = floorRows[0];
    const cell = (header: string) => {
      const index = headers.indexOf(header);
      if (index < 0) throw new Error(`No column ${header} in the file`);
      return sql<string>`f.cells[${sql.lit(index + 1)}]`;
    };
    const writes = floorWrites({ rows: sql`bench_floor f`, cell, actor, via: `upload ${crypto.randomUUID()}` });
    await database.db.connection().execute(async (connection) => {
      await sql`begin`.execute(connection);
      try {
        for (const write of writes) {
          start = performance.now();
          await write.statement.execute(connection);
          parts[write.name] = seconds(start);
        }
      } finally {
        await sql`rollback`.execute(connection);
      }
    });
    await sql`drop table bench_floor`.execute(database.db);
    // The rolled-back rows would otherwise be dead rows for the pipeline to step over.
    const tables = [...new Set(writes.map((write) => write.table))];
    await sql`vacuum ${sql.join(tables.map((table) => sql.table(table)))}`.execute(database.db);
  } finally {
    await database.close();
  }
  console.log(JSON.stringify(parts));
}

/** Runs a bench script in a child process with this one's Node options; its last line of output, as JSON. */
function runChild(script: string, args: string[]) {
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(new URL(script, import.meta.url)), ...args],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 },
  );
  if (child.status !== 0) throw new Error(`${script} failed`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}');
}

async function main() {
  const { values } = parseArgs({
    options: {
      kind: { type: 'string', default: 'qts-recommendations' },
      rows: { type: 'string', default: '100000' },
      fields: { type: 'string' },
      database: { type: 'string', default: 'pglite' },
      // Internal: this script run as the floor's own process.
      floor: { type: 'string' },
    },
  });
  if (values.floor) return floor(JSON.parse(values.floor) as FloorJob);
  const uploadKind = values.kind;
  const rows = Number(values.rows);
  const fields = values.fields === undefined ? undefined : Number(values.fields);
  const databaseKind = values.database;
  // As many rows as the kind takes (100,000 for most; school-data a million).
  const maxRows = findKind(uploadKind)?.maxRows ?? 100_000;
  if (
    !hasBenchSetUp(uploadKind) ||
    !Number.isInteger(rows) ||
    rows < 1 ||
    rows > maxRows ||
    (fields !== undefined && (!Number.isInteger(fields) || fields < 0 || fields > 200)) ||
    (databaseKind !== 'pglite' && databaseKind !== 'postgres')
  ) {
    console.error(USAGE);
    process.exit(2);
  }
  const today = todayInEngland();
  const target = await createBenchTarget(databaseKind);
  const dir = mkdtempSync(path.join(tmpdir(), 'rollbook-bench-file-'));
  const file = path.join(dir, 'bench.csv');
  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    // Set-up (not timed) in a child process: its memory is not the pipeline's. Then the floor, in
    // another, for the same file and records.
    const { actor } = runChild('./upload-seed.ts', [
      JSON.stringify({ kind: uploadKind, rows, fields, file, ...target.options }),
    ]) as { actor: Actor };
    const floorParts = runChild('./upload.ts', [
      '--floor',
      JSON.stringify({ kind: uploadKind, file, actor, options: target.options } satisfies FloorJob),
    ]) as Record<string, number>;
    database = await openDatabase(target.options);
    const fileSize = statSync(file).size;

    // Timed, in one process run. The file is let go once received, as a server lets go of a
    // request's body.
    const peaks = stagePeaks();
    // This process's own CPU time (its threads too, not the database's) by stage: on a shared
    // machine, what the stage cost however long it waited for a core.
    let cpuFrom = process.cpuUsage();
    const cpuSeconds = () => {
      const used = process.cpuUsage(cpuFrom);
      cpuFrom = process.cpuUsage();
      return Math.round((used.user + used.system) / 1e4) / 100;
    };
    let start = performance.now();
    // A kind that looks things up in an outside system is checked as its background job would be,
    // with the local adapters (the teaching record in Rollbook's own tables).
    const usesAdapters = Boolean(findKind(uploadKind)?.uses?.length);
    const received = await receiveUpload(
      database,
      actor,
      uploadKind,
      { name: 'bench.csv', bytes: readFileSync(file) },
      today,
      usesAdapters ? { checkLater: async () => {} } : {},
    );
    const upload = usesAdapters
      ? await checkUpload(database, actor, received.id, today, undefined, {
          adapters: { teachingRecord: localTeachingRecord(todayInEngland, database.db) },
        })
      : received;
    const checkSeconds = seconds(start);
    const checkPeakMB = peaks.stage();
    const checkCpu = cpuSeconds();
    if (upload.change_count !== rows)
      throw new Error(`Expected ${rows} changes, got ${upload.change_count} (${upload.error_count} errors)`);

    start = performance.now();
    const report = await streamErrorReport(database, actor, upload.id);
    const reportFile = path.join(dir, report.fileName);
    await pipeline(report.body, createWriteStream(reportFile));
    const reportSeconds = seconds(start);
    const reportPeakMB = peaks.stage();
    const reportCpu = cpuSeconds();

    start = performance.now();
    const result = await submitUpload(database, actor, upload.id, { skipErrors: false, today });
    const submitSeconds = seconds(start);
    const submitPeakMB = peaks.stage();
    const submitCpu = cpuSeconds();
    peaks.stop();
    if (result.state !== 'submitted' || result.submitted !== rows)
      throw new Error(`Commit did not apply: ${JSON.stringify(result)}`);
    const pipelinePeakRssMB = peakRssMB();

    const floorSeconds = Math.round(Object.values(floorParts).reduce((sum, part) => sum + part, 0) * 100) / 100;
    const figures = {
      kind: uploadKind,
      rows,
      ...(fields !== undefined ? { fields } : {}),
      database: databaseKind,
      checkSeconds,
      reportSeconds,
      submitSeconds,
      peakRssMB: pipelinePeakRssMB,
      floorSeconds,
      floorParts,
      ratio: Math.round(((checkSeconds + submitSeconds) / floorSeconds) * 100) / 100,
    };
    console.log(
      `Upload pipeline, ${uploadKind}, ${rows.toLocaleString('en-GB')} rows on ${databaseKind} (file ${(fileSize / 1e6).toFixed(1)} MB, report ${(statSync(reportFile).size / 1e6).toFixed(1)} MB)`,
    );
    console.table({
      'upload → checked': `${checkSeconds} s`,
      'error report': `${reportSeconds} s`,
      submit: `${submitSeconds} s`,
      ...Object.fromEntries(Object.entries(floorParts).map(([part, s]) => [`floor: ${part}`, `${s} s`])),
      'floor (its parts added up)': `${floorSeconds} s`,
      'ratio (check + submit) / floor': figures.ratio,
      'peak RSS': `${figures.peakRssMB} MB`,
      'peak RSS (sampled): upload → checked': `${checkPeakMB} MB`,
      'peak RSS (sampled): error report': `${reportPeakMB} MB`,
      'peak RSS (sampled): submit': `${submitPeakMB} MB`,
      'CPU of this process: upload → checked, report, submit': `${checkCpu} s, ${reportCpu} s, ${submitCpu} s`,
    });
    console.log(JSON.stringify(figures));
  } finally {
    await database?.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
