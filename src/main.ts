// Start: config → database → migrations → demo data → services (adapters, jobs) → http.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { DataDirInUseError } from './db/data-dir-lock.ts';
import { migrateToLatest, openDatabase } from './db/database.ts';
import { DEMO_PASSWORD, demoUsersToSignInAs, isDatabaseEmpty, loadDemoData } from './demo/index.ts';
import { deleteOldAttempts } from './integrations/sign-in/throttle.ts';
import { createServices } from './services.ts';
import { deleteExpiredSessions } from './web/sessions.ts';

const HOUSEKEEPING_MS = 15 * 60_000;

async function main() {
  const config = loadConfig();
  if (!existsSync(new URL('../public/rollbook.css', import.meta.url))) {
    execFileSync(process.execPath, [fileURLToPath(new URL('../scripts/build-css.js', import.meta.url))], {
      stdio: 'inherit',
    });
  }
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.databaseUrl ? undefined : config.dataDir,
  });
  await migrateToLatest(database.db);
  if (config.demoData && (await isDatabaseEmpty(database.db))) await loadDemoData(database.db);

  const services = await createServices(config, database);
  const app = await buildApp(services);
  const housekeeping = setInterval(() => {
    Promise.all([deleteExpiredSessions(database.db), deleteOldAttempts(database.db)]).catch((err) =>
      app.log.error({ err }, 'housekeeping failed'),
    );
  }, HOUSEKEEPING_MS);
  housekeeping.unref();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'stopping');
    clearInterval(housekeeping);
    await app.close();
    await services.jobs.stop();
    await database.close(); // flushes PGlite to disk, or closes the PostgreSQL pool
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  app.log.info(
    `Rollbook is running: open ${config.baseUrl} (${database.kind === 'pglite' ? `embedded PGlite in ${config.dataDir}` : 'PostgreSQL'})`,
  );
  if (database.kind === 'pglite') {
    const demoUsers = await demoUsersToSignInAs(database.db);
    if (demoUsers.length) {
      const list = demoUsers.map((user) => `${user.email} (${user.organisations.join(', ') || 'no organisation'})`);
      app.log.info(
        { demoUsers: demoUsers.map((user) => user.email) },
        `Sign in as a demo user with the password ${DEMO_PASSWORD}: ${list.join('; ')}`,
      );
    }
  }
}

main().catch((error) => {
  if (error instanceof ConfigError) console.error(`Configuration error: ${error.message}`);
  else if (error instanceof DataDirInUseError) console.error(`Error: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
