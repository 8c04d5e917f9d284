import { type Kysely, sql } from 'kysely';

// Placements: trainees' school placements (one by one, in bulk, from HESA), schools' placement
// contacts and offered placements, providers' yearly performance-profile sign-off, and undo.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    // Providers are found by name, UKPRN or postcode when a school assigns a placement.
    sql`alter table organisations add column postcode text`,
    sql`alter table uploads drop constraint uploads_state_check`,
    sql`
      alter table uploads add constraint uploads_state_check check (state in (
        'received', 'checking', 'checked', 'committing', 'committed', 'cancelled', 'failed', 'undone'))
    `,
    sql`alter table uploads add column undone_at timestamptz`,
    // Uploaded files are kept a week at most: stored as they are, not compressed, so storing one
    // is quicker and it reads back through COPY without being inflated first.
    sql`alter table upload_files alter column content set storage external`,
    // School search (src/domain/schools/search.ts) scans names folded once here, not per search:
    // lower case, accents plain, apostrophes dropped; and postcodes with no spaces.
    sql`
      alter table schools add column search_name text generated always as (
        translate(lower(name), 'àáâãäåāăąçćčďèéêëēėęěìíîïīįłñńňòóôõöøōőŕřśšşťùúûüūůűųýÿźżž''’‘\`´ʼ',
          'aaaaaaaaacccdeeeeeeeeiiiiiilnnnoooooooorrssstuuuuuuuuyyzzz')) stored
    `,
    sql`
      alter table schools add column search_postcode text generated always as (
        replace(upper(coalesce(postcode, '')), ' ', '')) stored
    `,
    sql`
      create table placements (
        id uuid primary key default gen_random_uuid(),
        -- No foreign keys (as award_requests, 0006): a bulk upload adds 200,000 placements in one
        -- statement, and their two checks, a trigger call and a row lock each, took longer than
        -- the insert itself (1.2 s of 2.3 s). A placement is only written for a trainee that the
        -- same transaction has just found within the provider (the pages' own check; an upload's
        -- re-check at commit), trainees and organisations are never deleted, and should a trainee
        -- ever be, the trigger below removes their placements.
        trainee_id uuid not null,
        provider_id uuid not null,
        -- A school in the register, by URN; or, for a school without one, its name and postcode.
        -- No foreign key to schools: the register is re-imported, and rules check the URN.
        school_urn text,
        school_name text,
        school_postcode text,
        start_date date,
        end_date date check (end_date is null or start_date is null or end_date >= start_date),
        -- The upload that added it, so that undo removes exactly those (no foreign key: it is
        -- written 100,000 at a time from the upload's own staged rows).
        added_by_upload uuid,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check ((school_urn is not null and school_name is null and school_postcode is null)
          or (school_urn is null and school_name is not null and school_postcode is not null))
      )
    `,
    // The same school twice for a trainee is allowed (split sites), unless every detail is identical.
    sql`
      create unique index placements_not_identical on placements (
        trainee_id, coalesce(school_urn, ''), coalesce(lower(school_name), ''), coalesce(school_postcode, ''),
        coalesce(start_date, '-infinity'::date), coalesce(end_date, '-infinity'::date))
    `,
    // One index for both the provider's placements and an upload's (undo): a bulk insert writes
    // it once per row rather than two.
    sql`create index placements_provider_upload on placements (provider_id, added_by_upload)`,
    sql`
      create function placements_of_deleted_trainees() returns trigger language plpgsql as $$
      begin
        delete from placements where trainee_id in (select id from deleted);
        return null;
      end;
      $$
    `,
    sql`
      create trigger trainees_delete_placements after delete on trainees
      referencing old table as deleted for each statement execute function placements_of_deleted_trainees()
    `,
    sql`
      create table school_contacts (
        school_id uuid primary key references organisations (id),
        first_name text,
        last_name text,
        email text not null,
        updated_by uuid references users (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    // A placement contact can be changed but never removed, so placements always have one.
    sql`
      create function school_contacts_kept() returns trigger language plpgsql as $$
      begin
        raise exception 'A school''s placement contact can be changed but not removed';
      end;
      $$
    `,
    sql`
      create trigger school_contacts_kept before delete on school_contacts
      for each row execute function school_contacts_kept()
    `,
    sql`
      create table offered_placements (
        id uuid primary key default gen_random_uuid(),
        school_id uuid not null references organisations (id),
        phase text not null check (phase in ('primary', 'secondary')),
        subject text,
        year_group text,
        -- The year the academic year starts: 2026 is "2026 to 2027".
        academic_year integer not null,
        -- Empty: any time in the academic year.
        terms text[] not null default '{}',
        provider_id uuid references organisations (id),
        created_by uuid references users (id),
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index offered_placements_school on offered_placements (school_id, academic_year)`,
    sql`create index offered_placements_provider on offered_placements (provider_id, academic_year) where provider_id is not null`,
    sql`
      create table performance_sign_offs (
        provider_id uuid not null references organisations (id),
        academic_year integer not null,
        declarant_name text not null,
        declarant_role text not null,
        signed_by uuid references users (id),
        signed_at timestamptz not null default now(),
        primary key (provider_id, academic_year)
      )
    `,
    // A support user acting for a provider: the support organisation they act through, so the
    // session ends (and the audit log names it) when their support membership goes.
    sql`alter table sessions add column support_organisation_id uuid references organisations (id) on delete cascade`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table sessions drop column support_organisation_id`,
    sql`drop table performance_sign_offs, offered_placements, school_contacts, placements`,
    sql`drop function school_contacts_kept`,
    sql`drop trigger trainees_delete_placements on trainees`,
    sql`drop function placements_of_deleted_trainees`,
    sql`alter table uploads drop column undone_at`,
    sql`alter table upload_files alter column content set storage extended`,
    sql`alter table organisations drop column postcode`,
    sql`alter table schools drop column search_name, drop column search_postcode`,
  ];
  for (const statement of statements) await statement.execute(db);
}
