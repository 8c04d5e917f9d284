// Sign-ins and requests for a password reset link are counted in the database, so every web
// process sees the same counts. An attempt is reserved (counted) before it is carried out, under a
// lock on the account and on the address, so attempts sent at once cannot all pass the check
// together. Each purpose is counted apart, with its own limits.
import { type Kysely, sql } from 'kysely';
import type { AttemptPurpose, DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';

export const THROTTLE_WINDOW_MINUTES = 15;

interface ThrottleRule {
  purpose: AttemptPurpose;
  /** Attempts allowed for one account (by email address), and from one address, within the window. */
  perAccount: number;
  perAddress: number;
  /** The first keys of the two-key advisory locks taken while reserving an attempt. */
  lockAccount: number;
  lockAddress: number;
}

/** Failed sign-ins: a success restarts the account's count. */
export const SIGN_IN: ThrottleRule = {
  purpose: 'sign-in',
  perAccount: 5,
  perAddress: 20,
  lockAccount: 0x5349_4e41, // 'SINA'
  lockAddress: 0x5349_4e49, // 'SINI'
};

/**
 * Requests for a reset link, whether or not the account exists, so the limit says nothing about
 * which accounts do. Each request sends at most one email, so a few are plenty.
 */
export const PASSWORD_RESET: ThrottleRule = {
  purpose: 'password-reset',
  perAccount: 3,
  perAddress: 10,
  lockAccount: 0x5253_5441, // 'RSTA'
  lockAddress: 0x5253_5449, // 'RSTI'
};

export const MAX_FAILURES_PER_ACCOUNT = SIGN_IN.perAccount;
export const MAX_FAILURES_PER_ADDRESS = SIGN_IN.perAddress;

export async function isThrottled(
  db: Kysely<DB>,
  email: string,
  address: string,
  rule: ThrottleRule = SIGN_IN,
): Promise<boolean> {
  const since = new Date(Date.now() - THROTTLE_WINDOW_MINUTES * 60_000);
  const { account, fromAddress } = await db
    .selectFrom('sign_in_attempts')
    .select([
      // An account's count restarts at its last successful attempt.
      sql<string>`count(*) filter (
        where email = ${email} and not succeeded and attempted_at > coalesce(
          (select max(attempted_at) from sign_in_attempts
            where email = ${email} and succeeded and purpose = ${rule.purpose}), ${since}::timestamptz))`.as('account'),
      sql<string>`count(*) filter (where address = ${address} and not succeeded)`.as('fromAddress'),
    ])
    .where('purpose', '=', rule.purpose)
    .where('attempted_at', '>', since)
    .where((eb) => eb.or([eb('email', '=', email), eb('address', '=', address)]))
    .executeTakeFirstOrThrow();
  return Number(account) >= rule.perAccount || Number(fromAddress) >= rule.perAddress;
}

/**
 * Reserves an attempt before it is carried out: counts it (as a failure, until marked succeeded)
 * and answers its id, or undefined when the account or address is throttled. The account's lock is
 * always taken before the address's, so two reservations never wait for each other in a circle.
 */
export async function reserveAttempt(
  db: Kysely<DB>,
  email: string,
  address: string,
  rule: ThrottleRule = SIGN_IN,
): Promise<string | undefined> {
  return inTransaction(db, async (tx) => {
    await sql`select pg_advisory_xact_lock(${rule.lockAccount}::int, hashtext(${email}))`.execute(tx);
    await sql`select pg_advisory_xact_lock(${rule.lockAddress}::int, hashtext(${address}))`.execute(tx);
    if (await isThrottled(tx, email, address, rule)) return undefined;
    const { id } = await tx
      .insertInto('sign_in_attempts')
      .values({ email, address, succeeded: false, purpose: rule.purpose })
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
