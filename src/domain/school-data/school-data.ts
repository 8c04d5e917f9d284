// School data: the one way learners' data is written, read and undone. A data set (one upload,
// or a list given by demo data or tests) replaces the data of each learner it holds, creates the
// learners new to the school and brings the others' details up to date; learners not in it keep
// theirs. A learner sees the latest published data set that holds their data (so a data set
// published at a later time leaves the previous data showing until then). What a data set
// replaced is kept while its upload can be undone, so undo restores exactly that, and is deleted
// once it cannot (forgetReplacedSchoolData, run by the uploads' purge). Every write is set-based,
// with its audit events in the same statement or transaction; every staff view is an event too.
import { type Kysely, type RawBuilder, sql, type Transaction } from 'kysely';
import type { DB, Learner } from '../../db/schema.ts';
import { recordEvents } from '../audit/events.ts';
import type { Actor, ActorOrSystem } from '../organisations/actor.ts';
import { actorIds } from '../organisations/actor.ts';

/**
 * One learner's row as a data set holds it, in upload_rows.change (the submit reads these back
 * in SQL, by these names).
 */
export interface StagedLearnerData {
  /** UPN, upper case. */
  upn: string;
  /** Admission number. */
  admissionNumber: string;
  /** First name. */
  firstName: string;
  /** Surname. */
  surname: string;
  /** Date of birth, yyyy-mm-dd. */
  dateOfBirth: string;
  /** Year group (YEAR_GROUPS' value). */
  yearGroup: string;
  /** The school's own fields in the sheet's column order, blanks left out: [name, value]. */
  fields: [string, string][];
  /** The learner's email address, from an "Email address" column (not one of the fields); a blank keeps the one recorded. */
  email?: string;
}

/** What a data set says besides its learners' rows. */
export interface DataSetDetails {
  /** Up to 3 paragraphs shown above every learner's fields. */
  introduction: string[];
  /** When learners first see it: now, or a later time the school chose. */
  publishAt: Date;
  /** The header block's "submitted by" and "date submitted". */
  submittedByName: string;
  dateSubmitted: string | null;
}

/** Where a data set's rows come from: a list, or the staged rows of a checked upload. */
export type SchoolDataSource = { items: StagedLearnerData[] } | { uploadId: string };

/** The most introduction paragraphs, and the most characters in one. */
export const INTRODUCTION_PARAGRAPHS = 3;
export const INTRODUCTION_PARAGRAPH_MAX = 1_000;
/** The most school-defined fields in one data set, and the most characters in one field's value. */
export const SCHOOL_FIELDS_MAX = 75;
export const SCHOOL_FIELD_VALUE_MAX = 500;

/** How long after its submission an upload of school data can be undone (the uploads' own rule). */
export const UNDO_DAYS = 7;

/** The given rows as a relation g(row_number, upn, admission_number, first_name, surname, date_of_birth, year_group, fields, email). */
function givenRows(source: SchoolDataSource): RawBuilder<unknown> {
  const columns = (row: string) =>
    sql.raw(`${row}->>'upn' as upn, ${row}->>'admissionNumber' as admission_number,
    ${row}->>'firstName' as first_name, ${row}->>'surname' as surname, (${row}->>'dateOfBirth')::date as date_of_birth,
    ${row}->>'yearGroup' as year_group, ${row}->'fields' as fields, ${row}->>'email' as email`);
  if ('items' in source) {
    return sql`(
      select i.row_number::int as row_number, ${columns('i.c')}
      from jsonb_array_elements(${JSON.stringify(source.items)}::jsonb) with ordinality as i(c, row_number)
    ) as g`;
  }
  return sql`(
    select r.row_number, ${columns('r.change')}
    from upload_rows r where r.upload_id = ${source.uploadId} and r.outcome = 'change'
  ) as g`;
}

/** A learner's details as kept for undo and shown in the audit log. */
const DETAILS_JSON = (alias: string) =>
  sql.raw(
    `jsonb_strip_nulls(jsonb_build_object('admission_number', ${alias}.admission_number, 'first_name', ${alias}.first_name, 'surname', ${alias}.surname, 'date_of_birth', to_char(${alias}.date_of_birth, 'YYYY-MM-DD'), 'year_group', ${alias}.year_group, 'email', ${alias}.email))`,
  );

/** The audit log's from → to for each detail the data set changes. */
const DETAIL_CHANGES = sql.raw(`jsonb_strip_nulls(jsonb_build_object(
  'admission_number', case when l.admission_number is distinct from g.admission_number then jsonb_build_object('from', l.admission_number, 'to', g.admission_number) end,
  'first_name', case when l.first_name is distinct from g.first_name then jsonb_build_object('from', l.first_name, 'to', g.first_name) end,
  'surname', case when l.surname is distinct from g.surname then jsonb_build_object('from', l.surname, 'to', g.surname) end,
  'date_of_birth', case when l.date_of_birth is distinct from g.date_of_birth then jsonb_build_object('from', to_char(l.date_of_birth, 'YYYY-MM-DD'), 'to', to_char(g.date_of_birth, 'YYYY-MM-DD')) end,
  'year_group', case when l.year_group is distinct from g.year_group then jsonb_build_object('from', l.year_group, 'to', g.year_group) end,
  'email', case when g.email is not null and l.email is distinct from g.email then jsonb_build_object('from', l.email, 'to', g.email) end))`);

export interface SubmittedSchoolData {
  dataSetId: string;
  /** Learners whose data this data set replaces (or gives them for the first time, if they had none). */
  updated: number;
  /** Learners new to the school. */
  added: number;
}

/**
 * Submits a data set for the actor's school: in the caller's transaction, one statement for the
 * learners and their data (whatever the number) and one for the audit events (one per learner:
 * "school data submitted", with any details changed from → to, or "learner added").
 */
export async function submitSchoolData(
  tx: Transaction<DB>,
  actor: Actor,
  source: SchoolDataSource,
  details: DataSetDetails,
  { via }: { via: string },
): Promise<SubmittedSchoolData> {
  const schoolId = actor.organisation.id;
  const uploadId = 'uploadId' in source ? source.uploadId : null;
  const dataSet = await tx
    .insertInto('school_data_sets')
    .values({
      school_id: schoolId,
      upload_id: uploadId,
      introduction: JSON.stringify(details.introduction),
      submitted_by_name: details.submittedByName,
      date_submitted: details.dateSubmitted,
      publish_at: details.publishAt,
      submitted_by: actor.userId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { actorUserId, actorOrganisationId } = actorIds(actor);
  // One statement: every part sees the learners as they were before it, so the data rows keep
  // each learner's previous details (for undo) while the same statement updates them.
  const { rows } = await sql<{ updated: string; added: string }>`
    with given as materialized (select * from ${givenRows(source)}),
    known as materialized (
      select g.*, l.id as learner_id, ${DETAILS_JSON('l')} as previous, ${DETAIL_CHANGES} as changes
      from given g join learners l on l.school_id = ${schoolId} and l.upn = g.upn
    ),
    changed as (
      update learners l set admission_number = k.admission_number, first_name = k.first_name, surname = k.surname, date_of_birth = k.date_of_birth,
        year_group = k.year_group, email = coalesce(k.email, l.email), version = l.version + 1, updated_at = now()
      from known k where l.id = k.learner_id and k.changes <> '{}'::jsonb
      returning l.id
    ),
    created as (
      insert into learners (school_id, upn, admission_number, first_name, surname, date_of_birth, year_group, email)
      select ${schoolId}::uuid, g.upn, g.admission_number, g.first_name, g.surname, g.date_of_birth, g.year_group, g.email from given g
      where not exists (select from known k where k.upn = g.upn)
      order by g.upn
      returning id, upn, admission_number, first_name, surname, date_of_birth, year_group, email
    ),
    data_rows as (
      insert into learner_school_data (data_set_id, learner_id, school_id, fields, previous, created_learner)
      select ${dataSet.id}::uuid, k.learner_id, ${schoolId}::uuid, k.fields, k.previous, false from known k
      union all
      select ${dataSet.id}::uuid, c.id, ${schoolId}::uuid, g.fields, null, true from created c join given g on g.upn = c.upn
      returning learner_id
    ),
    audit as (
      insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
      select ${actorUserId}::uuid, ${actorOrganisationId}::uuid, ${schoolId}::uuid, 'learner', k.learner_id::text,
        'school data submitted',
        k.changes || jsonb_build_object('fields', jsonb_build_object('to', jsonb_array_length(k.fields)),
          'data_set', jsonb_build_object('to', ${dataSet.id}::text)),
        ${via}
      from known k
      union all
      select ${actorUserId}::uuid, ${actorOrganisationId}::uuid, ${schoolId}::uuid, 'learner', c.id::text,
        'learner added',
        (select jsonb_object_agg(key, jsonb_build_object('to', value))
          from jsonb_each(${DETAILS_JSON('c')} || jsonb_build_object('upn', c.upn))),
        ${via}
      from created c
    )
    select (select count(*) from known) as updated, (select count(*) from created) as added,
      (select count(*) from data_rows) as data_rows, (select count(*) from changed) as changed
  `.execute(tx);
  await recordEvents(tx, actor, via, [
    {
      organisationId: schoolId,
      subjectType: 'school data set',
      subjectId: dataSet.id,
      action: 'school data published',
      changes: {
        publish_at: { to: details.publishAt.toISOString() },
        learners: { to: Number(rows[0]?.updated ?? 0) + Number(rows[0]?.added ?? 0) },
        ...(uploadId ? { upload: { to: uploadId } } : {}),
      },
    },
  ]);
  return { dataSetId: dataSet.id, updated: Number(rows[0]?.updated ?? 0), added: Number(rows[0]?.added ?? 0) };
}

/**
 * In an upload's submit transaction: the staged rows whose learner changed since the check in a
 * way that matters (the UPN is now a learner with another date of birth), by row number, with why.
 */
export async function recheckSchoolData(
  tx: Transaction<DB>,
  actor: Actor,
  uploadId: string,
): Promise<Map<number, string>> {
  const { rows } = await sql<{ row_number: number; upn: string; dob: string }>`
    select g.row_number, g.upn, to_char(l.date_of_birth, 'YYYY-MM-DD') as dob
    from ${givenRows({ uploadId })}
    join learners l on l.school_id = ${actor.organisation.id} and l.upn = g.upn
    where l.date_of_birth <> g.date_of_birth
    order by g.row_number
  `.execute(tx);
  return new Map(
    rows.map((row) => [
      Number(row.row_number),
      `The learner with UPN ${row.upn} has been recorded with another date of birth since the file was checked. Upload the file again to check it`,
    ]),
  );
}

/** The learners an upload's data set holds, for undo's preview: "data of 300 learners (20 of them new)". */
export async function countUploadedSchoolData(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
): Promise<{ learners: number; created: number }> {
  const row = await db
    .selectFrom('learner_school_data as d')
    .innerJoin('school_data_sets as s', 's.id', 'd.data_set_id')
    .select([
      (eb) => eb.fn.countAll<string>().as('learners'),
      sql<string>`count(*) filter (where d.created_learner)`.as('created'),
    ])
    .where('s.upload_id', '=', uploadId)
    .where('s.school_id', '=', actor.organisation.id)
    .executeTakeFirst();
  return { learners: Number(row?.learners ?? 0), created: Number(row?.created ?? 0) };
}

/** The most learners an undo refusal names. */
const BLOCKERS_NAMED = 20;

/**
 * Undoes the data set an upload submitted, in the caller's transaction: each learner gets back
 * the details and data it replaced (the earlier data set's rows were kept for this), learners it
 * created are removed, and its own rows are deleted. Refused (returns one line per learner, and
 * the caller rolls back) when a newer data set holds a learner of this one.
 */
export async function undoSchoolData(
  tx: Transaction<DB>,
  actor: Actor,
  uploadId: string,
  { via }: { via: string },
): Promise<string[]> {
  const schoolId = actor.organisation.id;
  const dataSet = await tx
    .selectFrom('school_data_sets')
    .select(['id', 'seq'])
    .where('upload_id', '=', uploadId)
    .where('school_id', '=', schoolId)
    .where('undone_at', 'is', null)
    .executeTakeFirst();
  if (!dataSet) return [];
  const { rows: blockers } = await sql<{ first_name: string; surname: string; upn: string; total: string }>`
    select l.first_name, l.surname, l.upn, count(*) over () as total
    from learner_school_data d
    join learners l on l.id = d.learner_id
    where d.data_set_id = ${dataSet.id}
      and exists (select from learner_school_data n join school_data_sets ns on ns.id = n.data_set_id
        where n.learner_id = d.learner_id and ns.seq > ${dataSet.seq})
    order by lower(l.surname), lower(l.first_name), l.upn
    limit ${BLOCKERS_NAMED}
  `.execute(tx);
  if (blockers.length) {
    const reasons = blockers.map(
      (b) => `${b.first_name} ${b.surname} (UPN ${b.upn}) has had school data uploaded since, in a later upload`,
    );
    const more = Number(blockers[0].total) - blockers.length;
    if (more > 0) reasons.push(`and ${more.toLocaleString('en-GB')} more learners`);
    return reasons;
  }
  const { actorUserId, actorOrganisationId } = actorIds(actor);
  await sql`
    with restored as (
      update learners l set admission_number = d.previous->>'admission_number', first_name = d.previous->>'first_name',
        surname = d.previous->>'surname', date_of_birth = (d.previous->>'date_of_birth')::date,
        year_group = d.previous->>'year_group', email = d.previous->>'email', version = l.version + 1, updated_at = now()
      from learner_school_data d
      where d.data_set_id = ${dataSet.id} and d.learner_id = l.id and not d.created_learner and d.previous is not null
        and ${DETAILS_JSON('l')} <> d.previous
      returning l.id
    ),
    removed as (
      delete from learners l using learner_school_data d
      where d.data_set_id = ${dataSet.id} and d.learner_id = l.id and d.created_learner
      returning l.id
    ),
    audit as (
      insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
      select ${actorUserId}::uuid, ${actorOrganisationId}::uuid, ${schoolId}::uuid, 'learner', d.learner_id::text,
        case when d.created_learner then 'learner removed' else 'school data restored' end,
        jsonb_build_object('data_set', jsonb_build_object('from', ${dataSet.id}::text)),
        ${via}
      from learner_school_data d where d.data_set_id = ${dataSet.id}
    )
    select (select count(*) from restored) as restored, (select count(*) from removed) as removed
  `.execute(tx);
  await tx.deleteFrom('learner_school_data').where('data_set_id', '=', dataSet.id).execute();
  await tx.updateTable('school_data_sets').set({ undone_at: new Date() }).where('id', '=', dataSet.id).execute();
  await recordEvents(tx, actor, via, [
    {
      organisationId: schoolId,
      subjectType: 'school data set',
      subjectId: dataSet.id,
      action: 'school data undone',
      changes: { upload: { from: uploadId } },
    },
  ]);
  return [];
}

/**
 * Deletes the data that newer, published data sets replaced once they can no longer be undone
 * (submitted over UNDO_DAYS ago, or not from an upload), and the previous details kept for their
 * undo. Run by the uploads' purge. One event per data set whose rows were deleted. Returns how
 * many learners' rows were deleted.
 */
export async function forgetReplacedSchoolData(db: Kysely<DB>, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - UNDO_DAYS * 86_400_000);
  const { rows } = await sql<{ data_set_id: string; school_id: string; learners: string }>`
    with gone as (
      delete from learner_school_data d using school_data_sets ds
      where ds.id = d.data_set_id and exists (
        select from learner_school_data n join school_data_sets ns on ns.id = n.data_set_id
        where n.learner_id = d.learner_id and ns.seq > ds.seq and ns.publish_at <= ${now}
          and (ns.upload_id is null or ns.submitted_at < ${cutoff}))
      returning d.data_set_id, d.school_id
    )
    select data_set_id, school_id, count(*) as learners from gone group by data_set_id, school_id
  `.execute(db);
  await sql`
    update learner_school_data d set previous = null from school_data_sets ds
    where ds.id = d.data_set_id and d.previous is not null and (ds.upload_id is null or ds.submitted_at < ${cutoff})
  `.execute(db);
  await recordEvents(
    db,
    'system',
    'purge of replaced school data',
    rows.map((row) => ({
      organisationId: row.school_id,
      subjectType: 'school data set',
      subjectId: row.data_set_id,
      action: 'replaced school data deleted',
      changes: { learners: { to: Number(row.learners) } },
    })),
  );
  return rows.reduce((sum, row) => sum + Number(row.learners), 0);
}

/** A learner's page: what "Your school data" shows, the same for the learner, staff, a preview and the API. */
export interface LearnerDataPage {
  learner: Pick<Learner, 'id' | 'upn' | 'first_name' | 'surname' | 'year_group' | 'admission_number' | 'date_of_birth'>;
  /** The data set shown, none when the learner has no published data yet. */
  data: {
    introduction: string[];
    fields: { name: string; value: string }[];
    publishedAt: Date;
  } | null;
  /** Newer data the school has submitted to be published later (for staff only). */
  pending: { publishAt: Date } | null;
}

const asFields = (value: unknown): { name: string; value: string }[] =>
  Array.isArray(value)
    ? value
        .filter((pair) => Array.isArray(pair) && pair[1] !== '')
        .map(([name, v]) => ({ name: String(name), value: String(v) }))
    : [];
const asParagraphs = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);

/** The data a learner sees now: the latest published data set that holds theirs. */
export async function learnerDataPage(db: Kysely<DB>, learner: Learner, now = new Date()): Promise<LearnerDataPage> {
  const sets = await db
    .selectFrom('learner_school_data as d')
    .innerJoin('school_data_sets as s', 's.id', 'd.data_set_id')
    .select(['s.introduction', 's.publish_at', 'd.fields', 's.seq'])
    .where('d.learner_id', '=', learner.id)
    .where('d.school_id', '=', learner.school_id)
    .orderBy('s.seq', 'desc')
    .execute();
  const shown = sets.find((set) => new Date(set.publish_at) <= now);
  const pending = sets.find((set) => new Date(set.publish_at) > now && (!shown || BigInt(set.seq) > BigInt(shown.seq)));
  return {
    learner,
    data: shown
      ? {
          introduction: asParagraphs(shown.introduction),
          fields: asFields(shown.fields),
          publishedAt: new Date(shown.publish_at),
        }
      : null,
    pending: pending ? { publishAt: new Date(pending.publish_at) } : null,
  };
}

/** A learner's page as it will look once a staged row is published: the upload's preview. */
export function previewLearnerDataPage(
  staged: StagedLearnerData,
  introduction: string[],
  publishAt: Date,
): LearnerDataPage {
  return {
    learner: {
      id: '',
      upn: staged.upn,
      first_name: staged.firstName,
      surname: staged.surname,
      year_group: staged.yearGroup,
      admission_number: staged.admissionNumber,
      date_of_birth: staged.dateOfBirth,
    },
    data: { introduction, fields: asFields(staged.fields), publishedAt: publishAt },
    pending: null,
  };
}

/** Records that a member of staff (or an API token) read a learner's data: who, which learner, when. */
export async function recordLearnerView(
  db: Kysely<DB>,
  actor: ActorOrSystem,
  learner: Learner,
  via: string,
): Promise<void> {
  await recordEvents(db, actor, via, [
    {
      organisationId: learner.school_id,
      subjectType: 'learner',
      subjectId: learner.id,
      action: 'school data viewed',
      changes: {},
    },
  ]);
}

export interface LearnerView {
  occurredAt: Date;
  viewer: string;
  via: string;
  learnerId: string;
  learnerName: string;
  upn: string;
}

/** The most recent views of learners' data at the school, newest first: for its admins. */
export async function listLearnerViews(
  db: Kysely<DB>,
  actor: Actor,
  { limit = 200, learnerId }: { limit?: number; learnerId?: string } = {},
): Promise<LearnerView[]> {
  let query = db
    .selectFrom('events as e')
    .leftJoin('users as u', (join) => join.on(sql<boolean>`u.id = e.actor_user_id`))
    .leftJoin('learners as l', (join) => join.on(sql<boolean>`l.id::text = e.subject_id`))
    .select([
      'e.occurred_at',
      'e.via',
      'e.subject_id',
      'u.first_name as viewer_first',
      'u.last_name as viewer_last',
      'l.first_name',
      'l.surname',
      'l.upn',
    ])
    .where('e.organisation_id', '=', actor.organisation.id)
    .where('e.subject_type', '=', 'learner')
    .where('e.action', '=', 'school data viewed');
  if (learnerId) query = query.where('e.subject_id', '=', learnerId);
  const rows = await query.orderBy('e.occurred_at', 'desc').orderBy('e.id', 'desc').limit(limit).execute();
  return rows.map((row) => ({
    occurredAt: new Date(row.occurred_at),
    viewer: row.viewer_first ? `${row.viewer_first} ${row.viewer_last}` : 'An API token',
    via: row.via,
    learnerId: row.subject_id,
    learnerName: row.first_name ? `${row.first_name} ${row.surname}` : 'A learner no longer recorded',
    upn: row.upn ?? '',
  }));
}
