// Trainees' school placements, one by one (pages): always read and changed within the provider
// that holds the trainee, and every change audited. Adding goes through the same set-based
// operations as bulk uploads (placement-changes.ts), and the rules are those of placement-rules.ts.
import { randomUUID } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { DB, Placement } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { normalisePostcode, normaliseUrn } from '../identifiers.ts';
import type { Actor } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import { ValidationErrors } from '../organisations/users.ts';
import { isClosed } from '../schools/search.ts';
import { addPlacements, detailChanges, type NewPlacement, recheckPlacements } from './placement-changes.ts';
import {
  DUPLICATE_PLACEMENT_MESSAGE,
  findPlacementSchool,
  lookUpSchools,
  type PlacementDetails,
  placementLabel,
  SCHOOL_NAME_MAX_LENGTH,
  tidySchoolName,
} from './placement-rules.ts';

/** What a form gives, before it is checked. */
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

const VIA_PAGE = 'trainee page';

const text = (value: string | null | undefined) => (value ?? '').trim();

/** A message that starts a sentence on a page. */
const sentence = (message: string) => message.charAt(0).toUpperCase() + message.slice(1);

/** The provider an actor acts for; anyone else has no trainees, so no placements. */
function providerId(actor: Actor): string {
  if (actor.organisation.type !== 'provider') throw new NotFoundError('Page');
  return actor.organisation.id;
}

/** The school of a placement in one line, as pages and the audit log name it. */
export function placementSchoolText(placement: Pick<PlacementView, 'displayName' | 'urn' | 'displayPostcode'>) {
  return placementLabel({ urn: placement.urn, name: placement.displayName, postcode: placement.displayPostcode });
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
    const given = normaliseUrn(urnText);
    const found = findPlacementSchool(
      urnText,
      given ? await lookUpSchools(db, [given]) : new Map(),
      'Search for the school again, or enter a school without a URN',
    );
    if ('problem' in found) errors.push(new DomainError(sentence(found.problem), 'urn'));
    else urn = found.urn;
  } else {
    schoolName = tidySchoolName(text(input.schoolName));
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

/** Refuses a placement identical to another the trainee has (the one rule of recheckPlacements). */
async function refuseIdentical(tx: Transaction<DB>, actor: Actor, placement: NewPlacement): Promise<void> {
  const [refused] = await recheckPlacements(tx, actor, { items: [placement] });
  if (!refused) return;
  if (refused.traineeNotFound) throw new NotFoundError('Trainee');
  throw new DomainError(DUPLICATE_PLACEMENT_MESSAGE, 'form');
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
    const placement = { ...details, id: randomUUID(), traineeId: id, providerId: providerId(actor) };
    await refuseIdentical(tx, actor, placement);
    await addPlacements(tx, actor, { items: [placement] }, { via });
    return placement.id;
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
    await refuseIdentical(tx, actor, {
      ...details,
      id: current.id,
      traineeId: current.traineeId,
      providerId: providerId(actor),
    });
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
