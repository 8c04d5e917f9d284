// A school's learners: found within the school only (another school's learner, or a UPN known
// only at another school, is not found), searched by name, UPN or admission number.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { escapeLike } from '../../db/like.ts';
import type { DB, Learner } from '../../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import type { Actor } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import { yearGroupOrder } from './year-groups.ts';

/** A learner of the actor's school, by id; NotFoundError for any other. */
export async function findLearner(db: Kysely<DB>, actor: Actor, learnerId: string): Promise<Learner> {
  if (!isUuid(learnerId)) throw new NotFoundError('Learner');
  const learner = await db
    .selectFrom('learners')
    .selectAll()
    .where('id', '=', learnerId)
    .where('school_id', '=', actor.organisation.id)
    .executeTakeFirst();
  if (!learner) throw new NotFoundError('Learner');
  return learner;
}

/** A learner of this school by UPN (upper case, spaces ignored); undefined for none. */
export async function findLearnerByUpn(db: Kysely<DB>, schoolId: string, upn: string): Promise<Learner | undefined> {
  return db
    .selectFrom('learners')
    .selectAll()
    .where('school_id', '=', schoolId)
    .where('upn', '=', upn.replace(/\s/g, '').toUpperCase())
    .executeTakeFirst();
}

/** The most learners a search lists. */
export const LEARNER_SEARCH_LIMIT = 50;

/**
 * The school's learners matching a search: a whole UPN or admission number, or the start of a
 * first name or surname (or both, "Ada Lovelace"). In surname order, at most LEARNER_SEARCH_LIMIT.
 */
export async function searchLearners(db: Kysely<DB>, actor: Actor, query: string): Promise<Learner[]> {
  const text = query.trim().toLowerCase().slice(0, 100);
  if (!text) return [];
  const words = text.split(/\s+/);
  const nameMatches = words.map(
    (word) =>
      sql<boolean>`(lower(first_name) like ${`${escapeLike(word)}%`} or lower(surname) like ${`${escapeLike(word)}%`})`,
  );
  const learners = await db
    .selectFrom('learners')
    .selectAll()
    .where('school_id', '=', actor.organisation.id)
    .where((eb) =>
      eb.or([
        eb('upn', '=', text.replace(/\s/g, '').toUpperCase()),
        eb(sql`lower(admission_number)`, '=', text),
        eb.and(nameMatches),
      ]),
    )
    .orderBy(sql`lower(surname)`)
    .orderBy(sql`lower(first_name)`)
    .orderBy('upn')
    .limit(LEARNER_SEARCH_LIMIT)
    .execute();
  return learners;
}

/** How many learners the school has in each year group, in year order. */
export async function countLearnersByYearGroup(
  db: Kysely<DB>,
  schoolId: string,
): Promise<{ yearGroup: string; count: number }[]> {
  const rows = await db
    .selectFrom('learners')
    .select(['year_group', (eb) => eb.fn.countAll<string>().as('count')])
    .where('school_id', '=', schoolId)
    .groupBy('year_group')
    .execute();
  return rows
    .map((row) => ({ yearGroup: row.year_group, count: Number(row.count) }))
    .sort((a, b) => yearGroupOrder(a.yearGroup) - yearGroupOrder(b.yearGroup));
}

/**
 * The learners a school admin chose for letters or invitations: one learner (by id, of the
 * actor's school only), a year group, or 'all'; with `withEmail`, only those with an address.
 */
export async function chosenLearnerIds(
  db: Kysely<DB>,
  actor: Actor,
  { learnerId, yearGroup, withEmail = false }: { learnerId?: string; yearGroup?: string; withEmail?: boolean },
): Promise<string[]> {
  if (learnerId) return [(await findLearner(db, actor, learnerId)).id];
  if (!yearGroup) return [];
  let query = db.selectFrom('learners').select('id').where('school_id', '=', actor.organisation.id);
  if (withEmail) query = query.where('email', 'is not', null);
  if (yearGroup !== 'all') query = query.where('year_group', '=', yearGroup);
  return (await query.execute()).map((row) => row.id);
}
