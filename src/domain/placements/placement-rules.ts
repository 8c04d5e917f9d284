// The rules of a placement's school and of identical placements, each written once: in JavaScript,
// for checking a whole file in memory, and in SQL, for the database; with how a placement is named,
// and the set-based look-ups that many placements are checked against. Pages, the bulk upload
// kinds and their submissions all use these.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { normaliseUrn, notAUrnMessage } from '../identifiers.ts';
import type { Actor } from '../organisations/actor.ts';

/** Where and when: a school of the register by URN, or a school without one by name and postcode. */
export interface PlacementDetails {
  urn: string | null;
  schoolName: string | null;
  postcode: string | null;
  startDate: string | null;
  endDate: string | null;
}

/** The longest name accepted for a school without a URN. */
export const SCHOOL_NAME_MAX_LENGTH = 200;

/** A school name as stored: trimmed, runs of spaces made one. */
export function tidySchoolName(name: string): string {
  return name.trim().replace(/\s+/g, ' ');
}

export const DUPLICATE_PLACEMENT_MESSAGE =
  'This trainee already has a placement at this school with the same dates. Change the school or the dates, or go back: there is nothing to add';

/** A school of the register, as a placement names it. */
export interface RegisterSchool {
  name: string;
  postcode: string | null;
}

/**
 * The school a placement's URN names, from schools of the register looked up beforehand; or what
 * is wrong with the URN, starting in lower case (callers put the field's name or a capital
 * before it). `otherwise` says what to do instead when no school in the register has the URN.
 */
export function findPlacementSchool(
  urnText: string,
  schools: ReadonlyMap<string, RegisterSchool>,
  otherwise: string,
): { urn: string; school: RegisterSchool } | { problem: string } {
  const urn = normaliseUrn(urnText);
  if (!urn) return { problem: notAUrnMessage(urnText) };
  const school = schools.get(urn);
  if (!school) return { problem: `there is no school with URN ${urn} in the register. ${otherwise}` };
  return { urn, school };
}

/**
 * Two placements of a trainee are identical when every detail is (the unique index
 * placements_not_identical): the same URN at other dates, or another site, is another placement
 * (split sites). This is the rule as a key, for checking a file in memory; identicalPlacementSql is
 * the same rule in SQL.
 */
export function placementKey(p: Omit<PlacementDetails, 'endDate'> & { endDate?: string | null }): string {
  return [p.urn ?? '', foldName(p.schoolName ?? ''), p.postcode ?? '', p.startDate ?? '', p.endDate ?? ''].join('|');
}

/**
 * A school name folded at least as far as the database's lower() folds it (the unique rule), so
 * two names it would count as the same are never both added: accents and marks dropped (İ, é),
 * final sigma as sigma, then lower case.
 */
function foldName(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replaceAll('ς', 'σ');
}

/** A placement's details as SQL expressions (columns of a relation, or parameters). */
export interface PlacementExpressions {
  traineeId: RawBuilder<unknown>;
  urn: RawBuilder<unknown>;
  schoolName: RawBuilder<unknown>;
  postcode: RawBuilder<unknown>;
  startDate: RawBuilder<unknown>;
  endDate: RawBuilder<unknown>;
}

/**
 * The identical rule in SQL: the recorded placement `recorded` (an alias of placements) has every
 * detail of `given`. Written with the unique index's own expressions, so the index can answer it.
 */
export function identicalPlacementSql(recorded: string, given: PlacementExpressions): RawBuilder<boolean> {
  const x = (column: string) => sql.ref(`${recorded}.${column}`);
  return sql<boolean>`${x('trainee_id')} = ${given.traineeId}
    and coalesce(${x('school_urn')}, '') = coalesce(${given.urn}, '')
    and coalesce(lower(${x('school_name')}), '') = coalesce(lower(${given.schoolName}), '')
    and coalesce(${x('school_postcode')}, '') = coalesce(${given.postcode}, '')
    and coalesce(${x('start_date')}, '-infinity'::date) = coalesce(${given.startDate}, '-infinity'::date)
    and coalesce(${x('end_date')}, '-infinity'::date) = coalesce(${given.endDate}, '-infinity'::date)`;
}

/**
 * How a placement's school is named on pages, review lines, messages and in the audit log: the
 * register's name and the URN, or the name and postcode of a school without one.
 */
export function placementLabel(school: { urn: string | null; name: string; postcode: string | null }): string {
  const where = school.urn ? `URN ${school.urn}` : school.postcode;
  return where ? `${school.name} (${where})` : school.name;
}

/** The same name in SQL, for a placement `p` joined to the register as `s`. */
export function placementLabelSql(p: string, s: string): RawBuilder<string> {
  const [placement, school] = [sql.ref(p), sql.ref(s)];
  return sql<string>`coalesce(${school}.name || ' (URN ' || ${placement}.school_urn || ')',
    ${placement}.school_name || ' (' || ${placement}.school_postcode || ')', 'URN ' || ${placement}.school_urn)`;
}

/** The schools of the register with these URNs: one query. */
export async function lookUpSchools(db: Kysely<DB>, urns: Iterable<string>): Promise<Map<string, RegisterSchool>> {
  const list = [...new Set(urns)];
  if (list.length === 0) return new Map();
  const rows = await db
    .selectFrom('schools')
    .select(['urn', 'name', 'postcode'])
    .where(sql<boolean>`urn = any(${list}::text[])`)
    .execute();
  return new Map(rows.map((row) => [row.urn, { name: row.name, postcode: row.postcode }]));
}

/** The placements the provider's trainees already have, as keys (placementKey) by trainee id: one query. */
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
      schoolName: row.school_name,
      postcode: row.school_postcode,
      startDate: row.start_date,
      endDate: row.end_date,
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
