import { type Kysely, sql } from 'kysely';

// The record each staged row is about (a kind whose records may take one row only): rows that
// share one are found in SQL after staging, so that a check of a million rows keeps no map of a
// million keys in the web process.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table upload_rows add column record_key text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table upload_rows drop column record_key`.execute(db);
}
