// Background work: checking large uploads (and starting again checks that stopped), sending award
// requests to the Teaching Record System and deleting old upload files. pg-boss in production (on
// PostgreSQL or the embedded PGlite); "inline" runs the same handlers at once, in-process, for
// tests and the command line.
import { fromPglite, PgBoss } from 'pg-boss';
import type { Database } from '../db/database.ts';
import { sendAllInductionStatusUpdates } from '../domain/induction/status-updates.ts';
import type { TeachingRecord } from '../domain/ports/teaching-record.ts';
import { sendAllAwardRequests } from '../domain/trainees/awards.ts';
import { sendAllTrnRequests } from '../domain/trainees/trn-requests.ts';
import { findKind } from '../uploads/kinds/index.ts';
import { purgeOldUploads, uploadActor } from '../uploads/pipeline.ts';
import { createUploads } from '../uploads/service.ts';
import {
  heartbeatEvery,
  STALLED_CHECK_RULES,
  type StalledCheckRules,
  sweepStalledChecks,
} from '../uploads/stalled-checks.ts';

export interface Jobs {
  /** Check a received upload in the background. */
  checkUpload(uploadId: string): Promise<void>;
  /** An upload of this kind was submitted: start the work that follows it. */
  uploadSubmitted(kindId: string): Promise<void>;
  /** An upload of this kind was undone: start the work that follows an undo (its afterUndo). */
  uploadUndone(kindId: string): Promise<void>;
  /** Trainees were registered: send their TRN requests. */
  trnsRequested(): Promise<void>;
  /** Trainees were recommended one by one: send their award requests. */
  awardsRequested(): Promise<void>;
  /** Induction statuses changed: send them to the teaching record. */
  inductionStatusChanged(): Promise<void>;
  stop(): Promise<void>;
}

export interface JobServices {
  database: Database;
  teachingRecord: TeachingRecord;
}

/** The handlers, the same whichever runner calls them. */
function handlers({ database, teachingRecord }: JobServices, heartbeatEveryMs?: number) {
  // Checking in the background needs no queue of its own, only the adapters kinds look things up in.
  const uploads = createUploads({ database, adapters: { teachingRecord } });
  return {
    async checkUpload(uploadId: string) {
      const actor = await uploadActor(database.db, uploadId);
      await uploads.check(actor, uploadId, { heartbeatEveryMs });
    },
    sendAwardRequests: () => sendAllAwardRequests(database.db, teachingRecord),
    sendTrnRequests: () => sendAllTrnRequests(database.db, teachingRecord),
    sendInductionStatus: () => sendAllInductionStatusUpdates(database.db, teachingRecord),
    purgeUploads: () => purgeOldUploads(database.db),
  };
}

const QUEUES = {
  check: 'check-upload',
  awards: 'send-award-requests',
  trns: 'send-trn-requests',
  inductionStatus: 'send-induction-status',
  purge: 'purge-uploads',
} as const;

/** The queues an upload kind may name as the work that follows its submission, with their work. */
function followUps(run: ReturnType<typeof handlers>): Record<string, () => Promise<unknown>> {
  return {
    [QUEUES.awards]: run.sendAwardRequests,
    [QUEUES.trns]: run.sendTrnRequests,
    [QUEUES.inductionStatus]: run.sendInductionStatus,
  };
}

/** The work that follows a submission (or an undo) of this kind, as the kind declares it (its afterSubmit, afterUndo). */
function followUpOf(kindId: string, known: Record<string, unknown>, after: 'submit' | 'undo' = 'submit') {
  const kind = findKind(kindId);
  const followUp = after === 'submit' ? kind?.afterSubmit : kind?.afterUndo;
  if (followUp && !Object.hasOwn(known, followUp.queue)) {
    throw new Error(`Upload kind ${kindId} follows its ${after}s with an unknown queue: ${followUp.queue}`);
  }
  return followUp;
}

/** Runs each job at once and waits for it: predictable for tests and one-off commands. */
export function inlineJobs(services: JobServices): Jobs {
  const run = handlers(services);
  const known = followUps(run);
  return {
    checkUpload: (uploadId) => run.checkUpload(uploadId),
    uploadSubmitted: async (kindId) => {
      const followUp = followUpOf(kindId, known);
      if (followUp) await known[followUp.queue]();
    },
    uploadUndone: async (kindId) => {
      const followUp = followUpOf(kindId, known, 'undo');
      if (followUp) await known[followUp.queue]();
    },
    trnsRequested: async () => {
      await run.sendTrnRequests();
    },
    awardsRequested: async () => {
      await run.sendAwardRequests();
    },
    // A record that does not answer keeps the changes queued; the server's job sends them later.
    inductionStatusChanged: async () => {
      await run.sendInductionStatus().catch(() => {});
    },
    stop: async () => {},
  };
}

export interface JobOptions {
  /** pg-boss's schema (tests use one per file). */
  schema?: string;
  /** When a check counts as stopped and how often it may stop (stalled-checks.ts); tests shorten them. */
  stalledChecks?: StalledCheckRules;
  /** How often this process sweeps for stopped checks. */
  sweepEveryMs?: number;
}

export async function startPgBoss(
  services: JobServices,
  log: (message: string, error?: unknown) => void,
  { schema = 'pgboss', stalledChecks = STALLED_CHECK_RULES, sweepEveryMs = 60_000 }: JobOptions = {},
): Promise<Jobs> {
  const { database } = services;
  const boss = database.pglite
    ? new PgBoss({ db: fromPglite(database.pglite), backend: 'pglite', schema })
    : new PgBoss({ connectionString: database.connectionString ?? '', schema, max: 4 });
  boss.on('error', (error) => log('job queue error', error));
  await boss.start();
  for (const name of Object.values(QUEUES)) await boss.createQueue(name);
  const run = handlers(services, heartbeatEvery(stalledChecks.staleAfterMs));
  // At most one check of an upload waits in the queue (a sweep may ask again for one already
  // waiting); a job whose process died does not count, as it is no longer waiting.
  const queueCheck = (uploadId: string) =>
    boss.upsert(QUEUES.check, { uploadId }, { singletonKey: uploadId, retryLimit: 0 }).then(() => {});

  // Checks that stopped (their process died) are started again, or failed after too many tries.
  // Every process sweeps, at start-up and every minute: the moves are guarded UPDATEs, so each
  // upload is moved and queued once however many sweep. On PGlite this is the only process, so at
  // start-up, before it takes any job, every check still "checking" has stopped: no need to wait.
  const sweep = async (rules: StalledCheckRules) => {
    try {
      const { resume, failed } = await sweepStalledChecks(database.db, rules);
      for (const uploadId of resume) await queueCheck(uploadId);
      if (resume.length || failed.length) {
        log(`checks queued again: ${resume.length}; failed after ${rules.maxAttempts} tries: ${failed.length}`);
      }
    } catch (error) {
      log('sweep for stopped checks failed', error);
    }
  };
  await sweep(database.pglite ? { ...stalledChecks, staleAfterMs: 0, receivedAfterMs: 0 } : stalledChecks);
  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    void sweep(stalledChecks).finally(() => {
      sweeping = false;
    });
  }, sweepEveryMs);
  sweeper.unref();

  await boss.work<{ uploadId: string }>(QUEUES.check, async ([job]) => run.checkUpload(job.data.uploadId));
  await boss.work(QUEUES.awards, async () => run.sendAwardRequests());
  await boss.work(QUEUES.trns, async () => run.sendTrnRequests());
  await boss.work(QUEUES.inductionStatus, async () => run.sendInductionStatus());
  await boss.work(QUEUES.purge, async () => run.purgeUploads());
  // Sweeps, in case a signal was lost (a crash between submitting and sending): awards every minute,
  // the upload clean-up every night.
  await boss.schedule(QUEUES.awards, '* * * * *');
  await boss.schedule(QUEUES.trns, '* * * * *');
  await boss.schedule(QUEUES.inductionStatus, '* * * * *');
  await boss.schedule(QUEUES.purge, '30 2 * * *');
  return {
    checkUpload: queueCheck,
    async uploadSubmitted(kindId) {
      const followUp = followUpOf(kindId, followUps(run));
      if (followUp) await boss.send(followUp.queue, followUp.payload ?? {}, { retryLimit: 3 });
    },
    async uploadUndone(kindId) {
      const followUp = followUpOf(kindId, followUps(run), 'undo');
      if (followUp) await boss.send(followUp.queue, followUp.payload ?? {}, { retryLimit: 3 });
    },
    async trnsRequested() {
      await boss.send(QUEUES.trns, {}, { retryLimit: 3 });
    },
    async awardsRequested() {
      await boss.send(QUEUES.awards, {}, { retryLimit: 3 });
    },
    async inductionStatusChanged() {
      await boss.send(QUEUES.inductionStatus, {}, { retryLimit: 3, retryDelay: 30, retryBackoff: true });
    },
    async stop() {
      clearInterval(sweeper);
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
