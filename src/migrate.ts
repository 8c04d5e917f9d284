// npm run migrate: bring the database up to the latest migration, then stop.
// (The service also migrates at every start; this is for deployments that migrate first.)
import { ConfigError, loadConfig } from './config.ts';
import { migrateToLatest, openDatabase } from './db/database.ts';

async function migrate() {
  const config = loadConfig();
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
  });
  try {
    await migrateToLatest(database.db);
    console.log(
      `Migrations are up to date on ${database.kind === 'pglite' ? `the embedded database in ${config.dataDir}` : 'PostgreSQL'}`,
    );
  } finally {
    await database.close();
  }
}

migrate().catch((error) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
