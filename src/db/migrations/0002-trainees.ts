import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`
      create table trainees (
        id uuid primary key default gen_random_uuid(),
        provider_id uuid not null references organisations (id),
        first_names text not null,
        last_name text not null,
        date_of_birth date not null,
        trn text check (trn ~ '^[0-9]{7}$'),
        hesa_id text check (hesa_id ~ '^([0-9]{13}|[0-9]{17})$'),
        provider_trainee_id text,
        route text not null,
        subject text not null,
        age_range text not null,
        study_mode text not null check (study_mode in ('full_time', 'part_time')),
        itt_start_date date not null,
        expected_end_date date not null check (expected_end_date >= itt_start_date),
        state text not null check (state in (
          'draft', 'submitted_for_trn', 'trn_received', 'recommended', 'awarded', 'deferred', 'withdrawn')),
        withdrawal_reason text,
        withdrawal_date date,
        standards_met_date date,
        recommended_at timestamptz,
        awarded_date date,
        -- Bumped by every change, so a commit can tell a record changed since it was checked.
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check ((state in ('recommended', 'awarded')) = (standards_met_date is not null)),
        check ((state = 'awarded') = (awarded_date is not null)),
        check (state in ('draft', 'submitted_for_trn') or trn is not null)
      )
    `,
    sql`create unique index trainees_provider_trn on trainees (provider_id, trn)`,
    sql`create unique index trainees_provider_trainee_id on trainees (provider_id, lower(provider_trainee_id))`,
    sql`create index trainees_provider_name on trainees (provider_id, lower(last_name), lower(first_names))`,
    sql`create index trainees_provider_end on trainees (provider_id, expected_end_date)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table trainees`.execute(db);
}
