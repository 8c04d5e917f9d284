// Calendar dates as 'yyyy-mm-dd' strings, and the academic year. Dates are compared as strings,
// which sorts correctly in this format. "Today" is the date in England.

const LONDON_DATE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Europe/London',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

export function today(now: Date = new Date()): string {
  return LONDON_DATE.format(now);
}

export function isRealDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function toIsoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The date a whole number of months away, clamped to the end of a shorter month. */
export function addMonths(isoDate: string, months: number): string {
  const [year, month, day] = isoDate.split('-').map(Number);
  const index = year * 12 + (month - 1) + months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  const lastDay = new Date(Date.UTC(targetYear, targetMonth, 0)).getUTCDate();
  return toIsoDate(targetYear, targetMonth, Math.min(day, lastDay));
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** 31 January 2024 */
export function formatIsoDate(isoDate: string | null | undefined): string {
  if (!isoDate) return '';
  const [year, month, day] = isoDate.split('-').map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

/**
 * The trainee academic year a date falls in, named by its starting year: 1 August to 31 July
 * (Register's rule). 2024 means "2024 to 2025".
 */
export function traineeAcademicYear(isoDate: string): number {
  const [year, month] = isoDate.split('-').map(Number);
  return month >= 8 ? year : year - 1;
}

export function academicYearName(startYear: number): string {
  return `${startYear} to ${startYear + 1}`;
}

/** First and last day of a trainee academic year. */
export function traineeAcademicYearDates(startYear: number): { from: string; to: string } {
  return { from: toIsoDate(startYear, 8, 1), to: toIsoDate(startYear + 1, 7, 31) };
}

/** The instant a wall-clock time in England stands for (GMT or BST, whichever applies that day). */
export function englandTime(isoDate: string, hours: number, minutes: number): Date {
  const [year, month, day] = isoDate.split('-').map(Number);
  const asUtc = Date.UTC(year, month - 1, day, hours, minutes);
  // England's offset from UTC at about that time: 0 in winter, 1 hour in summer.
  const offset = (at: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/London',
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(new Date(at))
        .map((part) => [part.type, part.value]),
    );
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute) - at;
  };
  const first = asUtc - offset(asUtc);
  return new Date(asUtc - offset(first));
}

const TIME_IN_ENGLAND = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
});

/** "7 December 2026 at 9:00am", in England. */
export function formatDateTime(at: Date): string {
  return `${formatIsoDate(today(at))} at ${TIME_IN_ENGLAND.format(at).replace(/\s/g, '').toLowerCase()}`;
}
