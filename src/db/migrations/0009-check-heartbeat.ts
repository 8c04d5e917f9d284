import { type Kysely, sql } from 'kysely';

// A background check that stops (its process killed or crashed) is found and started again
// (src/uploads/stalled-checks.ts): while it runs, a check touches check_heartbeat_at every few
// seconds; check_attempts counts its starts, so one that keeps stopping is failed, and so that an
// attempt superseded by a newer one cannot write its result.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table uploads add column check_heartbeat_at timestamptz`,
    sql`alter table uploads add column check_attempts integer not null default 0`,
    // Checks already running when this is applied get a minute to finish before they count as stopped.
    sql`update uploads set check_heartbeat_at = now() where state = 'checking'`,
    // The sweep runs every minute in every process: it only ever reads these few uploads.
    sql`create index uploads_unchecked on uploads (state) where state in ('received', 'checking')`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`drop index uploads_unchecked`,
    sql`alter table uploads drop column check_attempts`,
    sql`alter table uploads drop column check_heartbeat_at`,
  ];
  for (const statement of statements) await statement.execute(db);
}
