// Draft trainees: the answers of the "Add a trainee" task list, kept section by section (each may
// be saved incomplete) until the trainee is registered or the draft is deleted. A draft is not a
// trainee record yet: it is kept apart, so every trainee record has every detail registering needs.
import type { Kysely, Transaction } from 'kysely';
import type { DB, Trainee } from '../../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import type { Actor } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import { ValidationErrors } from '../organisations/users.ts';
import { checkTraineeInput, type FieldError, SECTIONS, type SectionId, type TraineeInput } from './trainee-details.ts';
import { registerTrainee, type WriteOptions } from './trainee-records.ts';

export interface Draft {
  id: string;
  input: TraineeInput;
  updatedAt: Date;
}

function providerOf(actor: Actor): string {
  if (actor.organisation.type !== 'provider') throw new NotFoundError('Draft');
  return actor.organisation.id;
}

export async function createDraft(db: Kysely<DB>, actor: Actor): Promise<Draft> {
  const row = await db
    .insertInto('trainee_drafts')
    .values({ provider_id: providerOf(actor), details: '{}', created_by: actor.userId })
    .returning(['id', 'details', 'updated_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, input: row.details as TraineeInput, updatedAt: row.updated_at };
}

export async function findDraft(db: Kysely<DB>, actor: Actor, id: string): Promise<Draft> {
  const row = isUuid(id)
    ? await db
        .selectFrom('trainee_drafts')
        .select(['id', 'details', 'updated_at'])
        .where('id', '=', id)
        .where('provider_id', '=', providerOf(actor))
        .executeTakeFirst()
    : undefined;
  if (!row) throw new NotFoundError('Draft');
  return { id: row.id, input: row.details as TraineeInput, updatedAt: row.updated_at };
}

export async function listDrafts(db: Kysely<DB>, actor: Actor): Promise<Draft[]> {
  const rows = await db
    .selectFrom('trainee_drafts')
    .select(['id', 'details', 'updated_at'])
    .where('provider_id', '=', providerOf(actor))
    .orderBy('updated_at', 'desc')
    .limit(50)
    .execute();
  return rows.map((row) => ({ id: row.id, input: row.details as TraineeInput, updatedAt: row.updated_at }));
}

/**
 * Saves a section's answers. A missing answer is fine (the section stays incomplete); an answer
 * that breaks a rule is refused, with the section's errors.
 */
export async function saveDraftSection(
  db: Kysely<DB>,
  actor: Actor,
  id: string,
  section: SectionId,
  answers: TraineeInput,
  today: string,
): Promise<Draft> {
  const draft = await findDraft(db, actor, id);
  const fields = SECTIONS.find((s) => s.id === section)?.fields as readonly (keyof TraineeInput)[];
  const merged: TraineeInput = { ...draft.input };
  for (const field of fields) (merged as Record<string, unknown>)[field] = answers[field] ?? null;
  const broken = sectionErrors(merged, section, today).filter((error) => !error.missing);
  if (broken.length) throw new ValidationErrors(broken);
  const row = await db
    .updateTable('trainee_drafts')
    .set({ details: JSON.stringify(merged), updated_at: new Date() })
    .where('id', '=', draft.id)
    .returning(['id', 'details', 'updated_at'])
    .executeTakeFirstOrThrow();
  return { id: row.id, input: row.details as TraineeInput, updatedAt: row.updated_at };
}

/** The errors of the whole check that belong to one section. */
export function sectionErrors(input: TraineeInput, section: SectionId, today: string): FieldError[] {
  const fields = SECTIONS.find((s) => s.id === section)?.fields as readonly string[];
  return checkTraineeInput(input, today).errors.filter((error) => fields.includes(error.field ?? ''));
}

export async function deleteDraft(db: Kysely<DB>, actor: Actor, id: string): Promise<void> {
  const draft = await findDraft(db, actor, id);
  await db.deleteFrom('trainee_drafts').where('id', '=', draft.id).execute();
}

/** Registers the draft's trainee and deletes the draft, in the caller's transaction. */
export async function registerDraft(
  tx: Transaction<DB>,
  actor: Actor,
  id: string,
  options: WriteOptions,
): Promise<Trainee> {
  const draft = await findDraft(tx, actor, id);
  const trainee = await registerTrainee(tx, actor, draft.input, { ...options, source: 'manual' });
  await tx.deleteFrom('trainee_drafts').where('id', '=', draft.id).execute();
  return trainee;
}
