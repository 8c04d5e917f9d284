// Uploads as records: their states and names, finding one (only the actor's organisation's),
// listing them, who a background job acts as, and cancelling.
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { DB, Upload, UploadState } from '../db/schema.ts';
import { recordEvents } from '../domain/audit/events.ts';
import { NotFoundError } from '../domain/errors.ts';
import { type Actor, toActor } from '../domain/organisations/actor.ts';
import { isUuid } from '../domain/organisations/organisations.ts';
import { findKind } from './kinds/index.ts';
import type { UploadKind } from './kinds/kind.ts';
import { UploadConflict } from './upload-conflict.ts';

export const UPLOAD_STATE_NAMES: Record<UploadState, string> = {
  received: 'Received',
  checking: 'Checking',
  waiting: 'Waiting',
  checked: 'Checked',
  submitting: 'Submitting',
  submitted: 'Submitted',
  cancelled: 'Cancelled',
  failed: 'Failed',
  undone: 'Undone',
};

/** The kind, if this actor's organisation may use it; otherwise it does not exist for them. */
export function kindFor(actor: Actor, kindId: string): UploadKind {
  const kind = findKind(kindId);
  if (!kind?.allowedFor.includes(actor.organisation.type)) throw new NotFoundError('Upload kind');
  return kind;
}

export async function findUpload(db: Kysely<DB>, actor: Actor, id: string): Promise<Upload> {
  const upload = isUuid(id)
    ? await db
        .selectFrom('uploads')
        .selectAll()
        .where('id', '=', id)
        .where('organisation_id', '=', actor.organisation.id)
        .executeTakeFirst()
    : undefined;
  if (!upload) throw new NotFoundError('Upload');
  return upload;
}

/** Who a background job acts as: the person who uploaded, for the organisation they uploaded for. */
export async function uploadActor(db: Kysely<DB>, uploadId: string): Promise<Actor> {
  const row = await db
    .selectFrom('uploads')
    .innerJoin('organisations', 'organisations.id', 'uploads.organisation_id')
    .leftJoin('users', 'users.id', 'uploads.uploaded_by')
    .leftJoin('memberships', (join) =>
      join.onRef('memberships.user_id', '=', 'users.id').onRef('memberships.organisation_id', '=', 'organisations.id'),
    )
    .select([
      'users.id as userId',
      'users.email',
      'users.first_name',
      'users.last_name',
      'organisations.id as organisationId',
      'organisations.type',
      'organisations.name',
      'memberships.role',
    ])
    .where('uploads.id', '=', uploadId)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Upload');
  return toActor({
    person: { userId: row.userId, email: row.email, firstName: row.first_name, lastName: row.last_name },
    organisation: { id: row.organisationId, type: row.type, name: row.name },
    role: row.role ?? 'member',
    unnamed: { firstName: 'Rollbook', lastName: '' },
  });
}

export const UPLOADS_PAGE_SIZE = 25;

export async function listUploads(
  db: Kysely<DB>,
  actor: Actor,
  { kind, state, page }: { kind?: string; state?: string; page: number },
): Promise<{
  uploads: (Upload & { uploaded_by_name: string | null; replaced_by_name: string | null })[];
  total: number;
}> {
  let query = db.selectFrom('uploads').where('uploads.organisation_id', '=', actor.organisation.id);
  if (kind) query = query.where('uploads.kind', '=', kind);
  if (state) query = query.where('uploads.state', '=', state as UploadState);
  const [uploads, count] = await Promise.all([
    query
      .leftJoin('users', 'users.id', 'uploads.uploaded_by')
      // The upload that replaced one, for "Replaced by <file>".
      .leftJoin('uploads as replacement', 'replacement.id', 'uploads.replaced_by')
      .selectAll('uploads')
      .select(sql<string>`users.first_name || ' ' || users.last_name`.as('uploaded_by_name'))
      .select('replacement.file_name as replaced_by_name')
      .orderBy('uploads.created_at', 'desc')
      .orderBy('uploads.id')
      .limit(UPLOADS_PAGE_SIZE)
      .offset((page - 1) * UPLOADS_PAGE_SIZE)
      .execute(),
    query.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow(),
  ]);
  return { uploads, total: Number(count.n) };
}

/**
 * Cancels an upload not yet submitted. `replacedBy`: the upload of the fixed file that replaces it,
 * which its pages then name.
 */
export async function cancelUpload(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
  via = 'page',
  { replacedBy }: { replacedBy?: string } = {},
): Promise<void> {
  const upload = await findUpload(db, actor, uploadId);
  if (upload.state === 'cancelled') return;
  const cancelled = await db
    .updateTable('uploads')
    .set({ state: 'cancelled', ended_at: new Date(), ...(replacedBy ? { replaced_by: replacedBy } : {}) })
    .where('id', '=', uploadId)
    .where('state', 'in', ['received', 'checking', 'waiting', 'checked', 'failed'])
    .returning('id')
    .executeTakeFirst();
  if (!cancelled) throw new UploadConflict('This upload has been submitted, so it cannot be cancelled');
  await recordEvents(db, actor, via, [
    {
      organisationId: actor.organisation.id,
      subjectType: 'upload',
      subjectId: uploadId,
      action: 'cancelled',
      changes: {
        state: { from: upload.state, to: 'cancelled' },
        ...(replacedBy ? { replaced_by: { to: replacedBy } } : {}),
      },
    },
  ]);
}
