// A trainee's details as people give them (a page's sections, a row of the bulk sheet, the API's
// JSON), their rules, and how they are kept. Every rule and message lives here once: each error
// names the field it belongs to (the API's camelCase name), so pages put it by the field, the bulk
// sheet names the column and the API returns it as { field, message }.
import { type RawBuilder, sql } from 'kysely';
import type { Trainee } from '../../db/schema.ts';
import { addMonths, formatIsoDate, isRealDate } from '../dates.ts';
import { DomainError } from '../errors.ts';
import { normaliseEmail, normaliseUrn } from '../identifiers.ts';
import {
  AGE_RANGES,
  DEGREE_GRADES,
  DEGREE_TYPES,
  EARLY_YEARS_AGE_RANGE,
  EARLY_YEARS_SUBJECT,
  findReferenceItem,
  PRIMARY_SUBJECT,
  type ReferenceItem,
  ROUTE_LIST,
  SEXES,
  STUDY_MODES,
  SUBJECTS,
  validValues,
} from './reference-lists.ts';
import { trainingRoute } from './training-routes.ts';

/** The details as given: every value optional text (dates as yyyy-mm-dd), subjects a list. */
export interface TraineeInput {
  firstNames?: string | null;
  lastName?: string | null;
  previousLastName?: string | null;
  dateOfBirth?: string | null;
  sex?: string | null;
  email?: string | null;
  providerTraineeId?: string | null;
  hesaId?: string | null;
  trainingRoute?: string | null;
  courseSubjects?: (string | null)[] | null;
  ageRange?: string | null;
  studyMode?: string | null;
  ittStartDate?: string | null;
  ittEndDate?: string | null;
  courseYear?: string | number | null;
  leadSchoolUrn?: string | null;
  employingSchoolUrn?: string | null;
  degreeType?: string | null;
  degreeSubject?: string | null;
  degreeGrade?: string | null;
  degreeGraduationYear?: string | number | null;
  degreeInstitution?: string | null;
  degreeCountry?: string | null;
}

export type TraineeField = keyof TraineeInput;

export interface TraineeDegree {
  type: 'uk' | 'non_uk';
  subject: string;
  grade: string;
  graduationYear: number;
  institution: string | null;
  country: string | null;
}

/** The details once every rule holds: what a registered trainee has. */
export interface TraineeDetails {
  firstNames: string;
  lastName: string;
  previousLastName: string | null;
  dateOfBirth: string;
  sex: string;
  email: string;
  providerTraineeId: string | null;
  hesaId: string | null;
  trainingRoute: string;
  courseSubjects: string[];
  ageRange: string;
  studyMode: 'full_time' | 'part_time';
  ittStartDate: string;
  ittEndDate: string;
  courseYear: number | null;
  leadSchoolUrn: string | null;
  employingSchoolUrn: string | null;
  degree: TraineeDegree | null;
}

/** A field's rule broken: `missing` when nothing was given for a field that needs a value. */
export class FieldError extends DomainError {
  readonly missing: boolean;
  constructor(message: string, field: TraineeField, missing = false) {
    super(message, field);
    this.name = 'FieldError';
    this.missing = missing;
  }
}

/** The sections of the "Add a trainee" task list, each with its fields, in order. */
export const SECTIONS = [
  {
    id: 'personal',
    title: 'Personal details',
    fields: ['firstNames', 'lastName', 'previousLastName', 'dateOfBirth', 'sex'],
  },
  { id: 'contact', title: 'Contact details', fields: ['email'] },
  { id: 'identifiers', title: 'Identifiers', fields: ['providerTraineeId', 'hesaId'] },
  {
    id: 'course',
    title: 'Course details',
    fields: ['trainingRoute', 'courseSubjects', 'ageRange', 'studyMode', 'ittStartDate', 'ittEndDate', 'courseYear'],
  },
  { id: 'schools', title: 'Schools', fields: ['leadSchoolUrn', 'employingSchoolUrn'] },
  {
    id: 'degree',
    title: 'Degree',
    fields: [
      'degreeType',
      'degreeSubject',
      'degreeGrade',
      'degreeGraduationYear',
      'degreeInstitution',
      'degreeCountry',
    ],
  },
] as const satisfies readonly { id: string; title: string; fields: readonly TraineeField[] }[];

export type SectionId = (typeof SECTIONS)[number]['id'];

/** Routes with a lead school; each of them needs one. */
export const ROUTES_WITH_LEAD_SCHOOL: readonly string[] = [
  'school_direct_fee_funded',
  'school_direct_salaried',
  'pg_teaching_apprenticeship',
  'teacher_degree_apprenticeship',
  'early_years_salaried',
];
/** Salaried routes: the trainee's employing school is needed. */
export const ROUTES_WITH_EMPLOYING_SCHOOL: readonly string[] = [
  'school_direct_salaried',
  'pg_teaching_apprenticeship',
  'teacher_degree_apprenticeship',
  'early_years_salaried',
];
/** Undergraduate routes: the trainee has no degree yet. */
export const UNDERGRADUATE_ROUTES: readonly string[] = [
  'provider_led_undergrad',
  'opt_in_undergrad',
  'early_years_undergrad',
  'teacher_degree_apprenticeship',
];
const PRIMARY_AGE_RANGES = ['3 to 7', '3 to 11', '5 to 11', '7 to 11'];

/** Whether a section applies to a trainee on this route (schools and degree depend on it). */
export function sectionApplies(section: SectionId, route: string | null | undefined): boolean {
  if (section === 'schools') return Boolean(route && ROUTES_WITH_LEAD_SCHOOL.includes(route));
  if (section === 'degree') return !route || !UNDERGRADUATE_ROUTES.includes(route);
  return true;
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value).trim());
const isoDate = (value: string): boolean => {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return Boolean(match && isRealDate(Number(match[1]), Number(match[2]), Number(match[3])));
};

export interface Checked {
  details: TraineeDetails | undefined;
  errors: FieldError[];
}

/**
 * Checks every rule. `details` is set only when there are no errors. Early-years routes fill in
 * their subject and age range when none is given.
 */
export function checkTraineeInput(input: TraineeInput, today: string): Checked {
  const errors: FieldError[] = [];
  const fail = (field: TraineeField, message: string, missing = false) => {
    errors.push(new FieldError(message, field, missing));
  };
  const required = (field: TraineeField, message: string): string => {
    const value = text(input[field]);
    if (!value) fail(field, message, true);
    return value;
  };
  const maxLength = (field: TraineeField, value: string, max: number, what: string) => {
    if (value.length > max) fail(field, `${what} must be ${max} characters or fewer`);
  };
  const coded = (field: TraineeField, list: ReferenceItem[], what: string, missingMessage: string) => {
    const value = required(field, missingMessage);
    if (!value) return '';
    const item = findReferenceItem(list, value);
    if (!item) fail(field, `${what} "${value}" is not one Rollbook knows. Use ${validValues(list)}`);
    return item?.code ?? '';
  };

  // Personal details.
  const firstNames = required('firstNames', 'Enter the trainee’s first names');
  maxLength('firstNames', firstNames, 60, 'First names');
  const lastName = required('lastName', 'Enter the trainee’s last name');
  maxLength('lastName', lastName, 60, 'Last name');
  const previousLastName = text(input.previousLastName);
  maxLength('previousLastName', previousLastName, 60, 'Previous last name');
  const dateOfBirth = required('dateOfBirth', 'Enter the trainee’s date of birth');
  if (dateOfBirth) {
    if (!isoDate(dateOfBirth)) fail('dateOfBirth', 'Date of birth must be a real date, like 27 3 1998');
    else if (dateOfBirth >= today) fail('dateOfBirth', 'Date of birth must be in the past');
    else if (dateOfBirth > addMonths(today, -16 * 12)) {
      fail('dateOfBirth', 'The trainee must be at least 16 years old: check the year of the date of birth');
    } else if (dateOfBirth < addMonths(today, -100 * 12)) {
      fail('dateOfBirth', 'The trainee must be under 100 years old: check the year of the date of birth');
    }
  }
  const sex = coded('sex', SEXES, 'Sex', 'Select the trainee’s sex, or "Prefer not to say"');

  // Contact.
  const emailGiven = required('email', 'Enter the trainee’s email address');
  const email = emailGiven ? normaliseEmail(emailGiven) : '';
  if (emailGiven && !email) fail('email', 'Enter an email address in the correct format, like name@example.com');

  // Identifiers.
  const providerTraineeId = text(input.providerTraineeId);
  maxLength('providerTraineeId', providerTraineeId, 50, 'Provider trainee ID');
  const hesaId = text(input.hesaId).replace(/\s+/g, '');
  if (hesaId && !/^(\d{13}|\d{17})$/.test(hesaId)) {
    fail('hesaId', `HESA ID "${hesaId}" must be 13 or 17 digits, like 2512345678901`);
  }

  // Course.
  const route = coded('trainingRoute', ROUTE_LIST, 'Training route', 'Select the training route');
  const earlyYears = route ? trainingRoute(route).award === 'EYTS' : false;
  const givenSubjects = (input.courseSubjects ?? []).map(text).filter(Boolean);
  if (earlyYears && givenSubjects.length === 0) givenSubjects.push(EARLY_YEARS_SUBJECT);
  const courseSubjects: string[] = [];
  if (givenSubjects.length === 0) fail('courseSubjects', 'Select the course subject', true);
  else if (givenSubjects.length > 3) fail('courseSubjects', 'Give at most 3 course subjects');
  else {
    for (const given of givenSubjects) {
      const item = findReferenceItem(SUBJECTS, given);
      if (!item) {
        fail('courseSubjects', `Course subject "${given}" is not one Rollbook knows. Use ${validValues(SUBJECTS)}`);
      } else courseSubjects.push(item.name);
    }
    if (new Set(courseSubjects).size !== courseSubjects.length) {
      fail('courseSubjects', 'The course subjects must be different from each other');
    }
    if (earlyYears && courseSubjects.length && courseSubjects[0] !== EARLY_YEARS_SUBJECT) {
      fail('courseSubjects', `The subject of an early years route must be ${EARLY_YEARS_SUBJECT}`);
    }
  }
  let ageRange = text(input.ageRange);
  if (!ageRange && earlyYears) ageRange = EARLY_YEARS_AGE_RANGE;
  const ageRangeCode = ageRange ? findReferenceItem(AGE_RANGES, ageRange)?.code : undefined;
  if (!ageRange) fail('ageRange', 'Select the age range the trainee will teach', true);
  else if (!ageRangeCode) {
    fail('ageRange', `Age range "${ageRange}" is not one Rollbook knows. Use ${validValues(AGE_RANGES)}`);
  } else if (route && earlyYears !== (ageRangeCode === EARLY_YEARS_AGE_RANGE)) {
    fail(
      'ageRange',
      earlyYears
        ? `The age range of an early years route must be ${EARLY_YEARS_AGE_RANGE}`
        : `The age range ${EARLY_YEARS_AGE_RANGE} is only for early years routes: choose another age range or route`,
    );
  } else if (
    PRIMARY_AGE_RANGES.includes(ageRangeCode) &&
    courseSubjects.length &&
    courseSubjects[0] !== PRIMARY_SUBJECT
  ) {
    fail(
      'courseSubjects',
      `For a primary age range (${ageRangeCode}) the first course subject must be ${PRIMARY_SUBJECT}`,
    );
  }
  const studyMode = coded('studyMode', STUDY_MODES, 'Study mode', 'Select full time or part time') as
    | 'full_time'
    | 'part_time'
    | '';
  const ittStartDate = required('ittStartDate', 'Enter the ITT start date');
  if (ittStartDate) {
    if (!isoDate(ittStartDate)) fail('ittStartDate', 'ITT start date must be a real date, like 1 9 2025');
    else if (Number(ittStartDate.slice(0, 4)) > Number(today.slice(0, 4)) + 1) {
      fail('ittStartDate', 'ITT start date must not be more than a year in the future');
    }
  }
  const ittEndDate = required('ittEndDate', 'Enter the expected end date');
  if (ittEndDate) {
    if (!isoDate(ittEndDate)) fail('ittEndDate', 'Expected end date must be a real date, like 31 7 2026');
    else if (isoDate(ittStartDate) && ittEndDate <= ittStartDate) {
      fail('ittEndDate', `Expected end date must be after the ITT start date, ${formatIsoDate(ittStartDate)}`);
    } else if (isoDate(ittStartDate) && ittEndDate > addMonths(ittStartDate, 120)) {
      fail('ittEndDate', 'Expected end date must be within 10 years of the ITT start date');
    }
  }
  const courseYearText = text(input.courseYear);
  let courseYear: number | null = null;
  if (courseYearText) {
    courseYear = /^\d{1,2}$/.test(courseYearText) ? Number(courseYearText) : Number.NaN;
    if (!Number.isInteger(courseYear) || courseYear > 10) {
      fail('courseYear', 'Course year must be a whole number from 0 (a foundation year) to 10, like 1');
    }
  }

  // Schools, where the route has them.
  const urn = (field: 'leadSchoolUrn' | 'employingSchoolUrn', what: string, needed: boolean): string | null => {
    const given = text(input[field]);
    if (!given) {
      if (needed && route)
        fail(field, `Enter the URN of the ${what}: the ${trainingRoute(route).name} route has one`, true);
      return null;
    }
    if (route && !needed) {
      fail(field, `Leave the ${what} blank: the ${trainingRoute(route).name} route has no ${what}`);
      return null;
    }
    const normalised = normaliseUrn(given);
    if (!normalised) fail(field, `The ${what}’s URN "${given}" must be 6 digits, like 100001`);
    return normalised ?? null;
  };
  const leadSchoolUrn = urn('leadSchoolUrn', 'lead school', ROUTES_WITH_LEAD_SCHOOL.includes(route));
  const employingSchoolUrn = urn(
    'employingSchoolUrn',
    'employing school',
    ROUTES_WITH_EMPLOYING_SCHOOL.includes(route),
  );

  // Degree, for postgraduate routes.
  const degree = checkDegree(input, route, today, fail);

  if (errors.length) return { details: undefined, errors };
  return {
    errors,
    details: {
      firstNames,
      lastName,
      previousLastName: previousLastName || null,
      dateOfBirth,
      sex,
      email: email ?? '',
      providerTraineeId: providerTraineeId || null,
      hesaId: hesaId || null,
      trainingRoute: route,
      courseSubjects,
      ageRange: ageRangeCode ?? '',
      studyMode: studyMode || 'full_time',
      ittStartDate,
      ittEndDate,
      courseYear,
      leadSchoolUrn,
      employingSchoolUrn,
      degree,
    },
  };
}

const DEGREE_FIELDS = [
  'degreeType',
  'degreeSubject',
  'degreeGrade',
  'degreeGraduationYear',
  'degreeInstitution',
  'degreeCountry',
] as const;

function checkDegree(
  input: TraineeInput,
  route: string,
  today: string,
  fail: (field: TraineeField, message: string, missing?: boolean) => void,
): TraineeDegree | null {
  const given = DEGREE_FIELDS.some((field) => text(input[field]));
  const undergraduate = UNDERGRADUATE_ROUTES.includes(route);
  if (undergraduate) {
    if (given) {
      fail(
        'degreeType',
        `Leave the degree blank: the ${trainingRoute(route).name} route is for trainees without a degree`,
      );
    }
    return null;
  }
  const typeText = text(input.degreeType);
  const type = typeText ? findReferenceItem(DEGREE_TYPES, typeText)?.code : undefined;
  if (!typeText) fail('degreeType', 'Select whether the trainee’s degree is from the UK or another country', true);
  else if (!type)
    fail('degreeType', `Degree type "${typeText}" is not one Rollbook knows. Use ${validValues(DEGREE_TYPES)}`);
  const subject = text(input.degreeSubject);
  if (!subject) fail('degreeSubject', 'Enter the subject of the trainee’s degree', true);
  else if (subject.length > 100) fail('degreeSubject', 'Degree subject must be 100 characters or fewer');
  const gradeText = text(input.degreeGrade);
  const grade = gradeText ? findReferenceItem(DEGREE_GRADES, gradeText)?.code : undefined;
  if (!gradeText) fail('degreeGrade', 'Select the grade of the trainee’s degree', true);
  else if (!grade)
    fail('degreeGrade', `Degree grade "${gradeText}" is not one Rollbook knows. Use ${validValues(DEGREE_GRADES)}`);
  const yearText = text(input.degreeGraduationYear).slice(0, 10);
  const year = /^\d{4}(-\d{2}-\d{2})?$/.test(yearText) ? Number(yearText.slice(0, 4)) : Number.NaN;
  if (!yearText) fail('degreeGraduationYear', 'Enter the year the trainee graduated, like 2014', true);
  else if (!Number.isInteger(year))
    fail('degreeGraduationYear', 'Graduation year must be a year in 4 digits, like 2014');
  else if (year > Number(today.slice(0, 4)))
    fail('degreeGraduationYear', 'Graduation year must be in the past, like 2014');
  else if (year < Number(today.slice(0, 4)) - 80)
    fail('degreeGraduationYear', 'Graduation year must be within the last 80 years');
  const institution = text(input.degreeInstitution);
  const country = text(input.degreeCountry);
  if (type === 'uk' && !institution)
    fail('degreeInstitution', 'Enter the university or college that awarded the degree', true);
  if (type === 'non_uk' && !country) fail('degreeCountry', 'Enter the country where the degree was awarded', true);
  if (institution.length > 200) fail('degreeInstitution', 'Awarding institution must be 200 characters or fewer');
  if (country.length > 100) fail('degreeCountry', 'Degree country must be 100 characters or fewer');
  if (!type || !subject || !grade || !Number.isInteger(year)) return null;
  return {
    type: type as 'uk' | 'non_uk',
    subject,
    grade,
    graduationYear: year,
    institution: type === 'uk' ? institution : null,
    country: type === 'non_uk' ? country : null,
  };
}

/** The fields each error of a section belongs to, for a task list's "Completed" / "Incomplete". */
export function sectionStatus(
  section: SectionId,
  errors: FieldError[],
  input: TraineeInput,
): 'completed' | 'incomplete' | 'not-needed' {
  if (!sectionApplies(section, text(input.trainingRoute) || null)) return 'not-needed';
  const fields = SECTIONS.find((s) => s.id === section)?.fields as readonly string[];
  return errors.some((error) => fields.includes(error.field ?? '')) ? 'incomplete' : 'completed';
}

/** A trainee record's details as TraineeDetails (the API's data, a form's answers). */
export function detailsOf(trainee: Trainee): TraineeDetails {
  return {
    firstNames: trainee.first_names,
    lastName: trainee.last_name,
    previousLastName: trainee.previous_last_name,
    dateOfBirth: trainee.date_of_birth,
    sex: trainee.sex ?? '',
    email: trainee.email ?? '',
    providerTraineeId: trainee.provider_trainee_id,
    hesaId: trainee.hesa_id,
    trainingRoute: trainee.route,
    courseSubjects: [trainee.subject, trainee.subject_2, trainee.subject_3].filter((s): s is string => Boolean(s)),
    ageRange: trainee.age_range,
    studyMode: trainee.study_mode,
    ittStartDate: trainee.itt_start_date,
    ittEndDate: trainee.expected_end_date,
    courseYear: trainee.course_year,
    leadSchoolUrn: trainee.lead_school_urn,
    employingSchoolUrn: trainee.employing_school_urn,
    degree: (trainee.degree as TraineeDegree | null) ?? null,
  };
}

/** Details as input again (to merge a change into, or to fill a form). */
export function inputOf(details: TraineeDetails): TraineeInput {
  const { degree, courseYear, ...rest } = details;
  return {
    ...rest,
    courseYear: courseYear ?? null,
    degreeType: degree?.type ?? null,
    degreeSubject: degree?.subject ?? null,
    degreeGrade: degree?.grade ?? null,
    degreeGraduationYear: degree?.graduationYear ?? null,
    degreeInstitution: degree?.institution ?? null,
    degreeCountry: degree?.country ?? null,
  };
}

/** The columns of the trainees table that hold the details. */
export function columnsOf(details: TraineeDetails) {
  return {
    first_names: details.firstNames,
    last_name: details.lastName,
    previous_last_name: details.previousLastName,
    date_of_birth: details.dateOfBirth,
    sex: details.sex,
    email: details.email,
    provider_trainee_id: details.providerTraineeId,
    hesa_id: details.hesaId,
    route: details.trainingRoute,
    subject: details.courseSubjects[0] ?? '',
    subject_2: details.courseSubjects[1] ?? null,
    subject_3: details.courseSubjects[2] ?? null,
    age_range: details.ageRange,
    study_mode: details.studyMode,
    itt_start_date: details.ittStartDate,
    expected_end_date: details.ittEndDate,
    course_year: details.courseYear,
    lead_school_urn: details.leadSchoolUrn,
    employing_school_urn: details.employingSchoolUrn,
    degree: details.degree ? JSON.stringify(details.degree) : null,
  };
}

/**
 * columnsOf in SQL, for details held as JSON (a bulk upload's staged rows): each column and its
 * value from the JSON `details`, the same columns and values as columnsOf gives.
 */
export function columnsOfJson(details: RawBuilder<unknown>): [string, RawBuilder<unknown>][] {
  const text = (key: string) => sql`${details}->>${sql.lit(key)}`;
  return [
    ['first_names', text('firstNames')],
    ['last_name', text('lastName')],
    ['previous_last_name', text('previousLastName')],
    ['date_of_birth', sql`(${text('dateOfBirth')})::date`],
    ['sex', text('sex')],
    ['email', text('email')],
    ['provider_trainee_id', text('providerTraineeId')],
    ['hesa_id', text('hesaId')],
    ['route', text('trainingRoute')],
    ['subject', sql`coalesce(${details}->'courseSubjects'->>0, '')`],
    ['subject_2', sql`${details}->'courseSubjects'->>1`],
    ['subject_3', sql`${details}->'courseSubjects'->>2`],
    ['age_range', text('ageRange')],
    ['study_mode', text('studyMode')],
    ['itt_start_date', sql`(${text('ittStartDate')})::date`],
    ['expected_end_date', sql`(${text('ittEndDate')})::date`],
    ['course_year', sql`(${text('courseYear')})::int`],
    ['lead_school_urn', text('leadSchoolUrn')],
    ['employing_school_urn', text('employingSchoolUrn')],
    ['degree', sql`case when jsonb_typeof(${details}->'degree') = 'object' then ${details}->'degree' end`],
  ];
}

/** A value as JSON with its object keys in order (a degree read back from jsonb has them in another). */
function canonical(value: unknown): string {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** Field by field, what differs between two sets of details: { field: { from, to } }. */
export function differences(
  before: TraineeDetails,
  after: TraineeDetails,
): Record<string, { from: unknown; to: unknown }> {
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const key of Object.keys(after) as (keyof TraineeDetails)[]) {
    if (canonical(before[key]) !== canonical(after[key])) changed[key] = { from: before[key], to: after[key] };
  }
  return changed;
}
