// npm run migrate: bring the database up to the latest migration, then stop.
// (The service also migrates at every start; this is for deployments that migrate first.)
import { ConfigError, loadConfig } from './config.ts';
import { DataDirInUseError } from './db/data-dir-lock.ts';
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
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else if (error instanceof DataDirInUseError) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
