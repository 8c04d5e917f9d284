// A scratch database for a benchmark run: in-memory PGlite, or a PostgreSQL database made on
// BENCH_DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres) and dropped after.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, migrateToLatest, openDatabase } from '../src/db/database.ts';

export async function openBenchDatabase(
  kind: 'pglite' | 'postgres',
): Promise<{ database: Database; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const database = await openDatabase({});
    await migrateToLatest(database.db);
    return { database, drop: () => database.close() };
  }
  const adminUrl = process.env.BENCH_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `rollbook_bench_${randomBytes(4).toString('hex')}`;
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    const database = await openDatabase({ databaseUrl: url.href });
    await migrateToLatest(database.db);
    return {
      database,
      async drop() {
        // The database goes even if closing the pool fails (a pool already ended, say).
        try {
          await database.close();
        } finally {
          await admin(`drop database if exists ${name} with (force)`);
        }
      },
    };
  } catch (error) {
    await admin(`drop database if exists ${name} with (force)`);
    throw error;
  }
}

/**
 * Where a benchmark's data lives when more than one process uses it (the set-up runs in a child
 * process, so the measured process's peak memory is the pipeline's own): a PGlite data
 * directory, or a scratch PostgreSQL database. Both are removed by drop().
 */
export async function createBenchTarget(
  kind: 'pglite' | 'postgres',
): Promise<{ options: { databaseUrl?: string; dataDir?: string }; drop(): Promise<void> }> {
  if (kind === 'pglite') {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-bench-'));
    return { options: { dataDir }, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  }
  const { database, drop } = await openBenchDatabase('postgres');
  const databaseUrl = database.connectionString;
  await database.pool?.end();
  return {
    options: { databaseUrl },
    async drop() {
      await drop().catch(() => {});
    },
  };
}
