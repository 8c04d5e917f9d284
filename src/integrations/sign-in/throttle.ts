// Failed sign-ins are counted in the database, so every web process sees the same counts.
// An attempt is reserved (counted as a failure) before its password is checked, under a lock on
// the account and on the address, so attempts sent at once cannot all pass the check together.
import { type Kysely, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';

export const THROTTLE_WINDOW_MINUTES = 15;
/** Failures allowed for one account, and from one address, within the window. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
export const MAX_FAILURES_PER_ADDRESS = 20;

/** The first key of the two-key advisory locks taken while reserving an attempt. */
const LOCK_ACCOUNT = 0x5349_4e41; // 'SINA'
const LOCK_ADDRESS = 0x5349_4e49; // 'SINI'

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

/**
 * Reserves an attempt before its password is checked: counts it as a failure and answers its id,
 * or undefined when the account or address is throttled. The account's lock is always taken
 * before the address's, so two reservations never wait for each other in a circle.
 */
export async function reserveAttempt(db: Kysely<DB>, email: string, address: string): Promise<string | undefined> {
  return inTransaction(db, async (tx) => {
    await sql`select pg_advisory_xact_lock(${LOCK_ACCOUNT}::int, hashtext(${email}))`.execute(tx);
    await sql`select pg_advisory_xact_lock(${LOCK_ADDRESS}::int, hashtext(${address}))`.execute(tx);
    if (await isThrottled(tx, email, address)) return undefined;
    const { id } = await tx
      .insertInto('sign_in_attempts')
      .values({ email, address, succeeded: false })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  });
}

/** The reserved attempt signed in, so the account's count of failures restarts. */
export async function markAttemptSucceeded(db: Kysely<DB>, id: string): Promise<void> {
  await db.updateTable('sign_in_attempts').set({ succeeded: true }).where('id', '=', id).execute();
}

/** Attempts older than a day serve no purpose. */
export async function deleteOldAttempts(db: Kysely<DB>) {
  await db
    .deleteFrom('sign_in_attempts')
    .where('attempted_at', '<', new Date(Date.now() - 86_400_000))
    .execute();
}
