// The rules of induction that need no database: terms, programmes, the reasons a teacher cannot
// be claimed, the dates of a period, and the status shown. Pages, bulk rows and the operations in
// periods.ts all use these, so each message is written once.
import type { InductionOutcome, RecordInductionStatus, TrainingProgramme } from '../../db/schema.ts';
import { formatIsoDate } from '../dates.ts';

/** Terms of induction an ECT normally serves (full-time equivalent), before extensions. */
export const TERMS_REQUIRED = 6;

export const PROGRAMME_NAMES: Record<TrainingProgramme, string> = {
  provider_led: 'Provider-led',
  school_led: 'School-led',
};

/** 'provider-led', 'Provider led', 'provider_led' → provider_led. */
export function parseProgramme(text: string): TrainingProgramme | undefined {
  const folded = text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, '-');
  if (folded === 'provider-led') return 'provider_led';
  if (folded === 'school-led') return 'school_led';
  return undefined;
}

export type TermsResult = { ok: true; value: number } | { ok: false; message: string };

/** A number of terms: from `min` to 16, at most one decimal place. */
export function parseTerms(text: string, { min = 0, what = 'Number of terms' } = {}): TermsResult {
  const value = text.trim();
  if (value === '') return { ok: false, message: `Enter the ${what.toLowerCase()}` };
  if (!/^\d+(\.\d+)?$/.test(value)) {
    return { ok: false, message: `${what} must be a number with up to 1 decimal place, like 2.5` };
  }
  if (/\.\d\d/.test(value)) return { ok: false, message: `${what} can only have up to 1 decimal place, like 2.5` };
  const n = Number(value);
  if (n < min || n > 16) return { ok: false, message: `${what} must be between ${min} and 16` };
  return { ok: true, value: n };
}

/** 2.5 → "2.5", 6 → "6". */
export const termsText = (n: number | string | null | undefined) =>
  n === null || n === undefined ? '' : String(Number(n));

export const termsPhrase = (n: number) => `${termsText(n)} ${n === 1 ? 'term' : 'terms'}`;

/** What Rollbook knows of a teacher that decides whether they can be claimed. */
export interface ClaimFacts {
  name: string;
  qtsDate: string | null;
  prohibited: boolean;
  recordStatus: RecordInductionStatus;
  /** The outcome recorded in Rollbook, if any. */
  outcome: InductionOutcome | null;
  /** The body of the ongoing period, if any. */
  ongoingWith: { id: string; name: string } | null;
}

/**
 * Why the teacher can have no induction period now, as phrases ("they are prohibited from
 * teaching"), in the order the pages give them: no QTS, prohibited, passed, failed or exempt, by
 * Rollbook's outcome or the teaching record's status.
 */
export function inductionBarriers(facts: Omit<ClaimFacts, 'name' | 'ongoingWith'>): string[] {
  const barriers: string[] = [];
  if (!facts.qtsDate) barriers.push('they do not have qualified teacher status (QTS)');
  if (facts.prohibited) barriers.push('they are prohibited from teaching');
  if (facts.outcome === 'pass' || facts.recordStatus === 'Passed') {
    barriers.push('they have already passed their induction');
  }
  if (facts.outcome === 'fail' || facts.recordStatus === 'Failed' || facts.recordStatus === 'FailedInWales') {
    barriers.push('they have already failed their induction');
  }
  if (facts.recordStatus === 'Exempt') barriers.push('they are exempt from completing their induction');
  return barriers;
}

/**
 * Why support cannot add or correct a period of this teacher; none when it can. Rollbook's own
 * outcome is no barrier here (support corrects the periods of a pass or fail, and the teaching
 * record's status then only echoes it), but without one the teaching record's pass, fail or
 * exemption (from before Rollbook) is, as are a prohibition and no QTS: a period would tell the
 * record "in progress" over them.
 */
export function supportPeriodBarriers(facts: Omit<ClaimFacts, 'ongoingWith'>): string[] {
  const { outcome, ...rest } = facts;
  return inductionBarriers(outcome ? { ...rest, outcome: null, recordStatus: 'InProgress' } : facts).map(
    (b) =>
      `${facts.name} cannot have an induction period added or corrected: ${b}. Check their record in the Teaching Record System`,
  );
}

/**
 * Why this body cannot claim the teacher, in the order the check page gives them; none when it can.
 * The dates of the claim are checked separately (claimDateProblem).
 */
export function claimBlockers(facts: ClaimFacts, bodyId: string): string[] {
  const { name } = facts;
  const reasons = inductionBarriers(facts).map((b) => `You cannot claim ${name}: ${b}.`);
  if (facts.ongoingWith && facts.ongoingWith.id !== bodyId) {
    reasons.push(
      `You cannot claim ${name}: they are completing their induction with another appropriate body (${facts.ongoingWith.name}). That body must release them first.`,
    );
  }
  if (facts.ongoingWith && facts.ongoingWith.id === bodyId) {
    reasons.push(`${name} is already claimed by your appropriate body.`);
  }
  return reasons;
}

/**
 * The earliest start of any induction period Rollbook keeps: statutory induction began on
 * 1 September 1999 (support may add a period that old when correcting a teacher's history).
 */
export const EARLIEST_PERIOD_START = '1999-09-01';

/**
 * The earliest start of a period claimed (or registered by a school) today: inductions under the
 * early career framework, from 1 September 2021. Older periods are support's corrections.
 */
export const EARLIEST_CLAIM_START = '2021-09-01';

/** A teacher's age limits, from their date of birth. */
export const TEACHER_AGE = { min: 18, max: 100 } as const;

/** The same day `years` years before `date` (29 February → 28 February in other years). */
function yearsBefore(date: string, years: number): string {
  const year = Number(date.slice(0, 4)) - years;
  const monthDay = date.slice(5);
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return `${year}-${monthDay === '02-29' && !leap ? '02-28' : monthDay}`;
}

/**
 * Why this date of birth cannot be a teacher's, or undefined: a teacher is from 18 to 100 years
 * old today (100 until the day they turn 101).
 */
export function dateOfBirthProblem(dateOfBirth: string, today: string): string | undefined {
  if (dateOfBirth > today) return 'The date of birth cannot be in the future. Check the date of birth';
  if (dateOfBirth > yearsBefore(today, TEACHER_AGE.min) || dateOfBirth <= yearsBefore(today, TEACHER_AGE.max + 1)) {
    return `The teacher must be between ${TEACHER_AGE.min} and ${TEACHER_AGE.max} years old, and a date of birth of ${formatIsoDate(dateOfBirth)} makes them ${age(dateOfBirth, today)}. Check the date of birth`;
  }
  return undefined;
}

/** Whole years from dateOfBirth to today. */
function age(dateOfBirth: string, today: string): string {
  let years = Number(today.slice(0, 4)) - Number(dateOfBirth.slice(0, 4));
  if (today.slice(5) < dateOfBirth.slice(5)) years -= 1;
  return `${years} ${years === 1 ? 'year' : 'years'} old`;
}

/** Why a start date is too early (before `earliest`), or undefined. */
export function earliestStartProblem(startedOn: string, earliest: string = EARLIEST_PERIOD_START): string | undefined {
  if (startedOn < earliest) return `The induction start date must be on or after ${formatIsoDate(earliest)}`;
  return undefined;
}

/**
 * Why a period's start date cannot be used, or undefined: in the future, before the earliest
 * start allowed (EARLIEST_PERIOD_START, or EARLIEST_CLAIM_START for a claim), or before QTS.
 */
export function periodStartProblem(
  startedOn: string,
  {
    qtsDate,
    today,
    earliest = EARLIEST_PERIOD_START,
    allowFuture = false,
  }: {
    qtsDate: string | null;
    today: string;
    earliest?: string;
    /** A school may register an ECT whose induction starts later. */
    allowFuture?: boolean;
  },
): string | undefined {
  if (startedOn > today && !allowFuture) return 'The induction start date cannot be in the future';
  const tooEarly = earliestStartProblem(startedOn, earliest);
  if (tooEarly) return tooEarly;
  if (qtsDate && startedOn < qtsDate) {
    return `The induction start date cannot be before their QTS date (${formatIsoDate(qtsDate)})`;
  }
  return undefined;
}

/** Why a claim's start date cannot be used, or undefined. */
export function claimDateProblem(
  startedOn: string,
  { qtsDate, lastFinishedOn, today }: { qtsDate: string | null; lastFinishedOn: string | null; today: string },
): string | undefined {
  const problem = periodStartProblem(startedOn, { qtsDate, today, earliest: EARLIEST_CLAIM_START });
  if (problem) return problem;
  if (lastFinishedOn && startedOn <= lastFinishedOn) {
    return `Enter an induction start date after their last induction period finished (${formatIsoDate(lastFinishedOn)})`;
  }
  return undefined;
}

/** Why an end date cannot close a period that started on startedOn, or undefined. */
export function endDateProblem(finishedOn: string, startedOn: string, today: string): string | undefined {
  if (finishedOn > today) return 'The induction end date cannot be in the future';
  if (finishedOn < startedOn) {
    return `The induction end date must be on or after the start date (${formatIsoDate(startedOn)})`;
  }
  return undefined;
}

/** Why a written-confirmation date cannot be used with this end date, or undefined. */
export function confirmationDateProblem(sentOn: string, finishedOn: string, today: string): string | undefined {
  if (sentOn > today) return 'The date you sent written confirmation cannot be in the future';
  if (sentOn < finishedOn) {
    return `The date you sent written confirmation cannot be before the induction end date (${formatIsoDate(finishedOn)})`;
  }
  return undefined;
}

export type InductionStatus = 'required' | 'in-progress' | 'paused' | 'passed' | 'failed' | 'exempt' | 'none';

export const STATUS_NAMES: Record<InductionStatus, { text: string; colour: string }> = {
  required: { text: 'Required to complete', colour: 'yellow' },
  'in-progress': { text: 'In progress', colour: 'blue' },
  paused: { text: 'Induction paused', colour: 'pink' },
  passed: { text: 'Passed', colour: 'green' },
  failed: { text: 'Failed', colour: 'red' },
  exempt: { text: 'Exempt', colour: 'green' },
  none: { text: 'None', colour: 'grey' },
};

/** The status shown for a teacher: from Rollbook's periods first, then the teaching record. */
export function inductionStatus(
  periods: { finished_on: string | null; outcome: InductionOutcome | null }[],
  recordStatus: RecordInductionStatus,
): InductionStatus {
  if (periods.some((p) => p.outcome === 'pass')) return 'passed';
  if (periods.some((p) => p.outcome === 'fail')) return 'failed';
  if (periods.some((p) => p.finished_on === null)) return 'in-progress';
  if (periods.length > 0) return 'paused';
  switch (recordStatus) {
    case 'Passed':
      return 'passed';
    case 'Failed':
    case 'FailedInWales':
      return 'failed';
    case 'Exempt':
      return 'exempt';
    case 'InProgress':
      return 'paused';
    case 'RequiredToComplete':
      return 'required';
    default:
      return 'none';
  }
}

/**
 * How a period ended, as the pages say it: Passed, Failed, Released, or In progress while ongoing.
 * A fail may add its date of written confirmation.
 */
export function periodOutcomeName(
  p: { outcome: InductionOutcome | null; finished_on: string | null },
  { failedDetail = '' } = {},
): string {
  if (p.outcome === 'pass') return 'Passed';
  if (p.outcome === 'fail') return `Failed${failedDetail}`;
  return p.finished_on ? 'Released' : 'In progress';
}

/** A teacher's name as pages and messages give it. */
export const teacherName = (t: { first_name: string; last_name: string }) => `${t.first_name} ${t.last_name}`;
