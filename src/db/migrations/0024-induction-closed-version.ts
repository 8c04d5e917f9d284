import { type Kysely, sql } from 'kysely';

// The version a period had once an upload's outcome closed it: undoing the upload reopens the
// period only while it is still that version (support may have corrected it since).
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table induction_periods add column closed_version integer`.execute(db);
  await sql`update induction_periods set closed_version = version where closed_by_upload is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table induction_periods drop column closed_version`.execute(db);
}
