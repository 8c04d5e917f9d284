// Recommending trainees for QTS or EYTS: one operation for pages, uploads and the API.
import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordEvents } from '../audit/events.ts';
import { DomainError } from '../errors.ts';
import type { Actor } from '../organisations/actor.ts';
import { isEligible } from './eligibility.ts';
import { trainingRoute } from './training-routes.ts';

export interface Recommendation {
  traineeId: string;
  /** The record's version when it was checked: a newer one means it changed since. */
  version: number;
  standardsMetDate: string;
}

/**
 * Recommends every trainee in one statement. Each must still be the provider's, unchanged and
 * eligible; if any is not, nothing is recommended (the caller's transaction rolls back).
 */
export async function recommendTrainees(
  tx: Transaction<DB>,
  actor: Actor,
  items: Recommendation[],
  { today, via }: { today: string; via: string },
): Promise<number> {
  if (items.length === 0) return 0;
  const { rows: updated } = await sql<{ id: string; standards_met_date: string; route: string }>`
    update trainees set
      state = 'recommended', standards_met_date = r.standards_met, recommended_at = now(),
      version = trainees.version + 1, updated_at = now()
    from unnest(
      ${items.map((i) => i.traineeId)}::uuid[], ${items.map((i) => i.version)}::int[],
      ${items.map((i) => i.standardsMetDate)}::date[]
    ) as r(id, version, standards_met)
    where trainees.id = r.id and trainees.version = r.version
      and trainees.provider_id = ${actor.organisation.id}
      and ${isEligible(today)}
      and r.standards_met <= ${today}::date and r.standards_met >= trainees.itt_start_date
    returning trainees.id, trainees.standards_met_date, trainees.route
  `.execute(tx);
  if (updated.length !== items.length) {
    throw new DomainError(
      `${items.length - updated.length} of the trainees changed while they were being recommended. Nothing was recommended: check the file again`,
    );
  }
  // The award request goes out with the recommendation or not at all (an outbox, sent by a job).
  await tx
    .insertInto('award_requests')
    .columns(['trainee_id', 'provider_id', 'award', 'standards_met_date'])
    .expression(
      sql`select t.id, t.provider_id, r.award, t.standards_met_date
        from unnest(${updated.map((row) => row.id)}::uuid[], ${updated.map((row) => trainingRoute(row.route).award)}::text[])
          as r(id, award)
        join trainees t on t.id = r.id`,
    )
    .execute();
  await recordEvents(
    tx,
    actor,
    via,
    updated.map((row) => ({
      organisationId: actor.organisation.id,
      subjectType: 'trainee',
      subjectId: row.id,
      action: 'recommended for award',
      changes: {
        state: { from: 'trn_received', to: 'recommended' },
        standards_met_date: { to: row.standards_met_date },
      },
    })),
  );
  return updated.length;
}
