// Benchmark set-up for the placements kind: a provider with N trainees and no placements, 2,000
// schools in the register, and the fewer-than-2 template with 2 placements by URN in every row,
// so that every row is a change (2N placements to add).
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { upsertSchools } from '../../src/domain/schools/schools.ts';
import { seedProviderWithTrainees, templateRows } from '../bench-provider.ts';

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
  await sql`analyze schools`.execute(database.db);
  const actor = await seedProviderWithTrainees(database, rows, today);
  const { headers, rows: data } = await templateRows(database, actor, 'placements', today);
  const first = headers.indexOf('Placement 1 URN');
  const second = headers.indexOf('Placement 2 URN');
  data.forEach((row, i) => {
    row[first] = String(FIRST_URN + (i % SCHOOLS));
    row[second] = String(FIRST_URN + ((i + 1) % SCHOOLS));
  });
  return { actor, csv: Papa.unparse([headers, ...data]) };
}
