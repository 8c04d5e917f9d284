// Checks that stopped before they finished. A check moves an upload from received to checking;
// if its process dies (killed, out of memory, a deployment) nothing would ever move it on. So a
// running check proves it is alive by touching the upload's heartbeat every few seconds, and a
// sweep (src/jobs/jobs.ts: at start-up and every minute) starts again the checks whose heartbeat
// has gone quiet, fails those that have stopped too often, and queues again received uploads that
// no check has taken up. Every time is the database's own clock, so processes on several machines
// agree on what is old.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/schema.ts';

export interface StalledCheckRules {
  /** A check whose heartbeat is older than this has stopped. */
  staleAfterMs: number;
  /** A received upload this old has no check coming: queue one (again). */
  receivedAfterMs: number;
  /** After this many starts that all stopped, the upload fails instead. */
  maxAttempts: number;
}

export const STALLED_CHECK_RULES: StalledCheckRules = {
  staleAfterMs: 60_000,
  receivedAfterMs: 60_000,
  maxAttempts: 3,
};

/** How often a running check touches its heartbeat, for a given staleness: several beats per window. */
export function heartbeatEvery(staleAfterMs: number): number {
  return Math.max(50, Math.floor(staleAfterMs / 6));
}

export const CHECK_STOPPED_MESSAGE =
  'Rollbook could not finish checking the file. Upload the file again, or split it into smaller files and upload each one';

/**
 * Keeps a running check's heartbeat fresh until stopped. Only the attempt that is running is
 * touched, so a check that was given up on (and started again elsewhere) cannot keep the new
 * attempt looking alive.
 */
export function keepCheckAlive(db: Kysely<DB>, uploadId: string, attempt: number, everyMs: number): { stop(): void } {
  const timer = setInterval(() => {
    db.updateTable('uploads')
      .set({ check_heartbeat_at: sql`now()` })
      .where('id', '=', uploadId)
      .where('state', '=', 'checking')
      .where('check_attempts', '=', attempt)
      .execute()
      // A missed beat is no matter: the next one comes within the window, and a database that is
      // gone fails the check itself.
      .catch(() => {});
  }, everyMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

const olderThan = (ms: number) => sql<Date>`now() - ${ms} * interval '1 millisecond'`;

/**
 * Finds the checks that stopped: those started too often become failed, with a message telling
 * the user to upload the file again; the others go back to received, as do waiting uploads whose
 * time to try their outside lookup again has come. Returns the uploads that need a check queued:
 * those just moved back, and received uploads older than receivedAfterMs.
 * Each move is a guarded UPDATE, so sweeps running at once in several processes move each
 * upload once; a check that is slow but alive keeps its heartbeat fresh and is left alone.
 */
export async function sweepStalledChecks(
  db: Kysely<DB>,
  rules: StalledCheckRules = STALLED_CHECK_RULES,
): Promise<{ resume: string[]; failed: string[] }> {
  const stopped = sql<boolean>`coalesce(check_heartbeat_at, created_at) < ${olderThan(rules.staleAfterMs)}`;
  const failed = await db
    .updateTable('uploads')
    .set({ state: 'failed', ended_at: sql`now()`, failure_message: CHECK_STOPPED_MESSAGE })
    .where('state', '=', 'checking')
    .where(stopped)
    .where('check_attempts', '>=', rules.maxAttempts)
    .returning('id')
    .execute();
  const moved = await db
    .updateTable('uploads')
    .set({ state: 'received', rows_checked: 0 })
    .where('state', '=', 'checking')
    .where(stopped)
    .where('check_attempts', '<', rules.maxAttempts)
    .returning('id')
    .execute();
  // Checks waiting for an outside system to answer again, once their time has come.
  const retried = await db
    .updateTable('uploads')
    .set({ state: 'received', retry_at: null })
    .where('state', '=', 'waiting')
    .where('retry_at', '<=', sql<Date>`now()`)
    .returning('id')
    .execute();
  const waiting = await db
    .selectFrom('uploads')
    .select('id')
    .where('state', '=', 'received')
    .where('created_at', '<', olderThan(rules.receivedAfterMs))
    .orderBy('created_at')
    .execute();
  const resume = [...new Set([...moved, ...retried, ...waiting].map((upload) => upload.id))];
  return { resume, failed: failed.map((upload) => upload.id) };
}
