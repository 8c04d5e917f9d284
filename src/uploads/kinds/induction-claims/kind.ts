import type { TrainingProgramme } from '../../../db/schema.ts';
import { formatIsoDate } from '../../../domain/dates.ts';
import { countClaimTasks, listClaimTasks } from '../../../domain/induction/lists.ts';
import {
  type ClaimKnown,
  claimKnown,
  claimStagedEcts,
  stagedClaimProblems,
  undoUploadedClaims,
} from '../../../domain/induction/periods.ts';
import {
  claimBlockers,
  claimDateProblem,
  dateOfBirthProblem,
  EARLIEST_CLAIM_START,
  PROGRAMME_NAMES,
} from '../../../domain/induction/rules.ts';
import { claimFactsOf, type TeacherFacts, teacherFacts } from '../../../domain/induction/teachers.ts';
import { type RecordTeacher, TeachingRecordUnavailable } from '../../../domain/ports/teaching-record.ts';
import type { ColumnSpec } from '../../headers.ts';
import { defineKind, LookupUnavailable, type ParsedRow } from '../kind.ts';

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/**
 * A staged claim: the teacher as the teaching record gave them, the start date and programme, and
 * what Rollbook knew of the teacher when the row was checked (so the submission judges again only
 * the claims whose teacher has changed since).
 */
export interface InductionClaim {
  record: RecordTeacher;
  startedOn: string;
  programme: TrainingProgramme;
  known: ClaimKnown;
}

interface Lookup {
  /** The teaching record's answer for each TRN and date of birth in the file ("trn|dob"). */
  records: Map<string, RecordTeacher | undefined>;
  /** What Rollbook knows of the file's teachers, by TRN. */
  known: Map<string, TeacherFacts>;
}

const COLUMNS: ColumnSpec[] = [
  {
    key: 'trn',
    header: 'TRN',
    aliases: ['Teacher reference number'],
    required: true,
    type: { type: 'trn' },
    hint: 'The teacher reference number: 7 digits, like 1234567.',
  },
  {
    key: 'dateOfBirth',
    header: 'Date of birth',
    aliases: ['DOB'],
    required: true,
    type: { type: 'date' },
    hint: 'Like 31/3/1995. It must match the teaching record.',
  },
  {
    key: 'programme',
    header: 'Induction programme',
    aliases: ['Training programme', 'Programme'],
    required: true,
    type: {
      type: 'enum',
      values: [
        { value: 'provider-led', also: ['provider led', 'provider_led', 'fip'] },
        { value: 'school-led', also: ['school led', 'school_led', 'cip', 'diy'] },
      ],
    },
    hint: 'provider-led or school-led.',
  },
  {
    key: 'startedOn',
    header: 'Induction period start date',
    aliases: ['Start date', 'Induction start date'],
    required: true,
    type: { type: 'date' },
    hint: `The day their induction started with you, like 1/9/2025. On or after ${formatIsoDate(EARLIEST_CLAIM_START)}, not before their QTS date, not in the future, and after any earlier induction period ended.`,
  },
];

const HEADERS: Record<string, string> = Object.fromEntries(COLUMNS.map((c) => [c.key, c.header]));

/** 2025-09-01 → 01/09/2025, as the sheet shows dates. */
export const dayMonthYear = (iso: string) => iso.split('-').reverse().join('/');

const lookupKey = (trn: string, dateOfBirth: string) => `${trn}|${dateOfBirth}`;

/** Looks up every TRN and date of birth of the file in the teaching record, at once. */
export async function lookUpRecordTeachers(
  adapters:
    | {
        teachingRecord?: {
          findTeachers: (l: { trn: string; dateOfBirth: string }[]) => Promise<(RecordTeacher | undefined)[]>;
        };
      }
    | undefined,
  rows: AsyncIterable<ParsedRow>,
): Promise<Map<string, RecordTeacher | undefined>> {
  const record = adapters?.teachingRecord;
  if (!record) throw new Error('This kind needs the teaching record');
  const wanted = new Map<string, { trn: string; dateOfBirth: string }>();
  for await (const row of rows) {
    const { trn, dateOfBirth } = row.values;
    if (typeof trn === 'string' && typeof dateOfBirth === 'string') {
      wanted.set(lookupKey(trn, dateOfBirth), { trn, dateOfBirth });
    }
  }
  const lookups = [...wanted.values()];
  try {
    const answers = await record.findTeachers(lookups);
    return new Map(lookups.map((l, i) => [lookupKey(l.trn, l.dateOfBirth), answers[i]]));
  } catch (error) {
    if (error instanceof TeachingRecordUnavailable) throw new LookupUnavailable('The Teaching Record System', error);
    throw error;
  }
}

/**
 * A row's date of birth that no teacher can have (the age rule, dateOfBirthProblem), as the row's
 * error naming the teacher: by name when the teaching record knows them, else by TRN.
 */
export function dateOfBirthError(trn: string, dateOfBirth: string, record: RecordTeacher | undefined, today: string) {
  const problem = dateOfBirthProblem(dateOfBirth, today);
  if (!problem) return undefined;
  const who = record ? `${record.firstName} ${record.lastName}` : `The teacher with TRN ${trn}`;
  return { column: 'dateOfBirth', message: `${who}: ${problem}` };
}

/** The rows' cells a kind needs filled, with the message for each empty one. */
export function emptyCells(row: ParsedRow, keys: string[]) {
  return keys
    .filter((key) => row.cells[key] === '')
    .map((key) => ({ column: key, message: `${HEADERS[key] ?? key}: empty. Fill it in, or delete the row` }));
}

const toProgramme = (value: string): TrainingProgramme => (value === 'school-led' ? 'school_led' : 'provider_led');

export const inductionClaims = defineKind<InductionClaim, Lookup>({
  id: 'induction-claims',
  title: 'Claim early-career teachers in bulk',
  apiDescription:
    'The template lists, by default (`ects=reported`), the early-career teachers schools have registered with you and you have not claimed, with the programme and start date each school gave; `ects=none` gives the column headings only. A row claims its teacher’s induction from the start date (a change). Each TRN and date of birth must match the teaching record.',
  allowedFor: ['appropriate_body'],
  columns: COLUMNS,
  uses: ['teachingRecord'],
  checkIn: 'background',
  maxRows: 100_000,
  oneRowPerRecord: true,
  sheetName: 'Claims',
  countLabels: {
    change: (n) => `${plural(n, 'ECT', 'ECTs')} will be claimed`,
    skip: (n) => `${plural(n, 'row has', 'rows have')} nothing to claim`,
    error: (n) => `${plural(n, 'row', 'rows')} cannot be claimed because of errors`,
  },
  templateFileName: (actor, options) =>
    `${actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-induction-claims${options.ects === 'none' ? '-empty' : ''}`,

  async templateChoices({ db, actor }) {
    const reported = await countClaimTasks(db, actor);
    return [
      {
        name: 'ects',
        label: 'What should the sheet list?',
        options: [
          {
            value: 'reported',
            text: 'ECTs schools have registered with you',
            hint: `${plural(reported, 'ECT', 'ECTs')} not yet claimed, with the programme and start date their school gave.`,
          },
          { value: 'none', text: 'Nobody: the column headings only', hint: 'Fill in the ECTs yourself.' },
        ],
      },
    ];
  },

  async template({ db, actor }, options) {
    if (options.ects === 'none') return [];
    const tasks = await listClaimTasks(db, actor);
    return tasks.map((t) => [
      t.trn,
      dayMonthYear(t.date_of_birth),
      t.training_programme === 'school_led' ? 'school-led' : 'provider-led',
      dayMonthYear(t.started_on),
    ]);
  },

  async templateRowCount({ db, actor }, options) {
    return options.ects === 'none' ? 0 : countClaimTasks(db, actor);
  },

  async prepare({ db, adapters }, rows) {
    const records = await lookUpRecordTeachers(adapters, rows);
    const trns = [...new Set([...records.values()].flatMap((r) => (r ? [r.trn] : [])))];
    const facts = await teacherFacts(db, { trns });
    return { records, known: new Map([...facts.values()].map((f) => [f.trn, f])) };
  },

  check(row, { records, known }, { actor, today }) {
    const empty = emptyCells(row, ['trn', 'dateOfBirth', 'programme', 'startedOn']);
    if (empty.length) return { outcome: 'error', errors: empty };
    const { trn, dateOfBirth, programme, startedOn } = row.values;
    // A cell that did not parse by its type: the pipeline has its message.
    if (
      typeof trn !== 'string' ||
      typeof dateOfBirth !== 'string' ||
      typeof programme !== 'string' ||
      typeof startedOn !== 'string'
    ) {
      return { outcome: 'error', errors: [] };
    }
    const record = records.get(lookupKey(trn, dateOfBirth));
    const ageError = dateOfBirthError(trn, dateOfBirth, record, today);
    if (ageError) return { outcome: 'error', recordKey: trn, errors: [ageError] };
    if (!record) {
      return {
        outcome: 'error',
        recordKey: trn,
        errors: [
          {
            column: 'dateOfBirth',
            message: `TRN ${trn} and date of birth ${formatIsoDate(dateOfBirth)} do not match a teacher in the Teaching Record System. Check both against the teacher’s records`,
          },
        ],
      };
    }
    const name = `${record.firstName} ${record.lastName}`;
    const facts = known.get(trn);
    const blockers = claimBlockers(claimFactsOf(record, facts), actor.organisation.id);
    if (blockers[0]) return { outcome: 'error', recordKey: trn, errors: [{ column: 'trn', message: blockers[0] }] };
    const dateProblem = claimDateProblem(startedOn, {
      qtsDate: record.qtsDate,
      lastFinishedOn: facts?.last_finished_on ?? null,
      today,
    });
    if (dateProblem) {
      return {
        outcome: 'error',
        recordKey: trn,
        errors: [{ column: 'startedOn', message: `${name}: ${dateProblem}` }],
      };
    }
    return {
      outcome: 'change',
      recordKey: trn,
      change: { record, startedOn, programme: toProgramme(programme), known: claimKnown(facts) },
    };
  },

  async recheck(tx, { actor, today, uploadId }) {
    const problems = await stagedClaimProblems(tx, actor, uploadId, today);
    return new Map(
      [...problems].map(([rowNumber, message]) => [rowNumber, `${message} (this changed after the file was checked)`]),
    );
  },

  writes: ['teachers', 'induction_periods', 'induction_status_updates', 'events'],
  apply: (tx, { actor, today, uploadId, expected }) =>
    claimStagedEcts(tx, actor, uploadId, { via: `upload ${uploadId}`, today, expected }),

  undo: (tx, { actor, uploadId }) => undoUploadedClaims(tx, actor, uploadId, { via: `undo of upload ${uploadId}` }),
  async undoPreview(db, { uploadId }) {
    const { n } = await db
      .selectFrom('induction_periods')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('claimed_by_upload', '=', uploadId)
      .executeTakeFirstOrThrow();
    return `the claims of ${plural(Number(n), 'ECT', 'ECTs')}`;
  },

  describe: (change) => ({
    group: PROGRAMME_NAMES[change.programme],
    title: `${change.record.firstName} ${change.record.lastName}`,
    details: [`TRN ${change.record.trn}`, `Induction starts ${formatIsoDate(change.startedOn)}`],
  }),
  pages: {
    templateCount: (n) =>
      n === 0
        ? 'No school has registered an ECT with you that you have not claimed.'
        : `Schools have registered ${plural(n, 'ECT', 'ECTs')} with you that you have not claimed.`,
    reviewTitle: 'Check the ECTs you’ll claim',
    submitButton: (n) => `Claim ${plural(n, 'ECT', 'ECTs')}`,
    doneTitle: (n) => `${plural(n, 'ECT', 'ECTs')} claimed`,
    countHeadings: { change: 'To claim', changed: 'Claimed', skip: 'Nothing to claim', error: 'Errors' },
    recordsLink: { href: '/induction', text: 'See your early-career teachers' },
    partials: 'kinds/induction-claims/views',
  },
  card: {
    title: 'Claim ECTs in bulk',
    description:
      'Claim many early-career teachers at once from a spreadsheet, prefilled with those schools have registered with you.',
    order: 10,
  },
  afterSubmit: { queue: 'send-induction-status' },
  // Undoing changes induction statuses too: the teaching record hears of them at once.
  afterUndo: { queue: 'send-induction-status' },
});
