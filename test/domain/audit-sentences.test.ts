// Every action the code records reads as a sentence a person understands: records named (and
// linkable), dates written out, no ids or field names.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Changes } from '../../src/domain/audit/events.ts';
import {
  describeEvent,
  type EventToDescribe,
  emptyNames,
  formatEventTime,
  type Names,
  WORDINGS,
  wordingFor,
} from '../../src/domain/audit/sentences.ts';

const SAM = '11111111-1111-4111-8111-111111111111';
const PRIYA = '22222222-2222-4222-8222-222222222222';
const JO = '33333333-3333-4333-8333-333333333333';
const SUPPORT = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const UNIVERSITY = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const SCHOOL = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';
const AMELIA = 'dddddddd-dddd-4ddd-8ddd-dddddddddddd';
const UPLOAD = 'eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee';
const OFFERED = 'ffffffff-ffff-4fff-8fff-ffffffffffff';
const TOKEN = '44444444-4444-4444-8444-444444444444';
const LEARNER = '55555555-5555-4555-8555-555555555555';
const DATA_SET = '66666666-6666-4666-8666-666666666666';

function names(): Names {
  const n = emptyNames();
  n.users.set(SAM, { name: 'Sam Reid', email: 'support@example.com' });
  n.users.set(PRIYA, { name: 'Priya Shah', email: 'university@example.com' });
  n.users.set(JO, { name: 'Jo Bloggs', email: 'jo@example.com' });
  n.organisations.set(SUPPORT, { name: 'Rollbook Support', type: 'support' });
  n.organisations.set(UNIVERSITY, { name: 'Rollbook Demo University', type: 'provider' });
  n.organisations.set(SCHOOL, { name: 'Rollbook Demo Primary School', type: 'school' });
  n.trainees.set(AMELIA, { name: 'Amelia Brown', award: 'QTS' });
  n.uploads.set(UPLOAD, { fileName: 'placements.csv', kind: 'placements' });
  n.offeredPlacements.set(OFFERED, { title: 'Primary (Year 3)', academicYear: 2026 });
  n.apiTokens.set(TOKEN, 'Student record system');
  n.learners.set(LEARNER, 'Ada Lovelace');
  n.schools.set('100002', 'Thornbury Church of England Primary School');
  n.schools.set('100003', 'Willow Green High School');
  n.kindTitle = (kind) => (kind === 'placements' ? 'Add placements for your trainees' : undefined);
  return n;
}

/** An event by Priya at the university, about one of its records, unless told otherwise. */
function event(subjectType: string, action: string, changes: Changes, more: Partial<EventToDescribe> = {}) {
  return {
    occurredAt: new Date('2026-12-04T21:40:00Z'),
    subjectType,
    subjectId: AMELIA,
    action,
    changes,
    via: 'page',
    organisationId: UNIVERSITY,
    actorUserId: PRIYA,
    actorOrganisationId: UNIVERSITY,
    ...more,
  };
}

const says = (e: EventToDescribe) => describeEvent(e, names()).text;

/** Every sentence below, by its action: each action the code records has one. */
const CASES: [string, EventToDescribe, string][] = [
  [
    'organisation/created',
    event(
      'organisation',
      'created',
      { name: { to: 'Rollbook Demo University' }, type: { to: 'provider' } },
      {
        subjectId: UNIVERSITY,
        actorUserId: SAM,
        actorOrganisationId: SUPPORT,
      },
    ),
    'Sam Reid (support, acting for Rollbook Demo University) added Rollbook Demo University to Rollbook as a teacher training provider',
  ],
  [
    'organisation/support began acting for',
    event(
      'organisation',
      'support began acting for',
      {},
      {
        subjectId: UNIVERSITY,
        actorUserId: SAM,
        actorOrganisationId: SUPPORT,
      },
    ),
    'Sam Reid (support, acting for Rollbook Demo University) began acting for Rollbook Demo University',
  ],
  [
    'organisation/support stopped acting for',
    event(
      'organisation',
      'support stopped acting for',
      {},
      {
        subjectId: UNIVERSITY,
        actorUserId: SAM,
        actorOrganisationId: SUPPORT,
      },
    ),
    'Sam Reid (support, acting for Rollbook Demo University) stopped acting for Rollbook Demo University',
  ],
  [
    'user/created',
    event('user', 'created', { email: { to: 'jo@example.com' } }, { subjectId: JO }),
    'Priya Shah created an account for Jo Bloggs',
  ],
  [
    'membership/added',
    event('membership', 'added', { email: { to: 'jo@example.com' }, role: { to: 'member' } }, { subjectId: JO }),
    'Priya Shah added Jo Bloggs to Rollbook Demo University as a member',
  ],
  [
    'membership/removed',
    event('membership', 'removed', { email: { from: 'jo@example.com' }, role: { from: 'admin' } }, { subjectId: JO }),
    'Priya Shah removed Jo Bloggs from Rollbook Demo University',
  ],
  [
    'user/password set',
    event(
      'user',
      'password set',
      {},
      { subjectId: JO, actorUserId: null, actorOrganisationId: null, via: 'set-up link' },
    ),
    'Jo Bloggs set their password with the set-up link they were sent',
  ],
  [
    'user/password reset',
    event(
      'user',
      'password reset',
      { sessions_ended: { to: 2 } },
      {
        subjectId: JO,
        actorUserId: null,
        actorOrganisationId: null,
        via: 'reset link',
      },
    ),
    'Jo Bloggs reset their password with a reset link',
  ],
  [
    'user/reset link sent',
    event(
      'user',
      'reset link sent',
      {},
      {
        subjectId: JO,
        actorUserId: null,
        actorOrganisationId: null,
        via: 'forgotten password',
      },
    ),
    'Jo Bloggs asked for a link to reset their password',
  ],
  [
    'user/invitation resent',
    event('user', 'invitation resent', { email: { to: 'jo@example.com' } }, { subjectId: JO }),
    'Priya Shah sent Jo Bloggs a new link to set their password',
  ],
  [
    'api_token/created',
    event('api_token', 'created', { name: { to: 'Student record system' } }, { subjectId: TOKEN }),
    'Priya Shah created the API token “Student record system”',
  ],
  [
    'api_token/revoked',
    event(
      'api_token',
      'revoked',
      { name: { from: 'Old system' }, revoked_at: { to: '2026-12-04T21:40:00Z' } },
      {
        subjectId: '55555555-5555-4555-8555-555555555555',
      },
    ),
    'Priya Shah revoked the API token “Old system”',
  ],
  [
    'upload/received',
    event(
      'upload',
      'received',
      { kind: { to: 'placements' }, file_name: { to: 'placements.csv' }, rows: { to: 1250 } },
      {
        subjectId: UPLOAD,
      },
    ),
    'Priya Shah uploaded placements.csv (“Add placements for your trainees”, 1,250 rows)',
  ],
  [
    'upload/submitted',
    event(
      'upload',
      'submitted',
      { state: { from: 'checked', to: 'submitted' }, changes: { to: 1200 }, skipped_errors: { to: true } },
      { subjectId: UPLOAD },
    ),
    'Priya Shah submitted the upload placements.csv, making 1,200 changes and leaving out the rows with errors',
  ],
  [
    'upload/cancelled',
    event('upload', 'cancelled', { state: { from: 'checked', to: 'cancelled' } }, { subjectId: UPLOAD }),
    'Priya Shah cancelled the upload placements.csv',
  ],
  [
    'upload/undone',
    event('upload', 'undone', { state: { from: 'submitted', to: 'undone' } }, { subjectId: UPLOAD }),
    'Priya Shah undid the upload placements.csv, reversing every change it made',
  ],
  [
    'trainee/placement added',
    event(
      'trainee',
      'placement added',
      {
        placement_id: { to: '66666666-6666-4666-8666-666666666666' },
        school_urn: { to: '100002' },
        start_date: { to: '2026-09-07' },
      },
      { via: 'trainee page' },
    ),
    'Priya Shah added a placement at Thornbury Church of England Primary School (URN 100002) for Amelia Brown, starting 7 September 2026',
  ],
  [
    'trainee/placement changed',
    event(
      'trainee',
      'placement changed',
      {
        placement_id: { from: '66666666-6666-4666-8666-666666666666', to: '66666666-6666-4666-8666-666666666666' },
        school_urn: { from: '100002', to: '100003' },
        end_date: { to: '2026-12-18' },
      },
      { via: 'trainee page' },
    ),
    'Priya Shah changed a placement of Amelia Brown: the school from Thornbury Church of England Primary School (URN 100002) to Willow Green High School (URN 100003) and the end date to 18 December 2026',
  ],
  [
    'trainee/placement removed',
    event(
      'trainee',
      'placement removed',
      {
        placement_id: { from: '66666666-6666-4666-8666-666666666666' },
        school_name: { from: 'Hill Farm Nursery' },
        school_postcode: { from: 'LS6 2AA' },
      },
      { via: 'trainee page' },
    ),
    'Priya Shah removed the placement at Hill Farm Nursery, LS6 2AA from Amelia Brown',
  ],
  [
    'trainee/placements added',
    event(
      'trainee',
      'placements added',
      {
        placements: { to: 'Thornbury School (URN 100002); Willow Green High School (URN 100003), starting 2026-09-07' },
      },
      { actorUserId: SAM, actorOrganisationId: SUPPORT, via: `upload ${UPLOAD}` },
    ),
    'Sam Reid (support, acting for Rollbook Demo University) added 2 placements for Amelia Brown from upload placements.csv',
  ],
  [
    'trainee/placements removed',
    event(
      'trainee',
      'placements removed',
      { placements: { from: 'Thornbury School (URN 100002)' } },
      {
        via: `undo of upload ${UPLOAD}`,
      },
    ),
    'Priya Shah removed 1 placement from Amelia Brown by undoing upload placements.csv',
  ],
  [
    'trainee/recommended for award',
    event(
      'trainee',
      'recommended for award',
      {
        state: { from: 'trn_received', to: 'recommended' },
        standards_met_date: { to: '2026-06-30' },
      },
      { via: `upload ${UPLOAD}` },
    ),
    'Priya Shah recommended Amelia Brown for QTS, having met the standards on 30 June 2026 from upload placements.csv',
  ],
  [
    'trainee/awarded',
    event(
      'trainee',
      'awarded',
      { state: { from: 'recommended', to: 'awarded' }, awarded_date: { to: '2026-07-03' } },
      {
        actorUserId: null,
        actorOrganisationId: null,
        via: 'teaching record system',
      },
    ),
    'The Teaching Record System awarded Amelia Brown QTS on 3 July 2026',
  ],
  [
    'trainee/award refused',
    event(
      'trainee',
      'award refused',
      { reason: { to: 'The date of birth does not match' } },
      {
        actorUserId: null,
        actorOrganisationId: null,
        via: 'teaching record system',
      },
    ),
    'The Teaching Record System refused to award Amelia Brown QTS: The date of birth does not match',
  ],
  [
    'trainee/registered',
    event(
      'trainee',
      'registered',
      { name: { to: 'Amelia Brown' }, state: { to: 'submitted_for_trn' } },
      { via: 'page' },
    ),
    'Priya Shah registered Amelia Brown and asked for their TRN',
  ],
  [
    'trainee/details changed',
    event(
      'trainee',
      'details changed',
      { lastName: { from: 'Brown', to: 'Browne' }, email: { from: 'a@example.com', to: 'b@example.com' } },
      { via: 'page' },
    ),
    'Priya Shah changed Amelia Brown’s last name and email address',
  ],
  [
    'trainee/deferred',
    event(
      'trainee',
      'deferred',
      { state: { from: 'trn_received', to: 'deferred' }, deferral_date: { to: '2026-01-05' } },
      { via: 'page' },
    ),
    'Priya Shah deferred Amelia Brown from 5 January 2026',
  ],
  [
    'trainee/reinstated',
    event(
      'trainee',
      'reinstated',
      { state: { from: 'deferred', to: 'trn_received' }, reinstatement_date: { to: '2026-04-20' } },
      { via: 'page' },
    ),
    'Priya Shah reinstated Amelia Brown from 20 April 2026',
  ],
  [
    'trainee/withdrawn',
    event(
      'trainee',
      'withdrawn',
      {
        state: { from: 'trn_received', to: 'withdrawn' },
        withdrawal_date: { to: '2026-02-02' },
        withdrawal_reason: { to: 'Health reasons' },
      },
      { via: 'page' },
    ),
    'Priya Shah withdrew Amelia Brown on 2 February 2026 (Health reasons)',
  ],
  [
    'trainee/trn received',
    event(
      'trainee',
      'trn received',
      { trn: { to: '9000001' } },
      { actorUserId: null, actorOrganisationId: null, via: 'teaching record system' },
    ),
    'The Teaching Record System gave Amelia Brown the TRN 9000001',
  ],
  [
    'trainee/trn refused',
    event(
      'trainee',
      'trn refused',
      { reason: { to: 'Not enough details' } },
      { actorUserId: null, actorOrganisationId: null, via: 'teaching record system' },
    ),
    'The Teaching Record System refused a TRN for Amelia Brown: Not enough details',
  ],
  [
    'trainee/removed',
    event('trainee', 'removed', { name: { from: 'Amelia Brown' } }, { via: `undo of upload ${UPLOAD}` }),
    'Priya Shah removed Amelia Brown by undoing upload placements.csv',
  ],
  [
    'school/placement contact added',
    event(
      'school',
      'placement contact added',
      {
        first_name: { to: 'Siân' },
        last_name: { to: 'Evans' },
        email: { to: 'placements@demo-school.example' },
      },
      { subjectId: SCHOOL, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah added the placement contact: Siân Evans, placements@demo-school.example',
  ],
  [
    'school/placement contact changed',
    event(
      'school',
      'placement contact changed',
      {
        email: { from: 'placements@demo-school.example', to: 'office@demo-school.example' },
      },
      { subjectId: SCHOOL, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah changed the placement contact: the email address from placements@demo-school.example to office@demo-school.example',
  ],
  [
    'offered placement/added',
    event(
      'offered placement',
      'added',
      {
        phase: { to: 'primary' },
        year_group: { to: 'year-3' },
        academic_year: { to: 2026 },
        terms: { to: ['autumn', 'spring'] },
      },
      { subjectId: OFFERED, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah offered a placement: Primary (Year 3), 2026 to 2027, the autumn and spring terms',
  ],
  [
    'offered placement/changed',
    event(
      'offered placement',
      'changed',
      {
        subject: { from: 'mathematics', to: 'physics' },
        terms: { from: [], to: ['summer'] },
      },
      { subjectId: OFFERED, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah changed the placement Primary (Year 3): the subject from Mathematics to Physics and when from any time in the academic year to the summer term',
  ],
  [
    'offered placement/deleted',
    event(
      'offered placement',
      'deleted',
      {
        phase: { from: 'secondary' },
        subject: { from: 'physics' },
        year_group: { from: null },
        academic_year: { from: 2027 },
        terms: { from: [] },
      },
      { subjectId: '77777777-7777-4777-8777-777777777777', organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah deleted the placement Physics, 2027 to 2028, any time in the academic year',
  ],
  [
    'offered placement/provider assigned',
    event(
      'offered placement',
      'provider assigned',
      {
        provider: { to: 'Rollbook Demo SCITT' },
        provider_id: { to: '88888888-8888-4888-8888-888888888888' },
      },
      { subjectId: OFFERED, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah assigned the placement Primary (Year 3) to Rollbook Demo SCITT',
  ],
  [
    'offered placement/provider changed',
    event(
      'offered placement',
      'provider changed',
      {
        provider: { from: 'Rollbook Demo SCITT', to: 'Rollbook Demo University' },
      },
      { subjectId: OFFERED, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah moved the placement Primary (Year 3) from Rollbook Demo SCITT to Rollbook Demo University',
  ],
  [
    'offered placement/provider removed',
    event(
      'offered placement',
      'provider removed',
      { provider: { from: 'Rollbook Demo University' } },
      {
        subjectId: OFFERED,
        organisationId: SCHOOL,
        actorOrganisationId: SCHOOL,
      },
    ),
    'Priya Shah took the placement Primary (Year 3) away from Rollbook Demo University',
  ],
  [
    'teacher/induction claimed',
    event('teacher', 'induction claimed', {
      teacher: { to: 'Ada Lovelace' },
      appropriate_body: { to: 'North Hub' },
      started_on: { to: '2025-09-01' },
      training_programme: { to: 'provider_led' },
    }),
    'Priya Shah claimed Ada Lovelace’s induction for North Hub, starting 1 September 2025, provider-led training',
  ],
  [
    'teacher/induction released',
    event('teacher', 'induction released', {
      teacher: { to: 'Ada Lovelace' },
      appropriate_body: { to: 'North Hub' },
      finished_on: { to: '2026-01-31' },
      number_of_terms: { to: 2.5 },
    }),
    'Priya Shah released Ada Lovelace from North Hub on 31 January 2026 after 2.5 terms',
  ],
  [
    'teacher/induction passed',
    event('teacher', 'induction passed', {
      teacher: { to: 'Ada Lovelace' },
      finished_on: { to: '2026-05-01' },
      number_of_terms: { to: 6 },
    }),
    'Priya Shah recorded that Ada Lovelace passed their induction on 1 May 2026 after 6 terms',
  ],
  [
    'teacher/induction failed',
    event('teacher', 'induction failed', {
      teacher: { to: 'Ada Lovelace' },
      finished_on: { to: '2026-05-01' },
      number_of_terms: { to: 1 },
      fail_confirmation_sent_on: { to: '2026-05-02' },
    }),
    'Priya Shah recorded that Ada Lovelace failed their induction on 1 May 2026 after 1 term, having sent them written confirmation on 2 May 2026',
  ],
  [
    'teacher/induction extended',
    event('teacher', 'induction extended', { teacher: { to: 'Ada Lovelace' }, number_of_terms: { to: 1.5 } }),
    'Priya Shah extended Ada Lovelace’s induction by 1.5 terms',
  ],
  [
    'teacher/induction extension changed',
    event('teacher', 'induction extension changed', {
      teacher: { to: 'Ada Lovelace' },
      number_of_terms: { from: 1.5, to: 2 },
    }),
    'Priya Shah changed an extension of Ada Lovelace’s induction from 1.5 terms to 2 terms',
  ],
  [
    'teacher/induction period changed',
    event('teacher', 'induction period changed', {
      teacher: { to: 'Ada Lovelace' },
      started_on: { from: '2025-09-01', to: '2025-09-08' },
      training_programme: { from: 'provider_led', to: 'school_led' },
    }),
    'Priya Shah changed Ada Lovelace’s current induction period: the start date from 1 September 2025 to 8 September 2025 and the training programme from provider-led to school-led',
  ],
  [
    'teacher/induction reopened',
    event('teacher', 'induction reopened', {
      teacher: { to: 'Ada Lovelace' },
      outcome: { from: 'pass', to: null },
      reason: { to: 'Ticket 123456' },
    }),
    'Priya Shah reopened Ada Lovelace’s induction, removing its pass outcome, because: Ticket 123456',
  ],
  [
    'teacher/induction period deleted',
    event('teacher', 'induction period deleted', {
      teacher: { to: 'Ada Lovelace' },
      appropriate_body: { from: 'North Hub' },
      started_on: { from: '2025-09-01' },
      reason: { to: 'Claimed in error' },
    }),
    'Priya Shah deleted Ada Lovelace’s induction period with North Hub from 1 September 2025, because: Claimed in error',
  ],
  [
    'teacher/induction period added',
    event('teacher', 'induction period added', {
      teacher: { to: 'Ada Lovelace' },
      appropriate_body: { to: 'North Hub' },
      started_on: { to: '2025-01-06' },
      finished_on: { to: '2025-04-04' },
      number_of_terms: { to: 1 },
      training_programme: { to: 'provider_led' },
      reason: { to: 'Ticket 77' },
    }),
    'Priya Shah added an induction period to Ada Lovelace’s record with North Hub, from 6 January 2025 to 4 April 2025 (1 term), provider-led training, because: Ticket 77',
  ],
  [
    'teacher/induction period corrected',
    event('teacher', 'induction period corrected', {
      teacher: { to: 'Ada Lovelace' },
      appropriate_body: { from: 'North Hub', to: 'South Hub' },
      started_on: { from: '2025-09-01', to: '2025-09-08' },
      finished_on: { from: '2025-12-19', to: null },
      number_of_terms: { from: 1, to: null },
      reason: { to: 'Ticket 42' },
    }),
    'Priya Shah corrected Ada Lovelace’s induction period with South Hub: the start date from 1 September 2025 to 8 September 2025, the end date from 19 December 2025 to none (ongoing), the appropriate body from North Hub to South Hub and the terms from 1 term to none, because: Ticket 42',
  ],
  [
    'teacher/induction claim undone',
    event('teacher', 'induction claim undone', {
      teacher: { to: 'Ada Lovelace' },
      appropriate_body: { from: 'North Hub' },
    }),
    'Priya Shah undid the claim of Ada Lovelace’s induction by North Hub',
  ],
  [
    'teacher/induction outcome undone',
    event('teacher', 'induction outcome undone', {
      teacher: { to: 'Ada Lovelace' },
      outcome: { from: 'pass', to: null },
    }),
    'Priya Shah undid the pass of Ada Lovelace, reopening their induction period',
  ],
  [
    'teacher/ect registered',
    event('teacher', 'ect registered', {
      teacher: { to: 'Ada Lovelace' },
      appropriate_body: { to: 'North Hub' },
      started_on: { to: '2025-09-01' },
      training_programme: { to: 'school_led' },
    }),
    'Priya Shah registered Ada Lovelace as an early-career teacher with North Hub, starting 1 September 2025, school-led training',
  ],
  [
    'teacher/ect leaving',
    event('teacher', 'ect leaving', { teacher: { to: 'Ada Lovelace' }, leaving_on: { to: '2026-07-20' } }),
    'Priya Shah said Ada Lovelace is leaving the school on 20 July 2026',
  ],
  [
    'performance_sign_off/signed_off',
    event(
      'performance_sign_off',
      'signed_off',
      {
        academic_year: { to: 2025 },
        declarant_name: { to: 'Priya Shah' },
        declarant_role: { to: 'Head of ITT' },
      },
      { subjectId: '2025', via: 'performance profile sign-off' },
    ),
    'Priya Shah signed off the 2025 to 2026 data for the performance profiles, declaring it accurate as Priya Shah (Head of ITT)',
  ],
  [
    'performance_sign_off/reminder_sent',
    event(
      'performance_sign_off',
      'reminder_sent',
      {
        subject: { to: 'Sign off your data' },
        deadline: { to: '2027-01-31' },
        emails: { to: 3 },
      },
      {
        subjectId: '2025',
        actorUserId: SAM,
        actorOrganisationId: SUPPORT,
        via: 'performance profile sign-off reminder',
      },
    ),
    'Sam Reid (support, acting for Rollbook Demo University) sent 3 reminders to sign off the 2025 to 2026 data by 31 January 2027',
  ],
  [
    'learner/learner added',
    event(
      'learner',
      'learner added',
      {
        upn: { to: 'B801200005001' },
        first_name: { to: 'Ada' },
        surname: { to: 'Lovelace' },
        year_group: { to: 'Year 9' },
      },
      { subjectId: LEARNER, organisationId: SCHOOL, actorOrganisationId: SCHOOL, via: `upload ${UPLOAD}` },
    ),
    'Priya Shah added the learner Ada Lovelace (UPN B801200005001, Year 9) with their school data from upload placements.csv',
  ],
  [
    'learner/school data submitted',
    event(
      'learner',
      'school data submitted',
      {
        fields: { to: 40 },
        year_group: { from: 'Year 9', to: 'Year 10' },
        date_of_birth: { from: '2012-05-01', to: '2012-05-02' },
      },
      { subjectId: LEARNER, organisationId: SCHOOL, actorOrganisationId: SCHOOL, via: `upload ${UPLOAD}` },
    ),
    'Priya Shah replaced the school data of Ada Lovelace with 40 fields, changing the date of birth from 1 May 2012 to 2 May 2012 and the year group from Year 9 to Year 10 from upload placements.csv',
  ],
  [
    'learner/school data restored',
    event(
      'learner',
      'school data restored',
      {},
      { subjectId: LEARNER, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah gave Ada Lovelace back the school data and details an undone upload had replaced',
  ],
  [
    'learner/learner removed',
    event('learner', 'learner removed', {}, { subjectId: AMELIA, organisationId: SCHOOL, actorOrganisationId: SCHOOL }),
    'Priya Shah removed a learner no longer recorded, whom an undone upload had added',
  ],
  [
    'learner/school data viewed',
    event(
      'learner',
      'school data viewed',
      {},
      { subjectId: LEARNER, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah viewed the school data of Ada Lovelace',
  ],
  [
    'learner/sign-in letter printed',
    event(
      'learner',
      'sign-in letter printed',
      { expires_at: { to: '2027-01-04T21:40:00Z' } },
      { subjectId: LEARNER, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah printed a sign-in letter for Ada Lovelace, with a code that works until 4 January 2027, 9:40pm',
  ],
  [
    'learner/learner password set',
    event(
      'learner',
      'learner password set',
      {},
      { subjectId: LEARNER, organisationId: SCHOOL, actorUserId: null, actorOrganisationId: null },
    ),
    'Ada Lovelace set their password with the code on their sign-in letter',
  ],
  [
    'learner/learner invited by email',
    event(
      'learner',
      'learner invited by email',
      { email: { to: 'ada@example.com' }, expires_at: { to: '2026-12-11T21:40:00Z' } },
      { subjectId: LEARNER, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah invited Ada Lovelace by email, at ada@example.com, with a link that works until 11 December 2026, 9:40pm',
  ],
  [
    'learner/learner password set (by an emailed link)',
    event(
      'learner',
      'learner password set',
      {},
      {
        subjectId: LEARNER,
        organisationId: SCHOOL,
        actorUserId: null,
        actorOrganisationId: null,
        via: 'learner invitation link',
      },
    ),
    'Ada Lovelace set their password with the link in their invitation email',
  ],
  [
    'membership/learner data access granted',
    event(
      'membership',
      'learner data access granted',
      { view_learner_data: { from: false, to: true } },
      { subjectId: JO, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah allowed Jo Bloggs to see learners’ school data',
  ],
  [
    'membership/learner data access removed',
    event(
      'membership',
      'learner data access removed',
      { view_learner_data: { from: true, to: false } },
      { subjectId: JO, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah stopped Jo Bloggs seeing learners’ school data',
  ],
  [
    'school data set/school data published',
    event(
      'school data set',
      'school data published',
      { learners: { to: 300 }, publish_at: { to: '2026-12-07T09:00:00Z' } },
      { subjectId: DATA_SET, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah submitted school data for 300 learners to be published on 7 December 2026, 9:00am',
  ],
  [
    'school data set/school data undone',
    event(
      'school data set',
      'school data undone',
      {},
      { subjectId: DATA_SET, organisationId: SCHOOL, actorOrganisationId: SCHOOL },
    ),
    'Priya Shah undid a school data upload, giving its learners back what it had replaced',
  ],
  [
    'school data set/replaced school data deleted',
    event(
      'school data set',
      'replaced school data deleted',
      { learners: { to: 2 } },
      { subjectId: DATA_SET, organisationId: SCHOOL, actorUserId: null, actorOrganisationId: null },
    ),
    'Rollbook deleted the replaced school data of 2 learners, once the upload that replaced it could no longer be undone',
  ],
];

describe('the audit log in words', () => {
  for (const [key, e, expected] of CASES) {
    it(`says ${key}`, () => {
      assert.ok(wordingFor(e.subjectType, e.action), `${key} has a line in the table`);
      assert.equal(says(e), expected);
    });
  }

  it('has a sentence tested above for every line of the table', () => {
    const tested = new Set(CASES.map(([key]) => key));
    assert.deepEqual(
      WORDINGS.map((wording) => `${wording.subjectType}/${wording.action}`).filter((key) => !tested.has(key)),
      [],
    );
    assert.equal(new Set(WORDINGS.map((wording) => wording.slug)).size, WORDINGS.length, 'slugs are unique');
  });

  it('has words for every action written anywhere in src/', () => {
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
    const actions = new Set<string>();
    const patterns = [
      // recordEvents' events: action: 'x', or action: a ? 'x' : 'y'
      /\baction: (?:[^'\n]*\? )?'([^']+)'(?: : '([^']+)')?/g,
      // const action = a ? 'x' : 'y'
      /\bconst action = [^'\n]*\? '([^']+)' : '([^']+)'/g,
      // the offered placements' event(school, id, 'x', …) helper
      /\bevent\(\w+, [\w.]+, (?:[^'\n]*\? )?'([^']+)'(?: : '([^']+)')?/g,
      // SQL: insert into events … 'subject type', <id>, 'action'
      /'(?:trainee|upload|user|organisation)',\s*[\w.:]+,\s*'([^']+)'/g,
    ];
    for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !entry.name.endsWith('.ts') || entry.name.endsWith('.test.ts')) continue;
      const code = readFileSync(path.join(entry.parentPath, entry.name), 'utf8');
      if (!/recordEvents|insert into events/.test(code) || entry.name === 'sentences.ts') continue;
      for (const pattern of patterns) {
        for (const match of code.matchAll(pattern))
          for (const action of match.slice(1)) if (action) actions.add(action);
      }
    }
    for (const action of [
      'placements added',
      'placements removed',
      'recommended for award',
      'placement added',
      'added',
    ]) {
      assert.ok(actions.has(action), `the scan finds ${action} in src/`);
    }
    const worded = new Set(WORDINGS.map((wording) => wording.action));
    assert.deepEqual(
      [...actions].filter((action) => !worded.has(action)),
      [],
    );
  });

  it('names a record gone since from the event, without a link, and never shows an id or a field name', () => {
    const gone = describeEvent(
      event(
        'upload',
        'cancelled',
        { state: { from: 'checked', to: 'cancelled' } },
        {
          subjectId: '99999999-9999-4999-8999-999999999999',
        },
      ),
      names(),
    );
    assert.equal(gone.text, 'Priya Shah cancelled the upload of a file no longer kept');
    assert.ok(gone.parts.every((part) => typeof part === 'string' || part.record.type === 'actor'));
    for (const [, e] of CASES) {
      const text = says(e);
      assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-/, `no id in: ${text}`);
      assert.doesNotMatch(text, /\b\w+_\w+\b/, `no field name in: ${text}`);
    }
  });

  it('still says something for an action with no words yet, without its raw name', () => {
    const text = says(event('trainee', 'state_changed', { state: { from: 'draft', to: 'deferred' } }));
    assert.equal(text, 'Priya Shah made a change to one of the trainees');
  });

  it('links the records a reader may open, and the person who acted', () => {
    const { parts } = describeEvent(
      CASES.find(([key]) => key === 'trainee/placements added')?.[1] as EventToDescribe,
      names(),
    );
    const records = parts.filter((part) => typeof part !== 'string').map((part) => part.record);
    assert.deepEqual(
      records.map((r) => [r.type, r.id]),
      [
        ['actor', SAM],
        ['trainee', AMELIA],
        ['upload', UPLOAD],
      ],
    );
  });

  it('writes the time in England: "4 December 2026, 9:40pm", in winter and in summer time', () => {
    assert.equal(formatEventTime(new Date('2026-12-04T21:40:00Z')), '4 December 2026, 9:40pm');
    assert.equal(formatEventTime(new Date('2026-07-01T08:05:00Z')), '1 July 2026, 9:05am');
    assert.equal(formatEventTime(new Date('2026-03-29T00:30:00Z')), '29 March 2026, 12:30am');
  });
});
