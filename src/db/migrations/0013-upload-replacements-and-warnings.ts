import { type Kysely, sql } from 'kysely';

// An upload replaced by a fixed file names the upload that replaced it (its pages say "Replaced
// by <file>" rather than "Cancelled"), and a checked upload counts its rows with warnings: notes
// that do not fail a row, such as an identifier a spreadsheet turned into a rounded number.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table uploads add column replaced_by uuid references uploads (id) on delete set null`,
    sql`alter table uploads add column warning_count integer not null default 0`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table uploads drop column warning_count`,
    sql`alter table uploads drop column replaced_by`,
  ];
  for (const statement of statements) await statement.execute(db);
}
