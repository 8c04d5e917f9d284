// Sessions kept in the database: the cookie holds a random token, the table its hash.
// Idle sessions end after two hours; sign-in always starts a new session.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Kysely, sql } from 'kysely';
import type { DB, OrganisationType, Role } from '../db/schema.ts';
import { type Actor, toActor } from '../domain/organisations/actor.ts';
import { hashToken, newToken } from '../domain/organisations/passwords.ts';

export const SESSION_COOKIE = 'rollbook_session';
export const IDLE_TIMEOUT_MINUTES = 120;
/** Refresh last_seen_at at most this often, so a busy page is not a write per request. */
const TOUCH_AFTER_MS = 60_000;

export interface Flash {
  success?: string;
}

export interface SessionState {
  idHash: string;
  userId: string;
  email: string;
  firstName: string;
  lastName: string;
  /** The organisation the user acts for, when still a member of it. */
  actor: Actor | undefined;
  /** How many organisations the user belongs to (more than one: the layout offers to switch). */
  memberships: number;
  flash: Flash | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    session: SessionState | undefined;
  }
}

interface SessionRow {
  user_id: string;
  email: string;
  first_name: string;
  last_name: string;
  support_organisation_id: string | null;
  role: Role | null;
  member_of_type: OrganisationType | null;
  member_of_name: string | null;
  organisation_id: string | null;
  organisation_type: OrganisationType | null;
  organisation_name: string | null;
}

/**
 * The actor a session gives, if any. A support user acting for a provider is its admin only while
 * still a member of a support organisation; otherwise no actor (they choose again), never a
 * provider actor by accident.
 */
function actorOfSession(row: SessionRow): Actor | undefined {
  if (!row.role || !row.organisation_id || !row.organisation_type || !row.organisation_name) return undefined;
  const person = { userId: row.user_id, email: row.email, firstName: row.first_name, lastName: row.last_name };
  const organisation = { id: row.organisation_id, type: row.organisation_type, name: row.organisation_name };
  const unnamed = { firstName: '', lastName: '' };
  if (!row.support_organisation_id) return toActor({ person, organisation, role: row.role, unnamed });
  if (row.member_of_type !== 'support' || !row.member_of_name || organisation.type !== 'provider') return undefined;
  return toActor({
    person,
    organisation,
    role: 'admin',
    unnamed,
    support: { organisationId: row.support_organisation_id, organisationName: row.member_of_name },
  });
}

async function loadSession(db: Kysely<DB>, idHash: string): Promise<SessionState | undefined> {
  // The membership that lets the user act: for the organisation itself, or, while a support user
  // acts for a provider, for the support organisation they act through.
  const row = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('memberships', (join) =>
      join
        .onRef('memberships.user_id', '=', 'sessions.user_id')
        .on((eb) =>
          eb(
            'memberships.organisation_id',
            '=',
            eb.fn.coalesce('sessions.support_organisation_id', 'sessions.organisation_id'),
          ),
        ),
    )
    .leftJoin('organisations as member_of', 'member_of.id', 'memberships.organisation_id')
    .leftJoin('organisations', 'organisations.id', 'sessions.organisation_id')
    .select([
      'sessions.user_id',
      'sessions.last_seen_at',
      'sessions.flash',
      'sessions.support_organisation_id',
      'users.email',
      'users.first_name',
      'users.last_name',
      'memberships.role',
      'member_of.type as member_of_type',
      'member_of.name as member_of_name',
      'organisations.id as organisation_id',
      'organisations.type as organisation_type',
      'organisations.name as organisation_name',
      // Read with the session rather than by a query of its own on every page.
      (eb) =>
        eb
          .selectFrom('memberships as all_memberships')
          .select((inner) => inner.fn.countAll<string>().as('n'))
          .whereRef('all_memberships.user_id', '=', 'sessions.user_id')
          .as('membership_count'),
    ])
    .where('sessions.id_hash', '=', idHash)
    .executeTakeFirst();
  if (!row) return undefined;
  const idleMs = Date.now() - new Date(row.last_seen_at).getTime();
  if (idleMs > IDLE_TIMEOUT_MINUTES * 60_000) {
    await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    return undefined;
  }
  if (idleMs > TOUCH_AFTER_MS) {
    await db.updateTable('sessions').set({ last_seen_at: new Date() }).where('id_hash', '=', idHash).execute();
  }
  const actor = actorOfSession(row);
  return {
    idHash,
    userId: row.user_id,
    email: row.email,
    firstName: row.first_name,
    lastName: row.last_name,
    actor,
    memberships: Number(row.membership_count ?? 0),
    flash: row.flash as Flash | null,
  };
}

export interface SessionOptions {
  db: Kysely<DB>;
  secure: boolean;
}

/**
 * The hash of the session token in the request's signed cookie, whether or not that session still
 * exists (an ended session keeps its cookie until the browser drops it); undefined without one.
 */
export function sessionCookieHash(request: FastifyRequest): string | undefined {
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return undefined;
  const unsigned = request.unsignCookie(cookie);
  return unsigned.valid && unsigned.value ? hashToken(unsigned.value) : undefined;
}

export const sessions = fp(async (app: FastifyInstance, { db, secure }: SessionOptions) => {
  app.decorateRequest('session', undefined);
  app.addHook('onRequest', async (request) => {
    const idHash = sessionCookieHash(request);
    if (idHash) request.session = await loadSession(db, idHash);
  });

  app.decorateReply(
    'startSession',
    async function (this: FastifyReply, userId: string, organisationId: string | null, flash?: Flash) {
      const previous = this.request.session;
      if (previous) await db.deleteFrom('sessions').where('id_hash', '=', previous.idHash).execute();
      const { token, hash } = newToken();
      await db
        .insertInto('sessions')
        .values({
          id_hash: hash,
          user_id: userId,
          organisation_id: organisationId,
          last_seen_at: new Date(),
          flash: flash ? JSON.stringify(flash) : null,
        })
        .execute();
      this.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, signed: true });
    },
  );

  app.decorateReply('endSession', async function (this: FastifyReply) {
    const session = this.request.session;
    if (session) await db.deleteFrom('sessions').where('id_hash', '=', session.idHash).execute();
    this.clearCookie(SESSION_COOKIE, { path: '/' });
  });

  app.decorateReply('setFlash', async function (this: FastifyReply, flash: Flash) {
    const session = this.request.session;
    if (session) {
      await db
        .updateTable('sessions')
        .set({ flash: JSON.stringify(flash) })
        .where('id_hash', '=', session.idHash)
        .execute();
    }
  });

  /** The message to show once, cleared as it is read. */
  app.decorateRequest('takeFlash', async function (this: FastifyRequest): Promise<Flash | null> {
    const session = this.session;
    if (!session?.flash) return null;
    await db.updateTable('sessions').set({ flash: null }).where('id_hash', '=', session.idHash).execute();
    const flash = session.flash;
    session.flash = null;
    return flash;
  });

  /**
   * Act for an organisation: one the user belongs to (the organisation switcher), or, for a support
   * user, a provider through their support organisation. Both are set together, so choosing an
   * organisation always ends acting through support.
   */
  app.decorateReply(
    'actFor',
    async function (this: FastifyReply, organisationId: string, supportOrganisationId: string | null = null) {
      const session = this.request.session;
      if (session) {
        await db
          .updateTable('sessions')
          .set({ organisation_id: organisationId, support_organisation_id: supportOrganisationId })
          .where('id_hash', '=', session.idHash)
          .execute();
      }
    },
  );
});

declare module 'fastify' {
  interface FastifyReply {
    startSession(userId: string, organisationId: string | null, flash?: Flash): Promise<void>;
    endSession(): Promise<void>;
    setFlash(flash: Flash): Promise<void>;
    actFor(organisationId: string, supportOrganisationId?: string | null): Promise<void>;
  }
  interface FastifyRequest {
    takeFlash(): Promise<Flash | null>;
  }
}

/** Sessions idle for longer than the timeout, removed from time to time. */
export async function deleteExpiredSessions(db: Kysely<DB>): Promise<void> {
  await db
    .deleteFrom('sessions')
    .where('last_seen_at', '<', sql<Date>`now() - make_interval(mins => ${IDLE_TIMEOUT_MINUTES})`)
    .execute();
}
