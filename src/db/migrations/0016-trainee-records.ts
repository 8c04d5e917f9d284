import { type Kysely, sql } from 'kysely';

// Trainee records put in by providers (pages, bulk upload, the records API): the details a
// registration needs, drafts built through the task list, TRN requests to the Teaching Record
// System (an outbox, like award requests), the API's idempotency keys, and indexes for the
// trainee list's search, filters and sort at 100,000 trainees.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`
      alter table trainees
        add column previous_last_name text,
        add column sex text,
        add column email text,
        add column subject_2 text,
        add column subject_3 text,
        add column course_year integer,
        add column lead_school_urn text check (lead_school_urn ~ '^[0-9]{6}$'),
        add column employing_school_urn text check (employing_school_urn ~ '^[0-9]{6}$'),
        add column degree jsonb,
        add column deferral_date date,
        add column reinstatement_date date,
        add column withdrawal_reasons text[],
        add column withdrawal_other_reason text,
        add column submitted_for_trn_at timestamptz,
        add column record_source text,
        add column added_by_upload uuid
    `,
    // A trainee still waiting for their TRN can be deferred or withdraw: only these states need one.
    sql`alter table trainees drop constraint trainees_check3`,
    sql`alter table trainees add constraint trainees_trn_once_received
      check (state not in ('trn_received', 'recommended', 'awarded') or trn is not null)`,
    sql`create index trainees_provider_hesa on trainees (provider_id, hesa_id) where hesa_id is not null`,
    sql`create index trainees_provider_start on trainees (provider_id, itt_start_date)`,
    sql`create index trainees_provider_state on trainees (provider_id, state, lower(last_name), lower(first_names))`,
    sql`create index trainees_provider_updated on trainees (provider_id, updated_at, id)`,
    sql`create index trainees_added_by_upload on trainees (added_by_upload) where added_by_upload is not null`,
    // The duplicate rule's lookup: same date of birth and last name at the provider.
    sql`create index trainees_provider_birth on trainees (provider_id, date_of_birth, lower(last_name))`,
    sql`
      create table trainee_drafts (
        id uuid primary key default gen_random_uuid(),
        provider_id uuid not null references organisations (id),
        details jsonb not null default '{}',
        created_by uuid,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index trainee_drafts_provider on trainee_drafts (provider_id, updated_at desc)`,
    sql`
      create table trn_requests (
        id bigint generated always as identity primary key,
        trainee_id uuid not null,
        provider_id uuid not null,
        state text not null default 'pending' check (state in ('pending', 'issued', 'failed')),
        attempts integer not null default 0,
        last_error text,
        trn text,
        requested_at timestamptz not null default now(),
        processed_at timestamptz
      )
    `,
    sql`create index trn_requests_pending on trn_requests (id) where state = 'pending'`,
    sql`create index trn_requests_trainee on trn_requests (trainee_id)`,
    // The local stand-in for the Teaching Record System hands out TRNs from here: unique, 7 digits.
    sql`create sequence local_trns start 9000000 minvalue 9000000 maxvalue 9999999`,
    sql`
      create table api_idempotency_keys (
        token_id uuid not null,
        key text not null,
        request_hash text not null,
        status_code integer not null,
        body jsonb not null,
        created_at timestamptz not null default now(),
        primary key (token_id, key)
      )
    `,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table api_idempotency_keys`.execute(db);
  await sql`drop sequence local_trns`.execute(db);
  await sql`drop table trn_requests`.execute(db);
  await sql`drop table trainee_drafts`.execute(db);
  for (const index of [
    'trainees_provider_hesa',
    'trainees_provider_start',
    'trainees_provider_state',
    'trainees_provider_updated',
    'trainees_added_by_upload',
    'trainees_provider_birth',
  ]) {
    await sql`drop index ${sql.ref(index)}`.execute(db);
  }
  await sql`alter table trainees drop constraint trainees_trn_once_received`.execute(db);
  await sql`alter table trainees add constraint trainees_check3
    check (state in ('draft', 'submitted_for_trn') or trn is not null)`.execute(db);
  await sql`
    alter table trainees
      drop column previous_last_name, drop column sex, drop column email, drop column subject_2,
      drop column subject_3, drop column course_year, drop column lead_school_urn,
      drop column employing_school_urn, drop column degree, drop column deferral_date,
      drop column reinstatement_date, drop column withdrawal_reasons, drop column withdrawal_other_reason,
      drop column submitted_for_trn_at, drop column record_source, drop column added_by_upload
  `.execute(db);
}
