// Set-up for bench/upload.ts, run as its own process so that the benchmark's peak memory is the
// pipeline's alone: a provider with N eligible trainees, and their template filled with today's
// date, written to a file. Prints the actor and the file as JSON.
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import Papa from 'papaparse';
import { migrateToLatest, openDatabase } from '../src/db/database.ts';
import { demoTrainees } from '../src/demo-trainees.ts';
import { today as todayInEngland } from '../src/domain/dates.ts';
import type { Actor } from '../src/domain/organisations/actor.ts';
import { SYSTEM } from '../src/domain/organisations/actor.ts';
import { createOrganisation } from '../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../src/domain/organisations/users.ts';
import { insertTrainees } from '../src/domain/trainees/trainees.ts';
import { templateFile } from '../src/uploads/template.ts';

const { rows, databaseUrl, dataDir, file } = JSON.parse(process.argv[2] ?? '{}') as {
  rows: number;
  databaseUrl?: string;
  dataDir?: string;
  file: string;
};
const today = todayInEngland();
const database = await openDatabase({ databaseUrl, dataDir });
await migrateToLatest(database.db);
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
for (const row of data) row[headers.length - 1] = `${d}/${m}/${y}`;
writeFileSync(file, Papa.unparse([headers, ...data]));
await database.close();
console.log(JSON.stringify({ actor }));
