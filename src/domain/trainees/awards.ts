// Sending pending award requests to the Teaching Record System and recording what comes back.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { type Changes, type NewEvent, recordEvents } from '../audit/events.ts';
import { SYSTEM } from '../organisations/actor.ts';
import type { TeachingRecord } from '../ports/teaching-record.ts';
import { callCountingFailures, sendAll } from '../request-queue.ts';

const BATCH = 500;

/**
 * Sends up to one batch of pending requests and records the results; returns how many were
 * settled. A request is settled once: the update is guarded by its pending state.
 */
export async function sendAwardRequests(db: Kysely<DB>, trs: TeachingRecord): Promise<number> {
  const pending = await db
    .selectFrom('award_requests')
    .innerJoin('trainees', 'trainees.id', 'award_requests.trainee_id')
    .select([
      'award_requests.id',
      'award_requests.trainee_id',
      'award_requests.provider_id',
      'award_requests.award',
      'award_requests.standards_met_date',
      'trainees.trn',
      'trainees.first_names',
      'trainees.last_name',
      'trainees.date_of_birth',
    ])
    .where('award_requests.state', '=', 'pending')
    .orderBy('award_requests.id')
    .limit(BATCH)
    .execute();
  if (pending.length === 0) return 0;

  const results = await callCountingFailures(
    db,
    'award_requests',
    pending.map((p) => p.id),
    () =>
      trs.requestAwards(
        pending.map((p) => ({
          trn: p.trn ?? '',
          award: p.award,
          standardsMetDate: p.standards_met_date,
          firstNames: p.first_names,
          lastName: p.last_name,
          dateOfBirth: p.date_of_birth,
        })),
      ),
  );

  return inTransaction(db, async (tx) => {
    const awarded = pending.flatMap((p, i) => {
      const result = results[i];
      return result?.outcome === 'awarded' ? [{ ...p, awardedDate: result.awardedDate }] : [];
    });
    const rejected = pending.flatMap((p, i) => {
      const result = results[i];
      return result?.outcome === 'rejected' ? [{ ...p, reason: result.reason }] : [];
    });
    const { rows: settled } = await sql<{
      id: string;
      trainee_id: string;
      provider_id: string;
      awarded_date: string | null;
    }>`
      update award_requests set
        state = r.state, awarded_date = r.awarded_date, last_error = r.reason, processed_at = now(),
        attempts = award_requests.attempts + 1
      from unnest(
        ${[...awarded.map((a) => a.id), ...rejected.map((r) => r.id)]}::bigint[],
        ${[...awarded.map(() => 'awarded'), ...rejected.map(() => 'failed')]}::text[],
        ${[...awarded.map((a) => a.awardedDate), ...rejected.map(() => null)]}::date[],
        ${[...awarded.map(() => null), ...rejected.map((r) => r.reason)]}::text[]
      ) as r(id, state, awarded_date, reason)
      where award_requests.id = r.id and award_requests.state = 'pending'
      returning award_requests.id, award_requests.trainee_id, award_requests.provider_id, award_requests.awarded_date
    `.execute(tx);
    const newlyAwarded = settled.filter((s) => s.awarded_date);
    if (newlyAwarded.length) {
      await sql`
        update trainees set state = 'awarded', awarded_date = a.awarded_date, version = version + 1, updated_at = now()
        from unnest(${newlyAwarded.map((a) => a.trainee_id)}::uuid[], ${newlyAwarded.map((a) => a.awarded_date)}::date[])
          as a(id, awarded_date)
        where trainees.id = a.id and trainees.state = 'recommended'
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
          action: s.awarded_date ? 'awarded' : 'award refused',
          changes: (s.awarded_date
            ? { state: { from: 'recommended', to: 'awarded' }, awarded_date: { to: s.awarded_date } }
            : { reason: { to: rejected.find((r) => r.id === s.id)?.reason } }) as Changes,
        }),
      ),
    );
    return settled.length;
  });
}

/** Sends every pending request, batch by batch. */
export function sendAllAwardRequests(db: Kysely<DB>, trs: TeachingRecord): Promise<number> {
  return sendAll(() => sendAwardRequests(db, trs), BATCH);
}
