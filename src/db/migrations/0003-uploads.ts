import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`
      create table uploads (
        id uuid primary key default gen_random_uuid(),
        organisation_id uuid not null references organisations (id),
        kind text not null,
        state text not null check (state in (
          'received', 'checking', 'checked', 'committing', 'committed', 'cancelled', 'failed')),
        file_name text not null,
        file_format text not null check (file_format in ('csv', 'xlsx')),
        file_size integer not null,
        -- How to write the error report back in the user's own format.
        encoding text,
        delimiter text,
        sheet_name text,
        headers jsonb not null default '[]',
        unknown_columns jsonb not null default '[]',
        row_count integer not null default 0,
        rows_checked integer not null default 0,
        change_count integer not null default 0,
        skip_count integer not null default 0,
        error_count integer not null default 0,
        skip_errors boolean not null default false,
        failure_message text,
        uploaded_by uuid references users (id),
        created_at timestamptz not null default now(),
        checked_at timestamptz,
        committed_at timestamptz,
        ended_at timestamptz,
        purged_at timestamptz
      )
    `,
    sql`create index uploads_organisation on uploads (organisation_id, created_at desc)`,
    sql`create index uploads_ended on uploads (ended_at) where purged_at is null`,
    sql`
      create table upload_files (
        upload_id uuid primary key references uploads (id) on delete cascade,
        content bytea not null
      )
    `,
    sql`
      create table upload_rows (
        upload_id uuid not null references uploads (id) on delete cascade,
        row_number integer not null,
        outcome text not null check (outcome in ('change', 'skip', 'error')),
        cells jsonb not null,
        errors jsonb not null default '[]',
        change jsonb,
        primary key (upload_id, row_number)
      )
    `,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table upload_rows, upload_files, uploads`.execute(db);
}
