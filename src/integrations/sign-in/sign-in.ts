// How people prove who they are. Local accounts now; DfE Sign-in (OpenID Connect) can be
// another implementation that ends in the same place: a verified Rollbook user.
import type { User } from '../../db/schema.ts';

export type SignInResult =
  | { outcome: 'signed-in'; user: User }
  | { outcome: 'wrong-details' }
  | { outcome: 'throttled'; retryAfterMinutes: number };

export interface PasswordSignIn {
  kind: 'password';
  signIn(input: { email: string; password: string; address: string }): Promise<SignInResult>;
}

/** Later: { kind: 'openid-connect'; authorizationUrl(…); callback(…) }. */
export type SignInAdapter = PasswordSignIn;
