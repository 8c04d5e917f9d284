// API tokens: how an organisation's own systems (a student record system) use the JSON API.
// A token belongs to one organisation; only its SHA-256 is stored, and the token is shown once.
import type { Kysely } from 'kysely';
import type { ApiToken, DB } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { type Actor, type ActorOrSystem, actorIds, isSupport, SYSTEM, toActor } from './actor.ts';
import { findOrganisation, isUuid } from './organisations.ts';
import { hashToken, newToken } from './passwords.ts';

/** Every token starts with this, so a leaked one is easy to recognise (and to search code for). */
export const API_TOKEN_PREFIX = 'rbk_';
export const MAX_TOKEN_NAME_LENGTH = 100;
/** last_used_at is written at most this often, so a busy client is not a write per request. */
const TOUCH_AFTER_MS = 60_000;

/** Admins manage their own organisation's tokens; support users manage any organisation's. */
export function canManageTokens(actor: ActorOrSystem, organisationId: string): boolean {
  if (actor === SYSTEM) return true;
  if (isSupport(actor)) return true;
  // A token outlives the session: support acting for a provider must not leave one behind.
  if (actor.support) return false;
  return actor.organisation.id === organisationId && actor.role === 'admin';
}

/** The actor of an API request: acting for the token's organisation. */
export interface ApiActor extends Actor {
  tokenId: string;
  tokenName: string;
  /** The token may read learners' school data (a school's token, made so by an admin or operator). */
  allowLearnerData: boolean;
}

/** What a token may do beyond the upload round trip: only a school's token may read learners' data. */
export interface TokenPermissions {
  allowLearnerData?: boolean;
}

export interface ApiTokenSummary {
  id: string;
  name: string;
  createdAt: Date;
  /** The person who made it; null when it was made on the command line (or they have since left). */
  createdByName: string | null;
  lastUsedAt: Date | null;
}

function checkName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new DomainError('Enter a name for the token', 'name');
  if (trimmed.length > MAX_TOKEN_NAME_LENGTH) {
    throw new DomainError(`Token name must be ${MAX_TOKEN_NAME_LENGTH} characters or fewer`, 'name');
  }
  return trimmed;
}

/**
 * Makes a token for the organisation. The token is returned once, here: only its hash is kept,
 * so it cannot be shown again.
 */
export async function createApiToken(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  organisationId: string,
  name: string,
  via = 'page',
  { allowLearnerData = false }: TokenPermissions = {},
): Promise<{ token: string; record: ApiToken }> {
  if (!canManageTokens(actor, organisationId)) throw new NotFoundError('Page');
  const label = checkName(name);
  const organisation = await findOrganisation(db, organisationId);
  if (!organisation) throw new NotFoundError('Organisation');
  if (allowLearnerData && organisation.type !== 'school') {
    throw new DomainError('Only a school’s token can read learners’ data', 'allowLearnerData');
  }
  return inTransaction(db, async (tx) => {
    const clash = await tx
      .selectFrom('api_tokens')
      .select('id')
      .where('organisation_id', '=', organisationId)
      .where('revoked_at', 'is', null)
      .where((eb) => eb(eb.fn('lower', ['name']), '=', label.toLowerCase()))
      .executeTakeFirst();
    if (clash) {
      throw new DomainError(`${organisation.name} already has a token called "${label}": choose another name`, 'name');
    }
    const secret = newToken().token;
    const token = `${API_TOKEN_PREFIX}${secret}`;
    const record = await tx
      .insertInto('api_tokens')
      .values({
        organisation_id: organisationId,
        name: label,
        token_hash: hashToken(token),
        created_by: actorIds(actor).actorUserId,
        allow_learner_data: allowLearnerData,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordEvents(tx, actor, via, [
      {
        organisationId,
        subjectType: 'api_token',
        subjectId: record.id,
        action: 'created',
        changes: { name: { to: label }, ...(allowLearnerData ? { allow_learner_data: { to: true } } : {}) },
      },
    ]);
    return { token, record };
  });
}

/** The organisation's tokens still in use, newest first. */
export async function listApiTokens(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  organisationId: string,
): Promise<ApiTokenSummary[]> {
  if (!canManageTokens(actor, organisationId)) throw new NotFoundError('Page');
  return db
    .selectFrom('api_tokens')
    .leftJoin('users', 'users.id', 'api_tokens.created_by')
    .select((eb) => [
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.created_at as createdAt',
      eb
        .case()
        .when('users.id', 'is not', null)
        .then(eb.fn<string>('concat_ws', [eb.val(' '), 'users.first_name', 'users.last_name']))
        .else(null)
        .end()
        .as('createdByName'),
      'api_tokens.last_used_at as lastUsedAt',
    ])
    .where('api_tokens.organisation_id', '=', organisationId)
    .where('api_tokens.revoked_at', 'is', null)
    .orderBy('api_tokens.created_at', 'desc')
    .orderBy('api_tokens.id')
    .execute();
}

/** One of the organisation's tokens still in use; a revoked one, or another organisation's, is not found. */
export async function findApiToken(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  organisationId: string,
  tokenId: string,
): Promise<ApiTokenSummary> {
  const token = isUuid(tokenId)
    ? (await listApiTokens(db, actor, organisationId)).find((t) => t.id === tokenId)
    : undefined;
  if (!token) throw new NotFoundError('API token');
  return token;
}

/** Stops a token working at once. Revoking one already revoked is not found (it is gone from the list). */
export async function revokeApiToken(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  organisationId: string,
  tokenId: string,
  via = 'page',
): Promise<ApiToken> {
  if (!canManageTokens(actor, organisationId)) throw new NotFoundError('Page');
  if (!isUuid(tokenId)) throw new NotFoundError('API token');
  return inTransaction(db, async (tx) => {
    const revoked = await tx
      .updateTable('api_tokens')
      .set({ revoked_at: new Date(), revoked_by: actorIds(actor).actorUserId })
      .where('id', '=', tokenId)
      .where('organisation_id', '=', organisationId)
      .where('revoked_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (!revoked) throw new NotFoundError('API token');
    await recordEvents(tx, actor, via, [
      {
        organisationId,
        subjectType: 'api_token',
        subjectId: revoked.id,
        action: 'revoked',
        changes: { name: { from: revoked.name }, revoked_at: { to: revoked.revoked_at } },
      },
    ]);
    return revoked;
  });
}

/**
 * Who a token acts as: its organisation, as the person who made the token (with a member's
 * role: a token never manages users or tokens). Undefined for an unknown or revoked token.
 */
export async function findActorByToken(db: Kysely<DB>, token: string): Promise<ApiActor | undefined> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > 200) return undefined;
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('organisations', 'organisations.id', 'api_tokens.organisation_id')
    .leftJoin('users', 'users.id', 'api_tokens.created_by')
    .select([
      'api_tokens.id',
      'api_tokens.name',
      'api_tokens.last_used_at',
      'api_tokens.allow_learner_data',
      'users.id as userId',
      'users.email',
      'users.first_name',
      'users.last_name',
      'organisations.id as organisationId',
      'organisations.type',
      'organisations.name as organisationName',
    ])
    .where('api_tokens.token_hash', '=', hashToken(token))
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const now = new Date();
  if (!row.last_used_at || now.getTime() - new Date(row.last_used_at).getTime() > TOUCH_AFTER_MS) {
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: now })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
      .execute();
  }
  return {
    // A token made on the command line has no person behind it.
    ...toActor({
      person: { userId: row.userId, email: row.email, firstName: row.first_name, lastName: row.last_name },
      organisation: { id: row.organisationId, type: row.type, name: row.organisationName },
      role: 'member',
      unnamed: { firstName: 'API token', lastName: row.name },
    }),
    tokenId: row.id,
    tokenName: row.name,
    allowLearnerData: row.allow_learner_data && row.type === 'school',
  };
}
