// Putting trainees in and changing them: registering (with the duplicates rule and a TRN request
// to the Teaching Record System), changing details, deferring, reinstating and withdrawing. One
// operation each, used by the pages, the bulk upload and the records API, which validates, writes
// and records its audit event in the caller's transaction.
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB, Trainee, TraineeState } from '../../db/schema.ts';
import { type NewEvent, recordEvents } from '../audit/events.ts';
import { formatIsoDate, traineeAcademicYear } from '../dates.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { type Actor, actorIds } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import { ValidationErrors } from '../organisations/users.ts';
import { ANOTHER_REASON, findReferenceItem, referenceName, WITHDRAWAL_REASONS } from './reference-lists.ts';
import {
  checkTraineeInput,
  columnsOf,
  columnsOfJson,
  detailsOf,
  differences,
  FieldError,
  inputOf,
  type TraineeDetails,
  type TraineeInput,
} from './trainee-details.ts';

/** Where a record came from, as the API gives it. */
export type RecordSource = 'manual' | 'api' | 'csv';

export interface WriteOptions {
  /** How the audit log names where the change came from ("page", "api token …", "upload …"). */
  via: string;
  today: string;
}

/** A trainee that matches one already at the provider (the duplicates rule). */
export class DuplicateTraineeError extends DomainError {
  readonly existing: { id: string; name: string };
  constructor(existing: { id: string; name: string }) {
    super(
      `This trainee is already registered: ${existing.name} has the same date of birth, last name, route and start year, and the same first name or email address`,
    );
    this.name = 'DuplicateTraineeError';
    this.existing = existing;
  }
}

/** A change refused because of the trainee's state (recommended, awarded or withdrawn). */
export class TraineeLockedError extends DomainError {
  readonly state: TraineeState;
  constructor(state: TraineeState, message: string) {
    super(message);
    this.name = 'TraineeLockedError';
    this.state = state;
  }
}

/** States in which a trainee's details can no longer be changed. */
export const LOCKED_STATES: readonly TraineeState[] = ['recommended', 'awarded', 'withdrawn'];
const LOCKED_WORDS: Partial<Record<TraineeState, string>> = {
  recommended: 'has been recommended for QTS or EYTS',
  awarded: 'has been awarded QTS or EYTS',
  withdrawn: 'has withdrawn',
};

function providerOf(actor: Actor): string {
  if (actor.organisation.type !== 'provider') throw new NotFoundError('Trainee');
  return actor.organisation.id;
}

/** The first word of the first names, lower case, letters only: the duplicates rule compares it. */
export function firstWord(firstNames: string): string {
  return (firstNames.trim().split(/\s+/)[0] ?? '').toLowerCase().replace(/\P{L}/gu, '');
}

/** The same as SQL, for a trainee row. */
const FIRST_WORD_SQL = sql<string>`regexp_replace(lower(split_part(btrim(t.first_names), ' ', 1)), '[^[:alpha:]]', '', 'g')`;

/** What the duplicates rule compares of a trainee's details, as it compares them. */
export function duplicateFields(details: TraineeDetails) {
  return {
    dateOfBirth: details.dateOfBirth,
    lastName: details.lastName.toLowerCase(),
    startYear: traineeAcademicYear(details.ittStartDate),
    route: details.trainingRoute,
    firstWord: firstWord(details.firstNames),
    email: details.email.toLowerCase(),
  };
}
export type DuplicateFields = ReturnType<typeof duplicateFields>;

/** The duplicates rule's key, so rows of one file can be compared with each other. */
export function duplicateKeys(details: TraineeDetails): string[] {
  const f = duplicateFields(details);
  const base = [f.dateOfBirth, f.lastName, f.startYear, f.route].join('|');
  return [`${base}|name:${f.firstWord}`, `${base}|email:${f.email}`];
}

/**
 * The staged trainees to add of an upload (upload_rows, outcome 'change', kind 'add'), each with
 * its details and the duplicates rule's fields (`duplicate`, from duplicateFields) as JSON.
 */
const stagedAdds = (uploadId: string) => sql`
  select u.row_number, u.change from upload_rows u
  where u.upload_id = ${uploadId} and u.outcome = 'change' and u.change->>'kind' = 'add'`;

/**
 * For each of the details (by index), an existing trainee of the provider it duplicates: same date
 * of birth and last name (case ignored), same start academic year and route, and the same first
 * word of the first names or the same email. One query for any number.
 */
export async function findDuplicates(
  db: Kysely<DB>,
  providerId: string,
  items: TraineeDetails[],
  { exceptIds = [] }: { exceptIds?: string[] } = {},
): Promise<Map<number, { id: string; name: string }>> {
  if (items.length === 0) return new Map();
  const fields = items.map(duplicateFields);
  return duplicatesOf(
    db,
    providerId,
    sql`unnest(
      ${items.map((_, i) => i)}::int[], ${fields.map((f) => f.dateOfBirth)}::date[],
      ${fields.map((f) => f.lastName)}::text[], ${fields.map((f) => f.startYear)}::int[],
      ${fields.map((f) => f.route)}::text[], ${fields.map((f) => f.firstWord)}::text[],
      ${fields.map((f) => f.email)}::text[]
    ) as d(index, date_of_birth, last_name, start_year, route, first_word, email)`,
    exceptIds,
  );
}

/** findDuplicates for an upload's staged trainees to add, by row number, read where they are staged. */
export async function findStagedDuplicates(
  db: Kysely<DB>,
  providerId: string,
  uploadId: string,
): Promise<Map<number, { id: string; name: string }>> {
  return duplicatesOf(
    db,
    providerId,
    sql`(
      select a.row_number as index, (a.change->'duplicate'->>'dateOfBirth')::date as date_of_birth,
        a.change->'duplicate'->>'lastName' as last_name, (a.change->'duplicate'->>'startYear')::int as start_year,
        a.change->'duplicate'->>'route' as route, a.change->'duplicate'->>'firstWord' as first_word,
        a.change->'duplicate'->>'email' as email
      from (${stagedAdds(uploadId)}) a
    ) as d`,
    [],
  );
}

async function duplicatesOf(
  db: Kysely<DB>,
  providerId: string,
  details: RawBuilder<unknown>,
  exceptIds: string[],
): Promise<Map<number, { id: string; name: string }>> {
  const { rows } = await sql<{ index: number; id: string; name: string }>`
    select distinct on (d.index) d.index, t.id, t.first_names || ' ' || t.last_name as name
    from ${details}
    join trainees t on t.provider_id = ${providerId} and t.date_of_birth = d.date_of_birth
      and lower(t.last_name) = d.last_name and t.route = d.route
      and extract(year from t.itt_start_date - interval '7 months') = d.start_year
      and (${FIRST_WORD_SQL} = d.first_word or lower(t.email) = d.email)
    where not (t.id = any(${exceptIds}::uuid[]))
    order by d.index, t.created_at
  `.execute(db);
  return new Map(rows.map((row) => [Number(row.index), { id: row.id, name: row.name }]));
}

/**
 * The duplicates rule within an upload's staged trainees to add: for each row that shares a key
 * (duplicateKeys) with others, those other rows, in order. Only those rows are read.
 */
export async function stagedDuplicatesWithin(db: Kysely<DB>, uploadId: string): Promise<Map<number, number[]>> {
  const { rows } = await sql<{ row_number: number; others: number[] }>`
    with staged as (${stagedAdds(uploadId)}),
    keys as (
      select s.row_number, concat_ws('|', s.change->'duplicate'->>'dateOfBirth', s.change->'duplicate'->>'lastName',
        s.change->'duplicate'->>'startYear', s.change->'duplicate'->>'route', k.key) as key
      from staged s, lateral (values ('name:' || (s.change->'duplicate'->>'firstWord')),
        ('email:' || (s.change->'duplicate'->>'email'))) as k(key)
    ),
    shared as (select key from keys group by key having count(*) > 1)
    select a.row_number, array_agg(distinct b.row_number order by b.row_number) as others
    from keys a join shared using (key) join keys b on b.key = a.key and b.row_number <> a.row_number
    group by a.row_number
    order by a.row_number
  `.execute(db);
  return new Map(rows.map((row) => [row.row_number, row.others.map(Number)]));
}

/**
 * Provider trainee IDs and HESA IDs already used by another trainee of the provider, as field
 * errors by index. Each identifier names one trainee at a provider.
 */
export async function identifiersInUse(
  db: Kysely<DB>,
  providerId: string,
  items: { details: TraineeDetails; exceptId?: string }[],
): Promise<Map<number, FieldError[]>> {
  const ids = items.map((i) => i.details.providerTraineeId?.toLowerCase() ?? null);
  const hesa = items.map((i) => i.details.hesaId);
  if (!ids.some(Boolean) && !hesa.some(Boolean)) return new Map();
  return identifiersUsed(
    db,
    providerId,
    sql`unnest(${items.map((_, i) => i)}::int[], ${ids}::text[], ${hesa}::text[],
      ${items.map((i) => i.exceptId ?? null)}::uuid[]) as d(index, id, hesa_id, except_id)`,
  );
}

/**
 * identifiersInUse for an upload's staged trainees to add, or to update (each except itself), by
 * row number.
 */
export function stagedIdentifiersInUse(
  db: Kysely<DB>,
  providerId: string,
  uploadId: string,
  kind: 'add' | 'update',
): Promise<Map<number, FieldError[]>> {
  return identifiersUsed(
    db,
    providerId,
    sql`(
      select u.row_number as index, lower(u.change->'details'->>'providerTraineeId') as id,
        u.change->'details'->>'hesaId' as hesa_id, (u.change->>'traineeId')::uuid as except_id
      from upload_rows u where u.upload_id = ${uploadId} and u.outcome = 'change' and u.change->>'kind' = ${kind}
    ) as d`,
  );
}

async function identifiersUsed(
  db: Kysely<DB>,
  providerId: string,
  identifiers: RawBuilder<unknown>,
): Promise<Map<number, FieldError[]>> {
  const found = new Map<number, FieldError[]>();
  const { rows } = await sql<{ index: number; field: 'providerTraineeId' | 'hesaId'; name: string; value: string }>`
    with d as (select * from ${identifiers})
    select d.index, 'providerTraineeId' as field, t.first_names || ' ' || t.last_name as name, t.provider_trainee_id as value
    from d join trainees t on t.provider_id = ${providerId} and lower(t.provider_trainee_id) = d.id
    where t.id is distinct from d.except_id
    union all
    select d.index, 'hesaId', t.first_names || ' ' || t.last_name, t.hesa_id
    from d join trainees t on t.provider_id = ${providerId} and t.hesa_id = d.hesa_id
    where t.id is distinct from d.except_id
  `.execute(db);
  for (const row of rows) {
    const what = row.field === 'hesaId' ? 'HESA ID' : 'provider trainee ID';
    const error = new FieldError(
      `${row.name} already has the ${what} ${row.value}: each trainee needs their own`,
      row.field,
    );
    found.set(Number(row.index), [...(found.get(Number(row.index)) ?? []), error]);
  }
  return found;
}

const INSERT_BATCH = 1_000;

/**
 * Registers trainees: each is checked against the provider's trainees (the duplicates rule and
 * identifiers in use), added as "submitted for TRN" with a TRN request (sent by a job) and an audit
 * event. If any is refused, nothing is added (the caller's transaction rolls back).
 */
export async function registerTrainees(
  tx: Transaction<DB>,
  actor: Actor,
  items: TraineeDetails[],
  { via, source, uploadId }: WriteOptions & { source: RecordSource; uploadId?: string },
): Promise<Trainee[]> {
  const providerId = providerOf(actor);
  if (items.length === 0) return [];
  const seen = new Map<string, number>();
  items.forEach((details, index) => {
    for (const key of duplicateKeys(details)) {
      const earlier = seen.get(key);
      if (earlier !== undefined && earlier !== index) {
        throw new DomainError(
          `${details.firstNames} ${details.lastName} is given twice (the same date of birth, last name, route and start year, and the same first name or email address)`,
        );
      }
      seen.set(key, index);
    }
  });
  const duplicates = await findDuplicates(tx, providerId, items);
  const [first] = duplicates.values();
  if (first) throw new DuplicateTraineeError(first);
  const inUse = await identifiersInUse(
    tx,
    providerId,
    items.map((details) => ({ details })),
  );
  const [errors] = inUse.values();
  if (errors) throw new ValidationErrors(errors);

  const added: Trainee[] = [];
  for (let start = 0; start < items.length; start += INSERT_BATCH) {
    const batch = items.slice(start, start + INSERT_BATCH);
    const rows = await tx
      .insertInto('trainees')
      .values(
        batch.map((details) => ({
          ...columnsOf(details),
          provider_id: providerId,
          trn: null,
          state: 'submitted_for_trn' as const,
          withdrawal_reason: null,
          withdrawal_date: null,
          standards_met_date: null,
          recommended_at: null,
          awarded_date: null,
          submitted_for_trn_at: new Date(),
          record_source: source,
          added_by_upload: uploadId ?? null,
        })),
      )
      .returningAll()
      .execute();
    added.push(...rows);
  }
  await sql`
    insert into trn_requests (trainee_id, provider_id)
    select id, ${providerId}::uuid from unnest(${added.map((t) => t.id)}::uuid[]) as a(id)
  `.execute(tx);
  await recordEvents(
    tx,
    actor,
    via,
    added.map(
      (t): NewEvent => ({
        organisationId: providerId,
        subjectType: 'trainee',
        subjectId: t.id,
        action: 'registered',
        changes: { name: { to: `${t.first_names} ${t.last_name}` }, state: { to: 'submitted_for_trn' } },
      }),
    ),
  );
  return added;
}

/**
 * Registers an upload's staged trainees to add: registerTrainees for a whole file, by the same
 * rules (the duplicates rule within the file and against the provider's trainees, identifiers in
 * use) and the same writes (trainee, TRN request, audit event), done from the staged rows in SQL
 * (each row's `details`, and `duplicate` from duplicateFields). If any is refused, nothing is added.
 * Returns how many were added.
 */
export async function registerStagedTrainees(
  tx: Transaction<DB>,
  actor: Actor,
  uploadId: string,
  { via, source }: WriteOptions & { source: RecordSource },
): Promise<number> {
  const providerId = providerOf(actor);
  const [twice] = await sql<{ name: string }>`
    select a.change->'details'->>'firstNames' || ' ' || (a.change->'details'->>'lastName') as name
    from (${stagedAdds(uploadId)}) a
    where a.row_number = any(${[...(await stagedDuplicatesWithin(tx, uploadId)).keys()].slice(0, 1)}::int[])
  `
    .execute(tx)
    .then((r) => r.rows);
  if (twice) {
    throw new DomainError(
      `${twice.name} is given twice (the same date of birth, last name, route and start year, and the same first name or email address)`,
    );
  }
  const [first] = (await findStagedDuplicates(tx, providerId, uploadId)).values();
  if (first) throw new DuplicateTraineeError(first);
  const [errors] = (await stagedIdentifiersInUse(tx, providerId, uploadId, 'add')).values();
  if (errors) throw new ValidationErrors(errors);

  const columns = columnsOfJson(sql`a.change->'details'`);
  const { actorUserId, actorOrganisationId } = actorIds(actor);
  const { rows } = await sql<{ added: string }>`
    with added as (
      insert into trainees (${sql.join(columns.map(([column]) => sql.ref(column)))}, provider_id, state,
        submitted_for_trn_at, record_source, added_by_upload)
      select ${sql.join(columns.map(([, value]) => value))}, ${providerId}::uuid, 'submitted_for_trn', now(),
        ${source}, ${uploadId}::uuid
      from (${stagedAdds(uploadId)}) a
      order by a.row_number
      returning id, first_names, last_name
    ),
    requests as (insert into trn_requests (trainee_id, provider_id) select id, ${providerId}::uuid from added),
    audit as (
      insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
      select ${actorUserId}::uuid, ${actorOrganisationId}::uuid, ${providerId}::uuid, 'trainee', added.id::text, 'registered',
        jsonb_build_object('name', jsonb_build_object('to', added.first_names || ' ' || added.last_name),
          'state', jsonb_build_object('to', 'submitted_for_trn')),
        ${via}
      from added
    )
    select count(*) as added from added
  `.execute(tx);
  return Number(rows[0]?.added ?? 0);
}

/** Checks the details and registers one trainee; broken rules are thrown together. */
export async function registerTrainee(
  tx: Transaction<DB>,
  actor: Actor,
  input: TraineeInput,
  options: WriteOptions & { source: RecordSource },
): Promise<Trainee> {
  const { details, errors } = checkTraineeInput(input, options.today);
  if (!details) throw new ValidationErrors(errors);
  const [trainee] = await registerTrainees(tx, actor, [details], options);
  return trainee;
}

/** The provider's trainee, locked for the change about to be made. */
async function traineeForUpdate(tx: Transaction<DB>, actor: Actor, id: string): Promise<Trainee> {
  const trainee = isUuid(id)
    ? await tx
        .selectFrom('trainees')
        .selectAll()
        .where('id', '=', id)
        .where('provider_id', '=', providerOf(actor))
        .forUpdate()
        .executeTakeFirst()
    : undefined;
  if (!trainee) throw new NotFoundError('Trainee');
  return trainee;
}

const traineeName = (t: Trainee) => `${t.first_names} ${t.last_name}`;

function refuseIfLocked(trainee: Trainee, what: string) {
  const words = LOCKED_WORDS[trainee.state];
  if (words) {
    throw new TraineeLockedError(trainee.state, `You cannot ${what}: ${traineeName(trainee)} ${words}`);
  }
}

/** One trainee's change: the fields given (the rest stay as they are). */
export interface DetailsChange {
  traineeId: string;
  input: TraineeInput;
  /** The record's version when the change was checked: a newer one means it changed since. */
  version?: number;
}

export interface ChangedTrainee {
  trainee: Trainee;
  changed: Record<string, { from: unknown; to: unknown }>;
}

/**
 * Changes the given details of each trainee (only the fields given), checked by the same rules as
 * registering, with the before and after of each field in the audit log; one statement for any
 * number. Refused, and nothing changed, if any trainee is not the provider's, has been recommended,
 * awarded or has withdrawn, changed since its `version`, or breaks a rule.
 */
export async function changeTrainees(
  tx: Transaction<DB>,
  actor: Actor,
  changes: DetailsChange[],
  { via, today }: WriteOptions,
): Promise<ChangedTrainee[]> {
  const providerId = providerOf(actor);
  if (changes.length === 0) return [];
  const ids = changes.map((c) => c.traineeId);
  if (!ids.every(isUuid)) throw new NotFoundError('Trainee');
  const rows = await tx
    .selectFrom('trainees')
    .selectAll()
    // An array, not a list of parameters: a bulk upload may change 100,000 trainees.
    .where(sql<boolean>`id = any(${ids}::uuid[])`)
    .where('provider_id', '=', providerId)
    .forUpdate()
    .execute();
  const byId = new Map(rows.map((row) => [row.id, row]));
  const checked = changes.map((change) => {
    const trainee = byId.get(change.traineeId);
    if (!trainee) throw new NotFoundError('Trainee');
    refuseIfLocked(trainee, 'change these details');
    if (change.version !== undefined && trainee.version !== change.version) {
      throw new DomainError(`${traineeName(trainee)}’s record has changed since: check the change again`);
    }
    const before = detailsOf(trainee);
    const { details, errors } = checkTraineeInput({ ...inputOf(before), ...change.input }, today);
    if (!details) throw new ValidationErrors(errors);
    return { trainee, details, changed: differences(before, details) };
  });
  const inUse = await identifiersInUse(
    tx,
    providerId,
    checked.map((c) => ({ details: c.details, exceptId: c.trainee.id })),
  );
  const [identifierErrors] = inUse.values();
  if (identifierErrors) throw new ValidationErrors(identifierErrors);

  const changing = checked.filter((c) => Object.keys(c.changed).length > 0);
  const updated = new Map<string, Trainee>();
  for (let start = 0; start < changing.length; start += INSERT_BATCH * 5) {
    const batch = changing.slice(start, start + INSERT_BATCH * 5);
    const columns = batch.map((c) => columnsOf(c.details));
    const col = <K extends keyof (typeof columns)[number]>(key: K) => columns.map((c) => c[key]);
    const { rows: written } = await sql<Trainee>`
      update trainees t set
        first_names = r.first_names, last_name = r.last_name, previous_last_name = r.previous_last_name,
        date_of_birth = r.date_of_birth, sex = r.sex, email = r.email, provider_trainee_id = r.provider_trainee_id,
        hesa_id = r.hesa_id, route = r.route, subject = r.subject, subject_2 = r.subject_2, subject_3 = r.subject_3,
        age_range = r.age_range, study_mode = r.study_mode, itt_start_date = r.itt_start_date,
        expected_end_date = r.expected_end_date, course_year = r.course_year, lead_school_urn = r.lead_school_urn,
        employing_school_urn = r.employing_school_urn, degree = r.degree,
        version = t.version + 1, updated_at = now()
      from unnest(
        ${batch.map((c) => c.trainee.id)}::uuid[], ${col('first_names')}::text[], ${col('last_name')}::text[],
        ${col('previous_last_name')}::text[], ${col('date_of_birth')}::date[], ${col('sex')}::text[],
        ${col('email')}::text[], ${col('provider_trainee_id')}::text[], ${col('hesa_id')}::text[],
        ${col('route')}::text[], ${col('subject')}::text[], ${col('subject_2')}::text[], ${col('subject_3')}::text[],
        ${col('age_range')}::text[], ${col('study_mode')}::text[], ${col('itt_start_date')}::date[],
        ${col('expected_end_date')}::date[], ${col('course_year')}::int[], ${col('lead_school_urn')}::text[],
        ${col('employing_school_urn')}::text[], ${col('degree')}::jsonb[]
      ) as r(id, first_names, last_name, previous_last_name, date_of_birth, sex, email, provider_trainee_id,
        hesa_id, route, subject, subject_2, subject_3, age_range, study_mode, itt_start_date, expected_end_date,
        course_year, lead_school_urn, employing_school_urn, degree)
      where t.id = r.id
      returning t.*
    `.execute(tx);
    for (const row of written) updated.set(row.id, row);
  }
  await recordEvents(
    tx,
    actor,
    via,
    changing.map(
      (c): NewEvent => ({
        organisationId: providerId,
        subjectType: 'trainee',
        subjectId: c.trainee.id,
        action: 'details changed',
        changes: c.changed,
      }),
    ),
  );
  return checked.map((c) => ({ trainee: updated.get(c.trainee.id) ?? c.trainee, changed: c.changed }));
}

/**
 * Changes an upload's staged trainees to update: changeTrainees for a whole file, done from the
 * staged rows in SQL. Each row was checked by changeTrainees's rules against the record at its
 * `version`, and stages the details that result (`details`) and what changes (`changed`); a record
 * that has changed since (another version), is no longer the provider's or is now locked, or an
 * identifier now in use, refuses them all. Returns how many were changed.
 */
export async function changeStagedTrainees(
  tx: Transaction<DB>,
  actor: Actor,
  uploadId: string,
  { via }: WriteOptions,
): Promise<number> {
  const providerId = providerOf(actor);
  const [errors] = (await stagedIdentifiersInUse(tx, providerId, uploadId, 'update')).values();
  if (errors) throw new ValidationErrors(errors);
  const columns = columnsOfJson(sql`u.change->'details'`);
  const { actorUserId, actorOrganisationId } = actorIds(actor);
  const { rows } = await sql<{ staged: string; changed: string }>`
    with staged as (
      select u.row_number, (u.change->>'traineeId')::uuid as id, (u.change->>'version')::int as version, u.change
      from upload_rows u
      where u.upload_id = ${uploadId} and u.outcome = 'change' and u.change->>'kind' = 'update'
    ),
    updated as (
      update trainees t set
        ${sql.join(columns.map(([column, value]) => sql`${sql.ref(column)} = ${value}`))},
        version = t.version + 1, updated_at = now()
      from staged u
      where t.id = u.id and t.provider_id = ${providerId} and t.version = u.version
        and not (t.state = any(${LOCKED_STATES}::text[]))
      returning t.id, u.row_number, u.change->'changed' as changed
    ),
    audit as (
      insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
      select ${actorUserId}::uuid, ${actorOrganisationId}::uuid, ${providerId}::uuid, 'trainee', updated.id::text,
        'details changed', updated.changed, ${via}
      from updated order by updated.row_number
    )
    select (select count(*) from staged) as staged, (select count(*) from updated) as changed
  `.execute(tx);
  const staged = Number(rows[0]?.staged ?? 0);
  const changed = Number(rows[0]?.changed ?? 0);
  if (changed !== staged) {
    throw new DomainError(
      `${staged - changed} of the trainees’ records changed while they were being updated. Nothing was changed: check the file again`,
    );
  }
  return changed;
}

/** Changes one trainee's given details: changeTrainees for one, as the pages and the API use it. */
export async function changeTraineeDetails(
  tx: Transaction<DB>,
  actor: Actor,
  id: string,
  changes: TraineeInput,
  { via, today, version }: WriteOptions & { version?: number },
): Promise<ChangedTrainee> {
  const [changed] = await changeTrainees(tx, actor, [{ traineeId: id, input: changes, version }], { via, today });
  return changed;
}

function checkDate(
  value: string | null | undefined,
  field: string,
  label: string,
  { notBefore, today }: { notBefore?: { date: string; what: string }; today: string },
): string {
  if (!value) throw new ValidationErrors([new DomainError(`Enter the ${label}`, field)]);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(Date.parse(value))) {
    throw new ValidationErrors([new DomainError(`The ${label} must be a real date, like 14 2 2026`, field)]);
  }
  if (value > today) throw new ValidationErrors([new DomainError(`The ${label} must be today or in the past`, field)]);
  if (notBefore && value < notBefore.date) {
    throw new ValidationErrors([
      new DomainError(`The ${label} must be on or after ${notBefore.what}, ${formatIsoDate(notBefore.date)}`, field),
    ]);
  }
  return value;
}

async function writeState(
  tx: Transaction<DB>,
  actor: Actor,
  trainee: Trainee,
  set: Partial<Record<keyof Trainee, unknown>> & { state: TraineeState },
  action: string,
  changes: Record<string, { from?: unknown; to?: unknown }>,
  via: string,
): Promise<Trainee> {
  const updated = await tx
    .updateTable('trainees')
    // biome-ignore lint/suspicious/noExplicitAny: the columns are checked by the callers' types
    .set((eb) => ({ ...(set as any), version: eb('version', '+', 1), updated_at: new Date() }))
    .where('id', '=', trainee.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordEvents(tx, actor, via, [
    {
      organisationId: trainee.provider_id,
      subjectType: 'trainee',
      subjectId: trainee.id,
      action,
      changes: { state: { from: trainee.state, to: set.state }, ...changes },
    },
  ]);
  return updated;
}

/** Defers a trainee (their training is paused) from the given date. */
export async function deferTrainee(
  tx: Transaction<DB>,
  actor: Actor,
  id: string,
  { date }: { date: string | null | undefined },
  { via, today }: WriteOptions,
): Promise<Trainee> {
  const trainee = await traineeForUpdate(tx, actor, id);
  if (trainee.state !== 'submitted_for_trn' && trainee.state !== 'trn_received') {
    throw new TraineeLockedError(
      trainee.state,
      trainee.state === 'deferred'
        ? `${traineeName(trainee)} is already deferred`
        : `You cannot defer ${traineeName(trainee)}: only a trainee in training can be deferred`,
    );
  }
  const deferred = checkDate(date, 'date', 'date of deferral', {
    today,
    notBefore: { date: trainee.itt_start_date, what: 'the ITT start date' },
  });
  return writeState(
    tx,
    actor,
    trainee,
    { state: 'deferred', deferral_date: deferred },
    'deferred',
    { deferral_date: { from: trainee.deferral_date, to: deferred } },
    via,
  );
}

/** Reinstates a deferred trainee: back in training from the given date. */
export async function reinstateTrainee(
  tx: Transaction<DB>,
  actor: Actor,
  id: string,
  { date }: { date: string | null | undefined },
  { via, today }: WriteOptions,
): Promise<Trainee> {
  const trainee = await traineeForUpdate(tx, actor, id);
  if (trainee.state !== 'deferred') {
    throw new TraineeLockedError(trainee.state, `You cannot reinstate ${traineeName(trainee)}: they are not deferred`);
  }
  const reinstated = checkDate(date, 'date', 'date of return to training', {
    today,
    notBefore: trainee.deferral_date ? { date: trainee.deferral_date, what: 'the date of deferral' } : undefined,
  });
  return writeState(
    tx,
    actor,
    trainee,
    { state: trainee.trn ? 'trn_received' : 'submitted_for_trn', reinstatement_date: reinstated },
    'reinstated',
    { reinstatement_date: { from: trainee.reinstatement_date, to: reinstated } },
    via,
  );
}

export interface Withdrawal {
  date: string | null | undefined;
  /** Codes (or names) of WITHDRAWAL_REASONS. */
  reasons: string[];
  otherReason?: string | null;
}

/** Withdraws a trainee, with the date and the reasons (from the list, and any other in words). */
export async function withdrawTrainee(
  tx: Transaction<DB>,
  actor: Actor,
  id: string,
  withdrawal: Withdrawal,
  { via, today }: WriteOptions,
): Promise<Trainee> {
  const trainee = await traineeForUpdate(tx, actor, id);
  if (!['submitted_for_trn', 'trn_received', 'deferred'].includes(trainee.state)) {
    throw new TraineeLockedError(
      trainee.state,
      trainee.state === 'withdrawn'
        ? `${traineeName(trainee)} has already withdrawn`
        : `You cannot withdraw ${traineeName(trainee)}: they ${LOCKED_WORDS[trainee.state] ?? 'are not in training'}`,
    );
  }
  const errors: DomainError[] = [];
  let date: string | undefined;
  try {
    date = checkDate(withdrawal.date, 'date', 'date of withdrawal', {
      today,
      notBefore: { date: trainee.itt_start_date, what: 'the ITT start date' },
    });
  } catch (error) {
    if (!(error instanceof ValidationErrors)) throw error;
    errors.push(...error.errors);
  }
  const reasons: string[] = [];
  for (const given of withdrawal.reasons) {
    const item = findReferenceItem(WITHDRAWAL_REASONS, given);
    if (!item)
      errors.push(new DomainError(`"${given}" is not a reason Rollbook knows: choose from the list`, 'reasons'));
    else if (!reasons.includes(item.code)) reasons.push(item.code);
  }
  if (withdrawal.reasons.length === 0) errors.push(new DomainError('Select why the trainee withdrew', 'reasons'));
  const other = (withdrawal.otherReason ?? '').trim();
  if (reasons.includes(ANOTHER_REASON) && !other) {
    errors.push(new DomainError('Enter the other reason the trainee withdrew', 'otherReason'));
  }
  if (other.length > 500)
    errors.push(new DomainError('The other reason must be 500 characters or fewer', 'otherReason'));
  if (errors.length || !date) throw new ValidationErrors(errors);
  const otherReason = reasons.includes(ANOTHER_REASON) ? other : null;
  const words = reasons
    .map((code) => (code === ANOTHER_REASON ? otherReason : referenceName(WITHDRAWAL_REASONS, code)))
    .filter(Boolean)
    .join('; ');
  return writeState(
    tx,
    actor,
    trainee,
    {
      state: 'withdrawn',
      withdrawal_date: date,
      withdrawal_reason: words,
      withdrawal_reasons: reasons,
      withdrawal_other_reason: otherReason,
    },
    'withdrawn',
    { withdrawal_date: { to: date }, withdrawal_reason: { to: words } },
    via,
  );
}
