// Opens Kysely over PostgreSQL (DATABASE_URL) or embedded PGlite (DATA_DIR), and runs migrations.
import { mkdirSync } from 'node:fs';
import type { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.ts';
import { migrations } from './migrations/index.ts';
import type { DB } from './schema.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** The embedded instance, when kind is 'pglite' (for COPY from a blob, dumps and jobs). */
  pglite?: PGlite;
  /** The PostgreSQL pool, when kind is 'postgres'. */
  pool?: pg.Pool;
  /** PostgreSQL only: for tools that open their own connections (the job queue). */
  connectionString?: string;
  /** PostgreSQL only: the schema worked in, when not the default. */
  schema?: string;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl?: string;
  /**
   * Directory for PGlite's files; undefined keeps an embedded database in memory. Only one process
   * at a time may open it: a second opener gets a DataDirInUseError naming the first.
   */
  dataDir?: string;
  /** An embedded database to start from (a dump of a migrated template, for tests). */
  loadDataDir?: Blob;
  /** PostgreSQL only: the schema to work in (tests use one fresh schema per file). */
  schema?: string;
  maxConnections?: number;
}

/** PostgreSQL's type id for `date`. */
const DATE_OID = 1082;
/**
 * Calendar dates stay 'yyyy-mm-dd' strings: parsing them into a Date at local midnight shifts
 * them by a day in some time zones. timestamptz becomes a Date; int8 stays a string (ids).
 */
const keepText = (value: string) => value;

/**
 * PostgreSQL settings for embedded PGlite, on top of its own start parameters. Its shared buffers
 * (128 MB by default) are written through when it starts, and WebAssembly memory is never given
 * back, so they were the largest part of an idle service's memory; 32 MB holds the pages an
 * embedded service works on (the demo database is about 40 MB on disk, most of it write-ahead log),
 * and pages beyond them are read back from the operating system's file cache.
 */
export const PGLITE_SETTINGS = ['shared_buffers=32MB'];

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === DATE_OID ? keepText : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
      },
      max: options.maxConnections ?? 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return {
      db,
      kind: 'postgres',
      pool,
      connectionString: options.databaseUrl,
      schema: options.schema,
      close: () => db.destroy(),
    };
  }
  if (options.dataDir) mkdirSync(options.dataDir, { recursive: true });
  // Taken before PGlite reads or writes anything in the folder.
  const lock = options.dataDir ? lockDataDir(options.dataDir) : undefined;
  let pglite: PGlite;
  try {
    // Loaded only for the embedded database: a service on PostgreSQL never holds it (about 11 MB).
    const [{ PGlite }, { pg_trgm }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/contrib/pg_trgm'),
    ]);
    pglite = new PGlite({
      parsers: { [DATE_OID]: keepText },
      // The trainee list's name search uses a trigram index (migration 0021).
      extensions: { pg_trgm },
      ...(options.dataDir ? { dataDir: options.dataDir } : {}),
      ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}),
      startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS.flatMap((setting) => ['-c', setting])],
    });
    await pglite.waitReady;
  } catch (error) {
    lock?.release();
    throw error;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: 'pglite',
    pglite,
    // Kysely's PGlite driver closes the instance, which flushes it to disk; then the folder is free.
    close: async () => {
      try {
        await db.destroy();
      } finally {
        lock?.release();
      }
    },
  };
}

/** schema: where the migration tables live; given for a schema per test so none finds another's. */
export async function migrateToLatest(db: Kysely<DB>, { schema }: { schema?: string } = {}): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // A helper's second migration (0014a-…) may arrive after later numbers have run somewhere.
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${String(error)}`);
  }
}
