// createServices: the service's parts, wired by hand once, for the server and the tests alike: the
// database it is given, the outside systems' adapters (their local defaults) and the job runner.
// No container: Services is a plain object that buildApp and each feature take what they need from.
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { today } from './domain/dates.ts';
import type { TeachingRecord } from './domain/ports/teaching-record.ts';
import { type Notify, outbox } from './integrations/notify/notify.ts';
import { localAccounts } from './integrations/sign-in/local-accounts.ts';
import type { SignInAdapter } from './integrations/sign-in/sign-in.ts';
import { httpTeachingRecordInduction } from './integrations/teaching-record/http.ts';
import { localTeachingRecord } from './integrations/teaching-record/teaching-record.ts';
import { inlineJobs, type Jobs, startPgBoss } from './jobs/jobs.ts';
import { createUploads, type Uploads } from './uploads/service.ts';

/**
 * How long a client may stay silent (a stalled upload is closed after this), take to send its
 * headers, and take over a whole request (the defaults are HTTP_TIMEOUTS in app.ts).
 */
export interface HttpTimeouts {
  idleMs: number;
  headersMs: number;
  requestMs: number;
}

export interface Services {
  config: Config;
  database: Database;
  signIn: SignInAdapter;
  notify: Notify;
  /** Where QTS and EYTS are awarded (the jobs send award requests to it). */
  teachingRecord: TeachingRecord;
  /** Background work: checking large uploads, sending award requests. */
  jobs: Jobs;
  /** The upload pipeline's round trip, as pages, the API and jobs use it. */
  uploads: Uploads;
  /** Where the log goes; standard output unless a test wants to read it. */
  logStream?: NodeJS.WritableStream;
  /** Shorter timeouts than HTTP_TIMEOUTS, for tests. */
  httpTimeouts?: Partial<HttpTimeouts>;
}

const logToStandardError = (message: string, error?: unknown) =>
  error === undefined ? console.error(message) : console.error(message, error);

/**
 * The services over an open, migrated database: the adapters' local defaults, and the job runner,
 * pg-boss (the server) or `inline`, which runs each job at once in the same process (tests).
 */
export async function createServices(
  config: Config,
  database: Database,
  { jobs = 'pg-boss', log = logToStandardError }: { jobs?: 'pg-boss' | 'inline'; log?: typeof logToStandardError } = {},
): Promise<Services> {
  const local = localTeachingRecord(today, database.db);
  // The API's induction side when configured; awards stay with the local record for now.
  const teachingRecord: TeachingRecord =
    config.teachingRecord.kind === 'http'
      ? {
          ...local,
          ...httpTeachingRecordInduction({ baseUrl: config.teachingRecord.url, apiKey: config.teachingRecord.apiKey }),
        }
      : local;
  const jobServices = { database, teachingRecord };
  const runner = jobs === 'inline' ? inlineJobs(jobServices) : await startPgBoss(jobServices, log);
  return {
    config,
    database,
    signIn: localAccounts(database.db),
    notify: outbox,
    teachingRecord,
    jobs: runner,
    uploads: createUploads({ database, jobs: runner, adapters: { teachingRecord }, log }),
  };
}
