// The shared steps of the queues of requests to the Teaching Record System (award requests, TRN
// requests, induction status changes): each request waits as a pending row, a job sends a batch,
// and a batch the service does not take is counted on each request and tried again later.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

type QueueTable = 'award_requests' | 'trn_requests' | 'induction_status_updates';

/**
 * Calls the service for these requests. If it throws (unreachable, timed out), each request's
 * attempt is counted with the error kept, and the error thrown on, so the job tries again later.
 */
export async function callCountingFailures<T>(
  db: Kysely<DB>,
  table: QueueTable,
  ids: string[],
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    await db
      .updateTable(table)
      .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: String(error).slice(0, 500) }))
      .where('id', 'in', ids)
      .execute();
    throw error;
  }
}

/** Sends batch after batch until one settles fewer than `batch`; returns how many were settled. */
export async function sendAll(sendBatch: () => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const sent = await sendBatch();
    total += sent;
    if (sent < batch) return total;
  }
}
