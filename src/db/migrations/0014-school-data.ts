import { type Kysely, sql } from 'kysely';

// School data: a school's learners (by UPN within the school), the data sets schools upload
// (introduction text, when they are published) and each learner's fields from each data set, in
// the sheet's column order. A learner sees the fields of the latest published data set that holds
// them; the ones it replaced are kept only while the upload can be undone. Staff see learners'
// data only with the "view learner data" permission, and API tokens only when allowed.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`
      create table learners (
        id uuid primary key default gen_random_uuid(),
        school_id uuid not null references organisations (id),
        -- Upper case, check letter verified: the same UPN at another school is another record.
        upn text not null,
        admission_number text not null,
        first_name text not null,
        surname text not null,
        date_of_birth date not null,
        year_group text not null,
        version integer not null default 1,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        unique (school_id, upn)
      )
    `,
    sql`create index learners_admission_number on learners (school_id, lower(admission_number))`,
    sql`create index learners_surname on learners (school_id, lower(surname), lower(first_name))`,
    sql`
      create table school_data_sets (
        id uuid primary key default gen_random_uuid(),
        -- Orders data sets: a learner sees the latest published one that holds their data.
        seq bigint generated always as identity,
        school_id uuid not null references organisations (id),
        -- The upload it came from (none for demo data).
        upload_id uuid unique,
        introduction jsonb not null default '[]',
        submitted_by_name text not null default '',
        date_submitted date,
        publish_at timestamptz not null,
        submitted_at timestamptz not null default now(),
        submitted_by uuid,
        undone_at timestamptz
      )
    `,
    sql`create index school_data_sets_school on school_data_sets (school_id, seq)`,
    sql`
      create table learner_school_data (
        data_set_id uuid not null,
        learner_id uuid not null,
        school_id uuid not null,
        -- [[field name, value], …] in the sheet's column order, blanks left out.
        fields jsonb not null,
        -- The learner's details before this data set changed them (for undo); null when it created
        -- the learner or once the upload can no longer be undone. No foreign keys: 1,000,000 rows
        -- are written in one statement from the upload's own staged rows.
        previous jsonb,
        created_learner boolean not null default false,
        primary key (data_set_id, learner_id)
      )
    `,
    sql`create index learner_school_data_learner on learner_school_data (learner_id)`,
    // Staff see learners' data only when a school admin allows them.
    sql`alter table memberships add column view_learner_data boolean not null default false`,
    // API tokens read learners' data only when made to.
    sql`alter table api_tokens add column allow_learner_data boolean not null default false`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table api_tokens drop column allow_learner_data`,
    sql`alter table memberships drop column view_learner_data`,
    sql`drop table learner_school_data`,
    sql`drop table school_data_sets`,
    sql`drop table learners`,
  ];
  for (const statement of statements) await statement.execute(db);
}
