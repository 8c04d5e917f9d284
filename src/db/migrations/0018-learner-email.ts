import { type Kysely, sql } from 'kysely';

// Learners' email addresses, from an upload's "Email address" column, so that a school can invite
// learners by email: the emailed link lets the learner choose a password once, then sign in with
// that address. One address signs in one learner, whatever its case.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`alter table learners add column email text`,
    sql`create unique index learner_accounts_email_lower on learner_accounts (lower(email))`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const statements = [sql`drop index learner_accounts_email_lower`, sql`alter table learners drop column email`];
  for (const statement of statements) await statement.execute(db);
}
