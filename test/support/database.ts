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

  const schema = `test_${randomBytes(6).toString('hex')}`;
  const database = await openDatabase({ databaseUrl: testDatabaseUrl, schema, maxConnections: 5 });
  // Made through the pool that will use it (a schema made on a separate connection was once not
  // found by the migrations that followed, under load).
  await database.pool?.query(`create schema if not exists ${schema}`);
  await migrateToLatest(database.db, { schema });
  const close = database.close;
  return {
    ...database,
    schema,
    async close() {
      await close();
      const cleanup = new pg.Client({ connectionString: testDatabaseUrl });
      await cleanup.connect();
      await cleanup.query(`drop schema ${schema} cascade`);
      await cleanup.end();
    },
  };
}

/** Builds the PGlite template ahead of a test run (scripts/test.ts), so files do not race to build it. */
export async function prepareTemplate(): Promise<void> {
  await pgliteTemplate();
}
