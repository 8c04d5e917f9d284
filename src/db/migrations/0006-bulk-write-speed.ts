import { type Kysely, sql } from 'kysely';

// For bulk commits of up to 100,000 rows:
// - leave room on each page of trainees, so a change of unindexed columns (state, dates, version)
//   can be a heap-only update with no index writes;
// - award requests are only ever written by recommendTrainees, from trainees it has just updated
//   in the same statement, so their foreign keys only cost a trigger call per row (1.5 s a commit);
// - staged rows no longer copy the sheet's cells: the error report reads them from the stored file.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table trainees set (fillfactor = 75)`.execute(db);
  await sql`alter table award_requests drop constraint award_requests_trainee_id_fkey`.execute(db);
  await sql`alter table award_requests drop constraint award_requests_provider_id_fkey`.execute(db);
  await sql`alter table upload_rows drop column cells`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table upload_rows add column cells jsonb not null default '[]'`.execute(db);
  await sql`alter table trainees reset (fillfactor)`.execute(db);
  await sql`alter table award_requests add foreign key (trainee_id) references trainees (id)`.execute(db);
  await sql`alter table award_requests add foreign key (provider_id) references organisations (id)`.execute(db);
}
