// Placements a school offers to teacher training providers: added, changed and deleted by the
// school, assigned to one provider, and seen by that provider with the school's placement contact.

import { type Kysely, sql } from 'kysely';
import { containing } from '../../db/like.ts';
import type { DB, OfferedPlacement, Organisation, Phase, SchoolContact } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { type Changes, recordEvents } from '../audit/events.ts';
import { today } from '../dates.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { normalisePostcode } from '../identifiers.ts';
import type { Actor } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import { ValidationErrors } from '../organisations/users.ts';
import { addPlacement } from './placements.ts';
import { findSchoolContact, schoolOf } from './school-contacts.ts';
import { isSecondarySubject, isYearGroup } from './subjects.ts';

export const TERMS = [
  { code: 'autumn', name: 'Autumn term' },
  { code: 'spring', name: 'Spring term' },
  { code: 'summer', name: 'Summer term' },
] as const;
export type Term = (typeof TERMS)[number]['code'];
export const ANY_TIME = 'Any time in the academic year';

export const isTerm = (code: string): code is Term => TERMS.some((t) => t.code === code);

/** The school academic year a date falls in, named by its starting year: 1 September to 31 August. */
export function placementAcademicYear(isoDate: string = today()): number {
  const [year, month] = isoDate.split('-').map(Number);
  return month >= 9 ? year : year - 1;
}

/** Schools offer placements for this academic year and the next. */
export function offeredAcademicYears(isoDate: string = today()): [current: number, next: number] {
  const current = placementAcademicYear(isoDate);
  return [current, current + 1];
}

/**
 * The year a list of placements opens on: the current academic year, or the next when only the
 * next has placements, so that neither the school nor the provider lands on an empty year while
 * the other has some.
 */
export async function openingPlacementYear(db: Kysely<DB>, actor: Actor, now = today()): Promise<number> {
  const [current, next] = offeredAcademicYears(now);
  const column = actor.organisation.type === 'school' ? 'school_id' : 'provider_id';
  const rows = await db
    .selectFrom('offered_placements')
    .select('academic_year')
    .distinct()
    .where(column, '=', actor.organisation.id)
    .where('academic_year', 'in', [current, next])
    .execute();
  const years = new Set(rows.map((row) => row.academic_year));
  return !years.has(current) && years.has(next) ? next : current;
}

/** Terms in calendar order, without repeats; all three is the same as any time (stored as none). */
export function normaliseTerms(codes: readonly string[]): Term[] {
  const terms = TERMS.map((t) => t.code).filter((code) => codes.includes(code));
  return terms.length === TERMS.length ? [] : terms;
}

/** "Autumn term, Spring term", or "Any time in the academic year". */
export function termsText(terms: readonly string[]): string {
  const names = TERMS.filter((t) => terms.includes(t.code)).map((t) => t.name);
  return names.length ? names.join(', ') : ANY_TIME;
}

/** Refused because the school has no placement contact yet: providers would have nobody to email. */
export class PlacementContactRequired extends DomainError {
  constructor() {
    super('Add a placement contact before you add or change placements, so that providers know who to email');
    this.name = 'PlacementContactRequired';
  }
}

export async function requirePlacementContact(db: Kysely<DB>, schoolId: string): Promise<SchoolContact> {
  const contact = await findSchoolContact(db, schoolId);
  if (!contact) throw new PlacementContactRequired();
  return contact;
}

export interface OfferedPlacementInput {
  phase?: string;
  subject?: string;
  yearGroup?: string;
  academicYear?: string | number;
  terms?: readonly string[];
  anyTime?: boolean;
}

function validatePlacement(input: OfferedPlacementInput, years: readonly number[]) {
  const errors: DomainError[] = [];
  const phase = input.phase === 'primary' || input.phase === 'secondary' ? (input.phase as Phase) : undefined;
  let subject: string | null = null;
  let yearGroup: string | null = null;
  if (!phase) errors.push(new DomainError('Select whether the placement is in a primary or secondary phase', 'phase'));
  if (phase === 'secondary') {
    if (input.subject && isSecondarySubject(input.subject)) subject = input.subject;
    else errors.push(new DomainError('Select the subject the trainee would teach', 'subject'));
  }
  if (phase === 'primary') {
    if (input.yearGroup && isYearGroup(input.yearGroup)) yearGroup = input.yearGroup;
    else errors.push(new DomainError('Select the year group the trainee would teach', 'yearGroup'));
  }
  const academicYear = Number(input.academicYear);
  if (!years.includes(academicYear)) {
    errors.push(new DomainError('Select the academic year of the placement', 'academicYear'));
  }
  const chosen = (input.terms ?? []).filter(isTerm);
  if (input.anyTime && chosen.length) {
    errors.push(new DomainError('Select the terms, or any time in the academic year, but not both', 'terms'));
  } else if (!input.anyTime && !chosen.length) {
    errors.push(
      new DomainError('Select the terms the placement could be in, or any time in the academic year', 'terms'),
    );
  }
  if (errors.length || !phase) throw new ValidationErrors(errors);
  return { phase, subject, year_group: yearGroup, academic_year: academicYear, terms: normaliseTerms(chosen) };
}

const FIELDS = ['phase', 'subject', 'year_group', 'academic_year', 'terms', 'provider_id'] as const;

function changesBetween(before: Partial<OfferedPlacement> | undefined, after: Partial<OfferedPlacement>): Changes {
  const changes: Changes = {};
  for (const key of FIELDS) {
    if (!(key in after)) continue;
    if (JSON.stringify(before?.[key] ?? null) === JSON.stringify(after[key] ?? null)) continue;
    changes[key] = before ? { from: before[key] ?? null, to: after[key] ?? null } : { to: after[key] };
  }
  return changes;
}

async function lockSchoolPlacement(db: Kysely<DB>, schoolId: string, id: string): Promise<OfferedPlacement> {
  if (!isUuid(id)) throw new NotFoundError('Placement');
  const placement = await db
    .selectFrom('offered_placements')
    .selectAll()
    .where('id', '=', id)
    .where('school_id', '=', schoolId)
    .forUpdate()
    .executeTakeFirst();
  if (!placement) throw new NotFoundError('Placement');
  return placement;
}

const event = (schoolId: string, id: string, action: string, changes: Changes) => ({
  organisationId: schoolId,
  subjectType: 'offered placement',
  subjectId: id,
  action,
  changes,
});

export async function createOfferedPlacement(
  db: Kysely<DB>,
  actor: Actor,
  input: OfferedPlacementInput,
  now = today(),
): Promise<OfferedPlacement> {
  const schoolId = schoolOf(actor);
  return inTransaction(db, async (tx) => {
    await requirePlacementContact(tx, schoolId);
    const values = validatePlacement(input, offeredAcademicYears(now));
    const placement = await tx
      .insertInto('offered_placements')
      .values({ school_id: schoolId, ...values, created_by: actor.userId })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvents(tx, actor, 'page', [event(schoolId, placement.id, 'added', changesBetween(undefined, values))]);
    return placement;
  });
}

export async function updateOfferedPlacement(
  db: Kysely<DB>,
  actor: Actor,
  id: string,
  input: OfferedPlacementInput,
  now = today(),
): Promise<OfferedPlacement> {
  const schoolId = schoolOf(actor);
  return inTransaction(db, async (tx) => {
    const before = await lockSchoolPlacement(tx, schoolId, id);
    await requirePlacementContact(tx, schoolId);
    // A placement of an earlier year can keep its year; a new year must be one on offer.
    const years = [...new Set([...offeredAcademicYears(now), before.academic_year])];
    const values = validatePlacement(input, years);
    const changes = changesBetween(before, values);
    if (!Object.keys(changes).length) return before;
    const placement = await tx
      .updateTable('offered_placements')
      .set({ ...values, version: sql`version + 1`, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvents(tx, actor, 'page', [event(schoolId, id, 'changed', changes)]);
    return placement;
  });
}

/** Deletes a placement no provider has been assigned to. */
export async function deleteOfferedPlacement(db: Kysely<DB>, actor: Actor, id: string): Promise<void> {
  const schoolId = schoolOf(actor);
  await inTransaction(db, async (tx) => {
    const before = await lockSchoolPlacement(tx, schoolId, id);
    if (before.provider_id) {
      throw new DomainError('Remove the provider from this placement before you delete it');
    }
    await tx.deleteFrom('offered_placements').where('id', '=', id).where('provider_id', 'is', null).execute();
    const removed = Object.fromEntries(FIELDS.filter((f) => f !== 'provider_id').map((f) => [f, { from: before[f] }]));
    await recordEvents(tx, actor, 'page', [event(schoolId, id, 'deleted', removed)]);
  });
}

export interface PlacementWithProvider extends OfferedPlacement {
  provider_name: string | null;
}

/** The acting school's placements in one academic year, newest first. */
export async function listSchoolPlacements(
  db: Kysely<DB>,
  actor: Actor,
  academicYear: number,
): Promise<PlacementWithProvider[]> {
  return db
    .selectFrom('offered_placements')
    .leftJoin('organisations as provider', 'provider.id', 'offered_placements.provider_id')
    .selectAll('offered_placements')
    .select('provider.name as provider_name')
    .where('offered_placements.school_id', '=', schoolOf(actor))
    .where('offered_placements.academic_year', '=', academicYear)
    .orderBy('offered_placements.created_at', 'desc')
    .orderBy('offered_placements.id')
    .execute();
}

/** Years a list can show: the two on offer, and any other year the organisation has placements in. */
export async function placementYears(db: Kysely<DB>, actor: Actor, now = today()): Promise<number[]> {
  const column = actor.organisation.type === 'school' ? 'school_id' : 'provider_id';
  const rows = await db
    .selectFrom('offered_placements')
    .select('academic_year')
    .distinct()
    .where(column, '=', actor.organisation.id)
    .execute();
  return [...new Set([...offeredAcademicYears(now), ...rows.map((r) => r.academic_year)])].sort((a, b) => a - b);
}

export async function findSchoolPlacement(db: Kysely<DB>, actor: Actor, id: string): Promise<PlacementWithProvider> {
  const schoolId = schoolOf(actor);
  if (!isUuid(id)) throw new NotFoundError('Placement');
  const placement = await db
    .selectFrom('offered_placements')
    .leftJoin('organisations as provider', 'provider.id', 'offered_placements.provider_id')
    .selectAll('offered_placements')
    .select('provider.name as provider_name')
    .where('offered_placements.id', '=', id)
    .where('offered_placements.school_id', '=', schoolId)
    .executeTakeFirst();
  if (!placement) throw new NotFoundError('Placement');
  return placement;
}

export const PROVIDER_SEARCH_LIMIT = 25;

/**
 * Providers a school can assign a placement to, by part of the name, UKPRN or postcode (a whole
 * postcode, or its first part). Returns one more than the limit so a page can say there are more.
 */
export async function searchProviders(db: Kysely<DB>, query: string): Promise<Organisation[]> {
  const text = query.trim().slice(0, 100);
  if (!text) {
    throw new DomainError('Enter a provider’s name, UKPRN or postcode', 'q');
  }
  const like = containing(text);
  const compact = text.replace(/\s+/g, '').toUpperCase();
  const postcode = normalisePostcode(text);
  return db
    .selectFrom('organisations')
    .selectAll()
    .where('type', '=', 'provider')
    .where((eb) =>
      eb.or([
        eb('name', 'ilike', like),
        eb('ukprn', '=', compact),
        ...(postcode ? [eb('postcode', '=', postcode)] : []),
        // The outward code alone ("LS1") finds every provider in that district.
        ...(/^[A-Z]{1,2}\d[A-Z\d]?$/.test(compact) ? [eb('postcode', 'like', `${compact} %`)] : []),
      ]),
    )
    .orderBy('name')
    .limit(PROVIDER_SEARCH_LIMIT + 1)
    .execute();
}

export interface ProviderChange {
  placement: OfferedPlacement;
  /** The provider assigned now, if any. */
  provider: Organisation | undefined;
  /** The provider the placement was taken from, if any. */
  previous: Organisation | undefined;
  contact: SchoolContact;
  /** False when the placement was already assigned to this provider: nothing changed. */
  changed: boolean;
}

async function findProvider(db: Kysely<DB>, id: string | null): Promise<Organisation | undefined> {
  if (!id || !isUuid(id)) return undefined;
  return db
    .selectFrom('organisations')
    .selectAll()
    .where('id', '=', id)
    .where('type', '=', 'provider')
    .executeTakeFirst();
}

/** Assigns a placement to a provider, or to another one. The caller tells the providers' users. */
export async function assignProvider(
  db: Kysely<DB>,
  actor: Actor,
  id: string,
  providerId: string,
): Promise<ProviderChange> {
  const schoolId = schoolOf(actor);
  return inTransaction(db, async (tx) => {
    const before = await lockSchoolPlacement(tx, schoolId, id);
    const contact = await requirePlacementContact(tx, schoolId);
    const provider = await findProvider(tx, providerId);
    if (!provider) throw new DomainError('Select a provider from the list', 'providerId');
    if (before.provider_id === provider.id)
      return { placement: before, provider, previous: undefined, contact, changed: false };
    const placement = await tx
      .updateTable('offered_placements')
      .set({ provider_id: provider.id, version: sql`version + 1`, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const previous = await findProvider(tx, before.provider_id);
    await recordEvents(tx, actor, 'page', [
      event(schoolId, id, previous ? 'provider changed' : 'provider assigned', {
        provider: { ...(previous ? { from: previous.name } : {}), to: provider.name },
        provider_id: { ...(previous ? { from: previous.id } : {}), to: provider.id },
      }),
    ]);
    return { placement, provider, previous, contact, changed: true };
  });
}

export async function removeProvider(db: Kysely<DB>, actor: Actor, id: string): Promise<ProviderChange> {
  const schoolId = schoolOf(actor);
  return inTransaction(db, async (tx) => {
    const before = await lockSchoolPlacement(tx, schoolId, id);
    const contact = await requirePlacementContact(tx, schoolId);
    const previous = await findProvider(tx, before.provider_id);
    if (!previous) throw new DomainError('No provider is assigned to this placement');
    const placement = await tx
      .updateTable('offered_placements')
      .set({ provider_id: null, version: sql`version + 1`, updated_at: new Date() })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvents(tx, actor, 'page', [
      event(schoolId, id, 'provider removed', {
        provider: { from: previous.name },
        provider_id: { from: previous.id },
      }),
    ]);
    return { placement, provider: undefined, previous, contact, changed: true };
  });
}

export interface AssignedFilters {
  academicYear: number;
  schoolId?: string;
  /** A secondary subject's code, or 'primary' for every primary placement. */
  subject?: string;
  term?: Term;
}

export interface AssignedPlacement extends OfferedPlacement {
  school_name: string;
  school_urn: string | null;
}

function providerOf(actor: Actor): string {
  if (actor.organisation.type !== 'provider') throw new NotFoundError('Page');
  return actor.organisation.id;
}

/** The placements schools have assigned to the acting provider, filtered. */
export async function listAssignedPlacements(
  db: Kysely<DB>,
  actor: Actor,
  filters: AssignedFilters,
): Promise<AssignedPlacement[]> {
  let query = db
    .selectFrom('offered_placements')
    .innerJoin('organisations as school', 'school.id', 'offered_placements.school_id')
    .selectAll('offered_placements')
    .select(['school.name as school_name', 'school.urn as school_urn'])
    .where('offered_placements.provider_id', '=', providerOf(actor))
    .where('offered_placements.academic_year', '=', filters.academicYear);
  if (filters.schoolId && isUuid(filters.schoolId)) {
    query = query.where('offered_placements.school_id', '=', filters.schoolId);
  }
  if (filters.subject === 'primary') query = query.where('offered_placements.phase', '=', 'primary');
  else if (filters.subject) query = query.where('offered_placements.subject', '=', filters.subject);
  if (filters.term) {
    const term = filters.term;
    // A placement offered at any time in the year fits every term.
    query = query.where(
      (eb) =>
        sql<boolean>`(cardinality(${eb.ref('offered_placements.terms')}) = 0 or ${term} = any(${eb.ref('offered_placements.terms')}))`,
    );
  }
  return query.orderBy('school.name').orderBy('offered_placements.created_at').execute();
}

/** The schools that have assigned placements to the acting provider, for the filter. */
export async function assigningSchools(db: Kysely<DB>, actor: Actor) {
  return db
    .selectFrom('offered_placements')
    .innerJoin('organisations as school', 'school.id', 'offered_placements.school_id')
    .select(['school.id', 'school.name'])
    .distinct()
    .where('offered_placements.provider_id', '=', providerOf(actor))
    .orderBy('school.name')
    .execute();
}

export interface AssignedPlacementDetails extends AssignedPlacement {
  contact: SchoolContact | undefined;
  school_postcode: string | null;
  school_local_authority: string | null;
}

/** One placement assigned to the acting provider, with the school's contact; anything else is not found. */
export async function findAssignedPlacement(
  db: Kysely<DB>,
  actor: Actor,
  id: string,
): Promise<AssignedPlacementDetails> {
  const providerId = providerOf(actor);
  if (!isUuid(id)) throw new NotFoundError('Placement');
  const placement = await db
    .selectFrom('offered_placements')
    .innerJoin('organisations as school', 'school.id', 'offered_placements.school_id')
    .leftJoin('schools as register', 'register.urn', 'school.urn')
    .selectAll('offered_placements')
    .select([
      'school.name as school_name',
      'school.urn as school_urn',
      'register.postcode as school_postcode',
      'register.local_authority as school_local_authority',
    ])
    .where('offered_placements.id', '=', id)
    .where('offered_placements.provider_id', '=', providerId)
    .executeTakeFirst();
  if (!placement) throw new NotFoundError('Placement');
  return { ...placement, contact: await findSchoolContact(db, placement.school_id) };
}

/** How the audit log says a trainee's placement came from a school's offer (with its id). */
export const OFFERED_PLACEMENT_VIA = 'offered placement';

/**
 * Puts one of the provider's trainees on a placement a school has assigned to it: the trainee's
 * placement at that school is recorded by addPlacement, with its rules (a duplicate is refused) and
 * its audit event. Returns the new placement's id.
 */
export async function placeTraineeOnOfferedPlacement(
  db: Kysely<DB>,
  actor: Actor,
  offeredPlacementId: string,
  traineeId: string,
): Promise<{ placementId: string; placement: AssignedPlacementDetails }> {
  return inTransaction(db, async (tx) => {
    const placement = await findAssignedPlacement(tx, actor, offeredPlacementId);
    if (!placement.school_urn) {
      throw new DomainError(
        `${placement.school_name} has no URN in Rollbook, so its placement cannot be recorded on a trainee: add it from the trainee’s page instead`,
      );
    }
    const placementId = await addPlacement(
      tx,
      actor,
      traineeId,
      { urn: placement.school_urn },
      `${OFFERED_PLACEMENT_VIA} ${placement.id}`,
    );
    return { placementId, placement };
  });
}
