// The "Add a trainee" sections as forms: which fields each has, how they are shown (text, date,
// a choice from a list), how a posted form becomes the domain's TraineeInput, and how answers are
// shown back in a summary list. The same forms add a draft's answers and change a trainee's.
import { formatIsoDate } from '../../domain/dates.ts';
import { DomainError } from '../../domain/errors.ts';
import {
  AGE_RANGES,
  DEGREE_GRADES,
  DEGREE_TYPES,
  type ReferenceItem,
  ROUTE_LIST,
  referenceName,
  SEXES,
  STUDY_MODES,
  SUBJECTS,
} from '../../domain/trainees/reference-lists.ts';
import { SECTIONS, type SectionId, type TraineeInput } from '../../domain/trainees/trainee-details.ts';
import { field } from '../forms.ts';
import { dateInputFromIso, dateInputItems, dateInputValues, parseDateInput } from '../placements/date-input.ts';

type Kind = 'text' | 'email' | 'date' | 'select' | 'radios' | 'subjects' | 'number';

interface FieldSpec {
  name: keyof TraineeInput;
  label: string;
  kind: Kind;
  hint?: string;
  list?: ReferenceItem[];
  width?: string;
}

const FIELDS: Record<SectionId, FieldSpec[]> = {
  personal: [
    { name: 'firstNames', label: 'First names', kind: 'text' },
    { name: 'lastName', label: 'Last name', kind: 'text' },
    { name: 'previousLastName', label: 'Previous last name (optional)', kind: 'text' },
    { name: 'dateOfBirth', label: 'Date of birth', kind: 'date', hint: 'For example, 27 3 1998' },
    { name: 'sex', label: 'Sex', kind: 'radios', list: SEXES },
  ],
  contact: [
    {
      name: 'email',
      label: 'Email address',
      kind: 'email',
      hint: 'The trainee’s own address, which they will keep after their course',
    },
  ],
  identifiers: [
    {
      name: 'providerTraineeId',
      label: 'Provider trainee ID (optional)',
      kind: 'text',
      hint: 'Your own student number for the trainee',
      width: 'govuk-input--width-20',
    },
    {
      name: 'hesaId',
      label: 'HESA ID (optional)',
      kind: 'text',
      hint: '13 or 17 digits, like 2512345678901',
      width: 'govuk-input--width-20',
    },
  ],
  course: [
    { name: 'trainingRoute', label: 'Training route', kind: 'select', list: ROUTE_LIST },
    {
      name: 'courseSubjects',
      label: 'Course subjects',
      kind: 'subjects',
      list: SUBJECTS,
      hint: 'Up to 3. For a primary age range, the first subject is Primary; early years routes teach Early years teaching',
    },
    { name: 'ageRange', label: 'Age range', kind: 'select', list: AGE_RANGES },
    { name: 'studyMode', label: 'Study mode', kind: 'radios', list: STUDY_MODES },
    { name: 'ittStartDate', label: 'ITT start date', kind: 'date', hint: 'For example, 1 9 2025' },
    { name: 'ittEndDate', label: 'Expected end date', kind: 'date', hint: 'For example, 31 7 2026' },
    {
      name: 'courseYear',
      label: 'Course year (optional)',
      kind: 'number',
      hint: 'The year of the course the trainee is in: 0 for a foundation year, 1, 2 or 3',
      width: 'govuk-input--width-2',
    },
  ],
  schools: [
    {
      name: 'leadSchoolUrn',
      label: 'Lead school URN',
      kind: 'text',
      hint: '6 digits, like 100001',
      width: 'govuk-input--width-10',
    },
    {
      name: 'employingSchoolUrn',
      label: 'Employing school URN (salaried routes)',
      kind: 'text',
      hint: '6 digits, like 100001',
      width: 'govuk-input--width-10',
    },
  ],
  degree: [
    { name: 'degreeType', label: 'Where is the degree from?', kind: 'radios', list: DEGREE_TYPES },
    { name: 'degreeSubject', label: 'Degree subject', kind: 'text' },
    { name: 'degreeGrade', label: 'Grade', kind: 'select', list: DEGREE_GRADES },
    {
      name: 'degreeGraduationYear',
      label: 'Graduation year',
      kind: 'number',
      hint: 'For example, 2014',
      width: 'govuk-input--width-4',
    },
    { name: 'degreeInstitution', label: 'Awarding institution (UK degrees)', kind: 'text' },
    { name: 'degreeCountry', label: 'Country (non-UK degrees)', kind: 'text' },
  ],
};

export function isSectionId(value: string): value is SectionId {
  return SECTIONS.some((section) => section.id === value);
}

export function sectionTitle(section: SectionId): string {
  return SECTIONS.find((s) => s.id === section)?.title ?? section;
}

/** Where the error summary links for a field: the first box of a date, the first subject. */
export function firstFieldId(name: string): string {
  const spec = Object.values(FIELDS)
    .flat()
    .find((f) => f.name === name);
  if (spec?.kind === 'date') return `${name}-day`;
  if (spec?.kind === 'subjects') return 'courseSubject1';
  if (spec?.kind === 'radios') return name;
  return name === 'form' ? 'main-content' : name;
}

/** A posted section form as TraineeInput; dates that are not real dates are errors here. */
export function sectionInput(section: SectionId, body: unknown): { input: TraineeInput; errors: DomainError[] } {
  const input: Record<string, unknown> = {};
  const errors: DomainError[] = [];
  for (const spec of FIELDS[section]) {
    if (spec.kind === 'date') {
      const parsed = parseDateInput(dateInputValues(body, spec.name), spec.name, spec.label);
      if (parsed instanceof DomainError) errors.push(parsed);
      else input[spec.name] = parsed;
    } else if (spec.kind === 'subjects') {
      input.courseSubjects = [1, 2, 3].map((n) => field(body, `courseSubject${n}`).trim()).filter(Boolean);
    } else {
      input[spec.name] = field(body, spec.name).trim() || null;
    }
  }
  return { input: input as TraineeInput, errors };
}

const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

/** The govuk macros' arguments for each of a section's fields, filled with values and errors. */
export function sectionFields(
  section: SectionId,
  values: TraineeInput,
  errors: Record<string, { text: string }>,
  posted?: unknown,
) {
  return FIELDS[section].map((spec) => {
    const error = errors[spec.name];
    const base = { name: spec.name, label: spec.label, hint: spec.hint, kind: spec.kind, error, width: spec.width };
    const value = values[spec.name];
    if (spec.kind === 'date') {
      const boxes = posted ? dateInputValues(posted, spec.name) : dateInputFromIso(text(value) || null);
      return { ...base, items: dateInputItems(boxes, Boolean(error)) };
    }
    if (spec.kind === 'subjects') {
      const subjects = (values.courseSubjects ?? []).map(text);
      return {
        ...base,
        selects: [1, 2, 3].map((n) => ({
          id: `courseSubject${n}`,
          label: n === 1 ? 'First subject' : `Subject ${n} (optional)`,
          items: [
            { value: '', text: n === 1 ? 'Choose a subject' : 'None' },
            ...(spec.list ?? []).map((item) => ({
              value: item.name,
              text: item.name,
              selected: subjects[n - 1] === item.name || subjects[n - 1] === item.code,
            })),
          ],
        })),
      };
    }
    if (spec.kind === 'select' || spec.kind === 'radios') {
      return {
        ...base,
        items: [
          ...(spec.kind === 'select' ? [{ value: '', text: 'Choose one' }] : []),
          ...(spec.list ?? []).map((item) => ({
            value: item.code,
            text: item.name,
            selected: text(value) === item.code,
            checked: text(value) === item.code,
          })),
        ],
      };
    }
    return { ...base, value: text(value) };
  });
}

/** A section's answers as summary list rows, with a Change link when `changeHref` is given. */
export function sectionRows(section: SectionId, values: TraineeInput, changeHref?: string) {
  return FIELDS[section].map((spec) => {
    const value = values[spec.name];
    let shown: string;
    if (spec.kind === 'date') shown = formatIsoDate(text(value) || null);
    else if (spec.kind === 'subjects') shown = (values.courseSubjects ?? []).filter(Boolean).join(', ');
    else if (spec.list) shown = referenceName(spec.list, text(value) || null);
    else shown = text(value);
    const label = spec.label.replace(/ \(.*\)$/, '');
    return {
      key: { text: label },
      value: { text: shown || 'Not entered' },
      ...(changeHref
        ? {
            actions: {
              items: [
                {
                  href: `${changeHref}#${firstFieldId(spec.name)}`,
                  text: 'Change',
                  visuallyHiddenText: label.toLowerCase(),
                },
              ],
            },
          }
        : {}),
    };
  });
}
