// What every kind's benchmark set-up starts from: a provider, its admin and N trainees (all
// eligible for recommendation, with HESA IDs), and a way to read the provider's template as rows.
import Papa from 'papaparse';
import type { Database } from '../src/db/database.ts';
import { demoTrainees } from '../src/demo/trainees.ts';
import { type Actor, SYSTEM } from '../src/domain/organisations/actor.ts';
import { createOrganisation } from '../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../src/domain/organisations/users.ts';
import { insertTrainees } from '../src/domain/trainees/trainees.ts';
import { templateFile } from '../src/uploads/template.ts';

export async function seedProviderWithTrainees(
  database: Database,
  rows: number,
  today: string,
  routes = ['provider_led_postgrad', 'early_years_postgrad', 'school_direct_salaried'],
): Promise<Actor> {
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
      routes,
      withHesaIds: true,
      today,
    }),
  );
  return {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: provider.id, type: provider.type, name: provider.name },
    role: 'admin',
  };
}

/** The kind's CSV template for the actor, as a heading row and data rows to fill in. */
export async function templateRows(database: Database, actor: Actor, kindId: string, today: string) {
  const template = await templateFile(database.db, actor, kindId, 'csv', today);
  const [headers, ...rows] = Papa.parse<string[]>(template.body.toString('utf8').replace(/^\uFEFF/, ''), {
    skipEmptyLines: true,
  }).data;
  return { headers, rows };
}
