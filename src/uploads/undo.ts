// Undoing a submitted upload, for every kind that says how to reverse itself (kind.undo): within
// 7 days of the submission, in one transaction, all or nothing. If something the upload made has
// changed since, nothing is undone and the user is told what.
import type { Database } from '../db/database.ts';
import type { Upload } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { recordEvents } from '../domain/audit/events.ts';
import { formatIsoDate, today as todayInEngland } from '../domain/dates.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import type { UploadKind } from './kinds/kind.ts';
import { findUpload, KEEP_UPLOAD_DAYS, kindFor, UPLOAD_STATE_NAMES, UploadConflict } from './pipeline.ts';

const DAY_MS = 86_400_000;

/** An undo refused because records changed since the upload: each reason names one. */
export class UndoBlocked extends UploadConflict {
  readonly reasons: string[];
  constructor(reasons: string[]) {
    super(
      'Nothing was undone, because some of what this upload added has been changed since. Change those records one by one instead',
    );
    this.name = 'UndoBlocked';
    this.reasons = reasons;
  }
}

/** The last moment an upload submitted at this time can be undone. */
export function undoDeadline(submittedAt: Date | string): Date {
  return new Date(new Date(submittedAt).getTime() + KEEP_UPLOAD_DAYS * DAY_MS);
}

export type Undoability =
  | { can: true; until: Date }
  | { can: false; reason: 'kind' | 'state' | 'expired'; message: string };

/** Whether the upload can be undone now, and if not, why (for pages to explain). */
export function undoability(upload: Upload, kind: UploadKind, now = new Date()): Undoability {
  if (!kind.undo) {
    return { can: false, reason: 'kind', message: 'Uploads of this kind cannot be undone' };
  }
  if (upload.state !== 'submitted' || !upload.submitted_at) {
    return {
      can: false,
      reason: 'state',
      message: `This upload is ${UPLOAD_STATE_NAMES[upload.state].toLowerCase()}, so there is nothing to undo`,
    };
  }
  const until = undoDeadline(upload.submitted_at);
  if (now >= until) {
    return {
      can: false,
      reason: 'expired',
      message: `An upload can be undone for ${KEEP_UPLOAD_DAYS} days after it was submitted. This one was submitted on ${formatIsoDate(todayInEngland(new Date(upload.submitted_at)))}, so it can no longer be undone: change the records one by one instead`,
    };
  }
  return { can: true, until };
}

/**
 * Undoes a submitted upload: submitted → undone, guarded in SQL so it happens once, with the
 * kind's reversal in the same transaction. Undoing an upload already undone changes nothing.
 * Throws UploadConflict when it cannot be undone, or UndoBlocked (nothing undone) when records
 * changed since.
 */
export async function undoUpload(
  database: Database,
  actor: Actor,
  uploadId: string,
  {
    now = new Date(),
    via = 'page',
    afterUndo,
  }: { now?: Date; via?: string; afterUndo?: (kindId: string) => Promise<void> } = {},
): Promise<Upload> {
  const db = database.db;
  const upload = await findUpload(db, actor, uploadId);
  if (upload.state === 'undone') return upload;
  const kind = kindFor(actor, upload.kind);
  const able = undoability(upload, kind, now);
  if (!able.can) throw new UploadConflict(able.message);
  const undo = kind.undo;
  if (!undo) throw new UploadConflict('Uploads of this kind cannot be undone');
  const cutoff = new Date(now.getTime() - KEEP_UPLOAD_DAYS * DAY_MS);
  const undone = await inTransaction(db, async (tx) => {
    const moved = await tx
      .updateTable('uploads')
      .set({ state: 'undone', undone_at: now })
      .where('id', '=', upload.id)
      .where('state', '=', 'submitted')
      .where('submitted_at', '>', cutoff)
      .returningAll()
      .executeTakeFirst();
    if (!moved) {
      const current = await findUpload(tx, actor, upload.id);
      if (current.state === 'undone') return current;
      const again = undoability(current, kind, now);
      throw new UploadConflict(again.can ? 'This upload could not be undone. Try again' : again.message);
    }
    const reasons = await undo(tx, { db: tx, actor, today: todayInEngland(now), uploadId: upload.id, options: {} });
    // Throwing rolls the whole transaction back: the state too.
    if (reasons.length) throw new UndoBlocked(reasons);
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'upload',
        subjectId: upload.id,
        action: 'undone',
        changes: { state: { from: 'submitted', to: 'undone' } },
      },
    ]);
    return moved;
  });
  // Work that follows an undo (telling the teaching record) starts once the undo stands.
  if (afterUndo && undone.id === upload.id && undone.state === 'undone') await afterUndo(kind.id);
  return undone;
}
