// Failed sign-ins are counted in the database, so every web process sees the same counts.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';

export const THROTTLE_WINDOW_MINUTES = 15;
/** Failures allowed for one account, and from one address, within the window. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

export async function isThrottled(db: Kysely<DB>, email: string, address: string): Promise<boolean> {
  const since = new Date(Date.now() - THROTTLE_WINDOW_MINUTES * 60_000);
  const { account, fromAddress } = await db
    .selectFrom('sign_in_attempts')
    .select([
      // An account's count restarts at its last successful sign-in.
      sql<string>`count(*) filter (
        where email = ${email} and not succeeded and attempted_at > coalesce(
          (select max(attempted_at) from sign_in_attempts where email = ${email} and succeeded), ${since}::timestamptz))`.as(
        'account',
      ),
      sql<string>`count(*) filter (where address = ${address} and not succeeded)`.as('fromAddress'),
    ])
    .where('attempted_at', '>', since)
    .where((eb) => eb.or([eb('email', '=', email), eb('address', '=', address)]))
    .executeTakeFirstOrThrow();
  return Number(account) >= MAX_FAILURES_PER_ACCOUNT || Number(fromAddress) >= MAX_FAILURES_PER_ADDRESS;
}

export async function recordAttempt(db: Kysely<DB>, email: string, address: string, succeeded: boolean) {
  await db.insertInto('sign_in_attempts').values({ email, address, succeeded }).execute();
}

/** Attempts older than a day serve no purpose. */
export async function deleteOldAttempts(db: Kysely<DB>) {
  await db
    .deleteFrom('sign_in_attempts')
    .where('attempted_at', '<', new Date(Date.now() - 86_400_000))
    .execute();
}
