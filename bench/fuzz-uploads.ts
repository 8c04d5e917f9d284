// Hostile input and faults: a real Rollbook server (its own PGlite data directory, or a scratch
// PostgreSQL database, with the demo data) takes `count` hostile and malformed uploads over HTTP,
// on the upload pages and the API, while /health is polled every 200 ms. Targets: no answer of
// 5xx, no failed connection, no error in the server's log, the server still up, and /health never
// slower than 1 s. Progress and findings go to standard error; the last line of standard output is
// one JSON object of the figures. Exits 1 when a target is missed.
//   npm run fuzz:uploads -- [--count 10000] [--seed 1] [--concurrency 4] [--database pglite|postgres] [--only 12,345] [--verbose]
// --database postgres makes the scratch database on BENCH_DATABASE_URL's server (default
// postgres://postgres@127.0.0.1:5432/postgres) and drops it at the end. --only sends just those
// request indices of the seed, to reproduce a finding;
// --verbose logs every answer with its message.
import { parseArgs } from 'node:util';
import { describe, problems, runUploadFuzz, summaryLine } from './fuzz/run.ts';
import { DEFAULT_POSTGRES_URL } from './fuzz/server.ts';

const USAGE =
  'Usage: npm run fuzz:uploads -- [--count 10000] [--seed 1] [--concurrency 4] [--database pglite|postgres] [--only 12,345] [--verbose]';

/** The target for /health: never slower than this. */
export const WORST_HEALTH_MS = 1_000;

async function main() {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '10000' },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '4' },
      database: { type: 'string', default: 'pglite' },
      only: { type: 'string' },
      verbose: { type: 'boolean', default: false },
    },
  });
  const count = Number(values.count);
  const seed = Number(values.seed);
  const concurrency = Number(values.concurrency);
  const only = values.only?.split(',').map(Number);
  const database = values.database;
  if (
    !Number.isInteger(count) ||
    count < 1 ||
    !Number.isInteger(seed) ||
    !Number.isInteger(concurrency) ||
    concurrency < 1 ||
    concurrency > 64 ||
    only?.some((index) => !Number.isInteger(index) || index < 0) ||
    (database !== 'pglite' && database !== 'postgres')
  ) {
    console.error(USAGE);
    process.exit(2);
  }
  const result = await runUploadFuzz({
    count,
    seed,
    concurrency,
    database,
    only,
    verbose: values.verbose,
    postgresUrl: process.env.BENCH_DATABASE_URL || DEFAULT_POSTGRES_URL,
    log: (line) => console.error(line),
  });
  console.error(describe(result));
  const missed = problems(result, WORST_HEALTH_MS);
  console.error(missed.length ? `\nTargets missed: ${missed.join('; ')}` : '\nAll targets met');
  console.log(summaryLine(result));
  process.exitCode = missed.length ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
