// The allowed values of a trainee's coded fields, each with a code (what the API and the bulk
// sheet send) and a name (what pages show), and the codes from the HESA student return that the
// bulk sheet and the API accept as well. The one list of each, for pages, uploads, the API's
// GET /reference/{list} and the guidance.
import { TRAINING_ROUTES } from './training-routes.ts';

export interface ReferenceItem {
  code: string;
  name: string;
  /** Other values accepted for this item (HESA codes), case ignored. */
  synonyms?: string[];
}

/** HESA ENTRYRTE codes of the training routes. */
const ROUTE_HESA_CODES: Record<string, string> = {
  assessment_only: '16',
  provider_led_postgrad: '12',
  provider_led_undergrad: '11',
  school_direct_fee_funded: '02',
  school_direct_salaried: '03',
  pg_teaching_apprenticeship: '10',
  teacher_degree_apprenticeship: '14',
  opt_in_undergrad: '09',
  iqts: '15',
  early_years_undergrad: '18',
  early_years_postgrad: '19',
  early_years_salaried: '20',
  early_years_assessment_only: '17',
};

export const ROUTE_LIST: ReferenceItem[] = TRAINING_ROUTES.map((route) => ({
  code: route.code,
  name: route.name,
  synonyms: ROUTE_HESA_CODES[route.code] ? [ROUTE_HESA_CODES[route.code]] : [],
}));

/** Course subjects, by name as Rollbook keeps them; the codes are their HECoS codes. */
export const SUBJECTS: ReferenceItem[] = [
  { code: '100511', name: 'Primary' },
  { code: '100510', name: 'Early years teaching' },
  { code: '101361', name: 'Art and design' },
  { code: '100346', name: 'Biology' },
  { code: '100079', name: 'Business studies' },
  { code: '100417', name: 'Chemistry' },
  { code: '100366', name: 'Computing' },
  { code: '100048', name: 'Design and technology' },
  { code: '100069', name: 'Drama' },
  { code: '100450', name: 'Economics' },
  { code: '100320', name: 'English' },
  { code: '100321', name: 'French' },
  { code: '100390', name: 'General science' },
  { code: '100409', name: 'Geography' },
  { code: '100323', name: 'German' },
  { code: '100302', name: 'History' },
  { code: '100403', name: 'Mathematics' },
  { code: '100329', name: 'Modern languages' },
  { code: '100642', name: 'Music' },
  { code: '100433', name: 'Physical education' },
  { code: '100425', name: 'Physics' },
  { code: '100497', name: 'Psychology' },
  { code: '100339', name: 'Religious education' },
  { code: '100332', name: 'Spanish' },
];

export const PRIMARY_SUBJECT = 'Primary';
export const EARLY_YEARS_SUBJECT = 'Early years teaching';

export const AGE_RANGES: ReferenceItem[] = [
  { code: '0 to 5', name: '0 to 5', synonyms: ['13920', '0-5'] },
  { code: '3 to 7', name: '3 to 7', synonyms: ['3-7'] },
  { code: '3 to 11', name: '3 to 11', synonyms: ['3-11'] },
  { code: '5 to 11', name: '5 to 11', synonyms: ['5-11'] },
  { code: '7 to 11', name: '7 to 11', synonyms: ['7-11'] },
  { code: '7 to 14', name: '7 to 14', synonyms: ['7-14'] },
  { code: '11 to 16', name: '11 to 16', synonyms: ['11-16'] },
  { code: '11 to 18', name: '11 to 18', synonyms: ['11-18'] },
  { code: '14 to 19', name: '14 to 19', synonyms: ['14-19'] },
];
export const EARLY_YEARS_AGE_RANGE = '0 to 5';

export const STUDY_MODES: ReferenceItem[] = [
  { code: 'full_time', name: 'Full time', synonyms: ['01', '02', '63', 'full-time'] },
  { code: 'part_time', name: 'Part time', synonyms: ['31', '64', 'part-time'] },
];

export const SEXES: ReferenceItem[] = [
  { code: 'female', name: 'Female', synonyms: ['10'] },
  { code: 'male', name: 'Male', synonyms: ['11'] },
  { code: 'other', name: 'Other', synonyms: ['12'] },
  { code: 'prefer_not_to_say', name: 'Prefer not to say', synonyms: ['96'] },
  { code: 'not_provided', name: 'Not provided', synonyms: ['99'] },
];

/** Reasons for withdrawing; "another_reason" needs the reason in words. */
export const WITHDRAWAL_REASONS: ReferenceItem[] = [
  { code: 'personal_reasons', name: 'Personal reasons' },
  { code: 'health_reasons', name: 'Health reasons' },
  { code: 'financial_reasons', name: 'Financial reasons' },
  { code: 'moved_provider', name: 'Moved to another provider' },
  { code: 'did_not_pass_assessment', name: 'Did not pass assessments or meet the standards' },
  { code: 'workload', name: 'Workload or the demands of the course' },
  { code: 'found_other_work', name: 'Got a job or changed career' },
  { code: 'never_started', name: 'Never started the course' },
  { code: 'another_reason', name: 'Another reason' },
];
export const ANOTHER_REASON = 'another_reason';

export const DEGREE_TYPES: ReferenceItem[] = [
  { code: 'uk', name: 'UK degree' },
  { code: 'non_uk', name: 'Non-UK degree' },
];

export const DEGREE_GRADES: ReferenceItem[] = [
  { code: 'first', name: 'First-class honours', synonyms: ['01', '1st'] },
  { code: 'upper_second', name: 'Upper second-class honours (2:1)', synonyms: ['02', '2:1'] },
  { code: 'lower_second', name: 'Lower second-class honours (2:2)', synonyms: ['03', '2:2'] },
  { code: 'third', name: 'Third-class honours', synonyms: ['05', '3rd'] },
  { code: 'pass', name: 'Pass', synonyms: ['14'] },
  { code: 'other', name: 'Other', synonyms: ['99'] },
];

/** The lists the API serves at /reference/{list}. */
export const REFERENCE_LISTS: Record<string, ReferenceItem[]> = {
  'training-routes': ROUTE_LIST,
  subjects: SUBJECTS,
  'age-ranges': AGE_RANGES,
  'study-modes': STUDY_MODES,
  sexes: SEXES,
  'withdrawal-reasons': WITHDRAWAL_REASONS,
  'degree-types': DEGREE_TYPES,
  'degree-grades': DEGREE_GRADES,
};

/** What each list is, as the reference page heads it, and the field (sheet column) it is for. */
export const REFERENCE_LIST_TITLES: Record<string, { title: string; field: string }> = {
  'training-routes': { title: 'Training routes', field: 'Training route' },
  subjects: { title: 'Subjects', field: 'Course subject 1, 2 and 3 (HECoS codes)' },
  'age-ranges': { title: 'Age ranges', field: 'Age range' },
  'study-modes': { title: 'Study modes', field: 'Study mode' },
  sexes: { title: 'Sexes', field: 'Sex' },
  'withdrawal-reasons': { title: 'Withdrawal reasons', field: 'the reasons for withdrawing (the records API)' },
  'degree-types': { title: 'Degree types', field: 'Degree type' },
  'degree-grades': { title: 'Degree grades', field: 'Degree grade' },
};

const lookups = new Map<ReferenceItem[], Map<string, ReferenceItem>>();

/** The item a value stands for (its code, name or a synonym, case and spacing ignored), if any. */
export function findReferenceItem(list: ReferenceItem[], value: string): ReferenceItem | undefined {
  let lookup = lookups.get(list);
  if (!lookup) {
    lookup = new Map();
    for (const item of list) {
      for (const key of [item.code, item.name, ...(item.synonyms ?? [])]) lookup.set(normalise(key), item);
    }
    lookups.set(list, lookup);
  }
  return lookup.get(normalise(value));
}

const normalise = (value: string) => value.trim().toLowerCase().replace(/\s+/g, ' ');

/** The name of a code, or the code itself when it is not in the list. */
export function referenceName(list: ReferenceItem[], code: string | null | undefined): string {
  if (!code) return '';
  return list.find((item) => item.code === code)?.name ?? code;
}

/** "a, b or c", or "like a, b, c …" when there are more than 10, to say what would be valid. */
export function validValues(list: ReferenceItem[]): string {
  const names = list.map((item) => item.name);
  if (names.length > 10) return `one of the values on the reference page, like ${names.slice(0, 5).join(', ')}`;
  return names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} or ${names.at(-1)}`;
}
