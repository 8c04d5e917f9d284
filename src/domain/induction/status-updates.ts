// Induction status changes for the Teaching Record System, at the moments it wants to know (an
// ECT's first claim, an edited first start date, a pass, a fail, a reopened or deleted period).
// Each is written in the transaction of the change that caused it and sent afterwards by a job,
// in order, through the teaching record adapter; one that is not answered is sent again later.
import { type Kysely, sql } from 'kysely';
import type { DB, SentInductionStatus } from '../../db/schema.ts';
import type { TeachingRecordInduction } from '../ports/teaching-record.ts';
import { callCountingFailures, sendAll } from '../request-queue.ts';

/**
 * Queues the status for these teachers, with the dates the record wants: the first period's
 * start (none for RequiredToComplete) and, for a pass or fail, the last period's end.
 */
export async function queueInductionStatus(
  db: Kysely<DB>,
  teacherIds: string[],
  status: SentInductionStatus,
): Promise<void> {
  if (teacherIds.length === 0) return;
  await sql`
    insert into induction_status_updates (teacher_id, trn, status, start_date, completed_date)
    select t.id, t.trn, ${status},
      case when ${status} = 'RequiredToComplete' then null
        else (select min(p.started_on) from induction_periods p where p.teacher_id = t.id) end,
      case when ${status} in ('Passed', 'Failed')
        then (select max(p.finished_on) from induction_periods p where p.teacher_id = t.id) end
    from teachers t where t.id = any(${teacherIds}::uuid[])
    order by t.trn
  `.execute(db);
}

const BATCH = 200;

/**
 * Sends pending changes in the order they were made, one batch; returns how many were sent. The
 * first that fails stops the batch (later changes for the same teacher must not overtake it): its
 * attempt is counted and the error thrown, so the job tries again later.
 */
export async function sendInductionStatusUpdates(db: Kysely<DB>, record: TeachingRecordInduction): Promise<number> {
  const pending = await db
    .selectFrom('induction_status_updates')
    .select(['id', 'trn', 'status', 'start_date', 'completed_date'])
    .where('state', '=', 'pending')
    .orderBy('id')
    .limit(BATCH)
    .execute();
  let sent = 0;
  for (const update of pending) {
    await callCountingFailures(db, 'induction_status_updates', [update.id], () =>
      record.setInductionStatus({
        trn: update.trn,
        status: update.status,
        startDate: update.start_date,
        completedDate: update.completed_date,
      }),
    );
    await db
      .updateTable('induction_status_updates')
      .set((eb) => ({ state: 'sent', sent_at: new Date(), attempts: eb('attempts', '+', 1) }))
      .where('id', '=', update.id)
      .where('state', '=', 'pending')
      .execute();
    sent++;
  }
  return sent;
}

/** Sends every pending change, batch after batch. */
export function sendAllInductionStatusUpdates(db: Kysely<DB>, record: TeachingRecordInduction): Promise<number> {
  return sendAll(() => sendInductionStatusUpdates(db, record), BATCH);
}
