// npm test: type check, lint, the tests on PGlite, the same tests on PostgreSQL when
// TEST_DATABASE_URL is set, then the browser journeys on PGlite and, when E2E_DATABASE_URL is set,
// again on PostgreSQL (each server in a database of its own made on that server, see
// test/e2e/support/server.ts). Stops at the first step that fails.
import { spawnSync } from 'node:child_process';
import { prepareTemplate } from '../test/support/database.ts';

const node = process.execPath;
const bin = (name: string) => `node_modules/.bin/${name}`;
// Tests live in test/, and each upload kind's beside it in its folder (src/uploads/kinds/<id>/).
const unitTests = ['--test', '--test-concurrency=2', 'test/**/*.test.ts', 'src/**/*.test.ts'];
const browserJourneys = ['--test', '--test-concurrency=1', 'test/e2e/**/*.e2e.ts'];

interface Step {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string | undefined>;
}

const postgresUrl = process.env.TEST_DATABASE_URL;
const e2ePostgresUrl = process.env.E2E_DATABASE_URL;
const steps: Step[] = [
  { name: 'type check', command: bin('tsc'), args: ['--noEmit'] },
  { name: 'lint', command: bin('biome'), args: ['check', '.'] },
  { name: 'tests on PGlite', command: node, args: unitTests, env: { TEST_DATABASE_URL: undefined } },
  ...(postgresUrl
    ? [{ name: 'tests on PostgreSQL', command: node, args: unitTests, env: { TEST_DATABASE_URL: postgresUrl } }]
    : []),
  { name: 'browser journeys on PGlite', command: node, args: browserJourneys, env: { E2E_DATABASE_URL: undefined } },
  ...(e2ePostgresUrl
    ? [
        {
          name: 'browser journeys on PostgreSQL',
          command: node,
          args: browserJourneys,
          env: { E2E_DATABASE_URL: e2ePostgresUrl },
        },
      ]
    : []),
];

const started = Date.now();
for (const step of steps) {
  const stepStarted = Date.now();
  console.log(`\n=== ${step.name} ===`);
  const env = { ...process.env, ...step.env };
  // A variable the step sets to undefined is left out of its environment altogether.
  for (const [name, value] of Object.entries(step.env ?? {})) if (value === undefined) delete env[name];
  if (step.name === 'tests on PGlite') await prepareTemplate();
  const result = spawnSync(step.command, step.args, { stdio: 'inherit', env });
  const seconds = ((Date.now() - stepStarted) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`\n${step.name} failed after ${seconds}s`);
    process.exit(result.status ?? 1);
  }
  console.log(`${step.name}: passed in ${seconds}s`);
}
console.log(`\nAll checks passed in ${((Date.now() - started) / 1000).toFixed(1)}s`);
