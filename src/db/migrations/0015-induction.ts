import { type Kysely, sql } from 'kysely';

// Induction: early-career teachers (ECTs), their induction periods with appropriate bodies,
// extensions, the ECTs schools report to a body, the status changes sent to the Teaching Record
// System, and the local stand-in for that record. The rules that can live in the database do:
// periods never overlap (a trigger that locks the teacher, as btree_gist is not in PGlite by
// default), at most one ongoing period and one outcome per teacher (unique partial indexes),
// terms from 0 to 16 with one decimal place.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    // The local Teaching Record System: the teachers it knows. Only the local adapter
    // (src/integrations/teaching-record/) reads and writes this table.
    sql`
      create table teaching_record_teachers (
        trn text primary key check (trn ~ '^[0-9]{7}$'),
        date_of_birth date not null,
        first_name text not null,
        last_name text not null,
        qts_date date,
        induction_status text not null default 'None' check (induction_status in (
          'None', 'RequiredToComplete', 'InProgress', 'Passed', 'Failed', 'FailedInWales', 'Exempt')),
        induction_start_date date,
        induction_completed_date date,
        prohibited boolean not null default false,
        updated_at timestamptz not null default now()
      )
    `,
    // Teachers Rollbook knows: claimed by a body or reported by a school, with what the teaching
    // record said of them when last looked up.
    sql`
      create table teachers (
        id uuid primary key default gen_random_uuid(),
        trn text not null unique check (trn ~ '^[0-9]{7}$'),
        date_of_birth date not null,
        first_name text not null,
        last_name text not null,
        qts_date date,
        record_status text not null default 'None',
        prohibited boolean not null default false,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index teachers_name on teachers (lower(last_name), lower(first_name))`,
    sql`
      create table induction_periods (
        id uuid primary key default gen_random_uuid(),
        teacher_id uuid not null references teachers (id),
        appropriate_body_id uuid not null references organisations (id),
        started_on date not null,
        finished_on date check (finished_on is null or finished_on >= started_on),
        number_of_terms numeric check (number_of_terms >= 0 and number_of_terms <= 16 and scale(number_of_terms) <= 1),
        training_programme text not null check (training_programme in ('provider_led', 'school_led')),
        outcome text check (outcome in ('pass', 'fail')),
        fail_confirmation_sent_on date,
        -- The upload that made (claim) or closed (outcome) it, for undo.
        claimed_by_upload uuid,
        closed_by_upload uuid,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        check ((finished_on is null) = (number_of_terms is null)),
        check (outcome is null or finished_on is not null),
        check (fail_confirmation_sent_on is null or outcome = 'fail'),
        check (fail_confirmation_sent_on is null or fail_confirmation_sent_on >= finished_on)
      )
    `,
    sql`create unique index induction_periods_one_ongoing on induction_periods (teacher_id) where finished_on is null`,
    sql`create unique index induction_periods_one_outcome on induction_periods (teacher_id) where outcome is not null`,
    sql`create index induction_periods_teacher on induction_periods (teacher_id, started_on)`,
    sql`create index induction_periods_body on induction_periods (appropriate_body_id, finished_on)`,
    // No two periods of a teacher share a day. The teacher's row is locked first, so two
    // transactions adding periods for one teacher take turns and the second sees the first's.
    sql`
      create function induction_periods_no_overlap() returns trigger language plpgsql as $$
      begin
        perform 1 from teachers where id = new.teacher_id for update;
        if exists (
          select 1 from induction_periods p
          where p.teacher_id = new.teacher_id and p.id <> new.id
            and daterange(p.started_on, p.finished_on, '[]') && daterange(new.started_on, new.finished_on, '[]')
        ) then
          raise exception 'Induction periods of a teacher cannot overlap' using errcode = '23P01',
            constraint = 'induction_periods_no_overlap';
        end if;
        return new;
      end;
      $$
    `,
    sql`
      create constraint trigger induction_periods_no_overlap after insert or update on induction_periods
      for each row execute function induction_periods_no_overlap()
    `,
    sql`
      create table induction_extensions (
        id uuid primary key default gen_random_uuid(),
        teacher_id uuid not null references teachers (id),
        number_of_terms numeric not null check (number_of_terms >= 0.1 and number_of_terms <= 16 and scale(number_of_terms) <= 1),
        appropriate_body_id uuid references organisations (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      )
    `,
    sql`create index induction_extensions_teacher on induction_extensions (teacher_id)`,
    // An ECT a school reports, once, with the body it has agreed: the body's "check and claim" task.
    sql`
      create table ect_registrations (
        id uuid primary key default gen_random_uuid(),
        school_id uuid not null references organisations (id),
        teacher_id uuid not null references teachers (id),
        appropriate_body_id uuid not null references organisations (id),
        started_on date not null,
        training_programme text not null check (training_programme in ('provider_led', 'school_led')),
        leaving_on date,
        created_by uuid references users (id),
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (school_id, teacher_id)
      )
    `,
    sql`create index ect_registrations_body on ect_registrations (appropriate_body_id)`,
    // Status changes for the Teaching Record System, written in the transaction that made them
    // and sent by a job (so a change is never lost, nor sent for a change rolled back).
    sql`
      create table induction_status_updates (
        id bigint generated always as identity primary key,
        teacher_id uuid not null references teachers (id),
        trn text not null,
        status text not null check (status in ('RequiredToComplete', 'InProgress', 'Passed', 'Failed')),
        start_date date,
        completed_date date,
        state text not null default 'pending' check (state in ('pending', 'sent')),
        attempts integer not null default 0,
        last_error text,
        created_at timestamptz not null default now(),
        sent_at timestamptz
      )
    `,
    sql`create index induction_status_updates_pending on induction_status_updates (id) where state = 'pending'`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`drop table induction_status_updates, ect_registrations, induction_extensions, induction_periods, teachers, teaching_record_teachers`,
    sql`drop function induction_periods_no_overlap`,
  ];
  for (const statement of statements) await statement.execute(db);
}
