// Submitting a checked upload: one transaction, guarded so it happens once; records changed since
// the check become errors and nothing is applied; then the tables written are analysed and the
// kind's follow-up is started.
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Upload } from '../db/schema.ts';
import { REFRESH_STATISTICS_FROM_ROWS, refreshStatistics } from '../db/statistics.ts';
import { inTransaction } from '../db/transaction.ts';
import { recordEvents } from '../domain/audit/events.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { headerBlockValues } from './check.ts';
import { findUpload, kindFor, UPLOAD_STATE_NAMES } from './states.ts';
import { UploadConflict } from './upload-conflict.ts';

export type SubmitResult = { state: 'submitted'; submitted: number } | { state: 'checked'; stale: number };

/**
 * Submits a checked upload in one transaction. Records that changed since the check become
 * errors and nothing is applied; the user is told and may continue without them.
 */
export async function submitUpload(
  database: Database,
  actor: Actor,
  uploadId: string,
  {
    skipErrors,
    today,
    afterSubmit,
    via = 'page',
    options = {},
  }: {
    skipErrors: boolean;
    today: string;
    afterSubmit?: (kindId: string) => Promise<void>;
    via?: string;
    /** The answers to the kind's submit choice, as given (a form or an API body): the kind parses them. */
    options?: Record<string, unknown>;
  },
): Promise<SubmitResult> {
  const result = await submitInTransaction(database, actor, uploadId, { skipErrors, today, via, options });
  if (result.state !== 'submitted') return result;
  const kind = kindFor(actor, (await findUpload(database.db, actor, uploadId)).kind);
  if (result.submitted >= REFRESH_STATISTICS_FROM_ROWS) await refreshStatistics(database.db, kind.writes);
  // Work that follows a submission (sending award requests) is signalled once the transaction is
  // done; a lost signal is caught by the job's regular sweep.
  if (afterSubmit) await afterSubmit(kind.id);
  return result;
}

/** Throws the reason an upload in this state cannot be submitted, if there is one. */
function refuseSubmit(upload: Upload, skipErrors: boolean): void {
  if (upload.state !== 'checked') {
    throw new UploadConflict(
      `This upload is ${UPLOAD_STATE_NAMES[upload.state].toLowerCase()}, so it cannot be submitted`,
    );
  }
  if (upload.change_count === 0) {
    throw new UploadConflict(
      'There is nothing to submit in this file: no row makes a change. Upload a file with changes in it',
    );
  }
  if (upload.error_count > 0 && !skipErrors) {
    throw new UploadConflict(
      'Some rows have errors. Upload a fixed file, or choose to continue without the rows with errors',
    );
  }
}

async function submitInTransaction(
  database: Database,
  actor: Actor,
  uploadId: string,
  {
    skipErrors,
    today,
    via,
    options: given,
  }: { skipErrors: boolean; today: string; via: string; options: Record<string, unknown> },
): Promise<SubmitResult> {
  const db = database.db;
  const upload = await findUpload(db, actor, uploadId);
  if (upload.state === 'submitted') return { state: 'submitted', submitted: upload.change_count };
  refuseSubmit(upload, skipErrors);
  const kind = kindFor(actor, upload.kind);
  // The header block (as the file gave it) and the submit choice (refused before anything moves).
  const headerBlock = kind.headerBlock
    ? headerBlockValues(kind.headerBlock, Array.isArray(upload.preamble) ? (upload.preamble as string[][]) : [])
    : undefined;
  const options = kind.submitChoice ? kind.submitChoice.parse(given, { db, actor, today, headerBlock }) : {};
  return inTransaction(db, async (tx) => {
    // The guard: only one request moves the upload out of "checked", so it is applied once; and
    // only while what was read above still holds (another submit may have found stale rows since).
    const locked = await tx
      .updateTable('uploads')
      .set({ state: 'submitting' })
      .where('id', '=', uploadId)
      .where('state', '=', 'checked')
      .where('change_count', '>', 0)
      .where((eb) => (skipErrors ? eb.lit(true) : eb('error_count', '=', 0)))
      .returning('id')
      .executeTakeFirst();
    if (!locked) {
      const now = await findUpload(tx, actor, uploadId);
      if (now.state === 'submitted') return { state: 'submitted', submitted: now.change_count };
      refuseSubmit(now, skipErrors);
      throw new UploadConflict('This upload could not be submitted. Try again');
    }
    const ctx = { db: tx, actor, today, uploadId, headerBlock, options };
    const stale = await kind.recheck(tx, ctx);
    if (stale.size > 0) {
      const numbers = [...stale.keys()];
      await sql`
        -- The row's warnings stay with it (uploads.warning_count counts them).
        update upload_rows set outcome = 'error', change = null, errors = s.errors || coalesce(
          (select jsonb_agg(e) from jsonb_array_elements(upload_rows.errors) e where e->>'warning' = 'true'), '[]'::jsonb)
        from unnest(${numbers}::int[], ${numbers.map((n) => JSON.stringify([{ column: null, message: stale.get(n) }]))}::jsonb[])
          as s(row_number, errors)
        where upload_rows.upload_id = ${uploadId} and upload_rows.row_number = s.row_number
      `.execute(tx);
      await tx
        .updateTable('uploads')
        .set((eb) => ({
          state: 'checked',
          change_count: eb('change_count', '-', stale.size),
          error_count: eb('error_count', '+', stale.size),
        }))
        .where('id', '=', uploadId)
        .execute();
      return { state: 'checked', stale: stale.size };
    }
    const expected = (await findUpload(tx, actor, uploadId)).change_count;
    await kind.apply(tx, { ...ctx, expected });
    await tx
      .updateTable('uploads')
      .set({ state: 'submitted', submitted_at: new Date(), ended_at: new Date(), skip_errors: skipErrors })
      .where('id', '=', uploadId)
      .execute();
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'upload',
        subjectId: uploadId,
        action: 'submitted',
        changes: {
          state: { from: 'checked', to: 'submitted' },
          changes: { to: expected },
          skipped_errors: { to: skipErrors },
        },
      },
    ]);
    return { state: 'submitted', submitted: expected };
  });
}
