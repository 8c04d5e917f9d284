// An optional GOV.UK date input (day, month and year boxes): empty, a real date, or a message
// that says which part to fix.
import { isRealDate, toIsoDate } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import { field } from '../forms.ts';

export interface DateInputValues {
  day: string;
  month: string;
  year: string;
}

export function dateInputValues(body: unknown, name: string): DateInputValues {
  return {
    day: field(body, `${name}-day`).trim(),
    month: field(body, `${name}-month`).trim(),
    year: field(body, `${name}-year`).trim(),
  };
}

export function dateInputFromIso(iso: string | null): DateInputValues {
  if (!iso) return { day: '', month: '', year: '' };
  const [year, month, day] = iso.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year };
}

/**
 * The date as yyyy-mm-dd, null when every box is empty, or a DomainError for the field `name`.
 * `label` starts the message, like "The start date".
 */
export function parseDateInput(values: DateInputValues, name: string, label: string): string | null | DomainError {
  const { day, month, year } = values;
  if (!day && !month && !year) return null;
  const missing = [!day && 'day', !month && 'month', !year && 'year'].filter(Boolean);
  if (missing.length) return new DomainError(`${label} must include a ${missing.join(' and a ')}`, name);
  if (![day, month, year].every((part) => /^\d+$/.test(part)) || year.length !== 4) {
    return new DomainError(`${label} must be a real date, like 3 9 2025 (year in 4 digits)`, name);
  }
  if (!isRealDate(Number(year), Number(month), Number(day))) {
    return new DomainError(`${label} must be a real date. Check the day and month`, name);
  }
  return toIsoDate(Number(year), Number(month), Number(day));
}

/** The govukDateInput items for a field, marking every box as in error when the field is. */
export function dateInputItems(values: DateInputValues, hasError: boolean) {
  const error = hasError ? ' govuk-input--error' : '';
  return [
    { name: 'day', value: values.day, classes: `govuk-input--width-2${error}` },
    { name: 'month', value: values.month, classes: `govuk-input--width-2${error}` },
    { name: 'year', value: values.year, classes: `govuk-input--width-4${error}` },
  ];
}
