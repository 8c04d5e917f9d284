// Benchmark set-up for the placements kind: a provider with N trainees and no placements, 2,000
// schools in the register, and the fewer-than-2 template with 2 placements by URN in every row,
// so that every row is a change (2N placements to add).
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import { demoTrainees } from '../../src/demo-trainees.ts';
import { type Actor, SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import { insertTrainees } from '../../src/domain/trainees/trainees.ts';
import { templateFile } from '../../src/uploads/template.ts';

const SCHOOLS = 2_000;
const FIRST_URN = 700_000;

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
): Promise<{ actor: Actor; csv: string }> {
  await upsertSchools(
    database.db,
    Array.from({ length: SCHOOLS }, (_, i) => ({
      urn: String(FIRST_URN + i),
      name: `Benchmark School ${i + 1}`,
      postcode: 'LS1 4AB',
      phase: i % 2 ? 'Secondary' : 'Primary',
      establishmentType: 'Community school',
      status: 'Open',
      localAuthority: 'Northshire',
      ukprn: null,
    })),
  );
  const provider = await createOrganisation(database.db, SYSTEM, {
    type: 'provider',
    providerType: 'hei',
    name: 'Benchmark University',
    ukprn: '10099999',
  });
  const { user } = await addUserToOrganisation(database.db, SYSTEM, provider.id, {
    email: 'bench@example.com',
    firstName: 'Bench',
    lastName: 'Mark',
    role: 'admin',
    password: 'benchmark-password',
  });
  await insertTrainees(
    database.db,
    demoTrainees({
      providerId: provider.id,
      count: rows,
      eligible: rows,
      firstTrn: 5000000,
      idPrefix: 'B',
      routes: ['provider_led_postgrad', 'early_years_postgrad', 'school_direct_salaried'],
      withHesaIds: true,
      today,
    }),
  );
  await sql`analyze trainees`.execute(database.db);
  await sql`analyze schools`.execute(database.db);
  const actor: Actor = {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: provider.id, type: provider.type, name: provider.name },
    role: 'admin',
  };
  const template = await templateFile(database.db, actor, 'placements', 'csv', today);
  const [headers, ...data] = Papa.parse<string[]>(template.body.toString('utf8').replace(/^\uFEFF/, ''), {
    skipEmptyLines: true,
  }).data;
  const first = headers.indexOf('Placement 1 URN');
  const second = headers.indexOf('Placement 2 URN');
  data.forEach((row, i) => {
    row[first] = String(FIRST_URN + (i % SCHOOLS));
    row[second] = String(FIRST_URN + ((i + 1) % SCHOOLS));
  });
  return { actor, csv: Papa.unparse([headers, ...data]) };
}
