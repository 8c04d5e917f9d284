// Demo data with fixed identifiers that guides and tests rely on (listed in the README).
import { readFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { DB, Role } from './db/schema.ts';
import { loadDemoPlacements } from './demo-placements.ts';
import { loadSignOffDemo } from './demo-sign-off.ts';
import { demoTrainees } from './demo-trainees.ts';
import { SYSTEM } from './domain/organisations/actor.ts';
import { createOrganisation } from './domain/organisations/organisations.ts';
import { verifyPassword } from './domain/organisations/passwords.ts';
import { addUserToOrganisation } from './domain/organisations/users.ts';
import { upsertSchools } from './domain/schools/schools.ts';
import { insertTrainees } from './domain/trainees/trainees.ts';
import { parseGiasCsv } from './integrations/schools-register/gias-csv.ts';

export const DEMO_PASSWORD = 'rollbook-demo';
const DEMO_SCHOOLS_FILE = new URL('../data/demo-schools.csv', import.meta.url);
const VIA = 'demo data';

export const DEMO = {
  scitt: { name: 'Rollbook Demo SCITT', ukprn: '10000001', providerCode: '1DS', postcode: 'LS2 7DJ' },
  university: { name: 'Rollbook Demo University', ukprn: '10000002', providerCode: '2DU', postcode: 'NR4 6TJ' },
  school: { name: 'Rollbook Demo Primary School', urn: '100001' },
  appropriateBody: { name: 'Rollbook Demo Teaching School Hub' },
  support: { name: 'Rollbook Support' },
} as const;

export async function isDatabaseEmpty(db: Kysely<DB>): Promise<boolean> {
  const row = await db.selectFrom('organisations').select('id').limit(1).executeTakeFirst();
  return !row;
}

/** Loads the demo organisations, schools and users. Refuses to run twice. */
export async function loadDemoData(db: Kysely<DB>): Promise<void> {
  if (!(await isDatabaseEmpty(db))) {
    throw new Error('Demo data can only be loaded into a database with no organisations');
  }
  const { schools } = parseGiasCsv(await readFile(DEMO_SCHOOLS_FILE));
  await upsertSchools(db, schools);

  const scitt = await createOrganisation(db, SYSTEM, { type: 'provider', providerType: 'scitt', ...DEMO.scitt }, VIA);
  const university = await createOrganisation(
    db,
    SYSTEM,
    { type: 'provider', providerType: 'hei', ...DEMO.university },
    VIA,
  );
  const school = await createOrganisation(db, SYSTEM, { type: 'school', ...DEMO.school }, VIA);
  const hub = await createOrganisation(
    db,
    SYSTEM,
    { type: 'appropriate_body', appropriateBodyType: 'teaching_school_hub', ...DEMO.appropriateBody },
    VIA,
  );
  const support = await createOrganisation(db, SYSTEM, { type: 'support', ...DEMO.support }, VIA);

  await insertTrainees(db, [
    ...demoTrainees({
      providerId: scitt.id,
      count: 640,
      eligible: 540,
      firstTrn: 2000001,
      idPrefix: 'DS',
      routes: [
        'provider_led_postgrad',
        'school_direct_salaried',
        'school_direct_fee_funded',
        'pg_teaching_apprenticeship',
        'assessment_only',
        'early_years_postgrad',
        'early_years_assessment_only',
      ],
      withHesaIds: false,
    }),
    ...demoTrainees({
      providerId: university.id,
      count: 220,
      eligible: 160,
      firstTrn: 3000001,
      idPrefix: 'U',
      routes: [
        'provider_led_postgrad',
        'provider_led_undergrad',
        'opt_in_undergrad',
        'teacher_degree_apprenticeship',
        'early_years_undergrad',
      ],
      withHesaIds: true,
    }),
  ]);
  await loadDemoPlacements(db, VIA);
  await loadSignOffDemo(db, scitt.id);

  const ids: Record<keyof typeof DEMO, string> = {
    scitt: scitt.id,
    university: university.id,
    school: school.id,
    appropriateBody: hub.id,
    support: support.id,
  };
  for (const [organisation, email, firstName, lastName, role] of DEMO_PEOPLE) {
    await addUserToOrganisation(
      db,
      SYSTEM,
      ids[organisation],
      { email, firstName, lastName, role, password: DEMO_PASSWORD },
      VIA,
    );
  }
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
