// The audit log in words: one table of what each recorded action says, so that an event reads as a
// sentence a person understands ("Sam Reid (support, acting for Rollbook Demo University) added 2
// placements for Amelia Brown from upload placements.csv"), naming records rather than showing ids
// or field names. Pure: the records' names come in with the event (src/domain/audit/log.ts finds
// them), and pages turn each named record into a link the reader may follow.
import type { OrganisationType } from '../../db/schema.ts';
import { academicYearName, formatIsoDate } from '../dates.ts';
import { placementTitle, subjectName, yearGroupName } from '../placements/subjects.ts';
import type { Changes } from './events.ts';

/** A record a sentence names, which a page may link to if its reader can open it. */
export interface RecordRef {
  type: RecordType;
  id: string;
  /** The organisation the record belongs to. */
  organisationId: string | null;
}

export type RecordType =
  /** The person who acted (not a record: pages link it to what they did). */
  | 'actor'
  | 'trainee'
  | 'upload'
  | 'user'
  | 'organisation'
  | 'api-token'
  | 'offered-placement'
  | 'placement-contact'
  | 'sign-off'
  | 'learner';

/** A piece of a sentence: text, or a record's name. */
export type Part = string | { text: string; record: RecordRef };

export interface Sentence {
  parts: Part[];
  /** The sentence as plain text. */
  text: string;
}

/** An event as stored, with the names of the people and organisations in it. */
export interface EventToDescribe {
  occurredAt: Date;
  subjectType: string;
  subjectId: string;
  action: string;
  changes: Changes;
  via: string;
  /** The organisation whose record it is. */
  organisationId: string | null;
  actorUserId: string | null;
  actorOrganisationId: string | null;
}

export interface Person {
  name: string;
  email: string;
}

/** The names an event's records have now (a record removed since is named from the event itself). */
export interface Names {
  users: Map<string, Person>;
  organisations: Map<string, { name: string; type: OrganisationType }>;
  /** Trainees by id, with the award their route leads to. */
  trainees: Map<string, { name: string; award: string }>;
  uploads: Map<string, { fileName: string; kind: string }>;
  offeredPlacements: Map<string, { title: string; academicYear: number }>;
  apiTokens: Map<string, string>;
  /** Schools of the register by URN. */
  schools: Map<string, string>;
  /** A school's learners by id: their names. */
  learners: Map<string, string>;
  /** An upload kind's title, by its id ("Add placements for your trainees"). */
  kindTitle: (kind: string) => string | undefined;
}

export function emptyNames(): Names {
  return {
    users: new Map(),
    organisations: new Map(),
    trainees: new Map(),
    uploads: new Map(),
    offeredPlacements: new Map(),
    apiTokens: new Map(),
    schools: new Map(),
    learners: new Map(),
    kindTitle: () => undefined,
  };
}

// --- Small helpers ----------------------------------------------------------------------------

const value = (changes: Changes, key: string, side: 'from' | 'to'): unknown => changes[key]?.[side];
const text = (v: unknown): string => (v === null || v === undefined ? '' : String(v));
const count = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;
const TERM_NAMES: Record<string, string> = { autumn: 'autumn', spring: 'spring', summer: 'summer' };

/** "the autumn and spring terms", or "any time in the academic year". */
function termsPhrase(terms: unknown): string {
  const list = Array.isArray(terms) ? terms.map((t) => TERM_NAMES[String(t)] ?? String(t)) : [];
  if (!list.length) return 'any time in the academic year';
  const joined = list.length === 1 ? list[0] : `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
  return `the ${joined} ${list.length === 1 ? 'term' : 'terms'}`;
}

/** Where a trainee's placement is, from an event's details: "Thornbury School (URN 100002)". */
function placementSchool(urn: unknown, name: unknown, postcode: unknown, names: Names): string {
  if (urn) {
    const school = names.schools.get(String(urn));
    return school ? `${school} (URN ${urn})` : `the school with URN ${urn}`;
  }
  return [text(name), text(postcode)].filter(Boolean).join(', ') || 'a school';
}

/** A trainee's placement dates as words, or nothing. */
function placementDates(start: unknown, end: unknown): string {
  if (start && end) return `, from ${formatIsoDate(String(start))} to ${formatIsoDate(String(end))}`;
  if (start) return `, starting ${formatIsoDate(String(start))}`;
  if (end) return `, ending ${formatIsoDate(String(end))}`;
  return '';
}

/** "the start date from 1 September 2026 to 8 September 2026", and the like, for a changed date. */
function dateChange(changes: Changes, key: string, what: string): string | undefined {
  if (!(key in changes)) return undefined;
  const from = value(changes, key, 'from');
  const to = value(changes, key, 'to');
  if (from && to) return `the ${what} from ${formatIsoDate(String(from))} to ${formatIsoDate(String(to))}`;
  if (to) return `the ${what} to ${formatIsoDate(String(to))}`;
  return `removed the ${what} (${formatIsoDate(String(from))})`;
}

/** "a, b and c" */
function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

const ROLE_NAMES: Record<string, string> = { admin: 'an admin', member: 'a member' };
const ORGANISATION_TYPES: Record<string, string> = {
  provider: 'a teacher training provider',
  school: 'a school',
  appropriate_body: 'an appropriate body',
  support: 'a support organisation',
};
/** A trainee's details in words, as "changed …'s last name and email address" names them. */
const TRAINEE_FIELD_NAMES: Record<string, string> = {
  firstNames: 'first names',
  lastName: 'last name',
  previousLastName: 'previous last name',
  dateOfBirth: 'date of birth',
  sex: 'sex',
  email: 'email address',
  providerTraineeId: 'provider trainee ID',
  hesaId: 'HESA ID',
  trainingRoute: 'training route',
  courseSubjects: 'course subjects',
  ageRange: 'age range',
  studyMode: 'study mode',
  ittStartDate: 'ITT start date',
  ittEndDate: 'expected end date',
  courseYear: 'course year',
  leadSchoolUrn: 'lead school',
  employingSchoolUrn: 'employing school',
  degree: 'degree',
};
const PLACEMENT_CONTACT_FIELDS: [string, string][] = [
  ['first_name', 'first name'],
  ['last_name', 'last name'],
  ['email', 'email address'],
];

// --- The parts of a sentence ------------------------------------------------------------------

interface Context {
  event: EventToDescribe;
  names: Names;
  changes: Changes;
  /** The record the event is about, named and linkable. */
  subject: (type: RecordType, fallback: string) => Part;
  /** Another record, by type and id. */
  ref: (type: RecordType, id: string, name: string, organisationId?: string | null) => Part;
}

const trainee = (c: Context) => c.subject('trainee', 'a trainee who has since been removed');
const award = (c: Context) => c.names.trainees.get(c.event.subjectId)?.award ?? 'QTS or EYTS';
const upload = (c: Context) =>
  c.subject('upload', text(value(c.changes, 'file_name', 'to')) || 'of a file no longer kept');
const user = (c: Context) =>
  c.subject('user', text(value(c.changes, 'email', 'to') ?? value(c.changes, 'email', 'from')) || 'a user');
const organisation = (c: Context) => c.subject('organisation', 'an organisation');
const token = (c: Context) =>
  c.subject('api-token', `“${text(value(c.changes, 'name', 'to') ?? value(c.changes, 'name', 'from'))}”`);
const learner = (c: Context) => c.subject('learner', 'a learner no longer recorded');
const LEARNER_DETAILS: [string, string][] = [
  ['first_name', 'first name'],
  ['surname', 'surname'],
  ['admission_number', 'admission number'],
  ['date_of_birth', 'date of birth'],
  ['year_group', 'year group'],
  ['email', 'email address'],
];
/** A learner's details changed by an upload, in words. */
function learnerDetailChanges(changes: Changes): string {
  const said = LEARNER_DETAILS.filter(([key]) => key in changes).map(([key, what]) => {
    const show = (v: unknown) => (key === 'date_of_birth' && v ? formatIsoDate(String(v)) : text(v));
    return `the ${what} from ${show(value(changes, key, 'from'))} to ${show(value(changes, key, 'to'))}`;
  });
  return said.length ? `, changing ${listed(said)}` : '';
}
const signOffYear = (c: Context) => academicYearName(Number(c.event.subjectId));

// Early-career teachers are named from the event itself.
const ect = (c: Context) => text(value(c.changes, 'teacher', 'to')) || 'a teacher';
const PROGRAMMES: Record<string, string> = { provider_led: 'provider-led', school_led: 'school-led' };
const programmeName = (v: unknown) => PROGRAMMES[text(v)] ?? text(v);
const programme = (v: unknown) => (v ? `, ${programmeName(v)} training` : '');
function closing(c: Context): string {
  const end = value(c.changes, 'finished_on', 'to');
  const terms = value(c.changes, 'number_of_terms', 'to');
  const parts = [
    end ? ` on ${formatIsoDate(String(end))}` : '',
    terms !== undefined ? ` after ${count(Number(terms), 'term', 'terms')}` : '',
  ];
  return parts.join('');
}
const reason = (c: Context) => {
  const given = text(value(c.changes, 'reason', 'to'));
  return given ? `, because: ${given}` : '';
};

/** An offered placement, named as it is now (or as it was, once deleted). */
function offered(c: Context): Part {
  const now = c.names.offeredPlacements.get(c.event.subjectId);
  if (now) return c.subject('offered-placement', now.title);
  const from = (key: string) => value(c.changes, key, 'from') ?? value(c.changes, key, 'to');
  const phase = from('phase');
  const title =
    phase === 'primary' || phase === 'secondary'
      ? placementTitle({ phase, subject: text(from('subject')) || null, year_group: text(from('year_group')) || null })
      : 'a placement';
  return { text: title, record: { type: 'offered-placement', id: '', organisationId: null } };
}

function offeredDetails(changes: Changes, side: 'from' | 'to'): string[] {
  const details: string[] = [];
  const year = value(changes, 'academic_year', side);
  if (year !== undefined && year !== null) details.push(academicYearName(Number(year)));
  if ('terms' in changes) details.push(termsPhrase(value(changes, 'terms', side)));
  return details;
}

/** What changed on an offered placement, in words. */
function offeredChanges(changes: Changes): string {
  const said: string[] = [];
  if ('phase' in changes) {
    said.push(`the phase from ${text(value(changes, 'phase', 'from'))} to ${text(value(changes, 'phase', 'to'))}`);
  }
  if ('subject' in changes && value(changes, 'subject', 'to')) {
    const from = subjectName(text(value(changes, 'subject', 'from')) || null);
    const to = subjectName(text(value(changes, 'subject', 'to')) || null);
    said.push(from ? `the subject from ${from} to ${to}` : `the subject to ${to}`);
  }
  if ('year_group' in changes && value(changes, 'year_group', 'to')) {
    const from = yearGroupName(text(value(changes, 'year_group', 'from')) || null);
    const to = yearGroupName(text(value(changes, 'year_group', 'to')) || null);
    said.push(from ? `the year group from ${from} to ${to}` : `the year group to ${to}`);
  }
  if ('academic_year' in changes) {
    said.push(
      `the academic year from ${academicYearName(Number(value(changes, 'academic_year', 'from')))} to ${academicYearName(Number(value(changes, 'academic_year', 'to')))}`,
    );
  }
  if ('terms' in changes) {
    said.push(
      `when from ${termsPhrase(value(changes, 'terms', 'from'))} to ${termsPhrase(value(changes, 'terms', 'to'))}`,
    );
  }
  return said.length ? `: ${listed(said)}` : '';
}

/** What changed on a trainee's placement, in words. */
function placementChanges(c: Context): string {
  const { changes, names } = c;
  const said: string[] = [];
  if ('school_urn' in changes || 'school_name' in changes) {
    const from = placementSchool(
      value(changes, 'school_urn', 'from'),
      value(changes, 'school_name', 'from'),
      value(changes, 'school_postcode', 'from'),
      names,
    );
    const to = placementSchool(
      value(changes, 'school_urn', 'to'),
      value(changes, 'school_name', 'to'),
      value(changes, 'school_postcode', 'to'),
      names,
    );
    said.push(`the school from ${from} to ${to}`);
  } else if ('school_postcode' in changes) {
    said.push(
      `the school’s postcode from ${text(value(changes, 'school_postcode', 'from'))} to ${text(value(changes, 'school_postcode', 'to'))}`,
    );
  }
  for (const change of [dateChange(changes, 'start_date', 'start date'), dateChange(changes, 'end_date', 'end date')]) {
    if (change) said.push(change);
  }
  return said.length ? `: ${listed(said)}` : '';
}

/** How many placements a bulk event names ("a; b; c" in one change). */
function placementCount(changes: Changes, side: 'from' | 'to'): number {
  const listedPlacements = text(value(changes, 'placements', side));
  return listedPlacements ? listedPlacements.split('; ').length : 0;
}

// --- The wording of every action --------------------------------------------------------------

export interface Wording {
  /** For the "what" filter: the action's name, and its slug in the address. */
  label: string;
  slug: string;
  subjectType: string;
  action: string;
  /** What the actor did, after their name. */
  says: (c: Context) => Part[];
  /** Who did it, when not a person of the event (a user setting their own password). */
  actor?: (c: Context) => Part[];
}

const w = (
  subjectType: string,
  action: string,
  slug: string,
  label: string,
  says: Wording['says'],
  extra: Partial<Wording> = {},
): Wording => ({ subjectType, action, slug, label, says, ...extra });

/** Everything the code records today, each with its words. A new action needs a line here. */
export const WORDINGS: readonly Wording[] = [
  // Organisations and support acting for them.
  w('organisation', 'created', 'organisation-added', 'Organisation added', (c) => [
    'added ',
    organisation(c),
    ` to Rollbook as ${ORGANISATION_TYPES[text(value(c.changes, 'type', 'to'))] ?? 'an organisation'}`,
  ]),
  w('organisation', 'support began acting for', 'support-began-acting', 'Support began acting for', (c) => [
    'began acting for ',
    organisation(c),
  ]),
  w('organisation', 'support stopped acting for', 'support-stopped-acting', 'Support stopped acting for', (c) => [
    'stopped acting for ',
    organisation(c),
  ]),
  // Users and their accounts.
  w('user', 'created', 'account-created', 'Account created', (c) => ['created an account for ', user(c)]),
  w('membership', 'added', 'user-added', 'User added', (c) => [
    'added ',
    user(c),
    ' to ',
    ...orgOfEvent(c),
    ` as ${ROLE_NAMES[text(value(c.changes, 'role', 'to'))] ?? 'a user'}`,
  ]),
  w('membership', 'removed', 'user-removed', 'User removed', (c) => ['removed ', user(c), ' from ', ...orgOfEvent(c)]),
  w(
    'user',
    'password set',
    'password-set',
    'Password set',
    () => ['set their password with the set-up link they were sent'],
    { actor: (c) => [user(c)] },
  ),
  w('user', 'password reset', 'password-reset', 'Password reset', () => ['reset their password with a reset link'], {
    actor: (c) => [user(c)],
  }),
  w(
    'user',
    'reset link sent',
    'reset-link-sent',
    'Password reset link sent',
    () => ['asked for a link to reset their password'],
    { actor: (c) => [user(c)] },
  ),
  w('user', 'invitation resent', 'invitation-resent', 'Set-up link sent again', (c) => [
    'sent ',
    user(c),
    ' a new link to set their password',
  ]),
  // API tokens.
  w('api_token', 'created', 'api-token-created', 'API token created', (c) => ['created the API token ', token(c)]),
  w('api_token', 'revoked', 'api-token-revoked', 'API token revoked', (c) => ['revoked the API token ', token(c)]),
  // Uploads.
  w('upload', 'received', 'upload-received', 'File uploaded', (c) => {
    const kind = c.names.kindTitle(text(value(c.changes, 'kind', 'to')));
    const rows = Number(value(c.changes, 'rows', 'to') ?? 0);
    return [
      'uploaded ',
      upload(c),
      ` (${[kind && `“${kind}”`, count(rows, 'row', 'rows')].filter(Boolean).join(', ')})`,
    ];
  }),
  w('upload', 'submitted', 'upload-submitted', 'Upload submitted', (c) => {
    const changes = Number(value(c.changes, 'changes', 'to') ?? 0);
    const skipped = value(c.changes, 'skipped_errors', 'to') === true;
    return [
      'submitted the upload ',
      upload(c),
      `, making ${count(changes, 'change', 'changes')}${skipped ? ' and leaving out the rows with errors' : ''}`,
    ];
  }),
  w('upload', 'cancelled', 'upload-cancelled', 'Upload cancelled', (c) => ['cancelled the upload ', upload(c)]),
  w('upload', 'undone', 'upload-undone', 'Upload undone', (c) => [
    'undid the upload ',
    upload(c),
    ', reversing every change it made',
  ]),
  // Trainees: placements, recommendations and awards.
  w('trainee', 'placement added', 'placement-added', 'Placement added', (c) => [
    'added a placement at ',
    placementSchool(
      value(c.changes, 'school_urn', 'to'),
      value(c.changes, 'school_name', 'to'),
      value(c.changes, 'school_postcode', 'to'),
      c.names,
    ),
    ' for ',
    trainee(c),
    placementDates(value(c.changes, 'start_date', 'to'), value(c.changes, 'end_date', 'to')),
  ]),
  w('trainee', 'placement changed', 'placement-changed', 'Placement changed', (c) => [
    'changed a placement of ',
    trainee(c),
    placementChanges(c),
  ]),
  w('trainee', 'placement removed', 'placement-removed', 'Placement removed', (c) => [
    'removed the placement at ',
    placementSchool(
      value(c.changes, 'school_urn', 'from'),
      value(c.changes, 'school_name', 'from'),
      value(c.changes, 'school_postcode', 'from'),
      c.names,
    ),
    ' from ',
    trainee(c),
  ]),
  w('trainee', 'placements added', 'placements-added', 'Placements added in bulk', (c) => [
    `added ${count(placementCount(c.changes, 'to'), 'placement', 'placements')} for `,
    trainee(c),
  ]),
  w('trainee', 'placements removed', 'placements-removed', 'Placements removed in bulk', (c) => [
    `removed ${count(placementCount(c.changes, 'from'), 'placement', 'placements')} from `,
    trainee(c),
  ]),
  w('trainee', 'recommended for award', 'recommended', 'Recommended for QTS or EYTS', (c) => {
    const met = value(c.changes, 'standards_met_date', 'to');
    return [
      'recommended ',
      trainee(c),
      ` for ${award(c)}`,
      met ? `, having met the standards on ${formatIsoDate(String(met))}` : '',
    ];
  }),
  w('trainee', 'awarded', 'awarded', 'QTS or EYTS awarded', (c) => {
    const date = value(c.changes, 'awarded_date', 'to');
    return ['awarded ', trainee(c), ` ${award(c)}`, date ? ` on ${formatIsoDate(String(date))}` : ''];
  }),
  w('trainee', 'award refused', 'award-refused', 'Award refused', (c) => {
    const reason = text(value(c.changes, 'reason', 'to'));
    return ['refused to award ', trainee(c), ` ${award(c)}`, reason ? `: ${reason}` : ''];
  }),
  w('trainee', 'registered', 'registered', 'Trainee registered', (c) => [
    'registered ',
    trainee(c),
    ' and asked for their TRN',
  ]),
  w('trainee', 'details changed', 'details-changed', 'Trainee details changed', (c) => {
    const fields = Object.keys(c.changes).map((key) => TRAINEE_FIELD_NAMES[key] ?? key);
    return ['changed ', trainee(c), `’s ${listed(fields)}`];
  }),
  w('trainee', 'deferred', 'deferred', 'Trainee deferred', (c) => {
    const date = value(c.changes, 'deferral_date', 'to');
    return ['deferred ', trainee(c), date ? ` from ${formatIsoDate(String(date))}` : ''];
  }),
  w('trainee', 'reinstated', 'reinstated', 'Trainee reinstated', (c) => {
    const date = value(c.changes, 'reinstatement_date', 'to');
    return ['reinstated ', trainee(c), date ? ` from ${formatIsoDate(String(date))}` : ''];
  }),
  w('trainee', 'withdrawn', 'withdrawn', 'Trainee withdrawn', (c) => {
    const date = value(c.changes, 'withdrawal_date', 'to');
    const reason = text(value(c.changes, 'withdrawal_reason', 'to'));
    return ['withdrew ', trainee(c), date ? ` on ${formatIsoDate(String(date))}` : '', reason ? ` (${reason})` : ''];
  }),
  w('trainee', 'trn received', 'trn-received', 'TRN received', (c) => [
    'gave ',
    trainee(c),
    ` the TRN ${text(value(c.changes, 'trn', 'to'))}`,
  ]),
  w('trainee', 'trn refused', 'trn-refused', 'TRN refused', (c) => {
    const reason = text(value(c.changes, 'reason', 'to'));
    return ['refused a TRN for ', trainee(c), reason ? `: ${reason}` : ''];
  }),
  w('trainee', 'removed', 'trainee-removed', 'Trainee removed', (c) => ['removed ', trainee(c)]),
  // Schools: placement contacts and offered placements.
  w('school', 'placement contact added', 'placement-contact-added', 'Placement contact added', (c) => {
    const name = [value(c.changes, 'first_name', 'to'), value(c.changes, 'last_name', 'to')].filter(Boolean).join(' ');
    const email = text(value(c.changes, 'email', 'to'));
    return ['added ', c.subject('placement-contact', 'the placement contact'), `: ${name ? `${name}, ` : ''}${email}`];
  }),
  w('school', 'placement contact changed', 'placement-contact-changed', 'Placement contact changed', (c) => {
    const said = PLACEMENT_CONTACT_FIELDS.filter(([key]) => key in c.changes).map(([key, what]) => {
      const from = text(value(c.changes, key, 'from'));
      const to = text(value(c.changes, key, 'to'));
      if (!from) return `the ${what} to ${to}`;
      if (!to) return `removed the ${what} (${from})`;
      return `the ${what} from ${from} to ${to}`;
    });
    return [
      'changed ',
      c.subject('placement-contact', 'the placement contact'),
      said.length ? `: ${listed(said)}` : '',
    ];
  }),
  w('offered placement', 'added', 'offered-placement-added', 'Placement offered', (c) => [
    'offered a placement: ',
    offered(c),
    ...offeredDetails(c.changes, 'to').map((d) => `, ${d}`),
  ]),
  w('offered placement', 'changed', 'offered-placement-changed', 'Offered placement changed', (c) => [
    'changed the placement ',
    offered(c),
    offeredChanges(c.changes),
  ]),
  w('offered placement', 'deleted', 'offered-placement-deleted', 'Offered placement deleted', (c) => [
    'deleted the placement ',
    offered(c),
    ...offeredDetails(c.changes, 'from').map((d) => `, ${d}`),
  ]),
  w('offered placement', 'provider assigned', 'provider-assigned', 'Provider assigned', (c) => [
    'assigned the placement ',
    offered(c),
    ` to ${text(value(c.changes, 'provider', 'to'))}`,
  ]),
  w('offered placement', 'provider changed', 'provider-changed', 'Provider changed', (c) => [
    'moved the placement ',
    offered(c),
    ` from ${text(value(c.changes, 'provider', 'from'))} to ${text(value(c.changes, 'provider', 'to'))}`,
  ]),
  w('offered placement', 'provider removed', 'provider-removed', 'Provider removed', (c) => [
    'took the placement ',
    offered(c),
    ` away from ${text(value(c.changes, 'provider', 'from'))}`,
  ]),
  // School data: learners and the data sets schools upload.
  w('learner', 'learner added', 'learner-added', 'Learner added', (c) => [
    'added the learner ',
    learner(c),
    ` (UPN ${text(value(c.changes, 'upn', 'to'))}, ${text(value(c.changes, 'year_group', 'to'))}) with their school data`,
  ]),
  w('learner', 'school data submitted', 'school-data-submitted', 'School data replaced', (c) => {
    const fields = Number(value(c.changes, 'fields', 'to') ?? 0);
    return [
      'replaced the school data of ',
      learner(c),
      ` with ${count(fields, 'field', 'fields')}`,
      learnerDetailChanges(c.changes),
    ];
  }),
  w('learner', 'school data restored', 'school-data-restored', 'School data restored', (c) => [
    'gave ',
    learner(c),
    ' back the school data and details an undone upload had replaced',
  ]),
  w('learner', 'learner removed', 'learner-removed', 'Learner removed', (c) => [
    'removed ',
    learner(c),
    ', whom an undone upload had added',
  ]),
  w('learner', 'school data viewed', 'school-data-viewed', 'Learner’s data viewed', (c) => [
    'viewed the school data of ',
    learner(c),
  ]),
  w('learner', 'sign-in letter printed', 'sign-in-letter-printed', 'Sign-in letter printed', (c) => {
    const until = value(c.changes, 'expires_at', 'to');
    return [
      'printed a sign-in letter for ',
      learner(c),
      until ? `, with a code that works until ${formatEventTime(new Date(String(until)))}` : '',
    ];
  }),
  w(
    'learner',
    'learner password set',
    'learner-password-set',
    'Learner’s password set',
    (c) => [
      c.event.via === 'learner invitation link'
        ? 'set their password with the link in their invitation email'
        : 'set their password with the code on their sign-in letter',
    ],
    { actor: (c) => [learner(c)] },
  ),
  w('learner', 'learner invited by email', 'learner-invited-by-email', 'Learner invited by email', (c) => {
    const until = value(c.changes, 'expires_at', 'to');
    return [
      'invited ',
      learner(c),
      ` by email, at ${text(value(c.changes, 'email', 'to'))}`,
      until ? `, with a link that works until ${formatEventTime(new Date(String(until)))}` : '',
    ];
  }),
  w(
    'membership',
    'learner data access granted',
    'learner-data-access-granted',
    'Learner data permission given',
    (c) => ['allowed ', user(c), ' to see learners’ school data'],
  ),
  w(
    'membership',
    'learner data access removed',
    'learner-data-access-removed',
    'Learner data permission removed',
    (c) => ['stopped ', user(c), ' seeing learners’ school data'],
  ),
  w('school data set', 'school data published', 'school-data-published', 'School data submitted', (c) => {
    const learners = Number(value(c.changes, 'learners', 'to') ?? 0);
    const at = value(c.changes, 'publish_at', 'to');
    const when =
      at && new Date(String(at)) > c.event.occurredAt
        ? ` to be published on ${formatEventTime(new Date(String(at)))}`
        : ', published at once';
    return [`submitted school data for ${count(learners, 'learner', 'learners')}${when}`];
  }),
  w('school data set', 'school data undone', 'school-data-undone', 'School data undone', () => [
    'undid a school data upload, giving its learners back what it had replaced',
  ]),
  w(
    'school data set',
    'replaced school data deleted',
    'replaced-school-data-deleted',
    'Replaced school data deleted',
    (c) => {
      const learners = Number(value(c.changes, 'learners', 'to') ?? 0);
      return [
        `deleted the replaced school data of ${count(learners, 'learner', 'learners')}, once the upload that replaced it could no longer be undone`,
      ];
    },
  ),
  // Induction: early-career teachers, named from the event (a teacher's page is the body's own).
  w('teacher', 'induction claimed', 'induction-claimed', 'Induction claimed', (c) => [
    `claimed ${ect(c)}’s induction for ${text(value(c.changes, 'appropriate_body', 'to'))}, starting ${formatIsoDate(text(value(c.changes, 'started_on', 'to')))}${programme(value(c.changes, 'training_programme', 'to'))}`,
  ]),
  w('teacher', 'induction released', 'induction-released', 'ECT released', (c) => [
    `released ${ect(c)} from ${text(value(c.changes, 'appropriate_body', 'to'))}${closing(c)}`,
  ]),
  w('teacher', 'induction passed', 'induction-passed', 'Induction passed', (c) => [
    `recorded that ${ect(c)} passed their induction${closing(c)}`,
  ]),
  w('teacher', 'induction failed', 'induction-failed', 'Induction failed', (c) => {
    const sent = value(c.changes, 'fail_confirmation_sent_on', 'to');
    return [
      `recorded that ${ect(c)} failed their induction${closing(c)}`,
      sent ? `, having sent them written confirmation on ${formatIsoDate(String(sent))}` : '',
    ];
  }),
  w('teacher', 'induction extended', 'induction-extended', 'Induction extended', (c) => [
    `extended ${ect(c)}’s induction by ${count(Number(value(c.changes, 'number_of_terms', 'to') ?? 0), 'term', 'terms')}`,
  ]),
  w('teacher', 'induction extension changed', 'induction-extension-changed', 'Induction extension changed', (c) => [
    `changed an extension of ${ect(c)}’s induction from ${count(Number(value(c.changes, 'number_of_terms', 'from') ?? 0), 'term', 'terms')} to ${count(Number(value(c.changes, 'number_of_terms', 'to') ?? 0), 'term', 'terms')}`,
  ]),
  w('teacher', 'induction period changed', 'induction-period-changed', 'Induction period changed', (c) => {
    const said = [dateChange(c.changes, 'started_on', 'start date')].filter((x): x is string => Boolean(x));
    if ('training_programme' in c.changes) {
      said.push(
        `the training programme from ${programmeName(value(c.changes, 'training_programme', 'from'))} to ${programmeName(value(c.changes, 'training_programme', 'to'))}`,
      );
    }
    return [`changed ${ect(c)}’s current induction period${said.length ? `: ${listed(said)}` : ''}`];
  }),
  w('teacher', 'induction reopened', 'induction-reopened', 'Induction reopened', (c) => [
    `reopened ${ect(c)}’s induction, removing its ${value(c.changes, 'outcome', 'from') === 'fail' ? 'fail' : 'pass'} outcome${reason(c)}`,
  ]),
  w('teacher', 'induction period deleted', 'induction-period-deleted', 'Induction period deleted', (c) => [
    `deleted ${ect(c)}’s induction period with ${text(value(c.changes, 'appropriate_body', 'from'))} from ${formatIsoDate(text(value(c.changes, 'started_on', 'from')))}${reason(c)}`,
  ]),
  w('teacher', 'induction period added', 'induction-period-added', 'Induction period added', (c) => {
    const end = value(c.changes, 'finished_on', 'to');
    const terms = value(c.changes, 'number_of_terms', 'to');
    return [
      `added an induction period to ${ect(c)}’s record with ${text(value(c.changes, 'appropriate_body', 'to'))}, from ${formatIsoDate(text(value(c.changes, 'started_on', 'to')))}`,
      end ? ` to ${formatIsoDate(String(end))}` : ', ongoing',
      terms !== undefined && terms !== null ? ` (${count(Number(terms), 'term', 'terms')})` : '',
      programme(value(c.changes, 'training_programme', 'to')),
      reason(c),
    ];
  }),
  w('teacher', 'induction period corrected', 'induction-period-corrected', 'Induction period corrected', (c) => {
    const said = [
      'started_on' in c.changes ? dateChange(c.changes, 'started_on', 'start date') : undefined,
      'finished_on' in c.changes
        ? value(c.changes, 'finished_on', 'to')
          ? dateChange(c.changes, 'finished_on', 'end date')
          : `the end date from ${formatIsoDate(text(value(c.changes, 'finished_on', 'from')))} to none (ongoing)`
        : undefined,
    ].filter((x): x is string => Boolean(x));
    if (value(c.changes, 'appropriate_body', 'from') !== undefined) {
      said.push(
        `the appropriate body from ${text(value(c.changes, 'appropriate_body', 'from'))} to ${text(value(c.changes, 'appropriate_body', 'to'))}`,
      );
    }
    if ('number_of_terms' in c.changes) {
      const from = value(c.changes, 'number_of_terms', 'from');
      const to = value(c.changes, 'number_of_terms', 'to');
      const terms = (v: unknown) => (v === null || v === undefined ? 'none' : count(Number(v), 'term', 'terms'));
      said.push(`the terms from ${terms(from)} to ${terms(to)}`);
    }
    if ('training_programme' in c.changes) {
      said.push(
        `the training programme from ${programmeName(value(c.changes, 'training_programme', 'from'))} to ${programmeName(value(c.changes, 'training_programme', 'to'))}`,
      );
    }
    return [
      `corrected ${ect(c)}’s induction period with ${text(value(c.changes, 'appropriate_body', 'to'))}${said.length ? `: ${listed(said)}` : ''}${reason(c)}`,
    ];
  }),
  w('teacher', 'induction claim undone', 'induction-claim-undone', 'Induction claim undone', (c) => [
    `undid the claim of ${ect(c)}’s induction by ${text(value(c.changes, 'appropriate_body', 'from'))}`,
  ]),
  w('teacher', 'induction outcome undone', 'induction-outcome-undone', 'Induction outcome undone', (c) => [
    `undid the ${value(c.changes, 'outcome', 'from') === 'pass' ? 'pass' : 'release'} of ${ect(c)}, reopening their induction period`,
  ]),
  w('teacher', 'ect registered', 'ect-registered', 'ECT registered by a school', (c) => [
    `registered ${ect(c)} as an early-career teacher with ${text(value(c.changes, 'appropriate_body', 'to'))}, starting ${formatIsoDate(text(value(c.changes, 'started_on', 'to')))}${programme(value(c.changes, 'training_programme', 'to'))}`,
  ]),
  w('teacher', 'ect leaving', 'ect-leaving', 'ECT leaving a school', (c) => [
    `said ${ect(c)} is leaving the school on ${formatIsoDate(text(value(c.changes, 'leaving_on', 'to')))}`,
  ]),
  // Performance-profile sign-off.
  w('performance_sign_off', 'signed_off', 'signed-off', 'Data signed off', (c) => [
    'signed off ',
    c.subject('sign-off', `the ${signOffYear(c)} data`),
    ` for the performance profiles, declaring it accurate as ${text(value(c.changes, 'declarant_name', 'to'))} (${text(value(c.changes, 'declarant_role', 'to'))})`,
  ]),
  w('performance_sign_off', 'reminder_sent', 'sign-off-reminder-sent', 'Sign-off reminder sent', (c) => {
    const emails = Number(value(c.changes, 'emails', 'to') ?? 0);
    const deadline = value(c.changes, 'deadline', 'to');
    return [
      `sent ${count(emails, 'reminder', 'reminders')} to sign off `,
      c.subject('sign-off', `the ${signOffYear(c)} data`),
      deadline ? ` by ${formatIsoDate(String(deadline))}` : '',
    ];
  }),
];

const BY_KEY = new Map(WORDINGS.map((wording) => [`${wording.subjectType}/${wording.action}`, wording]));
const BY_SLUG = new Map(WORDINGS.map((wording) => [wording.slug, wording]));

export function wordingFor(subjectType: string, action: string): Wording | undefined {
  return BY_KEY.get(`${subjectType}/${action}`);
}

export function wordingBySlug(slug: string): Wording | undefined {
  return BY_SLUG.get(slug);
}

/** The kinds of record, for the "record" filter: the subjects each stands for. */
export const RECORD_TYPES: readonly { type: RecordType; label: string; subjectTypes: string[] }[] = [
  { type: 'trainee', label: 'Trainees', subjectTypes: ['trainee'] },
  { type: 'upload', label: 'Uploads', subjectTypes: ['upload'] },
  { type: 'user', label: 'Users', subjectTypes: ['user', 'membership'] },
  { type: 'organisation', label: 'Organisations', subjectTypes: ['organisation'] },
  { type: 'api-token', label: 'API tokens', subjectTypes: ['api_token'] },
  { type: 'offered-placement', label: 'Offered placements', subjectTypes: ['offered placement'] },
  { type: 'placement-contact', label: 'Placement contacts', subjectTypes: ['school'] },
  { type: 'sign-off', label: 'Performance profile sign-off', subjectTypes: ['performance_sign_off'] },
  { type: 'learner', label: 'Learners', subjectTypes: ['learner'] },
];

const RECORD_TYPE_OF = new Map(RECORD_TYPES.flatMap((r) => r.subjectTypes.map((s) => [s, r.type] as const)));

/** The kind of record an event's subject is. */
export function recordTypeOf(subjectType: string): RecordType | undefined {
  return RECORD_TYPE_OF.get(subjectType);
}

// --- Who, and how -----------------------------------------------------------------------------

function orgOfEvent(c: Context): Part[] {
  const id = c.event.organisationId;
  const org = id ? c.names.organisations.get(id) : undefined;
  return org && id ? [c.ref('organisation', id, org.name, id)] : ['an organisation'];
}

/** Who did it: a person (and for whom, when not their own organisation), or Rollbook itself. */
function who(c: Context): Part[] {
  const { event, names } = c;
  const person = event.actorUserId ? names.users.get(event.actorUserId) : undefined;
  const actorOrganisation = event.actorOrganisationId ? names.organisations.get(event.actorOrganisationId) : undefined;
  if (!event.actorUserId) {
    if (event.via.startsWith('api token ') && actorOrganisation) {
      return [`An API token of ${actorOrganisation.name}`];
    }
    return [SYSTEM_ACTORS[event.via] ?? 'Rollbook'];
  }
  const name: Part = person
    ? c.ref('actor', event.actorUserId, person.name, event.actorOrganisationId)
    : 'A user who has since been removed';
  if (!actorOrganisation || event.actorOrganisationId === event.organisationId) return [name];
  const forWhom = event.organisationId ? names.organisations.get(event.organisationId) : undefined;
  if (actorOrganisation.type === 'support') {
    return [name, forWhom ? ` (support, acting for ${forWhom.name})` : ' (support)'];
  }
  return [name, ` (${actorOrganisation.name})`];
}

/** Who acted when no person did. */
const SYSTEM_ACTORS: Record<string, string> = {
  'teaching record system': 'The Teaching Record System',
  cli: 'Rollbook (command line)',
  'demo data': 'Rollbook (demo data)',
};

/** How it was done, when that is worth saying: from an upload, through the API, and so on. */
function how(c: Context): Part[] {
  const { via, subjectType } = c.event;
  const uploadId = /^upload (\S+)$/.exec(via)?.[1];
  if (uploadId && subjectType !== 'upload') {
    const found = c.names.uploads.get(uploadId);
    return [' from upload ', found ? c.ref('upload', uploadId, found.fileName) : 'a file uploaded since purged'];
  }
  const undoneId = /^undo of upload (\S+)$/.exec(via)?.[1];
  if (undoneId) {
    const found = c.names.uploads.get(undoneId);
    return [' by undoing upload ', found ? c.ref('upload', undoneId, found.fileName) : 'a file uploaded since purged'];
  }
  const offeredId = /^offered placement (\S+)$/.exec(via)?.[1];
  if (offeredId) {
    const found = c.names.offeredPlacements.get(offeredId);
    return [
      ', from ',
      found
        ? c.ref('offered-placement', offeredId, `a placement the school offered (${found.title})`)
        : 'a placement the school offered',
    ];
  }
  const tokenName = /^api token (.+)$/.exec(via)?.[1];
  if (tokenName && c.event.actorUserId) return [` through the API (token “${tokenName}”)`];
  if (via === 'cli' && c.event.actorUserId) return [' on the command line'];
  return [];
}

/**
 * An event as a sentence. An action with no line in WORDINGS (one added without its words) still
 * reads as a sentence, without the ids or field names.
 */
export function describeEvent(event: EventToDescribe, names: Names): Sentence {
  const changes = (event.changes ?? {}) as Changes;
  const recordType = recordTypeOf(event.subjectType);
  const subjectName = (): string | undefined => {
    switch (recordType) {
      case 'trainee':
        return names.trainees.get(event.subjectId)?.name;
      case 'upload':
        return names.uploads.get(event.subjectId)?.fileName;
      case 'user':
        return names.users.get(event.subjectId)?.name;
      case 'organisation':
        return names.organisations.get(event.subjectId)?.name;
      case 'api-token':
        return names.apiTokens.get(event.subjectId);
      case 'learner':
        return names.learners.get(event.subjectId);
      default:
        return undefined;
    }
  };
  const c: Context = {
    event,
    names,
    changes,
    ref: (type, id, name, organisationId = event.organisationId) => ({
      text: name,
      record: { type, id, organisationId },
    }),
    subject: (type, fallback) => {
      const name = subjectName();
      const quoted = type === 'api-token' && name ? `“${name}”` : name;
      // A record gone since is named from the event, and not linked.
      const exists = name !== undefined || type === 'placement-contact' || type === 'sign-off';
      return exists
        ? { text: quoted ?? fallback, record: { type, id: event.subjectId, organisationId: event.organisationId } }
        : fallback;
    },
  };
  const wording = wordingFor(event.subjectType, event.action);
  const actor = wording?.actor ? wording.actor(c) : who(c);
  const label = RECORD_TYPES.find((r) => r.type === recordType)?.label.toLowerCase();
  const says: Part[] = wording ? wording.says(c) : [`made a change to ${label ? `one of the ${label}` : 'a record'}`];
  const parts = [...actor, ' ', ...says, ...how(c)].filter((part) => part !== '');
  return { parts, text: parts.map((part) => (typeof part === 'string' ? part : part.text)).join('') };
}

const DATE = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
});
const TIME = new Intl.DateTimeFormat('en-GB', {
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
  timeZone: 'Europe/London',
});

/** When an event happened, in England: "4 December 2026, 9:40pm". */
export function formatEventTime(date: Date): string {
  return `${DATE.format(date)}, ${TIME.format(date).replace(/\s/g, '').toLowerCase()}`;
}
