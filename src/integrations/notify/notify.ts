// Emails. The local default keeps them in the outbox table, where support users can read them;
// a GOV.UK Notify client can implement the same interface.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';

export interface Email {
  to: string;
  subject: string;
  body: string;
}

export interface Notify {
  send(db: Kysely<DB>, email: Email): Promise<void>;
}

/** Stores the email; pass the transaction that made it necessary so both commit together. */
export const outbox: Notify = {
  async send(db, email) {
    await db.insertInto('outbox').values({ to_address: email.to, subject: email.subject, body: email.body }).execute();
  },
};

export const OUTBOX_PAGE_SIZE = 25;

/** Emails held by the outbox, newest first. */
export async function listOutbox(db: Kysely<DB>, page: number) {
  const [emails, count] = await Promise.all([
    db
      .selectFrom('outbox')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(OUTBOX_PAGE_SIZE)
      .offset((page - 1) * OUTBOX_PAGE_SIZE)
      .execute(),
    db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow(),
  ]);
  return { emails, total: Number(count.n) };
}
