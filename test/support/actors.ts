import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { findUserByEmail } from '../../src/domain/organisations/users.ts';

/** The actor a demo user would be when acting for the organisation with this reference. */
export async function actorFor(db: Kysely<DB>, email: string, organisationReference: string): Promise<Actor> {
  const user = await findUserByEmail(db, email);
  const organisation = await findOrganisationByReference(db, organisationReference);
  if (!user) throw new Error(`No user ${email}`);
  const membership = await db
    .selectFrom('memberships')
    .select('role')
    .where('user_id', '=', user.id)
    .where('organisation_id', '=', organisation.id)
    .executeTakeFirstOrThrow();
  return {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: organisation.id, type: organisation.type, name: organisation.name },
    role: membership.role,
  };
}
