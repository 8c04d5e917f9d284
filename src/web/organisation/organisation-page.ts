// What the organisation page shows, for its own users and for support users alike.

import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { type Actor, canManageUsers } from '../../domain/organisations/actor.ts';
import { canManageTokens } from '../../domain/organisations/api-tokens.ts';
import {
  APPROPRIATE_BODY_TYPE_NAMES,
  findOrganisationDetails,
  ORGANISATION_TYPE_NAMES,
  PROVIDER_TYPE_NAMES,
} from '../../domain/organisations/organisations.ts';
import { listOrganisationUsers, ROLE_NAMES } from '../../domain/organisations/users.ts';
import { findSchoolContact } from '../../domain/placements/school-contacts.ts';

export async function organisationPage(db: Kysely<DB>, actor: Actor, organisationId: string, basePath: string) {
  const organisation = await findOrganisationDetails(db, organisationId);
  if (!organisation) throw new NotFoundError('Organisation');
  const row = (key: string, value: string | null | undefined) =>
    value ? { key: { text: key }, value: { text: value } } : null;
  const details = [
    row('Name', organisation.name),
    row('Type', ORGANISATION_TYPE_NAMES[organisation.type]),
    row('Kind of provider', organisation.provider_type && PROVIDER_TYPE_NAMES[organisation.provider_type]),
    row(
      'Kind of appropriate body',
      organisation.appropriate_body_type && APPROPRIATE_BODY_TYPE_NAMES[organisation.appropriate_body_type],
    ),
    row('UKPRN', organisation.ukprn),
    row('Provider code', organisation.provider_code),
    row('URN', organisation.urn),
    row('Postcode', organisation.school?.postcode ?? organisation.postcode),
    row('Phase', organisation.school?.phase),
    row('Local authority', organisation.school?.localAuthority),
  ].filter(Boolean);
  const users = await listOrganisationUsers(db, organisation.id);
  // A school's placement contact comes first; only the school itself changes it.
  const placementContact =
    organisation.type === 'school'
      ? {
          contact: await findSchoolContact(db, organisation.id),
          canChange: actor.organisation.id === organisation.id,
        }
      : undefined;
  return {
    organisation,
    placementContact,
    details,
    users: users.map((user) => ({ ...user, roleName: ROLE_NAMES[user.role], isYou: user.id === actor.userId })),
    canManage: canManageUsers(actor, organisation.id),
    canManageTokens: canManageTokens(actor, organisation.id),
    // Its admins read its audit log (support users read every organisation's on the support pages).
    canReadAuditLog: actor.organisation.id === organisation.id && actor.role === 'admin',
    basePath,
  };
}
