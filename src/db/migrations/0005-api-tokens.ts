import { type Kysely, sql } from 'kysely';

// API tokens: one organisation's key to the JSON API. Only the SHA-256 of a token is kept;
// the token itself is shown once, when it is made.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`
      create table api_tokens (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id) on delete cascade,
        name text not null check (length(trim(name)) between 1 and 100),
        token_hash text not null unique,
        created_by uuid references users (id) on delete set null,
        created_at timestamptz not null default now(),
        last_used_at timestamptz,
        revoked_at timestamptz,
        revoked_by uuid references users (id) on delete set null
      )
    `,
    sql`create index api_tokens_organisation on api_tokens (organisation_id, created_at desc)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table api_tokens`.execute(db);
}
