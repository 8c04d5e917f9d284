// Upload kind: a school's learner data ("Your school data"). The sheet has a header block (the
// school's name and postcode, who submitted it and when, up to 3 paragraphs of introduction
// text), the compulsory fields that identify each learner, then up to 75 fields the school names
// itself. Each row replaces that learner's data; learners new to the school are added. The school
// previews a learner's page, then publishes now or at a later time; undo restores what was replaced.
import { sql } from 'kysely';
import { addMonths, englandTime, formatIsoDate, isRealDate, toIsoDate } from '../../../domain/dates.ts';
import { DomainError } from '../../../domain/errors.ts';
import { normaliseEmail, normalisePostcode } from '../../../domain/identifiers.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import { countLearnersByYearGroup } from '../../../domain/school-data/learners.ts';
import {
  countUploadedSchoolData,
  forgetReplacedSchoolData,
  INTRODUCTION_PARAGRAPH_MAX,
  INTRODUCTION_PARAGRAPHS,
  previewLearnerDataPage,
  recheckSchoolData,
  SCHOOL_FIELD_VALUE_MAX,
  SCHOOL_FIELDS_MAX,
  type StagedLearnerData,
  submitSchoolData,
  undoSchoolData,
} from '../../../domain/school-data/school-data.ts';
import { YEAR_GROUPS } from '../../../domain/school-data/year-groups.ts';
import { parseDate } from '../../cells/cells.ts';
import { type ColumnSpec, FREE_COLUMN_KEY, normaliseHeader } from '../../headers.ts';
import { defineKind, type HeaderBlockValues, type RowError, type UploadContext } from '../kind.ts';

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** The header block's labels, as the school-data sheets have always had them. */
export const SCHOOL_NAME = 'School name';
export const SCHOOL_POSTCODE = 'School postcode';
export const SUBMITTED_BY = 'Import spreadsheet submitted by';
export const DATE_SUBMITTED = 'Date submitted';
const PARAGRAPH_LABELS = Array.from(
  { length: INTRODUCTION_PARAGRAPHS },
  (_, i) => `Introductory text paragraph ${i + 1}`,
);
/** Rows above the header that are captions, not introduction text. */
const CAPTIONS = new Set([
  'compulsoryfields',
  'schooldefinedfields',
  'providerdefinedfields',
  'sampleplanitspreadsheetimport',
]);

const COLUMNS: ColumnSpec[] = [
  {
    key: 'firstName',
    header: 'First name',
    aliases: ['Forename', 'Learner first name', 'Legal forename'],
    required: true,
    type: { type: 'text', max: 100 },
    hint: 'The learner’s first name, as they know it.',
  },
  {
    key: 'surname',
    header: 'Surname',
    aliases: ['Learner surname', 'Last name', 'Legal surname'],
    required: true,
    type: { type: 'text', max: 100 },
    hint: 'The learner’s surname.',
  },
  {
    key: 'upn',
    header: 'UPN',
    aliases: ['UPIN', 'Unique pupil number'],
    required: true,
    type: { type: 'upn' },
    hint: 'The learner’s unique pupil number: 13 characters, like B801200005001. Rollbook checks its check letter.',
  },
  {
    key: 'admissionNumber',
    header: 'Admission number',
    aliases: ['SIMS No', 'SIMS number', 'Adno', 'Admission no'],
    required: true,
    type: { type: 'text', max: 50 },
    hint: 'The school’s own number for the learner (in SIMS, the admission number). No two learners share one.',
  },
  {
    key: 'dateOfBirth',
    header: 'Date of birth',
    aliases: ['DOB'],
    required: true,
    type: { type: 'date' },
    hint: 'Like 27/3/2012. Between 2 and 25 years ago.',
  },
  {
    key: 'yearGroup',
    header: 'Year group',
    aliases: ['Year', 'NC year'],
    required: true,
    type: { type: 'enum', values: YEAR_GROUPS },
    hint: 'Nursery, Reception, or Year 1 to Year 13. “Y9”, “Year 9” and “9” all mean Year 9.',
  },
];

const REQUIRED_NAMES: Record<string, string> = {
  firstName: 'first name',
  surname: 'surname',
  upn: 'UPN',
  admissionNumber: 'admission number',
  dateOfBirth: 'date of birth',
  yearGroup: 'year group',
};

/** The introduction paragraphs a header block gives: the labelled ones, then any other text rows. */
function introduction(block: HeaderBlockValues): string[] {
  const labelled = PARAGRAPH_LABELS.map((label) => block.values[label] ?? '').filter((text) => text.trim() !== '');
  const loose = block.text.filter((text) => !CAPTIONS.has(normaliseHeader(text)));
  return [...labelled, ...loose].map((text) => text.trim());
}

/** The school's name and postcode, to prefill templates and compare with a file's header block. */
async function schoolDetails({ db, actor }: UploadContext): Promise<{ name: string; postcode: string }> {
  const row = await db
    .selectFrom('organisations as o')
    .leftJoin('schools as s', 's.urn', 'o.urn')
    .select(['o.name', 'o.postcode', 's.postcode as register_postcode'])
    .where('o.id', '=', actor.organisation.id)
    .executeTakeFirst();
  return { name: row?.name ?? actor.organisation.name, postcode: row?.postcode ?? row?.register_postcode ?? '' };
}

const squash = (text: string) => normaliseHeader(text);

/** The date a header block's "Date submitted" gives, or null when blank; undefined when it is not a date. */
function dateSubmitted(block: HeaderBlockValues | undefined): string | null | undefined {
  const text = block?.values[DATE_SUBMITTED] ?? '';
  if (!text.trim()) return null;
  const parsed = parseDate(text);
  return parsed.ok ? parsed.value : undefined;
}

/** The staged change: the domain's row, and whether the learner is new (for the review's groups). */
interface SchoolDataChange extends StagedLearnerData {
  /** True when the learner is new to the school. */
  newLearner?: true;
}

interface Lookup {
  /** The school's learners already known, by UPN: "date of birth<tab>name". */
  known: Map<string, string>;
  /** UPNs of the school's learners by admission number (lower case). */
  byAdmission: Map<string, string>;
  today: string;
}

const LEARNERS = 'learners';
const YEAR = 'year';

/**
 * Headings of a column of learners' email addresses, as a school might write them. Such a column
 * is not one of the school's fields (learners are not shown it): each address is kept with the
 * learner, to invite them by email.
 */
const EMAIL_HEADINGS = new Set([
  'email',
  'emailaddress',
  'learneremail',
  'learneremailaddress',
  'pupilemail',
  'pupilemailaddress',
]);
const emailKeys = new Map<string, boolean>();
/** Whether a free column's key is an email column (worked out once per heading). */
function isEmailKey(key: string): boolean {
  let email = emailKeys.get(key);
  if (email === undefined) {
    if (emailKeys.size > 10_000) emailKeys.clear();
    email = EMAIL_HEADINGS.has(normaliseHeader(key.slice(FREE_COLUMN_KEY.length)));
    emailKeys.set(key, email);
  }
  return email;
}

/** When to publish: now, or at a date and time in England. */
const PUBLISH_NOW = 'now';
const PUBLISH_LATER = 'later';
/** How far ahead a school may schedule publishing. */
const PUBLISH_AHEAD_MONTHS = 12;

/** Reads "9:00", "09:00", "9am", "9.30pm", "21:30": hours and minutes, or undefined. */
function parseTime(text: string): { hours: number; minutes: number } | undefined {
  const match = /^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$/i.exec(text.trim());
  if (!match) return undefined;
  let hours = Number(match[1]);
  const minutes = Number(match[2] ?? 0);
  const half = match[3]?.toLowerCase();
  if (half) {
    if (hours < 1 || hours > 12) return undefined;
    hours = (hours % 12) + (half === 'pm' ? 12 : 0);
  } else if (match[2] === undefined) return undefined;
  if (hours > 23 || minutes > 59) return undefined;
  return { hours, minutes };
}

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** The moment to publish, from the review page's fields or the API's publishAt; throws DomainError naming the field. */
export function parsePublishAt(given: Record<string, unknown>, now = new Date()): Date {
  const latest = new Date(`${addMonths(now.toISOString().slice(0, 10), PUBLISH_AHEAD_MONTHS)}T00:00:00Z`);
  if (given.publishAt !== undefined && given.publishAt !== null && given.publishAt !== '') {
    // The API: an ISO 8601 date and time with its offset.
    const at = typeof given.publishAt === 'string' ? new Date(given.publishAt) : new Date(Number.NaN);
    if (
      Number.isNaN(at.getTime()) ||
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(String(given.publishAt))
    ) {
      throw new DomainError(
        'publishAt must be a date and time with its offset, like 2026-12-07T09:00:00Z or 2026-12-07T09:00:00+00:00',
        'publishAt',
      );
    }
    if (at <= now)
      throw new DomainError('publishAt must be in the future. To publish at once, leave it out', 'publishAt');
    if (at > latest) throw new DomainError(`publishAt must be within ${PUBLISH_AHEAD_MONTHS} months`, 'publishAt');
    return at;
  }
  const choice = text(given.publish);
  if (choice === '' || choice === PUBLISH_NOW) {
    return now;
  }
  if (choice !== PUBLISH_LATER) throw new DomainError('Choose when learners will see this data', 'publish');
  const day = Number(text(given['publishDate-day']));
  const month = Number(text(given['publishDate-month']));
  const year = Number(text(given['publishDate-year']));
  if (!text(given['publishDate-day']) && !text(given['publishDate-month']) && !text(given['publishDate-year'])) {
    throw new DomainError('Enter the date to publish, like 7 12 2026', 'publishDate');
  }
  if (!Number.isInteger(day) || !Number.isInteger(month) || !Number.isInteger(year) || !isRealDate(year, month, day)) {
    throw new DomainError('The date to publish must be a real date, like 7 12 2026', 'publishDate');
  }
  const time = parseTime(text(given.publishTime));
  if (!time) throw new DomainError('Enter the time to publish, like 9:00am or 13:30', 'publishTime');
  const at = englandTime(toIsoDate(year, month, day), time.hours, time.minutes);
  if (at <= now) throw new DomainError('The date and time to publish must be in the future', 'publishDate');
  if (at > latest) {
    throw new DomainError(`The date to publish must be within ${PUBLISH_AHEAD_MONTHS} months`, 'publishDate');
  }
  return at;
}

/** The learners the template lists: none, all, or a year group's. */
function templateLearners(actor: Actor, options: Record<string, string>) {
  const year = options[LEARNERS] === YEAR ? sql`and year_group = ${options[YEAR]}` : sql``;
  const none = options[LEARNERS] === 'all' || options[LEARNERS] === YEAR ? sql`` : sql`and false`;
  return sql`from learners where school_id = ${actor.organisation.id} ${year} ${none}`;
}

/** The school's learners read at a time for a file's lookup. */
const LOOKUP_BATCH = 20_000;

/** The staged rows of an upload to choose a preview from: at most this many are offered. */
const PREVIEW_CHOICES = 300;

export const schoolData = defineKind<SchoolDataChange, Lookup>({
  id: 'school-data',
  title: 'Upload your learners’ school data',
  apiDescription: `The sheet has a header block (${SCHOOL_NAME}, ${SCHOOL_POSTCODE}, ${SUBMITTED_BY}, ${DATE_SUBMITTED} and up to ${INTRODUCTION_PARAGRAPHS} introduction paragraphs), then a heading row: the compulsory fields (First name, Surname, UPN, Admission number, Date of birth, Year group) and up to ${SCHOOL_FIELDS_MAX} fields the school names itself. Each row replaces that learner’s school data (a change); learners new to the school are added. The template lists, with \`learners=all\` or \`learners=year&year=Year 9\`, the school’s known learners. Submitting publishes at once unless the body gives \`publishAt\`.`,
  allowedFor: ['school'],
  columns: COLUMNS,
  freeColumns: { max: SCHOOL_FIELDS_MAX, maxLength: SCHOOL_FIELD_VALUE_MAX },
  headerBlock: {
    labels: [SCHOOL_NAME, SCHOOL_POSTCODE, SUBMITTED_BY, DATE_SUBMITTED, ...PARAGRAPH_LABELS],
    // Room to see a paragraph too many, or captions above the heading row.
    textRows: 6,
  },
  // A whole school, or a trust's, in one file: a row per learner. A million rows of 20 short
  // fields take about 150 MB; 250 MB leaves room for longer values (docs/school-data.md).
  maxRows: 1_000_000,
  maxFileBytes: 250 * 1024 * 1024,
  oneRowPerRecord: true,
  sheetName: 'School data',
  countLabels: {
    change: (n) => `${plural(n, 'learner', 'learners')} will have their school data replaced or added`,
    skip: (n) => `${plural(n, 'row has', 'rows have')} nothing to upload`,
    error: (n) => `${plural(n, 'row', 'rows')} cannot be uploaded because of errors`,
  },

  templateFileName: (actor, options) =>
    `${actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-school-data${
      options[LEARNERS] === YEAR ? `-${options[YEAR].toLowerCase().replace(/\s+/g, '-')}` : ''
    }`,

  async templateHeaderBlock(ctx) {
    const school = await schoolDetails(ctx);
    return { [SCHOOL_NAME]: school.name, [SCHOOL_POSTCODE]: school.postcode };
  },

  async templateFreeHeaders({ db, actor }) {
    // The school's own fields from its latest data set (in column order, as far as its learners'
    // rows show it), so the next upload starts from them.
    const { rows } = await sql<{ name: string }>`
      select e.value->>0 as name, min(e.position) as position
      from learner_school_data d
      cross join lateral jsonb_array_elements(d.fields) with ordinality as e(value, position)
      where d.data_set_id = (
        select id from school_data_sets where school_id = ${actor.organisation.id} and undone_at is null
        order by seq desc limit 1)
      group by 1
      order by 2, 1
      limit ${SCHOOL_FIELDS_MAX}
    `.execute(db);
    return rows.map((row) => row.name);
  },

  // The XLSX template shows, in grey above the heading row, what the school's own headings look
  // like, over the first columns without one (the caption in column A is ignored when uploaded).
  templateExamples: {
    caption: 'Compulsory fields',
    examples: [
      'Your own headings go in the row below, like “Maths predicted grade”',
      'or “Attendance this term”',
      `or “Effort in English” (up to ${SCHOOL_FIELDS_MAX})`,
    ],
  },

  async templateChoices({ db, actor }) {
    const groups = await countLearnersByYearGroup(db, actor.organisation.id);
    const total = groups.reduce((sum, group) => sum + group.count, 0);
    return [
      {
        name: LEARNERS,
        label: 'Which learners should the sheet list?',
        options: [
          { value: 'none', text: 'None: just the headings', hint: 'Paste or type your learners in.' },
          { value: 'all', text: 'All your learners', hint: `${plural(total, 'learner', 'learners')} Rollbook knows.` },
          { value: YEAR, text: 'The learners of one year group', hint: 'Then choose the year group below.' },
        ],
      },
      {
        name: YEAR,
        label: 'Year group',
        when: { name: LEARNERS, value: YEAR },
        options: groups.map((group) => ({
          value: group.yearGroup,
          text: `${group.yearGroup} (${plural(group.count, 'learner', 'learners')})`,
        })),
      },
    ];
  },

  async template({ db, actor }, options) {
    const { rows } = await sql<{
      first_name: string;
      surname: string;
      upn: string;
      admission_number: string;
      date_of_birth: string;
      year_group: string;
    }>`
      select first_name, surname, upn, admission_number, to_char(date_of_birth, 'DD/MM/YYYY') as date_of_birth, year_group
      ${templateLearners(actor, options)}
      order by lower(surname), lower(first_name), upn
    `.execute(db);
    return rows.map((l) => [l.first_name, l.surname, l.upn, l.admission_number, l.date_of_birth, l.year_group]);
  },

  async templateRowCount({ db, actor }, options) {
    const { rows } = await sql<{ n: string }>`select count(*) as n ${templateLearners(actor, options)}`.execute(db);
    return Number(rows[0]?.n ?? 0);
  },

  async checkHeaderBlock(block, ctx) {
    const school = await schoolDetails(ctx);
    const name = block.values[SCHOOL_NAME] ?? '';
    if (name && squash(name) !== squash(school.name)) {
      return `The school name at the top of the sheet is “${name}”, but you are uploading for ${school.name}. Check you have the right file, or correct the school name`;
    }
    const postcode = block.values[SCHOOL_POSTCODE] ?? '';
    if (postcode && (normalisePostcode(postcode) ?? postcode) !== normalisePostcode(school.postcode)) {
      return `The school postcode at the top of the sheet is ${postcode}, but ${school.name}’s is ${school.postcode || 'not recorded'}. Check you have the right file, or correct the postcode`;
    }
    if (dateSubmitted(block) === undefined) {
      return `The date submitted at the top of the sheet, “${block.values[DATE_SUBMITTED]}”, is not a date. Write it like 27/3/2026, or leave it blank for today`;
    }
    const paragraphs = introduction(block);
    if (paragraphs.length > INTRODUCTION_PARAGRAPHS) {
      return `The introduction text has ${paragraphs.length} paragraphs, more than the ${INTRODUCTION_PARAGRAPHS} allowed. Shorten it to ${INTRODUCTION_PARAGRAPHS} paragraphs, one in each introductory text row`;
    }
    const long = paragraphs.findIndex((paragraph) => paragraph.length > INTRODUCTION_PARAGRAPH_MAX);
    if (long >= 0) {
      return `Paragraph ${long + 1} of the introduction text is ${paragraphs[long].length.toLocaleString('en-GB')} characters long. Shorten it to ${INTRODUCTION_PARAGRAPH_MAX.toLocaleString('en-GB')} characters or fewer`;
    }
    return undefined;
  },

  async prepare({ db, actor, today }, rows) {
    // The school's learners (the rows are not needed for it), read a batch at a time in UPN order
    // (the unique index), each kept as one packed string: a school of half a million learners
    // costs a string per learner, never half a million row objects at once.
    void rows;
    const known = new Map<string, string>();
    const byAdmission = new Map<string, string>();
    for (let after = ''; ; ) {
      const { rows: batch } = await sql<{ upn: string; admission_number: string; packed: string }>`
        select upn, admission_number,
          to_char(date_of_birth, 'YYYY-MM-DD') || E'\t' || first_name || ' ' || surname as packed
        from learners
        where school_id = ${actor.organisation.id} and upn > ${after}
        order by upn
        limit ${LOOKUP_BATCH}
      `.execute(db);
      for (const l of batch) {
        known.set(l.upn, l.packed);
        byAdmission.set(l.admission_number.toLowerCase(), l.upn);
      }
      if (batch.length < LOOKUP_BATCH) break;
      after = batch[batch.length - 1].upn;
    }
    return { known, byAdmission, today };
  },

  check(row, { known, byAdmission, today }) {
    const errors: RowError[] = [];
    for (const [key, name] of Object.entries(REQUIRED_NAMES)) {
      if (row.cells[key] === '') errors.push({ column: key, message: `Enter the learner’s ${name}` });
    }
    const { firstName, surname, upn, admissionNumber, dateOfBirth, yearGroup } = row.values;
    const recordKey = typeof upn === 'string' ? upn : undefined;
    if (typeof dateOfBirth === 'string') {
      const youngest = addMonths(today, -24);
      const oldest = addMonths(today, -25 * 12);
      if (dateOfBirth > youngest || dateOfBirth < oldest) {
        errors.push({
          column: 'dateOfBirth',
          message: `Date of birth: ${formatIsoDate(dateOfBirth)} would make the learner ${dateOfBirth > youngest ? 'younger than 2' : 'older than 25'}. Check the date: a learner’s date of birth is between ${formatIsoDate(oldest)} and ${formatIsoDate(youngest)}`,
        });
      }
    }
    const found = recordKey ? known.get(recordKey) : undefined;
    const knownDob = found?.slice(0, 10);
    if (found && typeof dateOfBirth === 'string' && knownDob !== dateOfBirth) {
      errors.push({
        column: 'dateOfBirth',
        message: `Date of birth: ${formatIsoDate(dateOfBirth)} is not the date of birth Rollbook has for ${found.slice(11)} with UPN ${recordKey}, ${formatIsoDate(knownDob)}. Check the UPN and the date of birth`,
      });
    }
    if (typeof admissionNumber === 'string' && recordKey) {
      const holder = byAdmission.get(admissionNumber.toLowerCase());
      if (holder && holder !== recordKey) {
        errors.push({
          column: 'admissionNumber',
          message: `Admission number: ${admissionNumber} belongs to another learner at your school (UPN ${holder}). Check the admission number and the UPN`,
        });
      }
    }
    // The school's own fields, in the file's order; blank cells are not stored (nor shown). An
    // email column is kept apart, for invitations.
    const fields: [string, string][] = [];
    let email: string | undefined;
    for (const key in row.values) {
      const value = row.values[key];
      if (!key.startsWith(FREE_COLUMN_KEY) || typeof value !== 'string' || value === '') continue;
      if (isEmailKey(key)) {
        const address = normaliseEmail(value);
        if (address) email ??= address;
        else {
          errors.push({
            column: key,
            message: `${key.slice(FREE_COLUMN_KEY.length)}: “${value}” is not an email address. Write it like name@example.com, or leave it blank`,
          });
        }
      } else fields.push([key.slice(FREE_COLUMN_KEY.length), value]);
    }
    if (
      errors.length ||
      typeof firstName !== 'string' ||
      typeof surname !== 'string' ||
      typeof admissionNumber !== 'string' ||
      typeof dateOfBirth !== 'string' ||
      typeof yearGroup !== 'string' ||
      !recordKey
    ) {
      return { outcome: 'error', errors, recordKey };
    }
    return {
      outcome: 'change',
      recordKey,
      change: {
        upn: recordKey,
        admissionNumber,
        firstName,
        surname,
        dateOfBirth,
        yearGroup,
        fields,
        ...(email ? { email } : {}),
        ...(found ? {} : { newLearner: true as const }),
      },
    };
  },

  recheck: (tx, { actor, uploadId }) => recheckSchoolData(tx, actor, uploadId),

  writes: ['learners', 'learner_school_data', 'school_data_sets', 'events'],
  async apply(tx, { actor, uploadId, headerBlock, options, today }) {
    const submittedBy = headerBlock?.values[SUBMITTED_BY]?.trim();
    await submitSchoolData(
      tx,
      actor,
      { uploadId },
      {
        introduction: headerBlock ? introduction(headerBlock) : [],
        publishAt: options?.publishAt ? new Date(options.publishAt) : new Date(),
        submittedByName: submittedBy || `${actor.firstName} ${actor.lastName}`.trim(),
        dateSubmitted: dateSubmitted(headerBlock) ?? today,
      },
      { via: `upload ${uploadId}` },
    );
  },

  submitChoice: {
    parse(given) {
      const at = parsePublishAt(given);
      return { publishAt: at.toISOString() };
    },
    apiProperties: {
      publishAt: {
        // Checked by the kind (not by format), so that a wrong value gets a message saying how to write it.
        type: 'string',
        description:
          'When learners first see this data, with its offset (like 2026-12-07T09:00:00Z), within 12 months. Leave it out to publish at once; until then learners keep seeing their previous data.',
      },
    },
  },

  async review(db, { uploadId, headerBlock }, query) {
    const choices = await db
      .selectFrom('upload_rows')
      .select(['row_number', 'change'])
      .where('upload_id', '=', uploadId)
      .where('outcome', '=', 'change')
      .orderBy('row_number')
      .limit(PREVIEW_CHOICES)
      .execute();
    const wanted = Number(typeof query.learner === 'string' ? query.learner : Number.NaN);
    const chosen = choices.find((row) => row.row_number === wanted) ?? choices[0];
    const staged = chosen?.change as SchoolDataChange | undefined;
    return {
      previewRow: chosen?.row_number,
      previewChoices: choices.map((row) => {
        const c = row.change as SchoolDataChange;
        return {
          value: String(row.row_number),
          text: `${c.firstName} ${c.surname} (${c.yearGroup}, row ${row.row_number})`,
        };
      }),
      preview: staged
        ? previewLearnerDataPage(staged, headerBlock ? introduction(headerBlock) : [], new Date())
        : undefined,
      publishNowHint: 'Learners see it as soon as you submit.',
    };
  },

  undo: (tx, { actor, uploadId }) => undoSchoolData(tx, actor, uploadId, { via: `undo of upload ${uploadId}` }),
  async undoPreview(db, { actor, uploadId }) {
    const { learners, created } = await countUploadedSchoolData(db, actor, uploadId);
    return `the school data of ${plural(learners, 'learner', 'learners')}, who get back what it replaced (${plural(created, 'learner', 'learners')} it added will be removed)`;
  },
  forgetAfterUndo: async (db, now) => {
    await forgetReplacedSchoolData(db, now);
  },

  describe: (change) => ({
    group: change.newLearner ? 'New learners' : 'Learners whose data will be replaced',
    title: `${change.firstName} ${change.surname}`,
    details: [
      `UPN ${change.upn}`,
      change.yearGroup,
      change.fields.length
        ? change.fields
            .slice(0, 4)
            .map(([name, value]) => `${name}: ${value}`)
            .join(', ') + (change.fields.length > 4 ? ` and ${change.fields.length - 4} more` : '')
        : 'No fields: every cell is blank',
    ],
  }),
  pages: {
    templateCount: (n) =>
      n === 0 ? 'The sheet has the headings only.' : `The sheet lists ${plural(n, 'learner', 'learners')}.`,
    reviewTitle: 'Check the school data and preview what learners will see',
    submitButton: (n) => `Submit school data for ${plural(n, 'learner', 'learners')}`,
    doneTitle: (n) => `School data submitted for ${plural(n, 'learner', 'learners')}`,
    countHeadings: { change: 'Learners', changed: 'Learners updated', skip: 'Nothing to upload', error: 'Errors' },
    recordsLink: { href: '/learners', text: 'Find a learner' },
    partials: 'kinds/school-data/views',
    reviewPartial: 'kinds/school-data/views/review.njk',
    submitPartial: 'kinds/school-data/views/submit.njk',
  },
  card: {
    title: 'Upload school data',
    description:
      'Upload learners’ data (predicted grades, attendance, anything you choose) for them to read in “Your school data”.',
    order: 10,
  },
});
