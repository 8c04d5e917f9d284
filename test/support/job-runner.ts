// The real job runner (startPgBoss) as a process of its own, for tests that kill it: opens the
// database given as JSON in argv[2] (PostgreSQL: url and schema; PGlite: a data directory), starts
// the jobs and prints one JSON line whenever the upload it watches changes:
// {"event":"upload",...}. With "stall", the first check to report its progress stops there for
// ever, as a check that is slow but alive would ({"event":"stalled"}): the test then kills the
// process with SIGKILL mid-check. SIGTERM stops it cleanly.
import {
  ColumnNode,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryId,
  type QueryResult,
  type RootOperationNode,
  type UnknownRow,
  UpdateQueryNode,
} from 'kysely';
import { openDatabase } from '../../src/db/database.ts';
import { today } from '../../src/domain/dates.ts';
import { localTeachingRecord } from '../../src/integrations/teaching-record/teaching-record.ts';
import { startPgBoss } from '../../src/jobs/jobs.ts';
import type { StalledCheckRules } from '../../src/uploads/stalled-checks.ts';

export interface JobRunnerOptions {
  databaseUrl?: string;
  schema?: string;
  dataDir?: string;
  uploadId: string;
  stall: boolean;
  stalledChecks: StalledCheckRules;
  sweepEveryMs: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as JobRunnerOptions;
const report = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Holds back, for ever, the answer to a check's first progress update: the check stops there. */
class StallAtProgress implements KyselyPlugin {
  #progress = new Set<QueryId>();
  #stalled = false;

  transformQuery({ node, queryId }: PluginTransformQueryArgs): RootOperationNode {
    const columns = UpdateQueryNode.is(node)
      ? (node.updates ?? []).map((update) => (ColumnNode.is(update.column) ? update.column.column.name : ''))
      : [];
    if (columns.includes('rows_checked') && !columns.includes('state')) {
      this.#progress.add(queryId);
    }
    return node;
  }

  async transformResult({ result, queryId }: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#progress.delete(queryId) && !this.#stalled) {
      this.#stalled = true;
      report({ event: 'stalled' });
      await new Promise(() => {});
    }
    return result;
  }
}

const database = await openDatabase({
  databaseUrl: options.databaseUrl,
  schema: options.schema,
  dataDir: options.dataDir,
  maxConnections: 4,
});
const db = options.stall ? database.db.withPlugin(new StallAtProgress()) : database.db;
const jobs = await startPgBoss(
  { database: { ...database, db }, teachingRecord: localTeachingRecord(today, db) },
  (message, error) => console.error(message, error ?? ''),
  {
    schema: `pgboss_${options.schema ?? 'test'}`,
    stalledChecks: options.stalledChecks,
    sweepEveryMs: options.sweepEveryMs,
  },
);
report({ event: 'started' });

let last = '';
const watch = setInterval(async () => {
  const upload = await database.db
    .selectFrom('uploads')
    .select(['state', 'rows_checked', 'check_attempts', 'change_count', 'failure_message'])
    .select((eb) =>
      eb
        .selectFrom('upload_rows')
        .select(eb.fn.countAll<string>().as('n'))
        .where('upload_rows.upload_id', '=', options.uploadId)
        .as('staged'),
    )
    .where('id', '=', options.uploadId)
    .executeTakeFirst()
    .catch(() => undefined);
  const line = JSON.stringify({ event: 'upload', ...upload, staged: Number(upload?.staged ?? 0) });
  if (upload && line !== last) {
    last = line;
    process.stdout.write(`${line}\n`);
  }
}, 100);

process.once('SIGTERM', async () => {
  clearInterval(watch);
  await jobs.stop();
  await database.close(); // flushes PGlite to disk
  process.exit(0);
});
