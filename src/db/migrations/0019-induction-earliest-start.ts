import { type Kysely, sql } from 'kysely';

// No induction period starts before 1 September 1999, when statutory induction began: the
// earliest start the rules allow any period (EARLIEST_PERIOD_START in src/domain/induction/rules.ts;
// claims have a later one, 1 September 2021, which only the code checks, since support may add
// older periods). The database refuses an earlier start whatever the code does.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    alter table induction_periods add constraint induction_periods_earliest_start
      check (started_on >= date '1999-09-01')
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table induction_periods drop constraint induction_periods_earliest_start`.execute(db);
}
