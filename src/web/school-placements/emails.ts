// Telling a provider's users that a school assigned them a placement, or took one back. The emails
// name the school and its placement contact, so the provider knows who to talk to.
import type { Kysely } from 'kysely';
import type { DB, OfferedPlacement, Organisation, SchoolContact } from '../../db/schema.ts';
import { academicYearName } from '../../domain/dates.ts';
import { listOrganisationUsers } from '../../domain/organisations/users.ts';
import { termsText } from '../../domain/placements/offered-placements.ts';
import { contactName } from '../../domain/placements/school-contacts.ts';
import { placementTitle } from '../../domain/placements/subjects.ts';
import type { Notify } from '../../integrations/notify/notify.ts';

export interface PlacementNews {
  change: 'assigned' | 'removed';
  provider: Organisation;
  placement: OfferedPlacement;
  contact: SchoolContact;
}

/** Sends one email to every user of the provider, in the transaction that made the change. */
export async function tellProviderUsers(db: Kysely<DB>, notify: Notify, news: PlacementNews): Promise<number> {
  const { change, provider, placement, contact } = news;
  const school = await db
    .selectFrom('organisations')
    .select(['name', 'urn'])
    .where('id', '=', placement.school_id)
    .executeTakeFirstOrThrow();
  const schoolName = school.urn ? `${school.name} (URN ${school.urn})` : school.name;
  const what = `${placementTitle(placement)}, ${academicYearName(placement.academic_year)}, ${termsText(placement.terms)}`;
  const name = contactName(contact);
  const contactLine = name
    ? `The school’s placement contact is ${name}, ${contact.email}.`
    : `The school’s placement contact is ${contact.email}.`;
  const subject =
    change === 'assigned'
      ? `${school.name} has assigned a placement to ${provider.name}`
      : `${school.name} has removed ${provider.name} from a placement`;
  const lines =
    change === 'assigned'
      ? [
          `${schoolName} has assigned this placement to ${provider.name}:`,
          what,
          contactLine,
          'Email them to arrange which trainee will take the placement. Sign in to Rollbook and choose “Placements assigned to you” to see it.',
        ]
      : [
          `${schoolName} has removed ${provider.name} from this placement:`,
          what,
          'It no longer appears in your placements on Rollbook.',
          contactLine,
          'Email them if you did not expect this.',
        ];
  const users = await listOrganisationUsers(db, provider.id);
  for (const user of users) {
    await notify.send(db, { to: user.email, subject, body: [`Dear ${user.firstName},`, ...lines].join('\n\n') });
  }
  return users.length;
}
