// Each test file gets a fresh database: on PGlite a copy of a migrated template (built once and
// kept in .data/ until the migrations change); on PostgreSQL (TEST_DATABASE_URL) a fresh schema.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Database, migrateToLatest, openDatabase } from '../../src/db/database.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const migrationsDir = path.join(root, 'src/db/migrations');

export const testDatabaseUrl = process.env.TEST_DATABASE_URL || undefined;

function templateFile(): string {
  const hash = createHash('sha256');
  for (const file of readdirSync(migrationsDir).sort()) hash.update(readFileSync(path.join(migrationsDir, file)));
  return path.join(root, '.data', `test-template-${hash.digest('hex').slice(0, 12)}.tar`);
}

async function pgliteTemplate(): Promise<Blob> {
  const file = templateFile();
  if (!existsSync(file)) {
    const database = await openDatabase({});
    await migrateToLatest(database.db);
    const dump = await database.pglite?.dumpDataDir('none');
    await database.close();
    if (!dump) throw new Error('PGlite did not produce a dump');
    mkdirSync(path.dirname(file), { recursive: true });
    // Written aside then renamed, so test files starting together never read half a template.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, Buffer.from(await dump.arrayBuffer()));
    renameSync(partial, file);
  }
  return new Blob([readFileSync(file)]);
}

/**
 * dataDir: on PGlite, keep the database in this (empty) directory rather than in memory, so that
 * another process can open it once this one has closed it.
 */
export async function testDatabase({ dataDir }: { dataDir?: string } = {}): Promise<Database> {
  if (!testDatabaseUrl) return openDatabase({ dataDir, loadDataDir: await pgliteTemplate() });

  // Migrating a fresh schema has, rarely and only under heavy load, failed with "schema … does
  // not exist" for the schema just made (cause not found): such a set-up is tried again, with a
  // new schema, and said so on stderr.
  for (let attempt = 1; ; attempt++) {
    try {
      return await freshSchemaDatabase(testDatabaseUrl);
    } catch (error) {
      if (attempt >= 3 || !/schema "test_\w+" does not exist/.test(String(error))) throw error;
      console.error(`Test database set-up failed (${String(error)}); trying again`);
    }
  }
}

async function freshSchemaDatabase(url: string): Promise<Database> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ databaseUrl: url, schema, maxConnections: 5 });
  const dropSchema = async () => {
    const cleanup = new pg.Client({ connectionString: url });
    await cleanup.connect();
    await cleanup.query(`drop schema if exists ${schema} cascade`);
    await cleanup.end();
  };
  try {
    await database.pool?.query(`create schema if not exists ${schema}`);
    await migrateToLatest(database.db, { schema });
  } catch (error) {
    await database.close();
    await dropSchema();
    throw error;
  }
  const close = database.close;
  return {
    ...database,
    schema,
    async close() {
      await close();
      await dropSchema();
    },
  };
}

/** Builds the PGlite template ahead of a test run (scripts/test.ts), so files do not race to build it. */
export async function prepareTemplate(): Promise<void> {
  await pgliteTemplate();
}
