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
  /**
   * Set when a support user acts for another organisation (a provider): the support organisation
   * they act through. They act as an admin of `organisation`, and the audit log names this one.
   */
  support?: { organisationId: string; organisationName: string };
}

/**
 * The one way an actor is made, whoever it comes from: a session, an API token or a background
 * job (which acts as the person who uploaded). A token made on the command line, or an upload
 * whose person has gone, has no person: `unnamed` then names who acted.
 */
export function toActor({
  person,
  organisation,
  role,
  unnamed,
  support,
}: {
  person: { userId: string | null; email: string | null; firstName: string | null; lastName: string | null };
  organisation: Actor['organisation'];
  role: Role;
  unnamed: { firstName: string; lastName: string };
  support?: Actor['support'];
}): Actor {
  return {
    userId: person.userId,
    email: person.email ?? '',
    firstName: person.firstName ?? unnamed.firstName,
    lastName: person.lastName ?? unnamed.lastName,
    organisation,
    role,
    ...(support ? { support } : {}),
  };
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

/**
 * Who really acted, for the audit log: the user and the organisation they belong to. A support
 * user acting for a provider is named with their support organisation, not the provider.
 */
export function actorIds(actor: ActorOrSystem): { actorUserId: string | null; actorOrganisationId: string | null } {
  return actor === SYSTEM
    ? { actorUserId: null, actorOrganisationId: null }
    : { actorUserId: actor.userId, actorOrganisationId: actor.support?.organisationId ?? actor.organisation.id };
}
