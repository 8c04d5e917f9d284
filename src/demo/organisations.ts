// The demo organisations and the people who sign in to them, with fixed names and identifiers that
// guides and tests rely on (the README lists them).
import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.ts';
import { SYSTEM } from '../domain/organisations/actor.ts';
import { createOrganisation } from '../domain/organisations/organisations.ts';
import { verifyPassword } from '../domain/organisations/passwords.ts';
import { addUserToOrganisation } from '../domain/organisations/users.ts';

export const DEMO_PASSWORD = 'rollbook-demo';

export const DEMO = {
  scitt: { name: 'Rollbook Demo SCITT', ukprn: '10000001', providerCode: '1DS', postcode: 'LS2 7DJ' },
  university: { name: 'Rollbook Demo University', ukprn: '10000002', providerCode: '2DU', postcode: 'NR4 6TJ' },
  school: { name: 'Rollbook Demo Primary School', urn: '100001' },
  appropriateBody: { name: 'Rollbook Demo Teaching School Hub' },
  support: { name: 'Rollbook Support' },
} as const;

/** The id of each demo organisation, by its key in `DEMO`. */
export type DemoOrganisationIds = Record<keyof typeof DEMO, string>;

export async function loadDemoOrganisations(db: Kysely<DB>, via: string): Promise<DemoOrganisationIds> {
  const scitt = await createOrganisation(db, SYSTEM, { type: 'provider', providerType: 'scitt', ...DEMO.scitt }, via);
  const university = await createOrganisation(
    db,
    SYSTEM,
    { type: 'provider', providerType: 'hei', ...DEMO.university },
    via,
  );
  const school = await createOrganisation(db, SYSTEM, { type: 'school', ...DEMO.school }, via);
  const hub = await createOrganisation(
    db,
    SYSTEM,
    { type: 'appropriate_body', appropriateBodyType: 'teaching_school_hub', ...DEMO.appropriateBody },
    via,
  );
  const support = await createOrganisation(db, SYSTEM, { type: 'support', ...DEMO.support }, via);
  return {
    scitt: scitt.id,
    university: university.id,
    school: school.id,
    appropriateBody: hub.id,
    support: support.id,
  };
}

/** The demo users and what they are members of (the README lists them). */
const DEMO_PEOPLE: [keyof typeof DEMO, string, string, string, Role][] = [
  ['scitt', 'provider@example.com', 'Priya', 'Shah', 'admin'],
  ['university', 'university@example.com', 'Tom', 'Okafor', 'admin'],
  ['school', 'school@example.com', 'Siân', 'Evans', 'admin'],
  ['appropriateBody', 'ab@example.com', 'Zoë', 'Whitfield', 'admin'],
  ['support', 'support@example.com', 'Sam', 'Reid', 'admin'],
  ['scitt', 'multi@example.com', 'Morgan', 'O’Brien', 'member'],
  ['university', 'multi@example.com', 'Morgan', 'O’Brien', 'member'],
];

export async function loadDemoUsers(db: Kysely<DB>, organisations: DemoOrganisationIds, via: string): Promise<void> {
  for (const [organisation, email, firstName, lastName, role] of DEMO_PEOPLE) {
    await addUserToOrganisation(
      db,
      SYSTEM,
      organisations[organisation],
      { email, firstName, lastName, role, password: DEMO_PASSWORD },
      via,
    );
  }
}

export interface DemoUser {
  email: string;
  /** The organisations they can act for, by name. */
  organisations: string[];
}

/**
 * The demo users in this database who can still sign in with the demo password, with what they act
 * for: none when there is no demo data, or every demo password has been changed.
 */
export async function demoUsersToSignInAs(db: Kysely<DB>): Promise<DemoUser[]> {
  const emails = [...new Set(DEMO_PEOPLE.map(([, email]) => email))];
  const rows = await db
    .selectFrom('users')
    .leftJoin('memberships', 'memberships.user_id', 'users.id')
    .leftJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select(['users.email', 'users.password_hash', 'organisations.name'])
    .where('users.email', 'in', emails)
    .orderBy('organisations.name')
    .execute();
  const users = await Promise.all(
    emails.map(async (email): Promise<DemoUser | undefined> => {
      const own = rows.filter((row) => row.email === email);
      if (own.length === 0 || !(await verifyPassword(DEMO_PASSWORD, own[0].password_hash))) return undefined;
      return { email, organisations: own.flatMap((row) => (row.name ? [row.name] : [])) };
    }),
  );
  return users.filter((user) => user !== undefined);
}
