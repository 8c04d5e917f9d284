import { type Kysely, sql } from 'kysely';

// One word for sending a checked upload's changes to the records, everywhere: users always saw
// "submit", while the states, the column and the API said "commit".
const STATES_BEFORE = `'received', 'checking', 'waiting', 'checked', 'committing', 'committed', 'cancelled', 'failed', 'undone'`;
const STATES_AFTER = `'received', 'checking', 'waiting', 'checked', 'submitting', 'submitted', 'cancelled', 'failed', 'undone'`;

async function rename(db: Kysely<unknown>, from: [string, string], to: [string, string], states: string) {
  const statements = [
    sql`alter table uploads drop constraint uploads_state_check`,
    sql`update uploads set state = case state when ${from[0]} then ${to[0]} else ${to[1]} end
        where state in (${from[0]}, ${from[1]})`,
    sql.raw(`alter table uploads add constraint uploads_state_check check (state in (${states}))`),
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await rename(db, ['committing', 'committed'], ['submitting', 'submitted'], STATES_AFTER);
  await sql`alter table uploads rename column committed_at to submitted_at`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table uploads rename column submitted_at to committed_at`.execute(db);
  await rename(db, ['submitting', 'submitted'], ['committing', 'committed'], STATES_BEFORE);
}
