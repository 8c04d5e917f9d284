// Who can be recommended for QTS or EYTS: the one place for the rule, used by the template
// (in SQL), by each row's check and by the re-check at submission.
import { sql } from 'kysely';
import type { Trainee } from '../../db/schema.ts';
import { addMonths, formatIsoDate } from '../dates.ts';

/** The expected end date must fall from 6 months before today to 3 months after. */
export const RECOMMENDATION_WINDOW = { monthsBefore: 6, monthsAfter: 3 } as const;

/** The last day's window: a file's check asks for it once a row, 100,000 times, always for the same day. */
let lastWindow: { today: string; window: Readonly<{ from: string; to: string }> } | undefined;

export function recommendationWindow(today: string): Readonly<{ from: string; to: string }> {
  if (lastWindow?.today !== today) {
    const window = {
      from: addMonths(today, -RECOMMENDATION_WINDOW.monthsBefore),
      to: addMonths(today, RECOMMENDATION_WINDOW.monthsAfter),
    };
    lastWindow = { today, window };
  }
  return lastWindow.window;
}

type EligibilityFields = Pick<Trainee, 'trn' | 'state' | 'expected_end_date'>;

/** Why this trainee cannot be recommended, or undefined when they can. */
export function ineligibilityReason(trainee: EligibilityFields, today: string): string | undefined {
  if (trainee.state === 'deferred') return 'the trainee is deferred';
  if (trainee.state === 'withdrawn') return 'the trainee has withdrawn';
  if (trainee.state === 'recommended') return 'the trainee has already been recommended';
  if (trainee.state === 'awarded') return 'the trainee has already been awarded';
  if (!trainee.trn || trainee.state !== 'trn_received') return 'the trainee has no TRN yet';
  const { from, to } = recommendationWindow(today);
  if (trainee.expected_end_date < from || trainee.expected_end_date > to) {
    return `their expected end date, ${formatIsoDate(trainee.expected_end_date)}, is not between ${formatIsoDate(from)} and ${formatIsoDate(to)}`;
  }
  return undefined;
}

/** The same rule as a SQL condition on the trainees table, for queries and set-based updates. */
export function isEligible(today: string) {
  const { from, to } = recommendationWindow(today);
  return sql<boolean>`(trainees.state = 'trn_received' and trainees.trn is not null
    and trainees.expected_end_date between ${from}::date and ${to}::date)`;
}
