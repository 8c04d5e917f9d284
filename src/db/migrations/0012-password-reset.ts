import { type Kysely, sql } from 'kysely';

// Forgotten passwords: a reset link is a one-time token like a set-up link, told apart by its
// purpose (it lasts 2 hours, not 7 days, and only a reset link opens the reset page). Requests for
// one are throttled like sign-ins, in the same table, counted apart by their purpose.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table password_setup_tokens add column purpose text not null default 'set-up'
      check (purpose in ('set-up', 'reset'))`,
    sql`alter table password_setup_tokens add column created_at timestamptz not null default now()`,
    // Setting a password voids the user's other links.
    sql`create index password_setup_tokens_user on password_setup_tokens (user_id) where used_at is null`,
    sql`alter table sign_in_attempts add column purpose text not null default 'sign-in'
      check (purpose in ('sign-in', 'password-reset'))`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table sign_in_attempts drop column purpose`,
    sql`drop index password_setup_tokens_user`,
    sql`alter table password_setup_tokens drop column created_at`,
    sql`alter table password_setup_tokens drop column purpose`,
  ];
  for (const statement of statements) await statement.execute(db);
}
