// Email and password accounts held in Rollbook, with throttling of failures.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { verifyPassword } from '../../domain/organisations/passwords.ts';
import { findUserByEmail } from '../../domain/organisations/users.ts';
import type { PasswordSignIn } from './sign-in.ts';
import { markAttemptSucceeded, reserveAttempt, THROTTLE_WINDOW_MINUTES } from './throttle.ts';

export function localAccounts(db: Kysely<DB>): PasswordSignIn {
  return {
    kind: 'password',
    async signIn({ email, password, address }) {
      const key = email.trim().toLowerCase();
      // Counted as a failure before the password is checked, so no burst gets more checks.
      const attempt = await reserveAttempt(db, key, address);
      if (!attempt) return { outcome: 'throttled', retryAfterMinutes: THROTTLE_WINDOW_MINUTES };
      const user = await findUserByEmail(db, key);
      const ok = await verifyPassword(password, user?.password_hash ?? null);
      if (!ok || !user) return { outcome: 'wrong-details' };
      await markAttemptSucceeded(db, attempt);
      return { outcome: 'signed-in', user };
    },
  };
}
