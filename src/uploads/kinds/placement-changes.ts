// What the two placement kinds (placements, hesa-placements) share: the schools and the recorded
// placements a file is checked against (one query each), the rule for an identical placement, and
// the set-based commit and undo from the staged rows, with their audit events.

import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { formatIsoDate, today } from '../../domain/dates.ts';
import { type Actor, actorIds } from '../../domain/organisations/actor.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import { UploadConflict } from '../upload-conflict.ts';
import type { CommitContext, ReviewLine } from './kind.ts';

/**
 * One placement to add, as staged in upload_rows.change. Short keys, and none for an empty
 * detail: a large file stages 200,000 of these, and the commit reads them back in SQL.
 */
export interface StagedPlacement {
  /** The register's URN; none for a school without one. */
  u?: string;
  /** For a school without a URN: its name and postcode, as stored. */
  s?: string;
  c?: string;
  /** The start date, yyyy-mm-dd, when given. */
  d?: string;
  /** How the review page, messages and the audit log name the school. */
  l: string;
}

/** The staged change of a row: one trainee (t: id; n: name; trn; r: route code), the placements it adds. */
export interface PlacementsChange {
  t: string;
  n: string;
  trn?: string;
  r: string;
  p: StagedPlacement[];
}

/** The change a row stages: the placements it adds to this trainee. */
export function placementsChange(
  trainee: { id: string; first_names: string; last_name: string; trn: string | null; route: string },
  placements: StagedPlacement[],
): PlacementsChange {
  return {
    t: trainee.id,
    n: `${trainee.first_names} ${trainee.last_name}`,
    ...(trainee.trn ? { trn: trainee.trn } : {}),
    r: trainee.route,
    p: placements,
  };
}

export interface RegisterSchool {
  name: string;
  postcode: string | null;
}

/** A placement as the check gives it, before it is staged. */
export interface NewPlacementDetails {
  urn: string | null;
  school: string | null;
  postcode: string | null;
  start: string | null;
}

/**
 * Two placements are identical when every detail is (the database's own unique rule): the same
 * URN at another site, or with other dates, is a different placement (split sites).
 */
export function placementKey(p: NewPlacementDetails & { end?: string | null }): string {
  return [p.urn ?? '', foldName(p.school ?? ''), p.postcode ?? '', p.start ?? '', p.end ?? ''].join('|');
}

/**
 * A school name folded at least as far as the database's lower() folds it (the unique rule), so
 * two names it would count as the same are never both staged: accents and marks dropped (İ, é),
 * final sigma as sigma, then lower case.
 */
function foldName(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replaceAll('ς', 'σ');
}

/** How a placement is named on the review page, in messages and in the audit log. */
export function placementLabel(urn: string | null, school: RegisterSchool | string, postcode?: string | null): string {
  if (typeof school === 'string') return `${school} (${postcode})`;
  return `${school.name} (URN ${urn})`;
}

/** The same name in SQL, for a placement `p` joined to the register as `s` (template, undo). */
export function placementLabelSql(p: string, s: string): RawBuilder<string> {
  const [placement, school] = [sql.ref(p), sql.ref(s)];
  return sql<string>`coalesce(${school}.name || ' (URN ' || ${placement}.school_urn || ')',
    ${placement}.school_name || ' (' || ${placement}.school_postcode || ')', 'URN ' || ${placement}.school_urn)`;
}

/** The placement as staged: only the details it has. */
export function stagePlacement(details: NewPlacementDetails, label: string): StagedPlacement {
  const staged: StagedPlacement = { l: label };
  if (details.urn) staged.u = details.urn;
  if (details.school) staged.s = details.school;
  if (details.postcode) staged.c = details.postcode;
  if (details.start) staged.d = details.start;
  return staged;
}

/** The key of a staged placement (placementKey). */
export function stagedKey(p: StagedPlacement): string {
  return placementKey({ urn: p.u ?? null, school: p.s ?? null, postcode: p.c ?? null, start: p.d ?? null });
}

/** The schools of the register with these URNs: one query. */
export async function lookUpSchools(db: Kysely<DB>, urns: Set<string>): Promise<Map<string, RegisterSchool>> {
  if (urns.size === 0) return new Map();
  const rows = await db
    .selectFrom('schools')
    .select(['urn', 'name', 'postcode'])
    .where(sql<boolean>`urn = any(${[...urns]}::text[])`)
    .execute();
  return new Map(rows.map((row) => [row.urn, { name: row.name, postcode: row.postcode }]));
}

/** The placements already recorded for these trainees, as keys by trainee id: one query. */
export async function lookUpRecordedPlacements(
  db: Kysely<DB>,
  actor: Actor,
  traineeIds: string[],
): Promise<Map<string, Set<string>>> {
  const recorded = new Map<string, Set<string>>();
  if (traineeIds.length === 0) return recorded;
  const rows = await db
    .selectFrom('placements')
    .select(['trainee_id', 'school_urn', 'school_name', 'school_postcode', 'start_date', 'end_date'])
    .where('provider_id', '=', actor.organisation.id)
    .where(sql<boolean>`trainee_id = any(${traineeIds}::uuid[])`)
    .execute();
  for (const row of rows) {
    const key = placementKey({
      urn: row.school_urn,
      school: row.school_name,
      postcode: row.school_postcode,
      start: row.start_date,
      end: row.end_date,
    });
    let keys = recorded.get(row.trainee_id);
    if (!keys) {
      keys = new Set();
      recorded.set(row.trainee_id, keys);
    }
    keys.add(key);
  }
  return recorded;
}

/** A row's staged placements as a relation p(u, s, c, d, l, position), for a lateral join on `u`. */
const rowPlacements = sql`rows from (jsonb_to_recordset(u.change->'p') as (u text, s text, c text, d date, l text))
  with ordinality as p(u, s, c, d, l, position)`;

/** The staged rows that make a change, as `u`. */
function changeRows(uploadId: string) {
  return sql`(select row_number, change from upload_rows where upload_id = ${uploadId} and outcome = 'change') as u`;
}

/**
 * In the commit transaction: rows whose trainee has gone (or is no longer the provider's), or
 * which would add a placement identical to one recorded since the file was checked (the check
 * left out those already recorded, so only a newer one can match). One statement over every
 * staged placement, which the planner may answer by probing the unique rule's index or by
 * hashing the placements table once.
 */
export async function recheckPlacements(tx: Transaction<DB>, { actor, uploadId }: CommitContext) {
  const { rows } = await sql<{ row_number: number; name: string; gone: boolean; label: string | null }>`
    select n.row_number, min(n.name) as name, t.id is null as gone, min(n.l) as label
    from (
      select (u.change->>'t')::uuid as trainee_id, u.row_number, u.change->>'n' as name, p.u, p.s, p.c, p.d, p.l
      from ${changeRows(uploadId)}
      cross join lateral ${rowPlacements}
    ) n
    left join trainees t on t.id = n.trainee_id and t.provider_id = ${actor.organisation.id}
    where t.id is null or exists (
      -- The unique rule's own expressions.
      select from placements x
      where x.trainee_id = n.trainee_id
        and coalesce(x.school_urn, '') = coalesce(n.u, '')
        and coalesce(lower(x.school_name), '') = coalesce(lower(n.s), '')
        and coalesce(x.school_postcode, '') = coalesce(n.c, '')
        and coalesce(x.start_date, '-infinity'::date) = coalesce(n.d, '-infinity'::date)
        and coalesce(x.end_date, '-infinity'::date) = '-infinity'::date)
    group by n.row_number, t.id
  `.execute(tx);
  const stale = new Map<number, string>();
  for (const row of rows) {
    stale.set(
      row.row_number,
      row.gone
        ? `${row.name}’s record has gone since the file was checked`
        : `${row.name} has had the placement at ${row.label} recorded since the file was checked. Upload the file again to check it against the record`,
    );
  }
  return stale;
}

/** A unique index refused a row: PostgreSQL's unique_violation. */
const isUniqueViolation = (error: unknown) => (error as { code?: unknown })?.code === '23505';

/**
 * In the commit transaction, after the re-check: adds every staged placement in one statement,
 * marked with the upload (so undo removes exactly these), then one 'placements added' event per
 * trainee naming them. All or nothing: a placement recorded between the re-check and the insert
 * breaks the unique rule, and the transaction rolls back. Returns how many were added.
 */
export async function addStagedPlacements(
  tx: Transaction<DB>,
  { actor, uploadId }: CommitContext,
  via: string,
): Promise<number> {
  const provider = actor.organisation.id;
  let added: number;
  try {
    const result = await sql`
      insert into placements (id, trainee_id, provider_id, school_urn, school_name, school_postcode, start_date,
        added_by_upload, created_at, updated_at)
      -- In trainee order, with ids counting up under one random prefix, so that both the unique rule's
      -- index and the primary key are written in order rather than at 200,000 random places.
      select (run.prefix || lpad(to_hex(row_number() over (order by n.trainee_id, n.row_number, n.position)), 12, '0'))::uuid,
        n.trainee_id, ${provider}::uuid, n.u, n.s, n.c, n.d, ${uploadId}::uuid, n.added_at, n.added_at
      from (
        -- A trainee's page lists placements in the order they were added: microseconds apart, they
        -- keep the file's order (row, then column; a row has at most 5).
        select (u.change->>'t')::uuid as trainee_id, u.row_number, p.position, p.u, p.s, p.c, p.d,
          now() + (u.row_number * 10 + p.position) * interval '1 microsecond' as added_at
        from ${changeRows(uploadId)}
        cross join lateral ${rowPlacements}
      ) n
      cross join (select substr(gen_random_uuid()::text, 1, 24) as prefix) run
      order by n.trainee_id, n.row_number, n.position
    `.execute(tx);
    added = Number(result.numAffectedRows ?? 0);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    throw new UploadConflict(
      'A placement in this upload was recorded while it was being submitted, so nothing was added. Submit it again',
    );
  }
  await sql`
    insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
    select ${actor.userId}::uuid, ${actorIds(actor).actorOrganisationId}::uuid, ${provider}::uuid, 'trainee', r.trainee_id, 'placements added',
      jsonb_build_object('placements', jsonb_build_object('to', string_agg(r.placements, '; ' order by r.row_number))),
      ${via}
    from (
      select u.change->>'t' as trainee_id, u.row_number, (
        select string_agg(p.l || coalesce(', starting ' || to_char(p.d, 'YYYY-MM-DD'), ''), '; ' order by p.position)
        from ${rowPlacements}
      ) as placements
      from ${changeRows(uploadId)}
    ) r
    -- One event per trainee, even when a file gives them in several rows; written in trainee order.
    group by r.trainee_id
    order by r.trainee_id
  `.execute(tx);
  return added;
}

/** The most placements an undo refusal lists one by one. */
const REASONS_LISTED = 20;

/**
 * Placements the upload added that have been removed since (on trainees' pages): a change too, so
 * the undo is refused. Counted against the upload's staged placements, while they are kept.
 */
async function removedSince(tx: Transaction<DB>, uploadId: string, remaining: number): Promise<string[]> {
  const { rows } = await sql<{ added: number }>`
    select coalesce(sum(jsonb_array_length(change->'p')), 0)::int as added
    from upload_rows where upload_id = ${uploadId} and outcome = 'change'
  `.execute(tx);
  const removed = (rows[0]?.added ?? 0) - remaining;
  if (removed <= 0) return [];
  return [
    `${removed} ${removed === 1 ? 'placement' : 'placements'} this upload added ${removed === 1 ? 'has' : 'have'} been removed since`,
  ];
}

/**
 * Undo: removes exactly the placements the upload added, with one 'placements removed' event per
 * trainee naming them, unless one of them has been changed since; then removes nothing and says
 * which.
 */
export async function removeUploadedPlacements(
  tx: Transaction<DB>,
  { actor, uploadId }: CommitContext,
  via: string,
): Promise<string[]> {
  // Locked first, so a change made on a trainee's page cannot slip in between the check and the delete.
  const locked = await sql`
    select id from placements where added_by_upload = ${uploadId} and provider_id = ${actor.organisation.id}
    for update
  `.execute(tx);
  const reasons = [...(await removedSince(tx, uploadId, locked.rows.length))];
  const changed = await sql<{ first_names: string; last_name: string; label: string; updated_at: Date; n: string }>`
    select t.first_names, t.last_name, p.updated_at, ${placementLabelSql('p', 's')} as label, count(*) over () as n
    from placements p
    join trainees t on t.id = p.trainee_id
    left join schools s on s.urn = p.school_urn
    where p.added_by_upload = ${uploadId} and p.provider_id = ${actor.organisation.id}
      and (p.version > 1 or p.updated_at > p.created_at)
    order by lower(t.last_name), lower(t.first_names), p.id
    limit ${REASONS_LISTED}
  `.execute(tx);
  for (const row of changed.rows) {
    reasons.push(
      `${row.first_names} ${row.last_name}: the placement at ${row.label} was changed on ${formatIsoDate(today(new Date(row.updated_at)))}`,
    );
  }
  const more = changed.rows.length ? Number(changed.rows[0].n) - changed.rows.length : 0;
  if (more > 0) reasons.push(`${more} more ${more === 1 ? 'placement was' : 'placements were'} changed too`);
  if (reasons.length > 0) return reasons;
  await sql`
    with removed as (
      delete from placements
      where added_by_upload = ${uploadId} and provider_id = ${actor.organisation.id}
      returning trainee_id, provider_id, school_urn, school_name, school_postcode, start_date, created_at
    )
    insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
    select ${actor.userId}::uuid, ${actorIds(actor).actorOrganisationId}::uuid, r.provider_id, 'trainee', r.trainee_id::text,
      'placements removed',
      jsonb_build_object('placements', jsonb_build_object('from', string_agg(
        ${placementLabelSql('r', 's')} || coalesce(', starting ' || to_char(r.start_date, 'YYYY-MM-DD'), ''),
        '; ' order by r.created_at))),
      ${via}
    from removed r
    left join schools s on s.urn = r.school_urn
    group by r.trainee_id, r.provider_id
    order by r.trainee_id
  `.execute(tx);
  return [];
}

export function describePlacements(change: PlacementsChange): ReviewLine {
  return {
    group: trainingRoute(change.r).name,
    title: change.n,
    details: [
      ...(change.trn ? [`TRN ${change.trn}`] : []),
      ...change.p.map((p) => `Placement at ${p.l}${p.d ? `, starting ${formatIsoDate(p.d)}` : ''}`),
    ],
  };
}
