import { type Kysely, sql } from 'kysely';

// Award requests to the Teaching Record System, written in the same transaction as the
// recommendation and sent by a background job: an outbox, so none is lost or sent twice.
export async function up(db: Kysely<unknown>): Promise<void> {
  const statements = [
    sql`
      create table award_requests (
        id bigint generated always as identity primary key,
        trainee_id uuid not null references trainees (id),
        provider_id uuid not null references organisations (id),
        award text not null check (award in ('QTS', 'EYTS')),
        standards_met_date date not null,
        state text not null default 'pending' check (state in ('pending', 'awarded', 'failed')),
        attempts integer not null default 0,
        last_error text,
        awarded_date date,
        requested_at timestamptz not null default now(),
        processed_at timestamptz
      )
    `,
    sql`create index award_requests_pending on award_requests (id) where state = 'pending'`,
    sql`create index award_requests_trainee on award_requests (trainee_id)`,
  ];
  for (const statement of statements) await statement.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table award_requests`.execute(db);
}
