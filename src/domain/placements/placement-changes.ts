// Adding, re-checking and removing placements, set-based: the one way placements are written,
// whether one from a trainee's page, a few hundred from demo data, or 200,000 from a bulk upload's
// staged rows. Each is a statement or two over the whole set, never a query per placement, with
// the audit events in the same transaction.
import { randomUUID } from 'node:crypto';
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { type Changes, type NewEvent, recordEvents } from '../audit/events.ts';
import { formatIsoDate, today } from '../dates.ts';
import { DomainError } from '../errors.ts';
import { type Actor, type ActorOrSystem, actorIds, SYSTEM } from '../organisations/actor.ts';
import {
  DUPLICATE_PLACEMENT_MESSAGE,
  identicalPlacementSql,
  type PlacementDetails,
  placementLabelSql,
} from './placement-rules.ts';

/** A placement to add: the caller has found the trainee within the provider. */
export interface NewPlacement extends PlacementDetails {
  /** Its id, when the caller needs to know it (or, re-checking a change, the placement changed). */
  id?: string;
  traineeId: string;
  providerId: string;
}

/**
 * One placement as an upload stages it, in upload_rows.change, read back in SQL by the submission
 * (stagedPlacementsOf). No key for an empty detail: a large file stages 200,000 of these.
 */
export interface StagedPlacement {
  /** The register's URN; none for a school without one. */
  urn?: string;
  /** For a school without a URN: its name and postcode, as stored. */
  schoolName?: string;
  postcode?: string;
  /** The start date, yyyy-mm-dd, when given. */
  startDate?: string;
  /** The end date, yyyy-mm-dd, when given. */
  endDate?: string;
  /** How the review page, messages and the audit log name the school (placementLabel). */
  label: string;
}

/** What an upload stages for a row: the trainee (their id, and name for messages) and the placements to add. */
export interface StagedPlacements {
  traineeId: string;
  traineeName: string;
  placements: StagedPlacement[];
}

/** A placement as staged: only the details it has. */
export function stagePlacement(details: PlacementDetails, label: string): StagedPlacement {
  const staged: StagedPlacement = { label };
  if (details.urn) staged.urn = details.urn;
  if (details.schoolName) staged.schoolName = details.schoolName;
  if (details.postcode) staged.postcode = details.postcode;
  if (details.startDate) staged.startDate = details.startDate;
  if (details.endDate) staged.endDate = details.endDate;
  return staged;
}

/** Where placements come from: a list (a page, demo data), or the staged rows of a checked upload. */
export type PlacementSource = { items: NewPlacement[] } | { uploadId: string };

/**
 * The given placements as a relation given(id, trainee_id, provider_id, row_number, position, urn,
 * school_name, postcode, start_date, end_date, label, trainee_name), read where they already are.
 * Each item is a row of its own, numbered from 1; an upload's row may give several placements
 * (position), and has no ids yet; only an upload's have a label and the trainee's name.
 */
function givenPlacements(source: PlacementSource, providerId: string | null): RawBuilder<unknown> {
  if ('items' in source) {
    const items = source.items;
    const column = <K extends keyof NewPlacement>(key: K) => items.map((item) => item[key] ?? null);
    return sql`(
      select item.id, item.trainee_id, item.provider_id, item.row_number::int as row_number, 1 as position,
        item.urn, item.school_name, item.postcode, item.start_date, item.end_date, null::text as label,
        null::text as trainee_name
      from unnest(
        ${column('id')}::uuid[], ${column('traineeId')}::uuid[], ${column('providerId')}::uuid[], ${column('urn')}::text[],
        ${column('schoolName')}::text[], ${column('postcode')}::text[], ${column('startDate')}::date[],
        ${column('endDate')}::date[]
      ) with ordinality as item(id, trainee_id, provider_id, urn, school_name, postcode, start_date, end_date, row_number)
    ) as given`;
  }
  return sql`(
    select null::uuid as id, (staged.change->>'traineeId')::uuid as trainee_id, ${providerId}::uuid as provider_id,
      staged.row_number, placement.position, placement.urn, placement.school_name, placement.postcode,
      placement.start_date, placement.end_date, placement.label, staged.change->>'traineeName' as trainee_name
    from ${stagedRows(source.uploadId)}
    cross join lateral ${stagedPlacementsOf('staged')}
  ) as given`;
}

/** An upload's staged rows that make a change, as `staged`. */
function stagedRows(uploadId: string): RawBuilder<unknown> {
  return sql`(select row_number, change from upload_rows where upload_id = ${uploadId} and outcome = 'change') as staged`;
}

/**
 * A staged row's placements (StagedPlacement, its JSON keys as they are) as a relation
 * placement(urn, school_name, postcode, start_date, end_date, label, position), for a lateral join.
 */
function stagedPlacementsOf(row: string): RawBuilder<unknown> {
  return sql`rows from (jsonb_to_recordset(${sql.ref(row)}.change->'placements') as ("urn" text, "schoolName" text,
      "postcode" text, "startDate" date, "endDate" date, "label" text))
    with ordinality as placement(urn, school_name, postcode, start_date, end_date, label, position)`;
}

/** The given placement's details, as the identical rule compares them. */
const GIVEN = {
  traineeId: sql`given.trainee_id`,
  urn: sql`given.urn`,
  schoolName: sql`given.school_name`,
  postcode: sql`given.postcode`,
  startDate: sql`given.start_date`,
  endDate: sql`given.end_date`,
};

/** Why a given placement cannot be added (now). */
export interface PlacementRefusal {
  /** The item's place in the list, from 1, or the upload's row number. */
  row: number;
  /** The trainee is gone, or is not the provider's. */
  traineeNotFound: boolean;
  /** An upload's: the trainee's name as checked, and how the placement identical to one recorded is named. */
  traineeName: string | null;
  label: string | null;
}

/**
 * Which given placements cannot be added now: the trainee is not the actor's provider's (any
 * more), or already has an identical placement (other than the one given, for a change). One
 * statement over the whole set, which the planner may answer by probing the unique rule's index
 * or by hashing the placements table once. Normally none.
 */
export async function recheckPlacements(
  tx: Transaction<DB>,
  actor: Actor,
  source: PlacementSource,
): Promise<PlacementRefusal[]> {
  if ('items' in source && source.items.length === 0) return [];
  const { rows } = await sql<{ row_number: number; name: string | null; gone: boolean; label: string | null }>`
    -- The refusals found first, then grouped: grouping all 200,000 given placements sorted them
    -- (spilling to disk) before the filter left none.
    with refused as materialized (
      select given.row_number, given.trainee_name, trainee.id is null as gone, given.label
      from ${givenPlacements(source, actor.organisation.id)}
      left join trainees trainee on trainee.id = given.trainee_id and trainee.provider_id = ${actor.organisation.id}
      where trainee.id is null or exists (
        select from placements recorded
        where ${identicalPlacementSql('recorded', GIVEN)} and recorded.id is distinct from given.id)
    )
    select row_number, min(trainee_name) as name, gone, min(label) as label
    from refused
    group by row_number, gone
    order by row_number
  `.execute(tx);
  return rows.map((row) => ({
    row: Number(row.row_number),
    traineeNotFound: row.gone,
    traineeName: row.name,
    label: row.label,
  }));
}

/** A placement identical to one being added was recorded meanwhile: nothing was added. */
export class IdenticalPlacementRecorded extends DomainError {
  constructor() {
    super(DUPLICATE_PLACEMENT_MESSAGE, 'form');
    this.name = 'IdenticalPlacementRecorded';
  }
}

/** A unique index refused a row: PostgreSQL's unique_violation. */
const isUniqueViolation = (error: unknown) => (error as { code?: unknown })?.code === '23505';

/** The audit log's from → to for each detail that differs (a new placement has only `to`s). */
export function detailChanges(from: PlacementDetails | null, to: PlacementDetails | null): Changes {
  const changes: Changes = {};
  for (const [key, column] of DETAIL_COLUMNS) {
    const before = from?.[key] ?? null;
    const after = to?.[key] ?? null;
    if (before === after) continue;
    changes[column] = {
      ...(from && before !== null ? { from: before } : {}),
      ...(to && after !== null ? { to: after } : {}),
    };
  }
  return changes;
}

const DETAIL_COLUMNS: [keyof PlacementDetails, string][] = [
  ['urn', 'school_urn'],
  ['schoolName', 'school_name'],
  ['postcode', 'school_postcode'],
  ['startDate', 'start_date'],
  ['endDate', 'end_date'],
];

/**
 * Adds every given placement in one INSERT … SELECT, after recheckPlacements (or the caller's own
 * finding of the trainees): an upload's marked with the upload (so undo removes exactly these),
 * in trainee order, each trainee's in the order given. Audited in the same transaction: one
 * 'placements added' event per trainee naming an upload's placements, or one 'placement added'
 * for each placement in a list. All or nothing: a placement identical to one recorded breaks the
 * unique rule, and IdenticalPlacementRecorded is thrown (the transaction must roll back). Returns
 * how many were added.
 */
export async function addPlacements(
  tx: Transaction<DB>,
  actor: ActorOrSystem,
  source: PlacementSource,
  { via }: { via: string },
): Promise<number> {
  let providerId: string | null = null;
  let uploadId: string | null = null;
  let items: NewPlacement[] = [];
  if ('items' in source) {
    items = source.items.map((item) => (item.id ? item : { ...item, id: randomUUID() }));
    if (items.length === 0) return 0;
  } else {
    if (actor === SYSTEM) throw new Error('An upload is always by someone acting for a provider');
    providerId = actor.organisation.id;
    uploadId = source.uploadId;
  }
  let added: number;
  try {
    const result = await sql`
      insert into placements (id, trainee_id, provider_id, school_urn, school_name, school_postcode, start_date,
        end_date, added_by_upload, created_at, updated_at)
      -- In trainee order, an upload's ids counting up under one random prefix, so that both the unique
      -- rule's index and the primary key are written in order rather than at 200,000 random places.
      -- A trainee's page lists placements in the order they were added: microseconds apart, they keep
      -- the order given (an upload's row, then column; a row has at most 5).
      select coalesce(given.id, (run.prefix || lpad(to_hex(row_number() over (order by given.trainee_id, given.row_number, given.position)), 12, '0'))::uuid),
        given.trainee_id, given.provider_id, given.urn, given.school_name, given.postcode, given.start_date,
        given.end_date, ${uploadId}::uuid,
        now() + (given.row_number * 10 + given.position) * interval '1 microsecond',
        now() + (given.row_number * 10 + given.position) * interval '1 microsecond'
      from ${givenPlacements('items' in source ? { items } : source, providerId)}
      cross join (select substr(gen_random_uuid()::text, 1, 24) as prefix) run
      order by given.trainee_id, given.row_number, given.position
    `.execute(tx);
    added = Number(result.numAffectedRows ?? 0);
  } catch (error) {
    if (isUniqueViolation(error)) throw new IdenticalPlacementRecorded();
    throw error;
  }
  if (uploadId === null) {
    const events: NewEvent[] = items.map((item) => ({
      organisationId: item.providerId,
      subjectType: 'trainee',
      subjectId: item.traineeId,
      action: 'placement added',
      changes: { placement_id: { to: item.id }, ...detailChanges(null, item) },
    }));
    await recordEvents(tx, actor, via, events);
    return added;
  }
  await sql`
    insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
    select ${actorIds(actor).actorUserId}::uuid, ${actorIds(actor).actorOrganisationId}::uuid, ${providerId}::uuid, 'trainee',
      per_row.trainee_id, 'placements added',
      jsonb_build_object('placements', jsonb_build_object('to', string_agg(per_row.placements, '; ' order by per_row.row_number))),
      ${via}
    from (
      select staged.change->>'traineeId' as trainee_id, staged.row_number, (
        select string_agg(placement.label || coalesce(', starting ' || to_char(placement.start_date, 'YYYY-MM-DD'), '')
          || coalesce(', ending ' || to_char(placement.end_date, 'YYYY-MM-DD'), ''), '; ' order by placement.position)
        from ${stagedPlacementsOf('staged')}
      ) as placements
      from ${stagedRows(uploadId)}
    ) per_row
    -- One event per trainee, even when a file gives them in several rows; written in trainee order.
    group by per_row.trainee_id
    order by per_row.trainee_id
  `.execute(tx);
  return added;
}

/** The most placements a refusal to remove an upload's placements lists one by one. */
const REASONS_LISTED = 20;

/**
 * Placements the upload added that have been removed since (on trainees' pages): a change too, so
 * removing the rest is refused. Counted against the upload's staged placements, while they are kept.
 */
async function removedSince(tx: Transaction<DB>, uploadId: string, remaining: number): Promise<string[]> {
  const { rows } = await sql<{ added: number }>`
    select coalesce(sum(jsonb_array_length(change->'placements')), 0)::int as added
    from upload_rows where upload_id = ${uploadId} and outcome = 'change'
  `.execute(tx);
  const removed = (rows[0]?.added ?? 0) - remaining;
  if (removed <= 0) return [];
  return [
    `${removed} ${removed === 1 ? 'placement' : 'placements'} this upload added ${removed === 1 ? 'has' : 'have'} been removed since`,
  ];
}

/**
 * Removes exactly the placements an upload added, with one 'placements removed' event per trainee
 * naming them, unless one of them has been changed (changePlacement moves its version and
 * updated_at on) or removed since: then removes nothing and returns which, one line each.
 */
export async function removeUploadedPlacements(
  tx: Transaction<DB>,
  actor: Actor,
  uploadId: string,
  { via }: { via: string },
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
      returning trainee_id, provider_id, school_urn, school_name, school_postcode, start_date, end_date, created_at
    )
    insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
    select ${actor.userId}::uuid, ${actorIds(actor).actorOrganisationId}::uuid, r.provider_id, 'trainee', r.trainee_id::text,
      'placements removed',
      jsonb_build_object('placements', jsonb_build_object('from', string_agg(
        ${placementLabelSql('r', 's')} || coalesce(', starting ' || to_char(r.start_date, 'YYYY-MM-DD'), '')
          || coalesce(', ending ' || to_char(r.end_date, 'YYYY-MM-DD'), ''),
        '; ' order by r.created_at))),
      ${via}
    from removed r
    left join schools s on s.urn = r.school_urn
    group by r.trainee_id, r.provider_id
    order by r.trainee_id
  `.execute(tx);
  return [];
}

/** How many placements an upload added are still recorded, and for how many trainees: what undoing it would remove. */
export async function countUploadedPlacements(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
): Promise<{ placements: number; trainees: number }> {
  const { rows } = await sql<{ placements: number; trainees: number }>`
    select count(*)::int as placements, count(distinct trainee_id)::int as trainees
    from placements where added_by_upload = ${uploadId} and provider_id = ${actor.organisation.id}
  `.execute(db);
  return rows[0] ?? { placements: 0, trainees: 0 };
}
