// Sending pending TRN requests to the Teaching Record System and recording the TRNs that come
// back: a trainee "submitted for TRN" then has "TRN received". A deferred or withdrawn trainee
// keeps their state, and their TRN is kept all the same.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { type NewEvent, recordEvents } from '../audit/events.ts';
import { SYSTEM } from '../organisations/actor.ts';
import type { TeachingRecord } from '../ports/teaching-record.ts';
import { callCountingFailures, sendAll } from '../request-queue.ts';

const BATCH = 500;

/** Sends up to one batch of pending requests; returns how many were settled. */
export async function sendTrnRequests(db: Kysely<DB>, trs: TeachingRecord): Promise<number> {
  const pending = await db
    .selectFrom('trn_requests')
    .innerJoin('trainees', 'trainees.id', 'trn_requests.trainee_id')
    .select([
      'trn_requests.id',
      'trn_requests.trainee_id',
      'trn_requests.provider_id',
      'trainees.first_names',
      'trainees.last_name',
      'trainees.date_of_birth',
      'trainees.email',
    ])
    .where('trn_requests.state', '=', 'pending')
    .orderBy('trn_requests.id')
    .limit(BATCH)
    .execute();
  if (pending.length === 0) return 0;

  const results = await callCountingFailures(
    db,
    'trn_requests',
    pending.map((p) => p.id),
    () =>
      trs.requestTrns(
        pending.map((p) => ({
          firstNames: p.first_names,
          lastName: p.last_name,
          dateOfBirth: p.date_of_birth,
          email: p.email,
        })),
      ),
  );

  return inTransaction(db, async (tx) => {
    const issued = pending.flatMap((p, i) => {
      const result = results[i];
      return result?.outcome === 'issued' ? [{ ...p, trn: result.trn }] : [];
    });
    const rejected = pending.flatMap((p, i) => {
      const result = results[i];
      return result?.outcome === 'rejected' ? [{ ...p, reason: result.reason }] : [];
    });
    const { rows: settled } = await sql<{ id: string; trainee_id: string; provider_id: string; trn: string | null }>`
      update trn_requests set
        state = r.state, trn = r.trn, last_error = r.reason, processed_at = now(), attempts = trn_requests.attempts + 1
      from unnest(
        ${[...issued.map((a) => a.id), ...rejected.map((r) => r.id)]}::bigint[],
        ${[...issued.map(() => 'issued'), ...rejected.map(() => 'failed')]}::text[],
        ${[...issued.map((a) => a.trn), ...rejected.map(() => null)]}::text[],
        ${[...issued.map(() => null), ...rejected.map((r) => r.reason)]}::text[]
      ) as r(id, state, trn, reason)
      where trn_requests.id = r.id and trn_requests.state = 'pending'
      returning trn_requests.id, trn_requests.trainee_id, trn_requests.provider_id, trn_requests.trn
    `.execute(tx);
    const received = settled.filter((s) => s.trn);
    if (received.length) {
      await sql`
        update trainees set trn = r.trn, version = version + 1, updated_at = now(),
          state = case when state = 'submitted_for_trn' then 'trn_received' else state end
        from unnest(${received.map((r) => r.trainee_id)}::uuid[], ${received.map((r) => r.trn)}::text[]) as r(id, trn)
        where trainees.id = r.id and trainees.trn is null
      `.execute(tx);
    }
    await recordEvents(
      tx,
      SYSTEM,
      'teaching record system',
      settled.map(
        (s): NewEvent => ({
          organisationId: s.provider_id,
          subjectType: 'trainee',
          subjectId: s.trainee_id,
          action: s.trn ? 'trn received' : 'trn refused',
          changes: s.trn ? { trn: { to: s.trn } } : { reason: { to: rejected.find((r) => r.id === s.id)?.reason } },
        }),
      ),
    );
    return settled.length;
  });
}

/** Sends every pending request, batch by batch. */
export function sendAllTrnRequests(db: Kysely<DB>, trs: TeachingRecord): Promise<number> {
  return sendAll(() => sendTrnRequests(db, trs), BATCH);
}
