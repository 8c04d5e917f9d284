// Recommending trainees for QTS or EYTS: one operation for pages, uploads and the API.
import { type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB, Trainee } from '../../db/schema.ts';
import { formatIsoDate } from '../dates.ts';
import { DomainError } from '../errors.ts';
import { type Actor, actorIds } from '../organisations/actor.ts';
import { ineligibilityReason, isEligible } from './eligibility.ts';
import { TRAINING_ROUTES } from './training-routes.ts';

export interface Recommendation {
  traineeId: string;
  /** The record's version when it was checked: a newer one means it changed since. */
  version: number;
  standardsMetDate: string;
}

/** Where the recommendations come from: a list, or the staged rows of a checked upload. */
export type RecommendationSource = { items: Recommendation[] } | { uploadId: string };

/** The recommendations as a relation r(id, version, standards_met), read where they already are. */
function recommendations(source: RecommendationSource): RawBuilder<unknown> {
  if ('items' in source) {
    const { items } = source;
    return sql`unnest(
      ${items.map((i) => i.traineeId)}::uuid[], ${items.map((i) => i.version)}::int[],
      ${items.map((i) => i.standardsMetDate)}::date[]
    ) as r(id, version, standards_met)`;
  }
  return sql`(
    select (change->>'traineeId')::uuid as id, (change->>'version')::int as version,
      (change->>'standardsMetDate')::date as standards_met
    from upload_rows where upload_id = ${source.uploadId} and outcome = 'change'
  ) as r`;
}

/** The award each route leads to, as SQL, from the one list of routes. */
function awardForRoute(): RawBuilder<string> {
  const eyts = TRAINING_ROUTES.filter((route) => route.award === 'EYTS').map((route) => route.code);
  return sql<string>`case when updated.route = any(${eyts}::text[]) then 'EYTS' else 'QTS' end`;
}

/**
 * Recommends every trainee in one statement, with an award request to the Teaching Record System
 * (sent by a job) and an audit event for each. Each trainee must still be the provider's,
 * unchanged and eligible, with a date not in the future and not before their ITT start; if any
 * is not, nothing is recommended (the caller's transaction rolls back).
 */
export async function recommendTrainees(
  tx: Transaction<DB>,
  actor: Actor,
  source: RecommendationSource,
  { today, via, expected }: { today: string; via: string; expected: number },
): Promise<number> {
  if (expected === 0) return 0;
  const { rows } = await sql<{ recommended: string }>`
    with updated as (
      update trainees set
        state = 'recommended', standards_met_date = r.standards_met, recommended_at = now(),
        version = trainees.version + 1, updated_at = now()
      from ${recommendations(source)}
      where trainees.id = r.id and trainees.version = r.version
        and trainees.provider_id = ${actor.organisation.id}
        and ${isEligible(today)}
        and r.standards_met <= ${today}::date and r.standards_met >= trainees.itt_start_date
      returning trainees.id, trainees.provider_id, trainees.route, trainees.standards_met_date
    ),
    requests as (
      insert into award_requests (trainee_id, provider_id, award, standards_met_date)
      select updated.id, updated.provider_id, ${awardForRoute()}, updated.standards_met_date from updated
    ),
    audit as (
      insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
      select ${actor.userId}::uuid, ${actorIds(actor).actorOrganisationId}::uuid, updated.provider_id, 'trainee', updated.id::text,
        'recommended for award',
        jsonb_build_object(
          'state', jsonb_build_object('from', 'trn_received', 'to', 'recommended'),
          'standards_met_date', jsonb_build_object('to', updated.standards_met_date)),
        ${via}
      from updated
    )
    select count(*) as recommended from updated
  `.execute(tx);
  const recommended = Number(rows[0]?.recommended ?? 0);
  if (recommended !== expected) {
    throw new DomainError(
      `${expected - recommended} of the trainees changed while they were being recommended. Nothing was recommended: check the file again`,
    );
  }
  return recommended;
}

/**
 * Recommends one trainee (from their page), through recommendTrainees: the same rules as a bulk
 * recommendation, said for the one trainee and the date field.
 */
export async function recommendTrainee(
  tx: Transaction<DB>,
  actor: Actor,
  trainee: Pick<Trainee, 'id' | 'version' | 'trn' | 'state' | 'expected_end_date' | 'itt_start_date'>,
  standardsMetDate: string,
  { today, via }: { today: string; via: string },
): Promise<void> {
  const reason = ineligibilityReason(trainee, today);
  if (reason) throw new DomainError(`This trainee cannot be recommended: ${reason}`);
  if (standardsMetDate > today)
    throw new DomainError('The date the standards were met must be today or in the past', 'date');
  if (standardsMetDate < trainee.itt_start_date) {
    throw new DomainError(
      `The date the standards were met must be on or after the ITT start date, ${formatIsoDate(trainee.itt_start_date)}`,
      'date',
    );
  }
  await recommendTrainees(
    tx,
    actor,
    { items: [{ traineeId: trainee.id, version: trainee.version, standardsMetDate }] },
    { today, via, expected: 1 },
  );
}
