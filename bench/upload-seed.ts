// Set-up for bench/upload.ts, run as its own process so that the benchmark's peak memory is the
// pipeline's alone: migrates the scratch database, runs the kind's bench/kinds/<kind>.ts set-up
// (its organisation, user and records) and writes its filled CSV to the file. Prints the actor as
// JSON.
import { writeFileSync } from 'node:fs';
import { type Database, migrateToLatest, openDatabase } from '../src/db/database.ts';
import { today as todayInEngland } from '../src/domain/dates.ts';
import type { Actor } from '../src/domain/organisations/actor.ts';

type SeedBench = (
  database: Database,
  rows: number,
  today: string,
  options: { fields?: number },
) => Promise<{ actor: Actor; csv: string }>;

const { kind, rows, fields, databaseUrl, dataDir, file } = JSON.parse(process.argv[2] ?? '{}') as {
  kind: string;
  rows: number;
  /** For a kind whose files name their own columns: how many the file has. */
  fields?: number;
  databaseUrl?: string;
  dataDir?: string;
  file: string;
};
const { seedBench } = (await import(new URL(`./kinds/${kind}.ts`, import.meta.url).href)) as { seedBench: SeedBench };
const database = await openDatabase({ databaseUrl, dataDir });
await migrateToLatest(database.db);
const { actor, csv } = await seedBench(database, rows, todayInEngland(), { fields });
writeFileSync(file, csv);
await database.close();
console.log(JSON.stringify({ actor }));
