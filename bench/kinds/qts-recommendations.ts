// Benchmark set-up for the qts-recommendations kind: a provider with N eligible trainees and
// their prefilled template with today's date in every row, so that every row is a change.
import { sql } from 'kysely';
import Papa from 'papaparse';
import type { Database } from '../../src/db/database.ts';
import { demoTrainees } from '../../src/demo-trainees.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { insertTrainees } from '../../src/domain/trainees/trainees.ts';
import { templateFile } from '../../src/uploads/template.ts';

export async function seedBench(
  database: Database,
  rows: number,
  today: string,
): Promise<{ actor: Actor; csv: string }> {
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
  const actor: Actor = {
    userId: user.id,
    email: user.email,
    firstName: user.first_name,
    lastName: user.last_name,
    organisation: { id: provider.id, type: provider.type, name: provider.name },
    role: 'admin',
  };
  const template = await templateFile(database.db, actor, 'qts-recommendations', 'csv', today);
  const [headers, ...data] = Papa.parse<string[]>(template.body.toString('utf8').replace(/^\uFEFF/, ''), {
    skipEmptyLines: true,
  }).data;
  const [y, m, d] = today.split('-');
  // The standards date is the last column.
  for (const row of data) row[headers.length - 1] = `${d}/${m}/${y}`;
  return { actor, csv: Papa.unparse([headers, ...data]) };
}
