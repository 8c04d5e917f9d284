// Records made for a test, so that a test asserts what it made rather than counts from the demo
// data: providers (with an admin actor), their trainees, and schools in the register.
import type { Kysely } from 'kysely';
import type { AppropriateBodyType, DB } from '../../src/db/schema.ts';
import { demoTrainees } from '../../src/demo/trainees.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import { type Actor, SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import type { RecordTeacher } from '../../src/domain/ports/teaching-record.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import { insertTrainees } from '../../src/domain/trainees/trainees.ts';
import { addLocalRecordTeachers } from '../../src/integrations/teaching-record/local-induction.ts';

let made = 0;
/** A number no other record made by this process has used, for unique identifiers. */
const nextNumber = () => ++made;

/** A provider and its admin, as the actor the admin is when acting for it. */
export async function createProvider(
  db: Kysely<DB>,
  { name, providerType = 'scitt' }: { name?: string; providerType?: 'scitt' | 'hei' } = {},
): Promise<Actor> {
  const n = nextNumber();
  const organisation = await createOrganisation(db, SYSTEM, {
    type: 'provider',
    providerType,
    name: name ?? `Test Provider ${n}`,
    ukprn: String(10_500_000 + n),
  });
  const { user } = await addUserToOrganisation(db, SYSTEM, organisation.id, {
    email: `admin${n}@provider.test`,
    firstName: 'Pat',
    lastName: `Admin${n}`,
    role: 'admin',
    password: 'a-test-password-long-enough',
  });
  return {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: organisation.id, type: organisation.type, name: organisation.name },
    role: 'admin',
  };
}

/**
 * Trainees of the provider: the first `eligible` can be recommended now, the rest are spread over
 * other states. Routes are taken in turn from `routes`.
 */
export async function createTrainees(
  db: Kysely<DB>,
  provider: Actor,
  {
    count,
    eligible = count,
    routes = ['provider_led_postgrad'],
    withHesaIds = true,
    today = todayInEngland(),
  }: { count: number; eligible?: number; routes?: string[]; withHesaIds?: boolean; today?: string },
): Promise<void> {
  const n = nextNumber();
  await insertTrainees(
    db,
    demoTrainees({
      providerId: provider.organisation.id,
      count,
      eligible,
      firstTrn: 3_000_000 + n * 10_000,
      idPrefix: `T${n}`,
      routes,
      withHesaIds,
      today,
    }),
  );
}

/** A school in the schools register (open), by its URN. */
export async function createSchool(
  db: Kysely<DB>,
  { name, postcode = 'LS1 4AB', phase = 'Primary' }: { name?: string; postcode?: string; phase?: string } = {},
): Promise<{ urn: string; name: string }> {
  const n = nextNumber();
  const urn = String(900_000 + n);
  const school = {
    urn,
    name: name ?? `Test School ${n}`,
    postcode,
    phase,
    establishmentType: 'Community school',
    status: 'Open',
    localAuthority: 'Leeds',
    ukprn: null,
  };
  await upsertSchools(db, [school]);
  return { urn, name: school.name };
}

/**
 * A school organisation (with a school in the register) and one member of staff, as the actor they
 * are when acting for it: its admin unless `role` says otherwise.
 */
export async function createSchoolOrganisation(
  db: Kysely<DB>,
  { name, postcode = 'LS1 4AB', role = 'admin' }: { name?: string; postcode?: string; role?: 'admin' | 'member' } = {},
): Promise<Actor> {
  const school = await createSchool(db, { name, postcode });
  const organisation = await createOrganisation(db, SYSTEM, { type: 'school', urn: school.urn, postcode });
  const n = nextNumber();
  const { user } = await addUserToOrganisation(db, SYSTEM, organisation.id, {
    email: `staff${n}@school.test`,
    firstName: 'Sam',
    lastName: `Staff${n}`,
    role,
    password: 'a-test-password-long-enough',
  });
  return {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: organisation.id, type: organisation.type, name: organisation.name },
    role,
  };
}

/** The check letter a UPN needs (positions 2 to 13, each times its position, modulo 23). */
export function withUpnCheckLetter(last12: string): string {
  const letters = 'ABCDEFGHJKLMNPQRTUVWXYZ';
  let sum = 0;
  for (let i = 0; i < 12; i++) {
    const c = last12[i];
    sum += (/\d/.test(c) ? Number(c) : letters.indexOf(c)) * (i + 2);
  }
  return `${letters[sum % 23]}${last12}`;
}

/** A valid UPN made from a number, unique for each number (local authority 801, establishment 2000). */
export function testUpn(n: number): string {
  return withUpnCheckLetter(`8012000${String(n).padStart(5, '0')}`);
}
/** An organisation of any type with an admin, as the actor the admin is when acting for it. */
export async function createOrganisationWithAdmin(
  db: Kysely<DB>,
  input: Parameters<typeof createOrganisation>[2],
): Promise<Actor> {
  const n = nextNumber();
  const organisation = await createOrganisation(db, SYSTEM, input);
  const { user } = await addUserToOrganisation(db, SYSTEM, organisation.id, {
    email: `admin${n}@${input.type.replace('_', '-')}.test`,
    firstName: 'Alex',
    lastName: `Admin${n}`,
    role: 'admin',
    password: 'a-test-password-long-enough',
  });
  return {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: organisation.id, type: organisation.type, name: organisation.name },
    role: 'admin',
  };
}

/** An appropriate body (a teaching school hub unless said) and its admin. */
export async function createAppropriateBody(
  db: Kysely<DB>,
  { name, bodyType = 'teaching_school_hub' }: { name?: string; bodyType?: AppropriateBodyType } = {},
): Promise<Actor> {
  return createOrganisationWithAdmin(db, {
    type: 'appropriate_body',
    appropriateBodyType: bodyType,
    name: name ?? `Test Hub ${nextNumber()}`,
  });
}

/**
 * A teacher in the local teaching record: with QTS two years ago and induction required, unless
 * told otherwise. Each gets a TRN no other teacher of this process has.
 */
export async function createRecordTeacher(
  db: Kysely<DB>,
  overrides: Partial<RecordTeacher> = {},
): Promise<RecordTeacher> {
  const n = nextNumber();
  const teacher: RecordTeacher = {
    trn: String(7_000_000 + n),
    dateOfBirth: '1995-04-12',
    firstName: 'Jo',
    lastName: `Teacher${n}`,
    qtsDate: '2024-07-20',
    inductionStatus: 'RequiredToComplete',
    inductionStartDate: null,
    inductionCompletedDate: null,
    prohibited: false,
    ...overrides,
  };
  await addLocalRecordTeachers(db, [teacher]);
  return teacher;
}
