// Benchmark of the upload pipeline with its first kind: a provider with N eligible trainees and a
// filled N-row CSV; times upload → checked, the error report, and the commit; and, in the same
// run, the floor for the same file: PapaParse parsing alone plus COPY of the same rows.
//   npm run bench:upload -- [--rows 100000] [--database pglite|postgres]
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import Papa from 'papaparse';
import { copyRows } from '../src/db/copy.ts';
import { demoTrainees } from '../src/demo-trainees.ts';
import { today as todayInEngland } from '../src/domain/dates.ts';
import { SYSTEM } from '../src/domain/organisations/actor.ts';
import { createOrganisation } from '../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../src/domain/organisations/users.ts';
import { insertTrainees } from '../src/domain/trainees/trainees.ts';
import { commitUpload, receiveUpload } from '../src/uploads/pipeline.ts';
import { errorReport } from '../src/uploads/report.ts';
import { templateFile } from '../src/uploads/template.ts';
import { openBenchDatabase } from './scratch-database.ts';

const USAGE = 'Usage: npm run bench:upload -- [--rows 100000] [--database pglite|postgres]';
const KIND = 'qts-recommendations';

const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main() {
  const { values } = parseArgs({
    options: { rows: { type: 'string', default: '100000' }, database: { type: 'string', default: 'pglite' } },
  });
  const rows = Number(values.rows);
  const kind = values.database;
  if (!Number.isInteger(rows) || rows < 1 || rows > 100_000 || (kind !== 'pglite' && kind !== 'postgres')) {
    console.error(USAGE);
    process.exit(2);
  }
  const today = todayInEngland();
  const { database, drop } = await openBenchDatabase(kind);
  try {
    // Set-up (not timed): a provider, its admin and N eligible trainees.
    const provider = await createOrganisation(database.db, SYSTEM, {
      type: 'provider',
      providerType: 'hei',
      name: 'Benchmark University',
      ukprn: '10099999',
    });
    const { user } = await addUserToOrganisation(database.db, SYSTEM, provider.id, {
      email: 'bench@example.com',
      firstName: 'Bench',
      lastName: 'Mark',
      role: 'admin',
      password: 'benchmark-password',
    });
    await insertTrainees(
      database.db,
      demoTrainees({
        providerId: provider.id,
        count: rows,
        eligible: rows,
        firstTrn: 5000000,
        idPrefix: 'B',
        routes: ['provider_led_postgrad', 'early_years_postgrad', 'school_direct_salaried'],
        withHesaIds: true,
        today,
      }),
    );
    await sql`analyze trainees`.execute(database.db);
    const actor = {
      userId: user.id,
      email: user.email,
      firstName: user.first_name,
      lastName: user.last_name,
      organisation: { id: provider.id, type: provider.type, name: provider.name },
      role: 'admin' as const,
    };
    const template = await templateFile(database.db, actor, KIND, 'csv', today);
    const parsed = Papa.parse<string[]>(template.body.toString('utf8').replace(/^\uFEFF/, ''), {
      skipEmptyLines: true,
    });
    const [headers, ...data] = parsed.data;
    const [y, m, d] = today.split('-');
    for (const row of data) row[headers.length - 1] = `${d}/${m}/${y}`;
    const bytes = Buffer.from(Papa.unparse([headers, ...data]));

    // Timed, in one process run.
    let start = performance.now();
    const upload = await receiveUpload(database, actor, KIND, { name: 'bench.csv', bytes }, today);
    const checkSeconds = seconds(start);
    if (upload.change_count !== rows)
      throw new Error(`Expected ${rows} changes, got ${upload.change_count} (${upload.error_count} errors)`);

    start = performance.now();
    const report = await errorReport(database.db, actor, upload.id);
    const reportSeconds = seconds(start);

    start = performance.now();
    const result = await commitUpload(database, actor, upload.id, { skipErrors: false, today });
    const commitSeconds = seconds(start);
    if (result.state !== 'committed' || result.committed !== rows)
      throw new Error(`Commit did not apply: ${JSON.stringify(result)}`);

    // The floor: parse the same bytes and COPY the same rows into a scratch table.
    await sql`create table bench_floor (row_number integer, cells text[])`.execute(database.db);
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
      kind: KIND,
      rows,
      database: kind,
      checkSeconds,
      reportSeconds,
      commitSeconds,
      peakRssMB: peakRssMB(),
      floorSeconds,
      ratio: Math.round(((checkSeconds + commitSeconds) / floorSeconds) * 100) / 100,
    };
    console.log(
      `Upload pipeline, ${rows.toLocaleString('en-GB')} rows on ${kind} (file ${(bytes.length / 1e6).toFixed(1)} MB, report ${(report.body.length / 1e6).toFixed(1)} MB)`,
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
    await drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
