import { type Kysely, sql } from 'kysely';

// An uploaded file may be stored in parts (on PGlite, 1 MB each), so that writing or reading a
// large one never holds the embedded database, which runs on the web process's one thread, for
// long at a time. On PostgreSQL a file stays one part.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table upload_files add column part integer not null default 0`,
    sql`alter table upload_files drop constraint upload_files_pkey`,
    sql`alter table upload_files add primary key (upload_id, part)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`delete from upload_files where part > 0`,
    sql`alter table upload_files drop constraint upload_files_pkey`,
    sql`alter table upload_files add primary key (upload_id)`,
    sql`alter table upload_files drop column part`,
  ];
  for (const statement of statements) await statement.execute(db);
}
