// Trainees' school placements, one by one (pages) and many at once (bulk uploads): always read and
// changed within the provider that holds the trainee, and every change audited.
import { type Kysely, sql } from 'kysely';
import type { DB, Placement } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { type Changes, type NewEvent, recordEvents } from '../audit/events.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { normalisePostcode, normaliseUrn } from '../identifiers.ts';
import type { Actor, ActorOrSystem } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import { ValidationErrors } from '../organisations/users.ts';
import { isClosed } from '../schools/search.ts';

/** Where and when: a school of the register by URN, or a school without one by name and postcode. */
export interface PlacementDetails {
  urn: string | null;
  schoolName: string | null;
  postcode: string | null;
  startDate: string | null;
  endDate: string | null;
}

/** What a form or a row gives, before it is checked. */
export interface PlacementInput {
  urn?: string | null;
  schoolName?: string | null;
  postcode?: string | null;
  startDate?: string | null;
  endDate?: string | null;
}

/** A placement as pages show it: the school's name and postcode from the register where it has a URN. */
export interface PlacementView extends PlacementDetails {
  id: string;
  traineeId: string;
  version: number;
  /** The school as named in the register, or as typed for a school without a URN. */
  displayName: string;
  displayPostcode: string | null;
  /** The register says the school has closed. */
  closed: boolean;
  /** A URN that is no longer in the register (it was re-imported without it). */
  unknownUrn: boolean;
}

export const SCHOOL_NAME_MAX_LENGTH = 200;
const VIA_PAGE = 'trainee page';

export const DUPLICATE_PLACEMENT_MESSAGE =
  'This trainee already has a placement at this school with the same dates. Change the school or the dates, or go back: there is nothing to add';

const text = (value: string | null | undefined) => (value ?? '').trim();

/** The provider an actor acts for; anyone else has no trainees, so no placements. */
function providerId(actor: Actor): string {
  if (actor.organisation.type !== 'provider') throw new NotFoundError('Page');
  return actor.organisation.id;
}

/** The school of a placement in one line, as pages and the audit log name it. */
export function placementSchoolText(placement: Pick<PlacementView, 'displayName' | 'urn' | 'displayPostcode'>) {
  const where = placement.urn ? `URN ${placement.urn}` : placement.displayPostcode;
  return where ? `${placement.displayName} (${where})` : placement.displayName;
}

/**
 * Checks what was given and returns it normalised (postcode upper case with one space), or throws
 * ValidationErrors with one message per field. A URN must be a school in the register.
 */
export async function checkPlacementDetails(db: Kysely<DB>, input: PlacementInput): Promise<PlacementDetails> {
  const errors: DomainError[] = [];
  const urnText = text(input.urn);
  let urn: string | null = null;
  let schoolName: string | null = null;
  let postcode: string | null = null;
  if (urnText) {
    urn = normaliseUrn(urnText) ?? null;
    if (!urn) {
      errors.push(new DomainError(`“${urnText}” is not a URN. A URN is 6 digits, like 100001`, 'urn'));
    } else {
      const known = await db.selectFrom('schools').select('urn').where('urn', '=', urn).executeTakeFirst();
      if (!known) {
        errors.push(
          new DomainError(
            `There is no school with URN ${urn} in the register. Search for the school again, or enter a school without a URN`,
            'urn',
          ),
        );
      }
    }
  } else {
    schoolName = text(input.schoolName).replace(/\s+/g, ' ');
    const postcodeText = text(input.postcode);
    if (!schoolName) errors.push(new DomainError('Enter the school’s name', 'schoolName'));
    else if (schoolName.length > SCHOOL_NAME_MAX_LENGTH) {
      errors.push(
        new DomainError(`Enter a school name of ${SCHOOL_NAME_MAX_LENGTH} characters or fewer`, 'schoolName'),
      );
    }
    if (!postcodeText) errors.push(new DomainError('Enter the school’s postcode', 'postcode'));
    else {
      postcode = normalisePostcode(postcodeText) ?? null;
      if (!postcode) errors.push(new DomainError('Enter a full UK postcode, like SW1A 1AA', 'postcode'));
    }
  }
  const startDate = input.startDate ?? null;
  const endDate = input.endDate ?? null;
  if (startDate && endDate && endDate < startDate) {
    errors.push(new DomainError('The end date must be the same as or after the start date', 'endDate'));
  }
  if (errors.length) throw new ValidationErrors(errors);
  return { urn, schoolName, postcode, startDate, endDate };
}

/** The trainee's id when it is one of the actor's provider's trainees; otherwise not found. */
async function ownTrainee(db: Kysely<DB>, actor: Actor, traineeId: string): Promise<string> {
  const trainee = isUuid(traineeId)
    ? await db
        .selectFrom('trainees')
        .select('id')
        .where('id', '=', traineeId)
        .where('provider_id', '=', providerId(actor))
        .executeTakeFirst()
    : undefined;
  if (!trainee) throw new NotFoundError('Trainee');
  return trainee.id;
}

function placementsOf(db: Kysely<DB>, actor: Actor) {
  return db
    .selectFrom('placements')
    .innerJoin('trainees', 'trainees.id', 'placements.trainee_id')
    .leftJoin('schools', 'schools.urn', 'placements.school_urn')
    .selectAll('placements')
    .select(['schools.name as register_name', 'schools.postcode as register_postcode', 'schools.status'])
    .where('trainees.provider_id', '=', providerId(actor));
}

type PlacementRow = Placement & {
  register_name: string | null;
  register_postcode: string | null;
  status: string | null;
};

function toView(row: PlacementRow): PlacementView {
  const unknownUrn = Boolean(row.school_urn && !row.register_name);
  return {
    id: row.id,
    traineeId: row.trainee_id,
    version: row.version,
    urn: row.school_urn,
    schoolName: row.school_name,
    postcode: row.school_postcode,
    startDate: row.start_date,
    endDate: row.end_date,
    displayName: row.school_urn ? (row.register_name ?? 'A school no longer in the register') : (row.school_name ?? ''),
    displayPostcode: row.school_urn ? row.register_postcode : row.school_postcode,
    closed: isClosed(row.status),
    unknownUrn,
  };
}

/** A trainee's placements, in the order they were added. */
export async function listPlacements(db: Kysely<DB>, actor: Actor, traineeId: string): Promise<PlacementView[]> {
  const id = await ownTrainee(db, actor, traineeId);
  const rows = await placementsOf(db, actor)
    .where('placements.trainee_id', '=', id)
    .orderBy('placements.created_at')
    .orderBy('placements.id')
    .execute();
  return rows.map(toView);
}

export async function findPlacement(
  db: Kysely<DB>,
  actor: Actor,
  traineeId: string,
  placementId: string,
): Promise<PlacementView> {
  const row =
    isUuid(traineeId) && isUuid(placementId)
      ? await placementsOf(db, actor)
          .where('placements.trainee_id', '=', traineeId)
          .where('placements.id', '=', placementId)
          .executeTakeFirst()
      : undefined;
  if (!row) throw new NotFoundError('Placement');
  return toView(row);
}

/** True when the trainee already has a placement with exactly these details (other than `except`). */
async function isDuplicate(
  db: Kysely<DB>,
  traineeId: string,
  details: PlacementDetails,
  except?: string,
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    select id from placements
    where trainee_id = ${traineeId}
      and school_urn is not distinct from ${details.urn}
      and lower(school_name) is not distinct from lower(${details.schoolName}::text)
      and school_postcode is not distinct from ${details.postcode}
      and start_date is not distinct from ${details.startDate}::date
      and end_date is not distinct from ${details.endDate}::date
      ${except ? sql`and id <> ${except}` : sql``}
    limit 1
  `.execute(db);
  return rows.length > 0;
}

const FIELDS: [keyof PlacementDetails, string][] = [
  ['urn', 'school_urn'],
  ['schoolName', 'school_name'],
  ['postcode', 'school_postcode'],
  ['startDate', 'start_date'],
  ['endDate', 'end_date'],
];

/** The audit log's from → to for each detail that differs (a new placement has only `to`s). */
function detailChanges(from: PlacementDetails | null, to: PlacementDetails | null): Changes {
  const changes: Changes = {};
  for (const [key, column] of FIELDS) {
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

/** A placement to add in bulk: the trainee must already be known to belong to the provider. */
export interface NewPlacement extends PlacementDetails {
  traineeId: string;
  providerId: string;
  /** The upload that adds it, so that undoing the upload removes exactly these. */
  addedByUpload?: string | null;
}

const INSERT_BATCH = 5_000;

/**
 * Adds placements set-based, one statement per batch, with an audit event for each added
 * ('placement added' on the trainee). One identical to a placement the trainee already has is
 * left out, not an error. Returns the ids of those added, with their trainees.
 */
export async function insertPlacements(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  placements: NewPlacement[],
  via: string,
): Promise<{ id: string; traineeId: string }[]> {
  const added: { id: string; traineeId: string }[] = [];
  for (let start = 0; start < placements.length; start += INSERT_BATCH) {
    const batch = placements.slice(start, start + INSERT_BATCH);
    const col = <K extends keyof NewPlacement>(key: K) => batch.map((p) => p[key] ?? null);
    const { rows } = await sql<{
      id: string;
      trainee_id: string;
      provider_id: string;
      school_urn: string | null;
      school_name: string | null;
      school_postcode: string | null;
      start_date: string | null;
      end_date: string | null;
    }>`
      insert into placements (trainee_id, provider_id, school_urn, school_name, school_postcode, start_date, end_date,
        added_by_upload)
      select * from unnest(
        ${col('traineeId')}::uuid[], ${col('providerId')}::uuid[], ${col('urn')}::text[], ${col('schoolName')}::text[],
        ${col('postcode')}::text[], ${col('startDate')}::date[], ${col('endDate')}::date[], ${col('addedByUpload')}::uuid[]
      )
      on conflict do nothing
      returning id, trainee_id, provider_id, school_urn, school_name, school_postcode, start_date, end_date
    `.execute(db);
    const events: NewEvent[] = rows.map((row) => ({
      organisationId: row.provider_id,
      subjectType: 'trainee',
      subjectId: row.trainee_id,
      action: 'placement added',
      changes: {
        placement_id: { to: row.id },
        ...detailChanges(null, {
          urn: row.school_urn,
          schoolName: row.school_name,
          postcode: row.school_postcode,
          startDate: row.start_date,
          endDate: row.end_date,
        }),
      },
    }));
    await recordEvents(db, actor, via, events);
    added.push(...rows.map((row) => ({ id: row.id, traineeId: row.trainee_id })));
  }
  return added;
}

/** Adds one placement to one of the provider's trainees. An exact duplicate is refused. */
export async function addPlacement(
  db: Kysely<DB>,
  actor: Actor,
  traineeId: string,
  input: PlacementInput,
  via = VIA_PAGE,
): Promise<string> {
  return inTransaction(db, async (tx) => {
    const id = await ownTrainee(tx, actor, traineeId);
    const details = await checkPlacementDetails(tx, input);
    if (await isDuplicate(tx, id, details)) throw new DomainError(DUPLICATE_PLACEMENT_MESSAGE, 'form');
    const [added] = await insertPlacements(
      tx,
      actor,
      [{ ...details, traineeId: id, providerId: providerId(actor) }],
      via,
    );
    // Only a placement added at the same moment could make it a duplicate now.
    if (!added) throw new DomainError(DUPLICATE_PLACEMENT_MESSAGE, 'form');
    return added.id;
  });
}

/**
 * Changes a placement's school or dates. Its version goes up and updated_at moves on, so a bulk
 * undo can tell that it has changed since it was added. Nothing different: nothing written.
 */
export async function changePlacement(
  db: Kysely<DB>,
  actor: Actor,
  traineeId: string,
  placementId: string,
  input: PlacementInput,
  via = VIA_PAGE,
): Promise<{ changed: boolean }> {
  return inTransaction(db, async (tx) => {
    const current = await findPlacement(tx, actor, traineeId, placementId);
    const details = await checkPlacementDetails(tx, input);
    const changes = detailChanges(current, details);
    if (Object.keys(changes).length === 0) return { changed: false };
    if (await isDuplicate(tx, current.traineeId, details, current.id)) {
      throw new DomainError(DUPLICATE_PLACEMENT_MESSAGE, 'form');
    }
    const updated = await tx
      .updateTable('placements')
      .set((eb) => ({
        school_urn: details.urn,
        school_name: details.schoolName,
        school_postcode: details.postcode,
        start_date: details.startDate,
        end_date: details.endDate,
        version: eb('version', '+', 1),
        updated_at: sql<Date>`now()`,
      }))
      .where('id', '=', current.id)
      .returning('id')
      .executeTakeFirst();
    // Removed meanwhile (by a colleague, or an upload's undo): nothing to change, nothing audited.
    if (!updated) throw new NotFoundError('Placement');
    await recordEvents(tx, actor, via, [
      {
        organisationId: providerId(actor),
        subjectType: 'trainee',
        subjectId: current.traineeId,
        action: 'placement changed',
        changes: { placement_id: { from: current.id, to: current.id }, ...changes },
      },
    ]);
    return { changed: true };
  });
}

export async function removePlacement(
  db: Kysely<DB>,
  actor: Actor,
  traineeId: string,
  placementId: string,
  via = VIA_PAGE,
): Promise<PlacementView> {
  return inTransaction(db, async (tx) => {
    const current = await findPlacement(tx, actor, traineeId, placementId);
    const removed = await tx.deleteFrom('placements').where('id', '=', current.id).returning('id').executeTakeFirst();
    if (!removed) throw new NotFoundError('Placement');
    await recordEvents(tx, actor, via, [
      {
        organisationId: providerId(actor),
        subjectType: 'trainee',
        subjectId: current.traineeId,
        action: 'placement removed',
        changes: { placement_id: { from: current.id }, ...detailChanges(current, null) },
      },
    ]);
    return current;
  });
}
