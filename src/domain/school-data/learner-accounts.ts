// Learners' accounts for "Your school data". A school admin prints sign-in letters: each gives the
// learner a username and a one-time code valid for 30 days (printing again voids the old code).
// The learner uses the code once to choose a password, then signs in with their username (or
// email address, when the school gave one) and password. Or the admin invites learners whose
// upload gave an email address: the emailed link works once, to choose a password, and the
// learner then signs in with that address. Learners' sessions reach only their own
// page. Every letter, password and permission change is audited.
import { randomBytes, randomInt } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { sql } from 'kysely';
import type { DB, Learner } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import type { Actor } from '../organisations/actor.ts';
import { checkNewPassword, hashPassword, hashToken, verifyPassword } from '../organisations/passwords.ts';

/** How long a printed code can be used. */
export const SIGN_IN_CODE_DAYS = 30;
/** How long an emailed invitation's link can be used (as staff invitations). */
export const INVITATION_DAYS = 7;
/** Learners' sessions end after this long without a request. */
export const LEARNER_IDLE_MINUTES = 60;

/** Letters and digits no one confuses when typing from paper (no 0/O, 1/I/L, 5/S, 2/Z). */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRTUVWXY346789';

/** A one-time code as printed: 3 groups of 4, like "KXT4-9PWM-Q3HC". Case, spaces and dashes are ignored when typed. */
function newCode(): string {
  const chars = Array.from({ length: 12 }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]);
  return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8).join('')}`;
}

const codeHash = (code: string) => hashToken(`learner-code:${code.toUpperCase().replace(/[^A-Z0-9]/g, '')}`);
/** An emailed link's token is kept (hashed) with the codes: only the newest letter's code or link works. */
const linkHash = (token: string) => hashToken(`learner-link:${token}`);

/** A username from the learner's name and a few digits: ada.lovelace42. */
function newUsername(learner: Pick<Learner, 'first_name' | 'surname'>): string {
  const part = (text: string) =>
    text
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z]/g, '')
      .slice(0, 12) || 'learner';
  return `${part(learner.first_name)}.${part(learner.surname)}${randomInt(10, 1000)}`;
}

/** Only a school's admins print letters and manage who may see learners' data. */
function requireSchoolAdmin(actor: Actor): void {
  if (actor.organisation.type !== 'school' || actor.role !== 'admin') throw new NotFoundError('Page');
}

export interface SignInLetter {
  learnerId: string;
  name: string;
  yearGroup: string;
  username: string;
  code: string;
  expiresAt: Date;
}

/**
 * Sign-in letters for learners of the actor's school (an admin): each learner gets an account if
 * they have none, and a new code; their older codes stop working. Returns the letters to print.
 */
export async function printSignInLetters(
  db: Kysely<DB>,
  actor: Actor,
  learnerIds: string[],
  { via = 'page', now = new Date() }: { via?: string; now?: Date } = {},
): Promise<SignInLetter[]> {
  requireSchoolAdmin(actor);
  if (learnerIds.length === 0) throw new DomainError('Choose the learners to print letters for', 'learners');
  return inTransaction(db, async (tx) => {
    const learners = await tx
      .selectFrom('learners as l')
      .leftJoin('learner_accounts as a', 'a.learner_id', 'l.id')
      .select(['l.id', 'l.first_name', 'l.surname', 'l.year_group', 'a.username'])
      .where('l.school_id', '=', actor.organisation.id)
      .where('l.id', 'in', learnerIds)
      .orderBy(sql`lower(l.surname)`)
      .orderBy(sql`lower(l.first_name)`)
      .execute();
    if (learners.length === 0) throw new NotFoundError('Learner');
    const expiresAt = new Date(now.getTime() + SIGN_IN_CODE_DAYS * 86_400_000);
    await tx
      .updateTable('learner_sign_in_codes')
      .set({ voided_at: now })
      .where(
        'learner_id',
        'in',
        learners.map((l) => l.id),
      )
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .execute();
    const letters: SignInLetter[] = [];
    for (const learner of learners) {
      const username = await ensureAccount(tx, learner, learner.username);
      const code = newCode();
      await tx
        .insertInto('learner_sign_in_codes')
        .values({ code_hash: codeHash(code), learner_id: learner.id, expires_at: expiresAt, created_by: actor.userId })
        .execute();
      letters.push({
        learnerId: learner.id,
        name: `${learner.first_name} ${learner.surname}`,
        yearGroup: learner.year_group,
        username,
        code,
        expiresAt,
      });
    }
    await recordEvents(
      tx,
      actor,
      via,
      letters.map((letter) => ({
        organisationId: actor.organisation.id,
        subjectType: 'learner',
        subjectId: letter.learnerId,
        action: 'sign-in letter printed',
        changes: { expires_at: { to: expiresAt.toISOString() } },
      })),
    );
    return letters;
  });
}

/** The account of a learner, made (with a username) if they have none. */
async function ensureAccount(
  tx: Transaction<DB>,
  learner: Pick<Learner, 'id' | 'first_name' | 'surname'>,
  username: string | null,
): Promise<string> {
  let name = username;
  while (!name) {
    const made = await tx
      .insertInto('learner_accounts')
      .values({ learner_id: learner.id, username: newUsername(learner) })
      .onConflict((oc) => oc.column('username').doNothing())
      .returning('username')
      .executeTakeFirst();
    name = made?.username ?? null;
  }
  return name;
}

export interface LearnerInvitation {
  learnerId: string;
  name: string;
  email: string;
  /** For the link in the email only: never kept. */
  token: string;
  expiresAt: Date;
}

export interface InvitationResult {
  invitations: LearnerInvitation[];
  /** Chosen learners with an email address who were not invited, and why. */
  notInvited: { name: string; reason: string }[];
  /** Chosen learners with no email address recorded. */
  withoutEmail: number;
}

/**
 * Invitations by email for learners of the actor's school (an admin) whose uploads gave an email
 * address: each gets an account if they have none, with that address to sign in with, and a link
 * to choose a password once; their older codes and links stop working. A learner whose address
 * another learner's account already has, or who shares it with another learner chosen, is left
 * out (one address signs in one learner): print them a letter. The caller sends the emails in
 * the same transaction.
 */
export async function inviteLearnersByEmail(
  tx: Transaction<DB>,
  actor: Actor,
  learnerIds: string[],
  { via = 'page', now = new Date() }: { via?: string; now?: Date } = {},
): Promise<InvitationResult> {
  requireSchoolAdmin(actor);
  if (learnerIds.length === 0) throw new DomainError('Choose the learners to invite', 'learners');
  const learners = await tx
    .selectFrom('learners as l')
    .leftJoin('learner_accounts as a', 'a.learner_id', 'l.id')
    .select(['l.id', 'l.first_name', 'l.surname', 'l.email', 'a.username'])
    .where('l.school_id', '=', actor.organisation.id)
    .where('l.id', 'in', learnerIds)
    .orderBy(sql`lower(l.surname)`)
    .orderBy(sql`lower(l.first_name)`)
    .execute();
  if (learners.length === 0) throw new NotFoundError('Learner');
  const withEmail = learners.flatMap((l) => (l.email ? [{ ...l, email: l.email }] : []));
  const sharing = new Map<string, number>();
  for (const l of withEmail) sharing.set(l.email.toLowerCase(), (sharing.get(l.email.toLowerCase()) ?? 0) + 1);
  // Two invitations of one address at once (two admins, two schools): the second waits here for
  // the first to finish, then finds the address taken, rather than failing on the unique index.
  const addresses = [...sharing.keys()].sort();
  if (addresses.length) {
    await sql`select pg_advisory_xact_lock(hashtext('learner email ' || e))
      from unnest(${addresses}::text[]) as e order by e`.execute(tx);
  }
  const taken = new Map(
    withEmail.length
      ? (
          await tx
            .selectFrom('learner_accounts')
            .select(['learner_id', sql<string>`lower(email)`.as('email')])
            .where(
              sql`lower(email)`,
              'in',
              withEmail.map((l) => l.email.toLowerCase()),
            )
            .execute()
        ).map((row) => [row.email, row.learner_id])
      : [],
  );
  const result: InvitationResult = {
    invitations: [],
    notInvited: [],
    withoutEmail: learners.length - withEmail.length,
  };
  const expiresAt = new Date(now.getTime() + INVITATION_DAYS * 86_400_000);
  for (const learner of withEmail) {
    const { email } = learner;
    const name = `${learner.first_name} ${learner.surname}`;
    const holder = taken.get(email.toLowerCase());
    if (holder && holder !== learner.id) {
      result.notInvited.push({
        name,
        // Worded so as not to say whose it is: the address may be a learner's at another school.
        reason: `${email} cannot be used for ${name} to sign in. Print ${name} a sign-in letter instead`,
      });
      continue;
    }
    if ((sharing.get(email.toLowerCase()) ?? 0) > 1) {
      result.notInvited.push({
        name,
        reason: `${email} is the email address of more than one learner you chose. Print ${name} a sign-in letter instead`,
      });
      continue;
    }
    await ensureAccount(tx, learner, learner.username);
    await tx.updateTable('learner_accounts').set({ email }).where('learner_id', '=', learner.id).execute();
    await tx
      .updateTable('learner_sign_in_codes')
      .set({ voided_at: now })
      .where('learner_id', '=', learner.id)
      .where('used_at', 'is', null)
      .where('voided_at', 'is', null)
      .execute();
    const token = randomBytes(32).toString('base64url');
    await tx
      .insertInto('learner_sign_in_codes')
      .values({ code_hash: linkHash(token), learner_id: learner.id, expires_at: expiresAt, created_by: actor.userId })
      .execute();
    result.invitations.push({ learnerId: learner.id, name, email, token, expiresAt });
  }
  await recordEvents(
    tx,
    actor,
    via,
    result.invitations.map((invitation) => ({
      organisationId: actor.organisation.id,
      subjectType: 'learner',
      subjectId: invitation.learnerId,
      action: 'learner invited by email',
      changes: { email: { to: invitation.email }, expires_at: { to: expiresAt.toISOString() } },
    })),
  );
  return result;
}

/** Whether an emailed link is one that works now (to show the page to choose a password). */
export async function invitationWorks(db: Kysely<DB>, token: string, now = new Date()): Promise<boolean> {
  if (!/^[\w-]{20,100}$/.test(token)) return false;
  const row = await db
    .selectFrom('learner_sign_in_codes')
    .select('learner_id')
    .where('code_hash', '=', linkHash(token))
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * A learner uses the link in their email once to choose a password; they then sign in with their
 * email address. Throws DomainError on 'password' when it is not allowed, and returns undefined
 * when the link does not work (used, replaced by a newer letter or link, or expired).
 */
export async function setLearnerPasswordWithLink(
  db: Kysely<DB>,
  token: string,
  password: string,
  { now = new Date() }: { now?: Date } = {},
): Promise<{ learnerId: string; email: string } | undefined> {
  checkNewPassword(password);
  const hash = await hashPassword(password);
  return inTransaction(db, async (tx) => {
    const used = await useSignInCode(tx, linkHash(token), now);
    if (!used) return undefined;
    return passwordChosen(tx, used.learner_id, hash, 'learner invitation link');
  }).then((chosen) => (chosen ? { learnerId: chosen.learnerId, email: chosen.email ?? '' } : undefined));
}

/** Marks a printed code or emailed link used, if it works now: not used, not replaced, not expired. */
function useSignInCode(tx: Transaction<DB>, hash: string, now: Date) {
  return tx
    .updateTable('learner_sign_in_codes')
    .set({ used_at: now })
    .where('code_hash', '=', hash)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('learner_id')
    .executeTakeFirst();
}

/** In the transaction that used a code or link: the learner's new password, their other sessions ended, audited. */
async function passwordChosen(tx: Transaction<DB>, learnerId: string, hash: string, via: string) {
  const account = await tx
    .updateTable('learner_accounts')
    .set({ password_hash: hash })
    .where('learner_id', '=', learnerId)
    .returning(['username', 'email'])
    .executeTakeFirstOrThrow();
  const learner = await tx
    .selectFrom('learners')
    .select('school_id')
    .where('id', '=', learnerId)
    .executeTakeFirstOrThrow();
  // Any other session of the learner ends: the password is new.
  await tx.deleteFrom('learner_sessions').where('learner_id', '=', learnerId).execute();
  await recordEvents(tx, 'system', via, [
    {
      organisationId: learner.school_id,
      subjectType: 'learner',
      subjectId: learnerId,
      action: 'learner password set',
      changes: {},
    },
  ]);
  return { learnerId, username: account.username, email: account.email };
}

/**
 * A learner uses their printed code once to choose a password. Throws DomainError (on 'code' or
 * 'password') when the code is not one that works now, or the password is not allowed.
 */
export async function setLearnerPasswordWithCode(
  db: Kysely<DB>,
  code: string,
  password: string,
  { now = new Date() }: { now?: Date } = {},
): Promise<{ learnerId: string; username: string }> {
  if (!code.trim()) throw new DomainError('Enter the code from your letter', 'code');
  checkNewPassword(password);
  const hash = await hashPassword(password);
  return inTransaction(db, async (tx) => {
    const used = await useSignInCode(tx, codeHash(code), now);
    if (!used) {
      throw new DomainError(
        'That code does not work. Check you typed it as it is on your letter. A code works once, for 30 days, and only the newest letter’s code works: ask your school for a new letter',
        'code',
      );
    }
    const chosen = await passwordChosen(tx, used.learner_id, hash, 'learner sign-in code');
    return { learnerId: chosen.learnerId, username: chosen.username };
  });
}

/** The learner whose username (or email address) and password these are, if any: in the same time either way. */
export async function checkLearnerPassword(
  db: Kysely<DB>,
  usernameOrEmail: string,
  password: string,
): Promise<string | undefined> {
  const name = usernameOrEmail.trim().toLowerCase();
  const account = name
    ? await db
        .selectFrom('learner_accounts')
        .select(['learner_id', 'password_hash'])
        .where((eb) => eb.or([eb('username', '=', name), eb(sql`lower(email)`, '=', name)]))
        .executeTakeFirst()
    : undefined;
  const ok = await verifyPassword(password, account?.password_hash ?? null);
  return ok && account ? account.learner_id : undefined;
}

/** Starts a learner's session: the cookie's token (the table keeps its hash). */
export async function startLearnerSession(db: Kysely<DB>, learnerId: string): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await db
    .insertInto('learner_sessions')
    .values({ id_hash: hashToken(token), learner_id: learnerId })
    .execute();
  return token;
}

/** The learner of a session token, while it has been used within LEARNER_IDLE_MINUTES. */
export async function findLearnerSession(db: Kysely<DB>, token: string): Promise<Learner | undefined> {
  const since = new Date(Date.now() - LEARNER_IDLE_MINUTES * 60_000);
  const row = await db
    .updateTable('learner_sessions')
    .set({ last_seen_at: new Date() })
    .where('id_hash', '=', hashToken(token))
    .where('last_seen_at', '>', since)
    .returning('learner_id')
    .executeTakeFirst();
  if (!row) return undefined;
  return db.selectFrom('learners').selectAll().where('id', '=', row.learner_id).executeTakeFirst();
}

export async function endLearnerSession(db: Kysely<DB>, token: string): Promise<void> {
  await db.deleteFrom('learner_sessions').where('id_hash', '=', hashToken(token)).execute();
}

/** A learner's account as staff see it: their username, the email address they sign in with (if any), and whether they have chosen a password. */
export async function learnerAccount(
  db: Kysely<DB>,
  learnerId: string,
): Promise<{ username: string; email: string | null; hasPassword: boolean } | undefined> {
  const row = await db
    .selectFrom('learner_accounts')
    .select(['username', 'email', 'password_hash'])
    .where('learner_id', '=', learnerId)
    .executeTakeFirst();
  return row ? { username: row.username, email: row.email, hasPassword: row.password_hash !== null } : undefined;
}

// --- Staff permission -------------------------------------------------------------------------

/** Whether the actor (a member of staff of a school) may see learners' data. */
export async function canViewLearnerData(db: Kysely<DB>, actor: Actor): Promise<boolean> {
  if (actor.organisation.type !== 'school' || !actor.userId || actor.support) return false;
  const row = await db
    .selectFrom('memberships')
    .select('view_learner_data')
    .where('user_id', '=', actor.userId)
    .where('organisation_id', '=', actor.organisation.id)
    .executeTakeFirst();
  return row?.view_learner_data === true;
}

export interface StaffAccess {
  userId: string;
  name: string;
  email: string;
  role: string;
  allowed: boolean;
}

/** The school's staff and whether each may see learners' data: for its admins. */
export async function listLearnerDataAccess(db: Kysely<DB>, actor: Actor): Promise<StaffAccess[]> {
  requireSchoolAdmin(actor);
  const rows = await db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.id', 'm.user_id')
    .select(['u.id', 'u.first_name', 'u.last_name', 'u.email', 'm.role', 'm.view_learner_data'])
    .where('m.organisation_id', '=', actor.organisation.id)
    .orderBy(sql`lower(u.last_name)`)
    .orderBy(sql`lower(u.first_name)`)
    .execute();
  return rows.map((r) => ({
    userId: r.id,
    name: `${r.first_name} ${r.last_name}`.trim() || r.email,
    email: r.email,
    role: r.role,
    allowed: r.view_learner_data,
  }));
}

/** A school admin grants or removes a member of staff's permission to see learners' data. */
export async function setLearnerDataAccess(
  db: Kysely<DB>,
  actor: Actor,
  userId: string,
  allowed: boolean,
  via = 'page',
): Promise<void> {
  requireSchoolAdmin(actor);
  await inTransaction(db, async (tx) => {
    const changed = await tx
      .updateTable('memberships')
      .set({ view_learner_data: allowed })
      .where('organisation_id', '=', actor.organisation.id)
      .where('user_id', '=', userId)
      .where('view_learner_data', '=', !allowed)
      .returning('user_id')
      .executeTakeFirst();
    if (!changed) {
      const exists = await tx
        .selectFrom('memberships')
        .select('user_id')
        .where('organisation_id', '=', actor.organisation.id)
        .where('user_id', '=', userId)
        .executeTakeFirst();
      if (!exists) throw new NotFoundError('User');
      return;
    }
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'membership',
        subjectId: userId,
        action: allowed ? 'learner data access granted' : 'learner data access removed',
        changes: { view_learner_data: { from: !allowed, to: allowed } },
      },
    ]);
  });
}
