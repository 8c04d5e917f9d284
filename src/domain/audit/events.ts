// The append-only audit log: the one writer every change goes through.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type ActorOrSystem, actorIds } from '../organisations/actor.ts';

/** What changed, field by field: from → to. A created record has only `to`s. */
export type Changes = Record<string, { from?: unknown; to?: unknown }>;

export interface NewEvent {
  /** The organisation whose record changed (whose support users and staff may read it). */
  organisationId: string | null;
  subjectType: string;
  subjectId: string;
  action: string;
  changes?: Changes;
}

/**
 * Writes events in one statement over arrays, inside the caller's transaction: the same for
 * one event or a hundred thousand (a bulk submission), with no limit on parameters.
 */
export async function recordEvents(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  via: string,
  events: NewEvent[],
): Promise<void> {
  if (events.length === 0) return;
  const { actorUserId, actorOrganisationId } = actorIds(actor);
  await sql`
    insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
    select ${actorUserId}::uuid, ${actorOrganisationId}::uuid, e.organisation_id, e.subject_type, e.subject_id, e.action,
      e.changes, ${via}
    from unnest(
      ${events.map((e) => e.organisationId)}::uuid[], ${events.map((e) => e.subjectType)}::text[],
      ${events.map((e) => e.subjectId)}::text[], ${events.map((e) => e.action)}::text[],
      ${events.map((e) => JSON.stringify(e.changes ?? {}))}::jsonb[]
    ) as e(organisation_id, subject_type, subject_id, action, changes)
  `.execute(db);
}
