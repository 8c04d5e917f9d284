// A school's placement contact: the one person (or shared mailbox) providers email about its
// placements. Added once, changed any time, never removed (the table's trigger refuses a delete),
// so a school's placements always have someone to contact.
import type { Kysely } from 'kysely';
import type { DB, SchoolContact } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { type Changes, recordEvents } from '../audit/events.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { normaliseEmail } from '../identifiers.ts';
import type { Actor } from '../organisations/actor.ts';
import { ValidationErrors } from '../organisations/users.ts';

export interface SchoolContactInput {
  firstName?: string;
  lastName?: string;
  email?: string;
}

const NAME_MAX = 100;

/** Only a school's own people manage its placement contact; for anyone else the pages do not exist. */
export function schoolOf(actor: Actor): string {
  if (actor.organisation.type !== 'school') throw new NotFoundError('Page');
  return actor.organisation.id;
}

export async function findSchoolContact(db: Kysely<DB>, schoolId: string): Promise<SchoolContact | undefined> {
  return db.selectFrom('school_contacts').selectAll().where('school_id', '=', schoolId).executeTakeFirst();
}

/**
 * The placement contacts of the schools with these URNs that use Rollbook, by URN: what a trainee's
 * placement shows, so the provider knows whom to email about it.
 */
export async function findSchoolContactsByUrn(
  db: Kysely<DB>,
  urns: readonly (string | null)[],
): Promise<Map<string, SchoolContact>> {
  const wanted = [...new Set(urns.filter((urn): urn is string => Boolean(urn)))];
  if (!wanted.length) return new Map();
  const rows = await db
    .selectFrom('school_contacts')
    .innerJoin('organisations', 'organisations.id', 'school_contacts.school_id')
    .selectAll('school_contacts')
    .select('organisations.urn')
    .where('organisations.type', '=', 'school')
    .where('organisations.urn', 'in', wanted)
    .execute();
  return new Map(rows.map(({ urn, ...contact }) => [urn as string, contact]));
}

/** "First Last", or nothing when neither name was given (a shared mailbox). */
export function contactName(contact: Pick<SchoolContact, 'first_name' | 'last_name'>): string {
  return [contact.first_name, contact.last_name].filter(Boolean).join(' ');
}

function validateContact(input: SchoolContactInput) {
  const errors: DomainError[] = [];
  const firstName = input.firstName?.trim() ?? '';
  const lastName = input.lastName?.trim() ?? '';
  const rawEmail = input.email?.trim() ?? '';
  const email = normaliseEmail(rawEmail)?.toLowerCase();
  if (firstName.length > NAME_MAX) {
    errors.push(new DomainError(`First name must be ${NAME_MAX} characters or fewer`, 'firstName'));
  }
  if (lastName.length > NAME_MAX) {
    errors.push(new DomainError(`Last name must be ${NAME_MAX} characters or fewer`, 'lastName'));
  }
  if (!rawEmail) {
    errors.push(new DomainError('Enter the email address providers should use to contact your school', 'email'));
  } else if (!email) {
    errors.push(new DomainError('Enter an email address in the correct format, like name@example.com', 'email'));
  }
  if (errors.length || !email) throw new ValidationErrors(errors);
  return { first_name: firstName || null, last_name: lastName || null, email };
}

/**
 * Adds the acting school's placement contact, or changes it. Returns whether it was added, so the
 * page can say which. Audited as a change to the school, from → to.
 */
export async function saveSchoolContact(
  db: Kysely<DB>,
  actor: Actor,
  input: SchoolContactInput,
  via = 'page',
): Promise<{ contact: SchoolContact; added: boolean }> {
  const schoolId = schoolOf(actor);
  const values = validateContact(input);
  return inTransaction(db, async (tx) => {
    const before = await tx
      .selectFrom('school_contacts')
      .selectAll()
      .where('school_id', '=', schoolId)
      .forUpdate()
      .executeTakeFirst();
    // An upsert, so two first saves at once both land: the later one as a change.
    const contact = await tx
      .insertInto('school_contacts')
      .values({ school_id: schoolId, ...values, updated_by: actor.userId })
      .onConflict((oc) =>
        oc.column('school_id').doUpdateSet({ ...values, updated_by: actor.userId, updated_at: new Date() }),
      )
      .returningAll()
      .executeTakeFirstOrThrow();
    const changes: Changes = {};
    for (const key of ['first_name', 'last_name', 'email'] as const) {
      if ((before?.[key] ?? null) !== values[key]) {
        changes[key] = before ? { from: before[key], to: values[key] } : { to: values[key] };
      }
    }
    if (!before || Object.keys(changes).length) {
      await recordEvents(tx, actor, via, [
        {
          organisationId: schoolId,
          subjectType: 'school',
          subjectId: schoolId,
          action: before ? 'placement contact changed' : 'placement contact added',
          changes,
        },
      ]);
    }
    return { contact, added: !before };
  });
}
