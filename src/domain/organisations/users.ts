// Users and their memberships of organisations.

import { type Kysely, sql } from 'kysely';
import type { DB, Organisation, PasswordTokenPurpose, Role, User } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { normaliseEmail } from '../identifiers.ts';
import { type ActorOrSystem, canManageUsers } from './actor.ts';
import { checkNewPassword, hashPassword, hashToken, newToken } from './passwords.ts';

export const ROLE_NAMES: Record<Role, string> = { member: 'Member', admin: 'Admin' };
export const SETUP_LINK_DAYS = 7;
export const RESET_LINK_HOURS = 2;

export async function findUserByEmail(db: Kysely<DB>, email: string): Promise<User | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
}

export interface Membership {
  organisationId: string;
  organisationName: string;
  organisationType: Organisation['type'];
  role: Role;
}

/** The organisations a user can act for, by name. */
export async function listMemberships(db: Kysely<DB>, userId: string): Promise<Membership[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select([
      'organisations.id as organisationId',
      'organisations.name as organisationName',
      'organisations.type as organisationType',
      'memberships.role as role',
    ])
    .where('memberships.user_id', '=', userId)
    .orderBy('organisations.name')
    .execute();
}

export interface OrganisationUser {
  id: string;
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  /** Invited but has never set a password: an admin can send them a new set-up link. */
  invited: boolean;
}

export async function listOrganisationUsers(db: Kysely<DB>, organisationId: string): Promise<OrganisationUser[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select([
      'users.id',
      'users.email',
      'users.first_name as firstName',
      'users.last_name as lastName',
      'memberships.role',
      sql<boolean>`users.password_hash is null`.as('invited'),
    ])
    .where('memberships.organisation_id', '=', organisationId)
    .orderBy('users.last_name')
    .orderBy('users.first_name')
    .execute();
}

export interface UserInput {
  email: string;
  firstName: string;
  lastName: string;
  role: Role;
  /** Set directly (CLI and demo data); otherwise the user gets a set-up link. */
  password?: string;
}

function validateUser(input: UserInput) {
  const errors: DomainError[] = [];
  const email = normaliseEmail(input.email ?? '');
  if (!email)
    errors.push(new DomainError('Enter an email address in the correct format, like name@example.com', 'email'));
  const firstName = input.firstName?.trim() ?? '';
  const lastName = input.lastName?.trim() ?? '';
  if (!firstName) errors.push(new DomainError('Enter their first name', 'firstName'));
  if (!lastName) errors.push(new DomainError('Enter their last name', 'lastName'));
  if (firstName.length > 100) errors.push(new DomainError('First name must be 100 characters or fewer', 'firstName'));
  if (lastName.length > 100) errors.push(new DomainError('Last name must be 100 characters or fewer', 'lastName'));
  if (!(input.role in ROLE_NAMES)) errors.push(new DomainError('Select whether they are a member or an admin', 'role'));
  if (errors.length) throw new ValidationErrors(errors);
  return { email: email as string, firstName, lastName, role: input.role };
}

/** Several field errors found at once, so a form can show them all. */
export class ValidationErrors extends Error {
  readonly errors: DomainError[];
  constructor(errors: DomainError[]) {
    super(errors.map((e) => e.message).join('; '));
    this.name = 'ValidationErrors';
    this.errors = errors;
  }
}

export interface AddedUser {
  user: User;
  /** True when the person had no account before. */
  created: boolean;
  /** A one-time link token for setting a password, when the account has none yet. */
  setupToken?: string;
}

/**
 * Adds a person to an organisation: a new account when the email is new, otherwise
 * a membership for the existing account. Their names are only used for a new account.
 */
export async function addUserToOrganisation(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  organisationId: string,
  input: UserInput,
  via = 'page',
): Promise<AddedUser> {
  if (!canManageUsers(actor, organisationId)) throw new NotFoundError('Organisation');
  const values = validateUser(input);
  if (input.password !== undefined) checkNewPassword(input.password);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;

  return inTransaction(db, async (tx) => {
    const organisation = await tx
      .selectFrom('organisations')
      .select(['id', 'name'])
      .where('id', '=', organisationId)
      .executeTakeFirst();
    if (!organisation) throw new NotFoundError('Organisation');

    let user = await findUserByEmail(tx, values.email);
    const created = !user;
    if (!user) {
      user = await tx
        .insertInto('users')
        .values({
          email: values.email,
          first_name: values.firstName,
          last_name: values.lastName,
          password_hash: passwordHash,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordEvents(tx, actor, via, [
        {
          organisationId,
          subjectType: 'user',
          subjectId: user.id,
          action: 'created',
          changes: {
            email: { to: user.email },
            first_name: { to: user.first_name },
            last_name: { to: user.last_name },
          },
        },
      ]);
    }
    const existing = await tx
      .selectFrom('memberships')
      .select('role')
      .where('user_id', '=', user.id)
      .where('organisation_id', '=', organisationId)
      .executeTakeFirst();
    if (existing) {
      throw new DomainError(`${user.email} is already a user of ${organisation.name}`, 'email');
    }
    await tx
      .insertInto('memberships')
      .values({ user_id: user.id, organisation_id: organisationId, role: values.role })
      .execute();
    await recordEvents(tx, actor, via, [
      {
        organisationId,
        subjectType: 'membership',
        subjectId: user.id,
        action: 'added',
        changes: { email: { to: user.email }, role: { to: values.role } },
      },
    ]);
    const setupToken = user.password_hash ? undefined : await createPasswordSetupToken(tx, user.id);
    return { user, created, setupToken };
  });
}

export async function removeUserFromOrganisation(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  organisationId: string,
  userId: string,
  via = 'page',
): Promise<void> {
  if (!canManageUsers(actor, organisationId)) throw new NotFoundError('Organisation');
  await inTransaction(db, async (tx) => {
    // Lock the organisation's memberships so two admins removing each other cannot leave none.
    const members = await tx
      .selectFrom('memberships')
      .innerJoin('users', 'users.id', 'memberships.user_id')
      .select(['memberships.user_id', 'memberships.role', 'users.email'])
      .where('memberships.organisation_id', '=', organisationId)
      .forUpdate()
      .execute();
    const member = members.find((m) => m.user_id === userId);
    if (!member) throw new NotFoundError('User');
    const admins = members.filter((m) => m.role === 'admin');
    if (member.role === 'admin' && admins.length === 1) {
      throw new DomainError(`${member.email} is the only admin: make someone else an admin before removing them`);
    }
    await tx
      .deleteFrom('memberships')
      .where('user_id', '=', userId)
      .where('organisation_id', '=', organisationId)
      .execute();
    // Sessions acting for this organisation lose it; the person picks another at next request.
    await tx
      .updateTable('sessions')
      .set({ organisation_id: null })
      .where('user_id', '=', userId)
      .where('organisation_id', '=', organisationId)
      .execute();
    await recordEvents(tx, actor, via, [
      {
        organisationId,
        subjectType: 'membership',
        subjectId: userId,
        action: 'removed',
        changes: { email: { from: member.email }, role: { from: member.role } },
      },
    ]);
  });
}

const LINK_LIFETIME_MS: Record<PasswordTokenPurpose, number> = {
  'set-up': SETUP_LINK_DAYS * 86_400_000,
  reset: RESET_LINK_HOURS * 3_600_000,
};

/** Who sets a password through each kind of link, as the audit log names it. */
const LINK_VIA: Record<PasswordTokenPurpose, string> = { 'set-up': 'set-up link', reset: 'reset link' };

/**
 * A one-time link token for setting a password: a set-up link (an invitation, 7 days) or a reset
 * link (a forgotten password, 2 hours). Only its hash is kept.
 */
export async function createPasswordSetupToken(
  db: Kysely<DB>,
  userId: string,
  purpose: PasswordTokenPurpose = 'set-up',
): Promise<string> {
  const { token, hash } = newToken();
  await db
    .insertInto('password_setup_tokens')
    .values({
      token_hash: hash,
      user_id: userId,
      purpose,
      expires_at: new Date(Date.now() + LINK_LIFETIME_MS[purpose]),
    })
    .execute();
  return token;
}

/** The user a link of this purpose belongs to, while it is unused and unexpired. */
export async function findUserBySetupToken(
  db: Kysely<DB>,
  token: string,
  purpose: PasswordTokenPurpose = 'set-up',
): Promise<User | undefined> {
  return db
    .selectFrom('password_setup_tokens')
    .innerJoin('users', 'users.id', 'password_setup_tokens.user_id')
    .selectAll('users')
    .where('token_hash', '=', hashToken(token))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirst();
}

/** The organisations a user belongs to, for events about the user that their organisations may read. */
async function organisationIdsOf(db: Kysely<DB>, userId: string): Promise<(string | null)[]> {
  const rows = await db.selectFrom('memberships').select('organisation_id').where('user_id', '=', userId).execute();
  return rows.length ? rows.map((row) => row.organisation_id) : [null];
}

/**
 * Sets a password through a link, which is then used up, with every other unused link of the
 * user's. Every session of the user's ends (whoever was signed in as them is signed out): the
 * caller starts a new one for the person who set it.
 */
export async function setPasswordWithToken(
  db: Kysely<DB>,
  token: string,
  password: string,
  purpose: PasswordTokenPurpose = 'set-up',
): Promise<User> {
  checkNewPassword(password);
  const passwordHash = await hashPassword(password);
  return inTransaction(db, async (tx) => {
    const used = await tx
      .updateTable('password_setup_tokens')
      .set({ used_at: new Date() })
      .where('token_hash', '=', hashToken(token))
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('user_id')
      .executeTakeFirst();
    if (!used) {
      throw new DomainError(
        purpose === 'reset'
          ? 'This link has expired or has already been used: ask for a new one'
          : 'This link has expired or has already been used: ask your admin for a new one',
      );
    }
    const user = await tx
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('id', '=', used.user_id)
      .returningAll()
      .executeTakeFirstOrThrow();
    await tx
      .updateTable('password_setup_tokens')
      .set({ used_at: new Date() })
      .where('user_id', '=', user.id)
      .where('used_at', 'is', null)
      .execute();
    const ended = await tx.deleteFrom('sessions').where('user_id', '=', user.id).executeTakeFirst();
    const action = purpose === 'reset' ? 'password reset' : 'password set';
    const changes = { sessions_ended: { to: Number(ended.numDeletedRows) } };
    await recordEvents(
      tx,
      'system',
      LINK_VIA[purpose],
      (await organisationIdsOf(tx, user.id)).map((organisationId) => ({
        organisationId,
        subjectType: 'user',
        subjectId: user.id,
        action,
        changes,
      })),
    );
    return user;
  });
}

/**
 * A reset link for the account with this email address, if there is one; undefined if not. The
 * caller emails it, in the same transaction, and shows the same page either way.
 */
export async function createPasswordResetLink(
  db: Kysely<DB>,
  email: string,
): Promise<{ user: User; token: string } | undefined> {
  return inTransaction(db, async (tx) => {
    const user = await findUserByEmail(tx, email);
    if (!user) return undefined;
    const token = await createPasswordSetupToken(tx, user.id, 'reset');
    await recordEvents(
      tx,
      'system',
      'forgotten password',
      (await organisationIdsOf(tx, user.id)).map((organisationId) => ({
        organisationId,
        subjectType: 'user',
        subjectId: user.id,
        action: 'reset link sent',
      })),
    );
    return { user, token };
  });
}

/**
 * A new set-up link for a member of the organisation who has never set a password (their first
 * link may have expired or been lost). The caller emails it, in the same transaction.
 */
export async function resendInvitation(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  organisationId: string,
  userId: string,
  via = 'page',
): Promise<{ user: User; token: string }> {
  if (!canManageUsers(actor, organisationId)) throw new NotFoundError('Organisation');
  return inTransaction(db, async (tx) => {
    const user = await tx
      .selectFrom('users')
      .innerJoin('memberships', 'memberships.user_id', 'users.id')
      .selectAll('users')
      .where('users.id', '=', userId)
      .where('memberships.organisation_id', '=', organisationId)
      .forUpdate()
      .executeTakeFirst();
    if (!user) throw new NotFoundError('User');
    if (user.password_hash) {
      throw new DomainError(`${user.email} has already set a password, so they can sign in`);
    }
    const token = await createPasswordSetupToken(tx, user.id);
    await recordEvents(tx, actor, via, [
      {
        organisationId,
        subjectType: 'user',
        subjectId: user.id,
        action: 'invitation resent',
        changes: { email: { to: user.email } },
      },
    ]);
    return { user, token };
  });
}
