import type { OrganisationType, Role } from '../../db/schema.ts';

/** Who is acting, and for which organisation. Every scoped read or write takes one. */
export interface Actor {
  /** Null for an API token made on the command line: no person is behind it. */
  userId: string | null;
  email: string;
  firstName: string;
  lastName: string;
  organisation: { id: string; type: OrganisationType; name: string };
  role: Role;
}

/** The command line and demo data act as the system, with no user behind them. */
export const SYSTEM = 'system' as const;
export type ActorOrSystem = Actor | typeof SYSTEM;

export function isSupport(actor: Actor): boolean {
  return actor.organisation.type === 'support';
}

/** Admins manage their own organisation's users; support users manage any organisation's. */
export function canManageUsers(actor: ActorOrSystem, organisationId: string): boolean {
  if (actor === SYSTEM) return true;
  if (isSupport(actor)) return true;
  return actor.organisation.id === organisationId && actor.role === 'admin';
}

export function actorIds(actor: ActorOrSystem): { actorUserId: string | null; actorOrganisationId: string | null } {
  return actor === SYSTEM
    ? { actorUserId: null, actorOrganisationId: null }
    : { actorUserId: actor.userId, actorOrganisationId: actor.organisation.id };
}
