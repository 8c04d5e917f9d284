// Upload kind: an appropriate body records passes and releases for many of its current ECTs at
// once. The sheet is prefilled with its current ECTs; a row with an end date, terms and an outcome
// closes that ECT's period (a row left empty is skipped). Fail is never recorded in bulk. Each
// TRN and date of birth is checked against the teaching record, looked up for the whole file at
// once; the changes are made by the domain's closeInductions, as on the teacher's page.
import { sql } from 'kysely';
import { formatIsoDate } from '../../../domain/dates.ts';
import { listBodyEcts } from '../../../domain/induction/lists.ts';
import {
  type CloseInput,
  closeInductions,
  closeProblems,
  undoUploadedOutcomes,
} from '../../../domain/induction/periods.ts';
import { endDateProblem, parseTerms, teacherName, termsText } from '../../../domain/induction/rules.ts';
import { type TeacherFacts, teacherFacts } from '../../../domain/induction/teachers.ts';
import type { RecordTeacher } from '../../../domain/ports/teaching-record.ts';
import type { ColumnSpec } from '../../headers.ts';
import { dateOfBirthError, dayMonthYear, emptyCells, lookUpRecordTeachers } from '../induction-claims/kind.ts';
import { defineKind } from '../kind.ts';

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

export interface InductionOutcome extends CloseInput {
  trn: string;
  name: string;
}

interface Lookup {
  records: Map<string, RecordTeacher | undefined>;
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
    key: 'finishedOn',
    header: 'Induction period end date',
    aliases: ['End date', 'Induction end date'],
    required: true,
    type: { type: 'date' },
    hint: 'The day their induction ended with you, like 18/7/2026. Not in the future, not before the start date.',
  },
  {
    key: 'terms',
    header: 'Number of terms',
    aliases: ['Terms'],
    required: true,
    hint: 'Full-time equivalent terms spent with you: 0 to 16, up to one decimal place, like 2.5.',
  },
  {
    key: 'outcome',
    header: 'Outcome',
    required: true,
    hint: 'pass, or release for an ECT leaving before finishing their induction. A fail cannot be recorded in bulk.',
  },
];

const lookupKey = (trn: string, dateOfBirth: string) => `${trn}|${dateOfBirth}`;

async function stagedOutcomes(tx: Parameters<typeof closeProblems>[0], uploadId: string) {
  const { rows } = await sql<{ row_number: number; change: InductionOutcome }>`
    select row_number, change from upload_rows
    where upload_id = ${uploadId} and outcome = 'change' order by row_number
  `.execute(tx);
  return rows;
}

export const inductionOutcomes = defineKind<InductionOutcome, Lookup>({
  id: 'induction-outcomes',
  title: 'Record induction outcomes in bulk',
  apiDescription:
    'The template lists your current early-career teachers with the end date, terms and outcome empty. A row with them filled in records a pass or a release for its teacher (a change); a row with them empty is skipped. A fail cannot be recorded in bulk.',
  allowedFor: ['appropriate_body'],
  columns: COLUMNS,
  uses: ['teachingRecord'],
  checkIn: 'background',
  maxRows: 100_000,
  oneRowPerRecord: true,
  sheetName: 'Outcomes',
  countLabels: {
    change: (n) => `${plural(n, 'outcome', 'outcomes')} will be recorded`,
    skip: (n) => `${plural(n, 'row has', 'rows have')} no outcome`,
    error: (n) => `${plural(n, 'row', 'rows')} cannot be recorded because of errors`,
  },
  templateFileName: (actor) =>
    `${actor.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-induction-outcomes`,

  async template({ db, actor }) {
    const rows: string[][] = [];
    for (let page = 1; ; page++) {
      const { ects } = await listBodyEcts(db, actor, { which: 'current', page });
      for (const e of ects) rows.push([e.trn, dayMonthYear(e.date_of_birth), '', '', '']);
      if (ects.length === 0 || rows.length >= 100_000) break;
    }
    return rows;
  },

  async templateRowCount({ db, actor }) {
    return (await listBodyEcts(db, actor, { which: 'current' })).total;
  },

  async prepare({ db, adapters }, rows) {
    const records = await lookUpRecordTeachers(adapters, rows);
    const trns = [...new Set([...records.values()].flatMap((r) => (r ? [r.trn] : [])))];
    const facts = await teacherFacts(db, { trns });
    return { records, known: new Map([...facts.values()].map((f) => [f.trn, f])) };
  },

  check(row, { records, known }, { actor, today }) {
    const { finishedOn: endText, terms: termsCell, outcome: outcomeCell } = row.cells;
    if (!endText && !termsCell && !outcomeCell) return { outcome: 'skip', reason: 'No outcome given' };
    const empty = emptyCells(row, ['trn', 'dateOfBirth', 'finishedOn', 'terms', 'outcome']);
    if (empty.length) return { outcome: 'error', errors: empty };
    const outcome = outcomeCell.trim().toLowerCase();
    if (outcome === 'fail' || outcome === 'failed') {
      return {
        outcome: 'error',
        errors: [
          {
            column: 'outcome',
            message:
              'Outcome: a fail cannot be recorded in bulk. Record it on the teacher’s page, with the date you sent them written confirmation',
          },
        ],
      };
    }
    const errors = [];
    if (outcome !== 'pass' && outcome !== 'release') {
      errors.push({
        column: 'outcome',
        message: `Outcome: "${outcomeCell}" is not pass or release. Write pass or release`,
      });
    }
    const terms = parseTerms(termsCell);
    if (!terms.ok) errors.push({ column: 'terms', message: `Number of terms: ${terms.message}` });
    const { trn, dateOfBirth, finishedOn } = row.values;
    if (typeof trn !== 'string' || typeof dateOfBirth !== 'string' || typeof finishedOn !== 'string') {
      return { outcome: 'error', errors };
    }
    const record = records.get(lookupKey(trn, dateOfBirth));
    const ageError = dateOfBirthError(trn, dateOfBirth, record, today);
    if (ageError) {
      errors.push(ageError);
      return { outcome: 'error', errors, recordKey: trn };
    }
    if (!record) {
      errors.push({
        column: 'dateOfBirth',
        message: `TRN ${trn} and date of birth ${formatIsoDate(dateOfBirth)} do not match a teacher in the Teaching Record System. Check both against the teacher’s records`,
      });
      return { outcome: 'error', errors, recordKey: trn };
    }
    const facts = known.get(trn);
    const name = `${record.firstName} ${record.lastName}`;
    let problem: string | undefined;
    if (!facts || facts.period_count === 0) problem = `${name} has not been claimed`;
    else if (facts.outcome === 'pass') problem = `${name} has already passed their induction`;
    else if (facts.outcome === 'fail') problem = `${name} has already failed their induction`;
    else if (!facts.ongoing_body_id) problem = `${name} does not have an open induction period`;
    else if (facts.ongoing_body_id !== actor.organisation.id) {
      problem = `${name} is completing their induction with another appropriate body (${facts.ongoing_body_name})`;
    }
    if (problem) errors.push({ column: 'trn', message: problem });
    else {
      const endProblem = endDateProblem(finishedOn, facts?.ongoing_started_on ?? '', today);
      if (endProblem) errors.push({ column: 'finishedOn', message: `${name}: ${endProblem}` });
    }
    if (errors.length || !terms.ok || !facts) return { outcome: 'error', errors, recordKey: trn };
    return {
      outcome: 'change',
      recordKey: trn,
      change: {
        teacherId: facts.id,
        trn,
        name: teacherName(facts),
        finishedOn,
        terms: terms.value,
        outcome: outcome === 'pass' ? 'pass' : 'release',
      },
    };
  },

  async recheck(tx, { actor, today, uploadId }) {
    const staged = await stagedOutcomes(tx, uploadId);
    const problems = await closeProblems(
      tx,
      actor,
      staged.map((s) => s.change),
      today,
    );
    return new Map(
      [...problems].map(([i, { message }]) => [
        staged[i].row_number,
        `${message} (this changed after the file was checked)`,
      ]),
    );
  },

  writes: ['induction_periods', 'induction_status_updates', 'events'],
  async apply(tx, { actor, today, uploadId, expected }) {
    const staged = await stagedOutcomes(tx, uploadId);
    if (staged.length !== expected) throw new Error(`Expected ${expected} outcomes, found ${staged.length}`);
    await closeInductions(
      tx,
      actor,
      staged.map((s) => s.change),
      { via: `upload ${uploadId}`, today, uploadId },
    );
  },

  undo: (tx, { actor, uploadId }) => undoUploadedOutcomes(tx, actor, uploadId, { via: `undo of upload ${uploadId}` }),
  async undoPreview(db, { uploadId }) {
    const { n } = await db
      .selectFrom('induction_periods')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('closed_by_upload', '=', uploadId)
      .executeTakeFirstOrThrow();
    return `the outcomes of ${plural(Number(n), 'ECT', 'ECTs')}, whose induction periods will be open again`;
  },

  describe: (change) => ({
    group: change.outcome === 'pass' ? 'Passes' : 'Releases',
    title: change.name,
    details: [
      `TRN ${change.trn}`,
      `Ended ${formatIsoDate(change.finishedOn)} after ${termsText(change.terms)} ${Number(change.terms) === 1 ? 'term' : 'terms'}`,
    ],
  }),
  pages: {
    templateCount: (n) =>
      n === 0 ? 'You have no current early-career teachers.' : `You have ${plural(n, 'current ECT', 'current ECTs')}.`,
    reviewTitle: 'Check the outcomes you’ll record',
    submitButton: (n) => `Record ${plural(n, 'outcome', 'outcomes')}`,
    doneTitle: (n) => `${plural(n, 'outcome', 'outcomes')} recorded`,
    countHeadings: { change: 'To record', changed: 'Recorded', skip: 'No outcome', error: 'Errors' },
    recordsLink: { href: '/induction?show=past', text: 'See your past early-career teachers' },
    partials: 'kinds/induction-outcomes/views',
  },
  card: {
    title: 'Record outcomes in bulk',
    description: 'Record passes and releases for many of your current ECTs at once from a spreadsheet.',
    order: 20,
  },
  afterSubmit: { queue: 'send-induction-status' },
  // Undoing changes induction statuses too: the teaching record hears of them at once.
  afterUndo: { queue: 'send-induction-status' },
});
