import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement per query: PGlite's extended protocol runs a single statement at a time.
  const statements = [
    sql`
      create table schools (
        urn text primary key check (urn ~ '^[0-9]{6}$'),
        name text not null,
        postcode text,
        phase text,
        establishment_type text,
        status text,
        local_authority text,
        ukprn text,
        updated_at timestamptz not null default now()
      )
    `,
    sql`
      create table organisations (
        id uuid primary key default gen_random_uuid(),
        type text not null check (type in ('provider', 'school', 'appropriate_body', 'support')),
        name text not null check (length(trim(name)) > 0),
        provider_type text check (provider_type in ('scitt', 'hei')),
        ukprn text unique check (ukprn ~ '^1[0-9]{7}$'),
        provider_code text unique check (provider_code ~ '^[A-Z0-9]{3}$'),
        urn text unique references schools (urn),
        appropriate_body_type text check (appropriate_body_type in ('teaching_school_hub', 'local_authority', 'national')),
        created_at timestamptz not null default now(),
        check ((type = 'provider') = (provider_type is not null)),
        check (type = 'provider' or provider_code is null),
        check ((type = 'school') = (urn is not null)),
        check ((type = 'appropriate_body') = (appropriate_body_type is not null))
      )
    `,
    sql`
      create index organisations_name on organisations (lower(name))
    `,
    sql`
      create table users (
        id uuid primary key default gen_random_uuid(),
        email text not null,
        first_name text not null,
        last_name text not null,
        password_hash text,
        created_at timestamptz not null default now()
      )
    `,
    sql`
      create unique index users_email on users (lower(email))
    `,
    sql`
      create table memberships (
        user_id uuid not null references users (id) on delete cascade,
        organisation_id uuid not null references organisations (id) on delete cascade,
        role text not null check (role in ('member', 'admin')),
        created_at timestamptz not null default now(),
        primary key (user_id, organisation_id)
      )
    `,
    sql`
      create index memberships_organisation on memberships (organisation_id)
    `,
    sql`
      create table sessions (
        id_hash text primary key,
        user_id uuid not null references users (id) on delete cascade,
        organisation_id uuid references organisations (id) on delete set null,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        flash jsonb
      )
    `,
    sql`
      create index sessions_user on sessions (user_id)
    `,
    sql`
      create index sessions_last_seen on sessions (last_seen_at)
    `,
    sql`
      create table sign_in_attempts (
        id bigint generated always as identity primary key,
        email text not null,
        address text not null,
        succeeded boolean not null,
        attempted_at timestamptz not null default now()
      )
    `,
    sql`
      create index sign_in_attempts_email on sign_in_attempts (email, attempted_at)
    `,
    sql`
      create index sign_in_attempts_address on sign_in_attempts (address, attempted_at)
    `,
    sql`
      create table password_setup_tokens (
        token_hash text primary key,
        user_id uuid not null references users (id) on delete cascade,
        expires_at timestamptz not null,
        used_at timestamptz
      )
    `,
    sql`
      create table events (
        id bigint generated always as identity primary key,
        occurred_at timestamptz not null default now(),
        actor_user_id uuid,
        actor_organisation_id uuid,
        organisation_id uuid,
        subject_type text not null,
        subject_id text not null,
        action text not null,
        changes jsonb not null default '{}',
        via text not null
      )
    `,
    sql`
      create index events_organisation on events (organisation_id, id desc)
    `,
    sql`
      create index events_subject on events (subject_type, subject_id)
    `,
    sql`
      -- The audit log is append-only: refuse any change to a written event.
      create function events_append_only() returns trigger language plpgsql as $$
      begin
        raise exception 'events are append-only';
      end;
      $$
    `,
    sql`
      create trigger events_append_only before update or delete on events
        for each row execute function events_append_only()
    `,
    sql`
      create table outbox (
        id bigint generated always as identity primary key,
        to_address text not null,
        subject text not null,
        body text not null,
        created_at timestamptz not null default now()
      )
    `,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table outbox, events, password_setup_tokens, sign_in_attempts, sessions, memberships, users, organisations, schools`.execute(
    db,
  );
  await sql`drop function events_append_only`.execute(db);
}
