// What the two placement kinds (placements, hesa-placements) share: the schools and the recorded
// placements a file is checked against (one query each), the rule for an identical placement, and
// the set-based commit and undo from the staged rows, with their audit events.
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { formatIsoDate } from '../../domain/dates.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import type { CommitContext, ReviewLine } from './kind.ts';

/** One placement to add, as staged in upload_rows.change (short keys: 100,000 rows of them). */
export interface StagedPlacement {
  /** The register's URN, or null for a school without one. */
  urn: string | null;
  /** For a school without a URN: its name and postcode, as stored. */
  school: string | null;
  postcode: string | null;
  start: string | null;
  /** How the review page names the school. */
  label: string;
}

/** The staged change of a row: one trainee, the placements it adds. */
export interface PlacementsChange {
  traineeId: string;
  name: string;
  trn: string;
  route: string;
  placements: StagedPlacement[];
}

export interface RegisterSchool {
  name: string;
  postcode: string | null;
}

/**
 * Two placements are identical when every detail is (the database's own unique rule): the same
 * URN at another site, or with other dates, is a different placement (split sites).
 */
export function placementKey(p: {
  urn: string | null;
  school: string | null;
  postcode: string | null;
  start: string | null;
  end?: string | null;
}): string {
  return [p.urn ?? '', (p.school ?? '').toLowerCase(), p.postcode ?? '', p.start ?? '', p.end ?? ''].join('|');
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

/** How a staged placement is named on the review page and in messages. */
export function placementLabel(urn: string | null, school: RegisterSchool | string, postcode?: string | null): string {
  if (typeof school === 'string') return `${school} (${postcode})`;
  return `${school.name} (URN ${urn})`;
}

/**
 * The staged placements as a relation n(trainee_id, row_number, position, urn, school, postcode,
 * start), read in SQL: position is the placement's place within its row.
 */
function stagedPlacements(uploadId: string) {
  return sql`(
    select (u.change->>'traineeId')::uuid as trainee_id, u.row_number, u.change->>'name' as name,
      p.urn, p.school, p.postcode, p.start, p.label, p.position
    from upload_rows u
    cross join lateral rows from (jsonb_to_recordset(u.change->'placements')
      as (urn text, school text, postcode text, start date, label text))
      with ordinality as p(urn, school, postcode, start, label, position)
    where u.upload_id = ${uploadId} and u.outcome = 'change'
  )`;
}

/**
 * In the commit transaction: rows whose trainee has gone, or which would add a placement that
 * has been recorded (identically) since the file was checked.
 */
export async function recheckPlacements(tx: Transaction<DB>, { actor, uploadId }: CommitContext) {
  const { rows } = await sql<{ row_number: number; name: string; gone: boolean; label: string | null }>`
    select n.row_number, n.name, t.id is null as gone, min(n.label) as label
    from ${stagedPlacements(uploadId)} as n
    left join trainees t on t.id = n.trainee_id and t.provider_id = ${actor.organisation.id}
    where t.id is null or exists (
      select 1 from placements x
      where x.trainee_id = n.trainee_id
        and coalesce(x.school_urn, '') = coalesce(n.urn, '')
        and coalesce(lower(x.school_name), '') = coalesce(lower(n.school), '')
        and coalesce(x.school_postcode, '') = coalesce(n.postcode, '')
        and coalesce(x.start_date, '-infinity'::date) = coalesce(n.start, '-infinity'::date)
        and x.end_date is null)
    group by n.row_number, n.name, t.id
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

/**
 * In the commit transaction: adds every staged placement in one statement, marked with the
 * upload (so undo removes exactly these), with a 'placement added' event on each trainee, as
 * adding one on the trainee's page writes. All or nothing: if any could not be added (recorded
 * meanwhile), throws and the transaction rolls back.
 */
export async function addStagedPlacements(
  tx: Transaction<DB>,
  { actor, uploadId }: CommitContext,
  via: string,
): Promise<number> {
  const { rows } = await sql<{ expected: string; added: string }>`
    with new as (select * from ${stagedPlacements(uploadId)} as n),
    inserted as (
      insert into placements (trainee_id, provider_id, school_urn, school_name, school_postcode, start_date,
        added_by_upload, created_at, updated_at)
      select n.trainee_id, t.provider_id, n.urn, n.school, n.postcode, n.start, ${uploadId}::uuid, n.added_at,
        n.added_at
      -- A trainee's page lists placements in the order they were added: microseconds apart, they keep
      -- the file's order (row, then column; a row has at most 5) rather than the random order of their ids.
      from (select *, now() + (row_number * 10 + position) * interval '1 microsecond' as added_at from new) n
      join trainees t on t.id = n.trainee_id and t.provider_id = ${actor.organisation.id}
      on conflict do nothing
      returning id, trainee_id, provider_id, school_urn, school_name, school_postcode, start_date
    ),
    audit as (
      insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
      select ${actor.userId}::uuid, ${actor.organisation.id}::uuid, i.provider_id, 'trainee', i.trainee_id::text,
        'placement added', ${placementChanges('to')}, ${via}
      from inserted i
    )
    select (select count(*) from new) as expected, (select count(*) from inserted) as added
  `.execute(tx);
  const expected = Number(rows[0]?.expected ?? 0);
  const added = Number(rows[0]?.added ?? 0);
  if (added !== expected) {
    throw new Error(`${expected - added} of the placements could not be added: they were recorded meanwhile`);
  }
  return added;
}

/** An event's changes for a placement row `i`, added ('to') or removed ('from'). */
function placementChanges(direction: 'to' | 'from') {
  const side = sql.raw(`'${direction}'`);
  return sql`jsonb_strip_nulls(jsonb_build_object(
    'placement_id', jsonb_build_object(${side}, i.id),
    'school_urn', case when i.school_urn is null then null else jsonb_build_object(${side}, i.school_urn) end,
    'school_name', case when i.school_name is null then null else jsonb_build_object(${side}, i.school_name) end,
    'school_postcode', case when i.school_postcode is null then null else jsonb_build_object(${side}, i.school_postcode) end,
    'start_date', case when i.start_date is null then null else jsonb_build_object(${side}, i.start_date) end))`;
}

/** The most placements an undo refusal lists one by one. */
const REASONS_LISTED = 20;

/**
 * Undo: removes exactly the placements the upload added, with a 'placement removed' event each,
 * unless one of them has been changed since; then removes nothing and says which.
 */
export async function removeUploadedPlacements(
  tx: Transaction<DB>,
  { actor, uploadId }: CommitContext,
  via: string,
): Promise<string[]> {
  const changed = await sql<{ first_names: string; last_name: string; label: string; updated_at: Date; n: string }>`
    select t.first_names, t.last_name, p.updated_at,
      coalesce(s.name || ' (URN ' || p.school_urn || ')', p.school_name || ' (' || p.school_postcode || ')',
        'URN ' || p.school_urn) as label,
      count(*) over () as n
    from placements p
    join trainees t on t.id = p.trainee_id
    left join schools s on s.urn = p.school_urn
    where p.added_by_upload = ${uploadId} and p.provider_id = ${actor.organisation.id}
      and (p.version > 1 or p.updated_at > p.created_at)
    order by lower(t.last_name), lower(t.first_names), p.id
    limit ${REASONS_LISTED}
  `.execute(tx);
  if (changed.rows.length > 0) {
    const reasons = changed.rows.map(
      (row) =>
        `${row.first_names} ${row.last_name}: the placement at ${row.label} was changed on ${formatIsoDate(new Date(row.updated_at).toISOString().slice(0, 10))}`,
    );
    const more = Number(changed.rows[0].n) - changed.rows.length;
    if (more > 0) reasons.push(`${more} more ${more === 1 ? 'placement was' : 'placements were'} changed too`);
    return reasons;
  }
  await sql`
    with i as (
      delete from placements
      where added_by_upload = ${uploadId} and provider_id = ${actor.organisation.id}
      returning id, trainee_id, provider_id, school_urn, school_name, school_postcode, start_date
    )
    insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
    select ${actor.userId}::uuid, ${actor.organisation.id}::uuid, i.provider_id, 'trainee', i.trainee_id::text,
      'placement removed', ${placementChanges('from')}, ${via}
    from i
  `.execute(tx);
  return [];
}

export function describePlacements(change: PlacementsChange): ReviewLine {
  return {
    group: change.route,
    title: change.name,
    details: [
      ...(change.trn ? [`TRN ${change.trn}`] : []),
      ...change.placements.map(
        (p) => `Placement at ${p.label}${p.start ? `, starting ${formatIsoDate(p.start)}` : ''}`,
      ),
    ],
  };
}
