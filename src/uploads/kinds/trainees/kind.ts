// Upload kind: adding and updating trainees in bulk (a student record system's export, say). A row
// whose provider trainee ID or HESA ID is one of the provider's trainees updates that trainee (only
// the cells that differ; a blank cell changes nothing); any other row adds a trainee. Every rule is
// the pages' and the API's (trainee-details.ts), each message naming its column; added trainees are
// registered, and so asked a TRN for, by the same operation as "Add a trainee".
import { type Kysely, sql } from 'kysely';
import type { DB, Trainee } from '../../../db/schema.ts';
import { formatIsoDate } from '../../../domain/dates.ts';
import { DomainError } from '../../../domain/errors.ts';
import { ValidationErrors } from '../../../domain/organisations/users.ts';
import {
  AGE_RANGES,
  DEGREE_GRADES,
  DEGREE_TYPES,
  type ReferenceItem,
  ROUTE_LIST,
  referenceName,
  SEXES,
  STUDY_MODES,
} from '../../../domain/trainees/reference-lists.ts';
import {
  checkTraineeInput,
  detailsOf,
  differences,
  inputOf,
  type TraineeDetails,
  type TraineeInput,
} from '../../../domain/trainees/trainee-details.ts';
import {
  changeStagedTrainees,
  changeTrainees,
  type DuplicateFields,
  duplicateFields,
  findStagedDuplicates,
  LOCKED_STATES,
  registerStagedTrainees,
  stagedDuplicatesWithin,
} from '../../../domain/trainees/trainee-records.ts';
import { trainingRoute } from '../../../domain/trainees/training-routes.ts';
import type { ColumnSpec } from '../../headers.ts';
import { defineKind, type ParsedRow, type RowError } from '../kind.ts';
import { sheetDate } from '../trainee-identity.ts';

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

const codes = (list: ReferenceItem[]) =>
  list
    .slice(0, 8)
    .map((item) => (item.synonyms?.[0] ? `${item.code} (or ${item.synonyms[0]})` : item.code))
    .join(', ');

/** The columns, in template order; each key is the field's name in the API. */
const COLUMNS: ColumnSpec[] = [
  {
    key: 'providerTraineeId',
    header: 'Provider trainee ID',
    aliases: ['provider_trainee_id', 'OWNSTU', 'Student number'],
    hint: 'Your own student number: up to 50 characters. A row with the ID of one of your trainees updates them.',
  },
  {
    key: 'hesaId',
    header: 'HESA ID',
    aliases: ['hesa_id', 'HUSID'],
    hint: '13 or 17 digits. A row with the HESA ID of one of your trainees updates them.',
  },
  { key: 'firstNames', header: 'First names', aliases: ['first_names', 'FNAMES'], hint: 'Up to 60 characters.' },
  { key: 'lastName', header: 'Last name', aliases: ['last_name', 'SURNAME', 'Surname'], hint: 'Up to 60 characters.' },
  {
    key: 'previousLastName',
    header: 'Previous last name',
    aliases: ['previous_last_name', 'PSURNAME'],
    hint: 'Optional.',
  },
  {
    key: 'dateOfBirth',
    header: 'Date of birth',
    aliases: ['date_of_birth', 'BIRTHDTE'],
    type: { type: 'date' },
    hint: 'Like 27/3/1998 or 1998-03-27. The trainee is 16 to 100 years old.',
  },
  { key: 'sex', header: 'Sex', aliases: ['SEXID'], hint: `One of: ${codes(SEXES)}.` },
  { key: 'email', header: 'Email address', aliases: ['email', 'NQTEMAIL'], hint: 'The trainee’s own email address.' },
  {
    key: 'trainingRoute',
    header: 'Training route',
    aliases: ['training_route', 'ENTRYRTE', 'Route'],
    hint: `A route code or its HESA code, like ${codes(ROUTE_LIST.slice(0, 3))}: see the reference list.`,
  },
  {
    key: 'courseSubject1',
    header: 'Course subject 1',
    aliases: ['course_subject_1', 'course_subject_one', 'Subject'],
    hint: 'A subject’s name or HECoS code, like Mathematics or 100403. Early years routes may leave it empty.',
  },
  {
    key: 'courseSubject2',
    header: 'Course subject 2',
    aliases: ['course_subject_2', 'course_subject_two'],
    hint: 'Optional.',
  },
  {
    key: 'courseSubject3',
    header: 'Course subject 3',
    aliases: ['course_subject_3', 'course_subject_three'],
    hint: 'Optional.',
  },
  {
    key: 'ageRange',
    header: 'Age range',
    aliases: ['course_age_range', 'ITTPHSC'],
    hint: `One of: ${AGE_RANGES.map((a) => a.code).join(', ')}.`,
  },
  { key: 'studyMode', header: 'Study mode', aliases: ['study_mode', 'MODE'], hint: `One of: ${codes(STUDY_MODES)}.` },
  {
    key: 'ittStartDate',
    header: 'ITT start date',
    aliases: ['itt_start_date', 'ITTSTARTDATE'],
    type: { type: 'date' },
    hint: 'Like 1/9/2025.',
  },
  {
    key: 'ittEndDate',
    header: 'Expected end date',
    aliases: ['itt_end_date', 'EXPECTEDENDDATE'],
    type: { type: 'date' },
    hint: 'Like 15/7/2026: after the ITT start date.',
  },
  {
    key: 'courseYear',
    header: 'Course year',
    aliases: ['course_year', 'YEARPRG'],
    hint: 'Optional: 0 for a foundation year, 1, 2 or 3.',
  },
  {
    key: 'leadSchoolUrn',
    header: 'Lead school URN',
    aliases: ['lead_partner_urn', 'training_partner_urn', 'SDLEAD'],
    hint: 'On school direct, apprenticeship and salaried routes: 6 digits.',
  },
  {
    key: 'employingSchoolUrn',
    header: 'Employing school URN',
    aliases: ['employing_school_urn', 'SDEMPLOY'],
    hint: 'On salaried routes: 6 digits.',
  },
  {
    key: 'degreeType',
    header: 'Degree type',
    aliases: ['degree_type', 'DEGTYPE'],
    hint: `Postgraduate routes: ${DEGREE_TYPES.map((d) => d.code).join(' or ')}.`,
  },
  {
    key: 'degreeSubject',
    header: 'Degree subject',
    aliases: ['degree_subject', 'DEGSBJ'],
    hint: 'Postgraduate routes.',
  },
  {
    key: 'degreeGrade',
    header: 'Degree grade',
    aliases: ['degree_grade', 'DEGCLSS'],
    hint: `Postgraduate routes: ${codes(DEGREE_GRADES)}.`,
  },
  {
    key: 'degreeGraduationYear',
    header: 'Degree graduation year',
    aliases: ['degree_graduation_year', 'DEGENDDT'],
    hint: 'Postgraduate routes: like 2014.',
  },
  {
    key: 'degreeInstitution',
    header: 'Awarding institution',
    aliases: ['awarding_institution', 'DEGEST'],
    hint: 'UK degrees: the university or college.',
  },
  {
    key: 'degreeCountry',
    header: 'Degree country',
    aliases: ['degree_country', 'DEGCTRY'],
    hint: 'Non-UK degrees: the country.',
  },
];

const HEADER = new Map(COLUMNS.map((c) => [c.key, c.header]));
const SUBJECT_COLUMNS = ['courseSubject1', 'courseSubject2', 'courseSubject3'];
/** The column of a field's message (the degree's fields and the subjects share names with columns). */
const columnOf = (field: string | undefined): string | undefined =>
  field === 'courseSubjects' ? 'courseSubject1' : field && HEADER.has(field) ? field : undefined;

/** A change: a trainee to add, or the fields of one to update. */
export type TraineesChange =
  | {
      kind: 'add';
      name: string;
      details: TraineeDetails;
      /** What the duplicates rule compares (checked over the staged rows, and again at submission). */
      duplicate: DuplicateFields;
    }
  | {
      kind: 'update';
      name: string;
      traineeId: string;
      version: number;
      /** The fields given that differ, as input. */
      input: TraineeInput;
      /** What changes, field by field, for the review and for undo. */
      changed: Record<string, { from: unknown; to: unknown }>;
      /** The trainee's details once changed, as checked against the record at `version`. */
      details: TraineeDetails;
    };

interface Existing {
  id: string;
  version: number;
  state: string;
  name: string;
  input: TraineeInput;
  details: TraineeDetails;
}

/** The provider's trainees the file names, as read (their details are worked out when a row finds them). */
interface Lookup {
  byId: Map<string, Trainee>;
  byHesa: Map<string, Trainee>;
}

const nameOf = (t: Trainee) => `${t.first_names} ${t.last_name}`;

function existingOf(t: Trainee): Existing {
  const details = detailsOf(t);
  return { id: t.id, version: t.version, state: t.state, name: nameOf(t), details, input: inputOf(details) };
}

/** The row's cells as input: only the cells given (a blank cell is left out). */
function rowInput(row: ParsedRow): { input: TraineeInput; unparsed: Set<string> } {
  const input: Record<string, unknown> = {};
  const unparsed = new Set<string>();
  for (const column of COLUMNS) {
    if (SUBJECT_COLUMNS.includes(column.key)) continue;
    const cell = row.cells[column.key] ?? '';
    if (!cell) continue;
    if (column.type) {
      const value = row.values[column.key];
      // A cell its type cannot read: the pipeline reports it.
      if (typeof value !== 'string') unparsed.add(column.key);
      else input[column.key] = value;
    } else input[column.key] = cell;
  }
  const subjects = SUBJECT_COLUMNS.map((key) => row.cells[key] ?? '').filter(Boolean);
  if (subjects.length) input.courseSubjects = subjects;
  return { input: input as TraineeInput, unparsed };
}

const rowErrors = (errors: { field?: string; message: string }[], unparsed: Set<string>): RowError[] =>
  errors
    .filter((e) => !(e.field && unparsed.has(e.field)))
    .map((e) => {
      const column = columnOf(e.field);
      return { column, message: column ? `${HEADER.get(column)}: ${e.message}` : e.message };
    });

/** Whether every cell a row gives is the record's value as the prefilled sheet writes it. */
function sameAsRecord(input: TraineeInput, record: TraineeInput): boolean {
  const text = (value: unknown) => (Array.isArray(value) ? value.join('|') : String(value ?? '')).trim();
  return Object.entries(input).every(([key, value]) => text(value) === text((record as Record<string, unknown>)[key]));
}

/** The existing trainees rows name, by provider trainee ID (lower case) and by HESA ID. */
async function existingTrainees(db: Kysely<DB>, providerId: string, ids: string[], hesaIds: string[]): Promise<Lookup> {
  const byId = new Map<string, Trainee>();
  const byHesa = new Map<string, Trainee>();
  if (!ids.length && !hesaIds.length) return { byId, byHesa };
  const rows = await db
    .selectFrom('trainees')
    .selectAll()
    .where('provider_id', '=', providerId)
    // Arrays, not lists of parameters: a file may name 100,000 trainees.
    .where(sql<boolean>`(lower(provider_trainee_id) = any(${ids}::text[]) or hesa_id = any(${hesaIds}::text[]))`)
    .execute();
  for (const t of rows) {
    if (t.provider_trainee_id) byId.set(t.provider_trainee_id.toLowerCase(), t);
    if (t.hesa_id) byHesa.set(t.hesa_id, t);
  }
  return { byId, byHesa };
}

/** The lists of the coded fields, so that the review shows names ("Full time"), not codes. */
const CODED: Record<string, ReferenceItem[]> = { sex: SEXES, trainingRoute: ROUTE_LIST, studyMode: STUDY_MODES };

const describeValue = (value: unknown, field?: string): string => {
  if (value === null || value === undefined || value === '') return '(blank)';
  if (field && CODED[field] && typeof value === 'string') return referenceName(CODED[field], value);
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') {
    const degree = value as Record<string, unknown>;
    return [degree.subject, degree.grade, degree.graduationYear, degree.institution ?? degree.country]
      .filter(Boolean)
      .join(', ');
  }
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return formatIsoDate(value);
  return String(value);
};

const FIELD_NAMES: Record<string, string> = Object.fromEntries(COLUMNS.map((c) => [c.key, c.header]));
FIELD_NAMES.courseSubjects = 'Course subjects';
FIELD_NAMES.degree = 'Degree';

/** The template's choice: an empty sheet (the default), or the provider's trainees to change. */
const EMPTY = 'none';
const LISTED = 'changeable';

/**
 * The trainees a prefilled sheet lists: those who can still be changed, with an identifier a row
 * finds them by.
 */
const listedTrainees = (db: Kysely<DB>, providerId: string) =>
  db
    .selectFrom('trainees')
    .where('provider_id', '=', providerId)
    .where('state', 'not in', [...LOCKED_STATES])
    .where((eb) => eb.or([eb('provider_trainee_id', 'is not', null), eb('hesa_id', 'is not', null)]));

/** A trainee's details as the sheet's cells, by column key, written so that reading them back changes nothing. */
function sheetValues(input: TraineeInput): Record<string, string> {
  const values: Record<string, string> = {};
  for (const column of COLUMNS) {
    const value = (input as Record<string, unknown>)[column.key];
    if (value === null || value === undefined) continue;
    values[column.key] = column.type?.type === 'date' ? sheetDate(String(value)) : String(value);
  }
  const subjects = input.courseSubjects ?? [];
  SUBJECT_COLUMNS.forEach((key, i) => {
    values[key] = subjects[i] ?? '';
  });
  return values;
}

export const trainees = defineKind<TraineesChange, Lookup>({
  id: 'trainees',
  title: 'Add or update trainees',
  apiDescription:
    'The template is empty by default, with one column for each of a trainee’s details; with `trainees=changeable` it lists your trainees who can still be changed (not recommended, awarded or withdrawn) and have a provider trainee ID or HESA ID, with their details, so that a row left as it is changes nothing. A row whose provider trainee ID or HESA ID is one of your trainees updates that trainee (only the cells that differ; a blank cell changes nothing); any other row adds a trainee, who is then asked a TRN for. Codes from the HESA student return are accepted for routes, sexes, study modes and subjects (HECoS).',
  allowedFor: ['provider'],
  columns: COLUMNS,
  maxRows: 100_000,
  requiredOneOf: ['lastName', 'providerTraineeId', 'hesaId'],
  oneRowPerRecord: true,
  sheetName: 'Trainees',
  countLabels: {
    change: (n) => `${n} ${n === 1 ? 'trainee' : 'trainees'} will be added or updated`,
    skip: (n) => `${n} ${n === 1 ? 'row is' : 'rows are'} unchanged`,
    error: (n) => `${n} ${n === 1 ? 'row has' : 'rows have'} errors`,
  },
  templateFileName: (actor, options) =>
    `${actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-trainees${options.trainees === LISTED ? '-to-change' : ''}`,

  async templateChoices({ db, actor }) {
    const { n } = await listedTrainees(db, actor.organisation.id)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const count = Number(n);
    return [
      {
        name: 'trainees',
        label: 'What should the sheet list?',
        options: [
          { value: EMPTY, text: 'Nothing: an empty sheet, to add new trainees' },
          {
            value: LISTED,
            text: 'Your trainees, to change their details',
            hint: `${plural(count, 'trainee', 'trainees')} with their details as Rollbook has them: change the cells you need to and leave the rest, since a row left as it is changes nothing. Trainees who have been recommended, awarded or have withdrawn are not listed (they cannot be changed), nor those with neither a provider trainee ID nor a HESA ID (a row finds its trainee by one of them).`,
          },
        ],
      },
    ];
  },

  async template({ db, actor }, options) {
    if (options.trainees !== LISTED) return [];
    const rows = await listedTrainees(db, actor.organisation.id)
      .selectAll()
      .orderBy(sql`lower(last_name)`)
      .orderBy(sql`lower(first_names)`)
      .orderBy('id')
      .execute();
    return rows.map((trainee) => {
      const values = sheetValues(inputOf(detailsOf(trainee)));
      return COLUMNS.map((column) => values[column.key] ?? '');
    });
  },

  async templateRowCount({ db, actor }, options) {
    if (options.trainees !== LISTED) return 0;
    const { n } = await listedTrainees(db, actor.organisation.id)
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(n);
  },

  async prepare({ db, actor }, rows) {
    // Only the identifiers are kept from this first pass; each row is checked as it is staged.
    const ids = new Set<string>();
    const hesaIds = new Set<string>();
    for await (const row of rows) {
      const { input } = rowInput(row);
      if (input.providerTraineeId) ids.add(String(input.providerTraineeId).trim().toLowerCase());
      if (input.hesaId) hesaIds.add(String(input.hesaId).replace(/\s+/g, ''));
    }
    return existingTrainees(db, actor.organisation.id, [...ids], [...hesaIds]);
  },

  check(row, existing, { today }) {
    const { input, unparsed } = rowInput(row);
    const byId = input.providerTraineeId
      ? existing.byId.get(String(input.providerTraineeId).trim().toLowerCase())
      : undefined;
    const byHesa = input.hesaId ? existing.byHesa.get(String(input.hesaId).replace(/\s+/g, '')) : undefined;
    if (byId && byHesa && byId.id !== byHesa.id) {
      return {
        outcome: 'error',
        errors: [
          {
            column: 'hesaId',
            message: `HESA ID: ${input.hesaId} is ${nameOf(byHesa)}’s, but the provider trainee ID ${input.providerTraineeId} is ${nameOf(byId)}’s. Check which trainee the row is for`,
          },
        ],
      };
    }
    const record = byId ?? byHesa;
    if (record) {
      const found = existingOf(record);
      if ((LOCKED_STATES as string[]).includes(found.state)) {
        return {
          outcome: 'error',
          recordKey: found.id,
          errors: [
            { message: `${found.name} cannot be changed: they have been recommended, awarded or have withdrawn` },
          ],
        };
      }
      // An identifier the row was matched by keeps the record's own spelling.
      if (
        input.providerTraineeId &&
        found.input.providerTraineeId?.toLowerCase() === String(input.providerTraineeId).trim().toLowerCase()
      ) {
        input.providerTraineeId = found.input.providerTraineeId;
      }
      // A row that gives every cell as the record has it (a prefilled sheet left as it is) changes
      // nothing, even for a record that lacks details the rules now ask for (demo or older records).
      if (sameAsRecord(input, found.input)) {
        return { outcome: 'skip', reason: `No changes to ${found.name}`, recordKey: found.id };
      }
      const checked = checkTraineeInput({ ...found.input, ...input }, today);
      if (!checked.details) {
        return { outcome: 'error', recordKey: found.id, errors: rowErrors(checked.errors, unparsed) };
      }
      const changed = differences(found.details, checked.details);
      if (Object.keys(changed).length === 0) {
        return { outcome: 'skip', reason: `No changes to ${found.name}`, recordKey: found.id };
      }
      return {
        outcome: 'change',
        recordKey: found.id,
        change: {
          kind: 'update',
          name: found.name,
          traineeId: found.id,
          version: found.version,
          input,
          changed,
          details: checked.details,
        },
      };
    }
    const checked = checkTraineeInput(input, today);
    const recordKey = input.providerTraineeId
      ? `new id ${String(input.providerTraineeId).toLowerCase()}`
      : input.hesaId
        ? `new hesa ${input.hesaId}`
        : undefined;
    if (!checked.details) return { outcome: 'error', recordKey, errors: rowErrors(checked.errors, unparsed) };
    return {
      outcome: 'change',
      recordKey,
      change: {
        kind: 'add',
        name: `${checked.details.firstNames} ${checked.details.lastName}`,
        details: checked.details,
        duplicate: duplicateFields(checked.details),
      },
    };
  },

  // The duplicates rule for the trainees to add, over the staged rows: of the provider's
  // trainees (one query), and of each other within the file.
  async checkStaged(db, { actor, uploadId }) {
    const existing = await findStagedDuplicates(db, actor.organisation.id, uploadId);
    const within = await stagedDuplicatesWithin(db, uploadId);
    const failed = new Map<number, RowError[]>();
    for (const rowNumber of new Set([...existing.keys(), ...within.keys()])) {
      const errors: RowError[] = [];
      const existingOne = existing.get(rowNumber);
      if (existingOne) {
        errors.push({
          message: `This trainee is already registered: ${existingOne.name} (/trainees/${existingOne.id}) has the same date of birth, last name, route and start year, and the same first name or email address`,
        });
      }
      const others = within.get(rowNumber);
      if (others?.length) {
        errors.push({
          message: `The same trainee is in row ${others.join(' and row ')} too (the same date of birth, last name, route and start year, and the same first name or email address). Keep one row`,
        });
      }
      failed.set(rowNumber, errors);
    }
    return failed;
  },

  async recheck(tx, { actor, uploadId }) {
    const changed = await tx
      .selectFrom('upload_rows as u')
      .leftJoin('trainees', (join) =>
        join
          .on(sql<boolean>`trainees.id = (u.change->>'traineeId')::uuid`)
          .on('trainees.provider_id', '=', actor.organisation.id),
      )
      .select(['u.row_number', sql<string>`u.change->>'name'`.as('name'), sql<string>`u.change->>'kind'`.as('kind')])
      .where('u.upload_id', '=', uploadId)
      .where('u.outcome', '=', 'change')
      // Rows staged before the submission read them in SQL lack what it reads: checked again.
      .where(
        sql<boolean>`case when u.change->>'kind' = 'update'
          then trainees.id is null or trainees.version <> (u.change->>'version')::int or u.change->'details' is null
          else u.change->'duplicate' is null end`,
      )
      .execute();
    return new Map(
      changed.map((row) => [
        row.row_number,
        row.kind === 'update'
          ? `${row.name}’s record changed after the file was checked. Upload the file again to check it against the record`
          : `${row.name} was checked by an earlier version of Rollbook. Upload the file again to check it`,
      ]),
    );
  },

  writes: ['trainees', 'trn_requests', 'events'],
  async apply(tx, { actor, today, uploadId, expected }) {
    const via = `upload ${uploadId}`;
    const added = await registerStagedTrainees(tx, actor, uploadId, { via, today, source: 'csv' });
    const changed = await changeStagedTrainees(tx, actor, uploadId, { via, today });
    if (added + changed !== expected) throw new Error(`Expected ${expected} changes, made ${added + changed}`);
  },

  async undo(tx, { actor, uploadId, today }) {
    const via = `upload ${uploadId}`;
    // A record another change touched since (not the upload itself, nor its TRN) cannot be undone.
    const { rows: touched } = await sql<{ name: string }>`
      select distinct t.first_names || ' ' || t.last_name as name
      from events e join trainees t on t.id::text = e.subject_id
      where e.subject_type = 'trainee' and t.provider_id = ${actor.organisation.id}
        and e.occurred_at > (select submitted_at from uploads where id = ${uploadId})
        and e.via not in (${via}, 'teaching record system')
        and (t.added_by_upload = ${uploadId} or e.subject_id in (
          select u.change->>'traineeId' from upload_rows u
          where u.upload_id = ${uploadId} and u.outcome = 'change' and u.change->>'kind' = 'update'))
    `.execute(tx);
    if (touched.length) {
      return touched.map((t) => `${t.name}’s record has changed since the upload was submitted`);
    }
    const removed = await tx
      .deleteFrom('trainees')
      .where('added_by_upload', '=', uploadId)
      .where('provider_id', '=', actor.organisation.id)
      .returning(['id', 'first_names', 'last_name'])
      .execute();
    if (removed.length) {
      await tx
        .deleteFrom('trn_requests')
        .where(sql<boolean>`trainee_id = any(${removed.map((r) => r.id)}::uuid[])`)
        .execute();
      await sql`
        insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
        select ${actor.userId}::uuid, ${actor.support?.organisationId ?? actor.organisation.id}::uuid, ${actor.organisation.id}::uuid,
          'trainee', r.id, 'removed', jsonb_build_object('name', jsonb_build_object('from', r.name)), ${`undo of ${via}`}
        from unnest(${removed.map((r) => r.id)}::text[], ${removed.map((r) => `${r.first_names} ${r.last_name}`)}::text[]) as r(id, name)
      `.execute(tx);
    }
    const updates = await tx
      .selectFrom('upload_rows')
      .select('change')
      .where('upload_id', '=', uploadId)
      .where('outcome', '=', 'change')
      .where(sql<boolean>`change->>'kind' = 'update'`)
      .execute();
    const reverts = updates.map(({ change }) => {
      const update = change as Extract<TraineesChange, { kind: 'update' }>;
      const before: Record<string, unknown> = {};
      for (const [field, { from }] of Object.entries(update.changed)) before[field] = from;
      const { degree, ...rest } = before;
      const input: TraineeInput = { ...(rest as TraineeInput) };
      if ('degree' in before) {
        const d = degree as Record<string, unknown> | null;
        Object.assign(input, {
          degreeType: d?.type ?? null,
          degreeSubject: d?.subject ?? null,
          degreeGrade: d?.grade ?? null,
          degreeGraduationYear: d?.graduationYear ?? null,
          degreeInstitution: d?.institution ?? null,
          degreeCountry: d?.country ?? null,
        });
      }
      return { traineeId: update.traineeId, input };
    });
    try {
      await changeTrainees(tx, actor, reverts, { via: `undo of ${via}`, today });
    } catch (error) {
      if (error instanceof DomainError || error instanceof ValidationErrors) return [error.message];
      throw error;
    }
    return [];
  },

  async undoPreview(db, { uploadId }) {
    const added = await db
      .selectFrom('trainees')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('added_by_upload', '=', uploadId)
      .executeTakeFirstOrThrow();
    const updated = await db
      .selectFrom('upload_rows')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('upload_id', '=', uploadId)
      .where('outcome', '=', 'change')
      .where(sql<boolean>`change->>'kind' = 'update'`)
      .executeTakeFirstOrThrow();
    return `${plural(Number(added.n), 'trainee', 'trainees')} added (removed again) and ${plural(Number(updated.n), 'trainee', 'trainees')} updated (changed back)`;
  },

  describe(change) {
    if (change.kind === 'add') {
      const d = change.details;
      return {
        group: 'Trainees to add',
        title: change.name,
        details: [
          trainingRoute(d.trainingRoute).name,
          d.courseSubjects.join(', '),
          `Starts ${formatIsoDate(d.ittStartDate)}`,
          ...(d.providerTraineeId ? [`Provider trainee ID ${d.providerTraineeId}`] : []),
        ],
      };
    }
    return {
      group: 'Trainees to update',
      title: change.name,
      details: Object.entries(change.changed).map(
        ([field, { from, to }]) =>
          `${FIELD_NAMES[field] ?? field}: ${describeValue(from, field)} → ${describeValue(to, field)}`,
      ),
    };
  },
  pages: {
    templateCount: () =>
      'Download an empty sheet to add trainees, or a sheet listing your trainees to change their details: one row for each trainee, one column for each detail.',
    reviewTitle: 'Check the trainees you’ll add and update',
    submitButton: (n) => `Add or update ${plural(n, 'trainee', 'trainees')}`,
    doneTitle: (n) => `${plural(n, 'trainee', 'trainees')} added or updated`,
    countHeadings: { change: 'To add or update', changed: 'Added or updated', skip: 'Unchanged', error: 'Errors' },
    recordsLink: { href: '/trainees', text: 'See your trainees' },
    partials: 'kinds/trainees/views',
  },
  card: {
    title: 'Add or update trainees in bulk',
    description:
      'Register new trainees, or change trainees’ details, from a spreadsheet or your student record system’s export.',
    order: 5,
  },
  // Added trainees leave TRN requests to send to the Teaching Record System.
  afterSubmit: { queue: 'send-trn-requests' },
});
