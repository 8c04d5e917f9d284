import { type Kysely, sql } from 'kysely';

// The trainee list's search by part of a name, through a trigram index (pg_trgm: PostgreSQL's
// contrib module, loaded into embedded PGlite by openDatabase). Without it every search read all
// the provider's trainees and matched each name: 360 to 580 ms at 100,000 trainees, however few
// matched. The index is on first names, a space and last name, which is what a search matches
// (a whole TRN, HESA ID or provider trainee ID is found through their own indexes).
//
// The extension goes in the public schema, beside the database's other shared objects, so that a
// schema dropped with everything in it (a test's) never takes it with it; if it is already
// installed somewhere else, that is where its operator class is found.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists pg_trgm with schema public`.execute(db);
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    where e.extname = 'pg_trgm'
  `.execute(db);
  const opclass = sql`${sql.id(rows[0].schema)}.gin_trgm_ops`;
  await sql`create index trainees_name_trigrams on trainees
    using gin ((first_names || ' ' || last_name) ${opclass})`.execute(db);
}

// The extension stays: other schemas in the same database may have indexes that use it.
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index trainees_name_trigrams`.execute(db);
}
