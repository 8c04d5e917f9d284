// Background work: checking large uploads, sending award requests to the Teaching Record System
// and deleting old upload files. pg-boss in production (on PostgreSQL or the embedded PGlite);
// "inline" runs the same handlers at once, in-process, for tests and the command line.
import { fromPglite, PgBoss } from 'pg-boss';
import type { Database } from '../db/database.ts';
import { today } from '../domain/dates.ts';
import { sendAllAwardRequests } from '../domain/trainees/awards.ts';
import type { TeachingRecord } from '../integrations/teaching-record/teaching-record.ts';
import { checkUpload, purgeOldUploads, uploadActor } from '../uploads/pipeline.ts';

export interface Jobs {
  /** Check a received upload in the background. */
  checkUpload(uploadId: string): Promise<void>;
  /** An upload of this kind was committed: start the work that follows it. */
  uploadCommitted(kindId: string): Promise<void>;
  stop(): Promise<void>;
}

export interface JobServices {
  database: Database;
  teachingRecord: TeachingRecord;
}

/** The handlers, the same whichever runner calls them. */
function handlers({ database, teachingRecord }: JobServices) {
  return {
    async checkUpload(uploadId: string) {
      const actor = await uploadActor(database.db, uploadId);
      await checkUpload(database, actor, uploadId, today());
    },
    sendAwardRequests: () => sendAllAwardRequests(database.db, teachingRecord),
    purgeUploads: () => purgeOldUploads(database.db),
  };
}

/** Runs each job at once and waits for it: predictable for tests and one-off commands. */
export function inlineJobs(services: JobServices): Jobs {
  const run = handlers(services);
  return {
    checkUpload: (uploadId) => run.checkUpload(uploadId),
    uploadCommitted: async (kindId) => {
      if (kindId === 'qts-recommendations') await run.sendAwardRequests();
    },
    stop: async () => {},
  };
}

const QUEUES = { check: 'check-upload', awards: 'send-award-requests', purge: 'purge-uploads' } as const;

export async function startPgBoss(
  services: JobServices,
  log: (message: string, error?: unknown) => void,
  { schema = 'pgboss' }: { schema?: string } = {},
): Promise<Jobs> {
  const { database } = services;
  const boss = database.pglite
    ? new PgBoss({ db: fromPglite(database.pglite), backend: 'pglite', schema })
    : new PgBoss({ connectionString: database.connectionString ?? '', schema, max: 4 });
  boss.on('error', (error) => log('job queue error', error));
  await boss.start();
  for (const name of Object.values(QUEUES)) await boss.createQueue(name);
  const run = handlers(services);
  await boss.work<{ uploadId: string }>(QUEUES.check, async ([job]) => run.checkUpload(job.data.uploadId));
  await boss.work(QUEUES.awards, async () => run.sendAwardRequests());
  await boss.work(QUEUES.purge, async () => run.purgeUploads());
  // Sweeps, in case a signal was lost (a crash between commit and send): awards every minute,
  // the upload clean-up every night.
  await boss.schedule(QUEUES.awards, '* * * * *');
  await boss.schedule(QUEUES.purge, '30 2 * * *');
  return {
    async checkUpload(uploadId) {
      await boss.send(QUEUES.check, { uploadId }, { retryLimit: 0 });
    },
    async uploadCommitted(kindId) {
      // Recommendations leave award requests to send to the Teaching Record System.
      if (kindId === 'qts-recommendations') await boss.send(QUEUES.awards, {}, { retryLimit: 3 });
    },
    stop: () => boss.stop({ graceful: true, timeout: 10_000 }),
  };
}
