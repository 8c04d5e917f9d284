import { type Kysely, sql } from 'kysely';

// What the upload pipeline now keeps per upload: the columns resolved for its file (a kind's
// fixed columns plus the file's own free ones), the rows above its header row (a header block),
// and, for a kind whose check looks things up in an outside system, the wait for that system:
// an upload is 'waiting' until retry_at, after lookup_failures failed tries.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table uploads add column columns jsonb`,
    sql`alter table uploads add column preamble jsonb`,
    sql`alter table uploads add column retry_at timestamptz`,
    sql`alter table uploads add column lookup_failures integer not null default 0`,
    sql`alter table uploads drop constraint uploads_state_check`,
    sql`
      alter table uploads add constraint uploads_state_check check (state in (
        'received', 'checking', 'waiting', 'checked', 'committing', 'committed', 'cancelled', 'failed', 'undone'))
    `,
    sql`drop index uploads_unchecked`,
    sql`create index uploads_unchecked on uploads (state) where state in ('received', 'checking', 'waiting')`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`update uploads set state = 'failed' where state = 'waiting'`,
    sql`drop index uploads_unchecked`,
    sql`create index uploads_unchecked on uploads (state) where state in ('received', 'checking')`,
    sql`alter table uploads drop constraint uploads_state_check`,
    sql`
      alter table uploads add constraint uploads_state_check check (state in (
        'received', 'checking', 'checked', 'committing', 'committed', 'cancelled', 'failed', 'undone'))
    `,
    sql`alter table uploads drop column lookup_failures`,
    sql`alter table uploads drop column retry_at`,
    sql`alter table uploads drop column preamble`,
    sql`alter table uploads drop column columns`,
  ];
  for (const statement of statements) await statement.execute(db);
}
