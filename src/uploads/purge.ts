// Uploads' files and staged rows are kept for a week after the upload ends; the summaries stay.
// What a kind kept only for undo is deleted then too (kind.forgetAfterUndo).
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { allKinds } from './kinds/index.ts';

/** Days an upload's file and staged rows are kept after it ends. */
export const KEEP_UPLOAD_DAYS = 7;

/** Deletes files and staged rows of uploads that ended (or were left) over 7 days ago; summaries stay. */
export async function purgeOldUploads(db: Kysely<DB>, now = new Date()): Promise<number> {
  // What kinds kept only for undo goes once their uploads can no longer be undone.
  for (const kind of allKinds()) await kind.forgetAfterUndo?.(db, now);
  const cutoff = new Date(now.getTime() - KEEP_UPLOAD_DAYS * 86_400_000);
  return inTransaction(db, async (tx) => {
    const old = await tx
      .updateTable('uploads')
      .set((eb) => ({
        purged_at: now,
        ended_at: eb.fn.coalesce('ended_at', eb.val(now)),
        state: sql`case when state in ('submitted', 'cancelled', 'failed', 'undone') then state else 'cancelled' end`,
      }))
      .where('purged_at', 'is', null)
      .where((eb) =>
        eb.or([eb('ended_at', '<', cutoff), eb.and([eb('ended_at', 'is', null), eb('created_at', '<', cutoff)])]),
      )
      .returning('id')
      .execute();
    if (old.length === 0) return 0;
    const ids = old.map((u) => u.id);
    await tx.deleteFrom('upload_rows').where(sql<boolean>`upload_id = any(${ids}::uuid[])`).execute();
    await tx.deleteFrom('upload_files').where(sql<boolean>`upload_id = any(${ids}::uuid[])`).execute();
    return old.length;
  });
}
