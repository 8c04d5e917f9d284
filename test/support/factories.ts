// Records made for a test, so that a test asserts what it made rather than counts from the demo
// data: providers (with an admin actor), their trainees, and schools in the register.
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { demoTrainees } from '../../src/demo/trainees.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import { type Actor, SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import { insertTrainees } from '../../src/domain/trainees/trainees.ts';

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
