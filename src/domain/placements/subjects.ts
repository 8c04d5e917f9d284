// What an offered placement is in: a subject for secondary, a year group for primary. Codes are
// stored; names are shown. One list each, used by the forms, the filters and the checks.
import type { Phase } from '../../db/schema.ts';

export interface Choice {
  code: string;
  name: string;
  hint?: string;
}

export const PHASE_NAMES: Record<Phase, string> = { primary: 'Primary', secondary: 'Secondary' };

export const SECONDARY_SUBJECTS: readonly Choice[] = [
  { code: 'art-and-design', name: 'Art and design' },
  { code: 'biology', name: 'Biology' },
  { code: 'business-studies', name: 'Business studies' },
  { code: 'chemistry', name: 'Chemistry' },
  { code: 'citizenship', name: 'Citizenship' },
  { code: 'classics', name: 'Classics' },
  { code: 'computing', name: 'Computing' },
  { code: 'dance', name: 'Dance' },
  { code: 'design-and-technology', name: 'Design and technology' },
  { code: 'drama', name: 'Drama' },
  { code: 'economics', name: 'Economics' },
  { code: 'english', name: 'English' },
  { code: 'french', name: 'French' },
  { code: 'geography', name: 'Geography' },
  { code: 'german', name: 'German' },
  { code: 'history', name: 'History' },
  { code: 'latin', name: 'Latin' },
  { code: 'mandarin', name: 'Mandarin' },
  { code: 'mathematics', name: 'Mathematics' },
  { code: 'modern-languages-other', name: 'Modern languages (other)' },
  { code: 'music', name: 'Music' },
  { code: 'physical-education', name: 'Physical education' },
  { code: 'physics', name: 'Physics' },
  { code: 'psychology', name: 'Psychology' },
  { code: 'religious-education', name: 'Religious education' },
  { code: 'science', name: 'Science' },
  { code: 'social-sciences', name: 'Social sciences' },
  { code: 'spanish', name: 'Spanish' },
];

export const YEAR_GROUPS: readonly Choice[] = [
  { code: 'nursery', name: 'Nursery', hint: 'Ages 3 to 4' },
  { code: 'reception', name: 'Reception', hint: 'Ages 4 to 5' },
  { code: 'year-1', name: 'Year 1', hint: 'Ages 5 to 6' },
  { code: 'year-2', name: 'Year 2', hint: 'Ages 6 to 7' },
  { code: 'year-3', name: 'Year 3', hint: 'Ages 7 to 8' },
  { code: 'year-4', name: 'Year 4', hint: 'Ages 8 to 9' },
  { code: 'year-5', name: 'Year 5', hint: 'Ages 9 to 10' },
  { code: 'year-6', name: 'Year 6', hint: 'Ages 10 to 11' },
  { code: 'mixed', name: 'Mixed year groups' },
];

const nameOf = (choices: readonly Choice[], code: string | null) => choices.find((c) => c.code === code)?.name;

export const isSecondarySubject = (code: string) => SECONDARY_SUBJECTS.some((s) => s.code === code);
export const isYearGroup = (code: string) => YEAR_GROUPS.some((y) => y.code === code);
export const subjectName = (code: string | null) => nameOf(SECONDARY_SUBJECTS, code);
export const yearGroupName = (code: string | null) => nameOf(YEAR_GROUPS, code);

/** How a placement is named in lists and emails: "Mathematics", or "Primary (Year 3)". */
export function placementTitle(placement: { phase: Phase; subject: string | null; year_group: string | null }) {
  if (placement.phase === 'secondary') return subjectName(placement.subject) ?? 'Secondary';
  const yearGroup = yearGroupName(placement.year_group);
  return yearGroup ? `Primary (${yearGroup})` : 'Primary';
}

/**
 * The phases a school offers placements in, from its phase in the schools register: a primary
 * school (or nursery, or middle deemed primary) is asked for a year group, a secondary one (or 16
 * plus, or middle deemed secondary) for a subject; an all-through school, or one the register does
 * not place, chooses.
 */
export function schoolPhases(registerPhase: string | null | undefined): Phase[] {
  const phase = (registerPhase ?? '').toLowerCase();
  if (phase === 'primary' || phase === 'nursery' || phase === 'middle deemed primary') return ['primary'];
  if (phase === 'secondary' || phase === '16 plus' || phase === 'middle deemed secondary') return ['secondary'];
  return ['primary', 'secondary'];
}
