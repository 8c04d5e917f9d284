import { type Kysely, sql } from 'kysely';

// Learners' own accounts for "Your school data": many pupils have no email address, so a school
// prints a sign-in letter with a one-time code (30 days; a new letter voids the old code), which
// the learner uses once to choose a password; then they sign in with the username on the letter
// (or an email address). Learners' sessions are their own, apart from staff sessions: a learner's
// session reaches only their own page.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`
      create table learner_accounts (
        learner_id uuid primary key references learners (id) on delete cascade,
        username text not null unique,
        email text unique,
        password_hash text,
        created_at timestamptz not null default now()
      )
    `,
    sql`
      create table learner_sign_in_codes (
        code_hash text primary key,
        learner_id uuid not null references learners (id) on delete cascade,
        expires_at timestamptz not null,
        used_at timestamptz,
        voided_at timestamptz,
        created_by uuid,
        created_at timestamptz not null default now()
      )
    `,
    sql`create index learner_sign_in_codes_learner on learner_sign_in_codes (learner_id)`,
    sql`
      create table learner_sessions (
        id_hash text primary key,
        learner_id uuid not null references learners (id) on delete cascade,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now()
      )
    `,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['learner_sessions', 'learner_sign_in_codes', 'learner_accounts']) {
    await sql`drop table ${sql.table(table)}`.execute(db);
  }
}
