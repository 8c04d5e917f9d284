// Finding schools in the register by URN, name or postcode: one query, at most 25 matches, the
// best first. The register holds about 50,000 schools, small enough to scan, over names and
// postcodes folded once when stored (schools.search_name and search_postcode, migration 0008).

import { type Kysely, sql } from 'kysely';
import { containing, escapeLike } from '../../db/like.ts';
import type { DB } from '../../db/schema.ts';

export const SCHOOL_SEARCH_LIMIT = 25;
export const SCHOOL_SEARCH_MIN_LENGTH = 2;
const SCHOOL_SEARCH_MAX_LENGTH = 100;

export interface SchoolMatch {
  urn: string;
  name: string;
  postcode: string | null;
  phase: string | null;
  status: string | null;
  /** GIAS says "Closed" (or "Closed, but…"): still found, so old placements can be recorded. */
  closed: boolean;
}

// Accented letters and their plain ones, and apostrophes dropped: what typed text is folded with,
// the same as schools.search_name in migration 0008, so "St Aidans" finds "St Aidan’s" and
// "Bronte" "Brontë".
const ACCENTED = 'àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźżž';
const PLAIN = 'aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz';
const DROPPED = "'’‘`´ʼ";

function foldName(value: string): string {
  let folded = '';
  for (const char of value.toLowerCase()) {
    const at = ACCENTED.indexOf(char);
    if (at >= 0) folded += PLAIN[at];
    else if (!DROPPED.includes(char)) folded += char;
  }
  return folded.replace(/\s+/g, ' ').trim();
}

const foldedNameSql = sql.ref('search_name');
const compactPostcodeSql = sql.ref('search_postcode');

/** Why a search cannot be run (too short), or undefined when it can. */
export function schoolSearchProblem(query: string): string | undefined {
  if (query.trim().length < SCHOOL_SEARCH_MIN_LENGTH) {
    return `Enter at least ${SCHOOL_SEARCH_MIN_LENGTH} characters of the school’s name, its URN or its postcode`;
  }
  return undefined;
}

export function isClosed(status: string | null): boolean {
  return /^closed/i.test(status ?? '');
}

type SchoolRow = Omit<SchoolMatch, 'closed'>;
const toMatch = (row: SchoolRow): SchoolMatch => ({ ...row, closed: isClosed(row.status) });

/**
 * Schools whose URN is the query, whose postcode starts with it (spaces and case ignored), or
 * whose name contains it (case, accents and apostrophes ignored). Ranked: the URN, then postcodes,
 * then names starting with the query, then the rest by name. Open schools before closed ones.
 */
export async function searchSchools(db: Kysely<DB>, query: string): Promise<SchoolMatch[]> {
  const text = query.trim().slice(0, SCHOOL_SEARCH_MAX_LENGTH);
  if (schoolSearchProblem(text)) return [];
  const name = foldName(text);
  const compact = text.replace(/\s+/g, '').toUpperCase();
  // Only something shaped like the start of a postcode is looked for among postcodes.
  const postcode = /^[A-Z]{1,2}\d[A-Z\d]{0,4}$/.test(compact) ? compact : undefined;
  const urn = /^\d{6}$/.test(compact) ? compact : undefined;
  const { rows } = await sql<SchoolRow>`
    select urn, name, postcode, phase, status from schools
    where ${foldedNameSql} like ${containing(name)}
      ${urn ? sql`or urn = ${urn}` : sql``}
      ${postcode ? sql`or ${compactPostcodeSql} like ${`${postcode}%`}` : sql``}
    order by
      case
        when urn = ${urn ?? ''} then 0
        when ${postcode ? sql`${compactPostcodeSql} like ${`${postcode}%`}` : sql`false`} then 1
        when ${foldedNameSql} like ${`${escapeLike(name)}%`} then 2
        else 3
      end,
      coalesce(status, '') ilike 'closed%',
      lower(name), urn
    limit ${SCHOOL_SEARCH_LIMIT}
  `.execute(db);
  return rows.map(toMatch);
}

/** One school of the register by URN, or undefined. */
export async function findSchool(db: Kysely<DB>, urn: string): Promise<SchoolMatch | undefined> {
  const row = await db
    .selectFrom('schools')
    .select(['urn', 'name', 'postcode', 'phase', 'status'])
    .where('urn', '=', urn)
    .executeTakeFirst();
  return row ? toMatch(row) : undefined;
}
