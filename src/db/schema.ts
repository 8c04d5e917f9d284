// Table types for Kysely. Keep in step with src/db/migrations/.
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export type OrganisationType = 'provider' | 'school' | 'appropriate_body' | 'support';
export type ProviderType = 'scitt' | 'hei';
export type AppropriateBodyType = 'teaching_school_hub' | 'local_authority' | 'national';
export type Role = 'member' | 'admin';

export interface SchoolsTable {
  urn: string;
  name: string;
  postcode: string | null;
  phase: string | null;
  establishment_type: string | null;
  status: string | null;
  local_authority: string | null;
  ukprn: string | null;
  updated_at: Timestamp;
  /** Generated: the name folded for search (lower case, accents plain, no apostrophes). */
  search_name: ColumnType<string, never, never>;
  /** Generated: the postcode upper case without spaces ('' when none). */
  search_postcode: ColumnType<string, never, never>;
}

export interface OrganisationsTable {
  id: Generated<string>;
  type: OrganisationType;
  name: string;
  provider_type: ProviderType | null;
  ukprn: string | null;
  provider_code: string | null;
  urn: string | null;
  appropriate_body_type: AppropriateBodyType | null;
  postcode: string | null;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  first_name: string;
  last_name: string;
  password_hash: string | null;
  created_at: Generated<Date>;
}

export interface MembershipsTable {
  user_id: string;
  organisation_id: string;
  role: Role;
  created_at: Generated<Date>;
  /** A school's member of staff allowed to see learners' data. */
  view_learner_data: Generated<boolean>;
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  organisation_id: string | null;
  /** Set while a support user acts for another organisation (a provider) through this support organisation. */
  support_organisation_id: string | null;
  created_at: Generated<Date>;
  last_seen_at: Timestamp;
  flash: Json | null;
}

export interface SignInAttemptsTable {
  id: Generated<string>;
  email: string;
  address: string;
  succeeded: boolean;
  attempted_at: Generated<Date>;
  /** What was attempted: signing in, or asking for a password reset link. */
  purpose: Generated<AttemptPurpose>;
}

export type AttemptPurpose = 'sign-in' | 'password-reset';
export type PasswordTokenPurpose = 'set-up' | 'reset';

export interface PasswordSetupTokensTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  /** A set-up link (an invitation: 7 days) or a reset link (forgotten password: 2 hours). */
  purpose: Generated<PasswordTokenPurpose>;
  created_at: Generated<Date>;
}

export interface EventsTable {
  id: Generated<string>;
  occurred_at: Generated<Date>;
  actor_user_id: string | null;
  actor_organisation_id: string | null;
  organisation_id: string | null;
  subject_type: string;
  subject_id: string;
  action: string;
  changes: Json;
  via: string;
}

export interface OutboxTable {
  id: Generated<string>;
  to_address: string;
  subject: string;
  body: string;
  created_at: Generated<Date>;
}

export type TraineeState =
  | 'draft'
  | 'submitted_for_trn'
  | 'trn_received'
  | 'recommended'
  | 'awarded'
  | 'deferred'
  | 'withdrawn';

export interface TraineesTable {
  id: Generated<string>;
  provider_id: string;
  first_names: string;
  last_name: string;
  /** Calendar dates are 'yyyy-mm-dd' strings throughout. */
  date_of_birth: string;
  trn: string | null;
  hesa_id: string | null;
  provider_trainee_id: string | null;
  route: string;
  subject: string;
  age_range: string;
  study_mode: 'full_time' | 'part_time';
  itt_start_date: string;
  expected_end_date: string;
  state: TraineeState;
  withdrawal_reason: string | null;
  withdrawal_date: string | null;
  standards_met_date: string | null;
  recommended_at: Timestamp | null;
  awarded_date: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
  previous_last_name: ColumnType<string | null, string | null | undefined, string | null>;
  /** A code of SEXES (reference-lists.ts). */
  sex: ColumnType<string | null, string | null | undefined, string | null>;
  email: ColumnType<string | null, string | null | undefined, string | null>;
  subject_2: ColumnType<string | null, string | null | undefined, string | null>;
  subject_3: ColumnType<string | null, string | null | undefined, string | null>;
  course_year: ColumnType<number | null, number | null | undefined, number | null>;
  lead_school_urn: ColumnType<string | null, string | null | undefined, string | null>;
  employing_school_urn: ColumnType<string | null, string | null | undefined, string | null>;
  /** The trainee's degree (postgraduate routes), as TraineeDegree. */
  degree: ColumnType<unknown, string | null | undefined, string | null>;
  deferral_date: ColumnType<string | null, string | null | undefined, string | null>;
  reinstatement_date: ColumnType<string | null, string | null | undefined, string | null>;
  /** Codes of WITHDRAWAL_REASONS; withdrawal_reason holds them in words. */
  withdrawal_reasons: ColumnType<string[] | null, string[] | null | undefined, string[] | null>;
  withdrawal_other_reason: ColumnType<string | null, string | null | undefined, string | null>;
  submitted_for_trn_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** How the record was added: manual (pages), api, csv (bulk upload); null for older records. */
  record_source: ColumnType<string | null, string | null | undefined, string | null>;
  /** The upload that added the trainee, so that undoing it can remove them. */
  added_by_upload: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface TraineeDraftsTable {
  id: Generated<string>;
  provider_id: string;
  /** The answers so far, as TraineeInput (trainee-details.ts). */
  details: Json;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TrnRequestsTable {
  id: Generated<string>;
  trainee_id: string;
  provider_id: string;
  state: Generated<'pending' | 'issued' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  trn: string | null;
  requested_at: Generated<Date>;
  processed_at: Timestamp | null;
}

export interface ApiIdempotencyKeysTable {
  token_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  body: Json;
  created_at: Generated<Date>;
}

export type UploadState =
  | 'received'
  | 'checking'
  | 'waiting'
  | 'checked'
  | 'submitting'
  | 'submitted'
  | 'cancelled'
  | 'failed'
  | 'undone';
export type RowOutcomeType = 'change' | 'skip' | 'error';

export interface UploadsTable {
  id: Generated<string>;
  organisation_id: string;
  kind: string;
  state: UploadState;
  file_name: string;
  file_format: 'csv' | 'xlsx';
  file_size: number;
  encoding: string | null;
  delimiter: string | null;
  sheet_name: string | null;
  headers: Json;
  unknown_columns: Json;
  row_count: Generated<number>;
  rows_checked: Generated<number>;
  change_count: Generated<number>;
  skip_count: Generated<number>;
  error_count: Generated<number>;
  skip_errors: Generated<boolean>;
  failure_message: string | null;
  uploaded_by: string | null;
  created_at: Generated<Date>;
  checked_at: Timestamp | null;
  submitted_at: Timestamp | null;
  ended_at: Timestamp | null;
  purged_at: Timestamp | null;
  undone_at: Timestamp | null;
  /** While a check runs, touched every few seconds: a check that stopped is found by its age. */
  check_heartbeat_at: Timestamp | null;
  /** How many times a check of this upload has started. */
  check_attempts: Generated<number>;
  /** The columns resolved for this file (fixed and free), as ColumnSpec[]; null before they were kept. */
  columns: Json | null;
  /** The rows above the header row, as the file has them (a kind's header block). */
  preamble: Json | null;
  /** A waiting upload's check is tried again from this time. */
  retry_at: Timestamp | null;
  /** How many times an outside lookup has failed for this upload's check. */
  lookup_failures: Generated<number>;
  /** The upload of a fixed file that replaced this one (which was then cancelled). */
  replaced_by: string | null;
  /** How many rows the check gave a warning (a note that does not fail the row). */
  warning_count: Generated<number>;
}

export interface UploadFilesTable {
  upload_id: string;
  /** Files are stored in parts on PGlite (0, 1, …), whole on PostgreSQL (0). */
  part: Generated<number>;
  content: Uint8Array;
}

export interface UploadRowsTable {
  upload_id: string;
  row_number: number;
  outcome: RowOutcomeType;
  errors: Json;
  change: Json | null;
  /** The record the row is about, for a kind whose records take one row (migration 0022). */
  record_key: string | null;
}

export interface AwardRequestsTable {
  id: Generated<string>;
  trainee_id: string;
  provider_id: string;
  award: 'QTS' | 'EYTS';
  standards_met_date: string;
  state: Generated<'pending' | 'awarded' | 'failed'>;
  attempts: Generated<number>;
  last_error: string | null;
  awarded_date: string | null;
  requested_at: Generated<Date>;
  processed_at: Timestamp | null;
}

export interface ApiTokensTable {
  id: Generated<string>;
  organisation_id: string;
  name: string;
  /** SHA-256 of the token (hashToken); the token itself is never stored. */
  token_hash: string;
  created_by: string | null;
  created_at: Generated<Date>;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  /** The token may read learners' school data. */
  allow_learner_data: Generated<boolean>;
}

export interface PlacementsTable {
  id: Generated<string>;
  trainee_id: string;
  provider_id: string;
  /** A school in the register; or null, with school_name and school_postcode, for one without a URN. */
  school_urn: string | null;
  school_name: string | null;
  school_postcode: string | null;
  start_date: string | null;
  end_date: string | null;
  added_by_upload: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SchoolContactsTable {
  school_id: string;
  first_name: string | null;
  last_name: string | null;
  email: string;
  updated_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type Phase = 'primary' | 'secondary';

export interface OfferedPlacementsTable {
  id: Generated<string>;
  school_id: string;
  phase: Phase;
  subject: string | null;
  year_group: string | null;
  /** The year the academic year starts: 2026 is "2026 to 2027". */
  academic_year: number;
  /** Empty: any time in the academic year. */
  terms: ColumnType<string[], string[] | undefined, string[]>;
  provider_id: string | null;
  created_by: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface PerformanceSignOffsTable {
  provider_id: string;
  academic_year: number;
  declarant_name: string;
  declarant_role: string;
  signed_by: string | null;
  signed_at: Generated<Date>;
}

export interface LearnersTable {
  id: Generated<string>;
  school_id: string;
  upn: string;
  admission_number: string;
  first_name: string;
  surname: string;
  date_of_birth: string;
  year_group: string;
  /** From an upload's "Email address" column, for inviting the learner by email. */
  email: string | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface SchoolDataSetsTable {
  id: Generated<string>;
  seq: ColumnType<string, never, never>;
  school_id: string;
  upload_id: string | null;
  introduction: Json;
  submitted_by_name: Generated<string>;
  date_submitted: string | null;
  publish_at: Timestamp;
  submitted_at: Generated<Date>;
  submitted_by: string | null;
  undone_at: Timestamp | null;
}

export interface LearnerSchoolDataTable {
  data_set_id: string;
  learner_id: string;
  school_id: string;
  fields: Json;
  previous: Json | null;
  created_learner: Generated<boolean>;
}

/** Induction statuses as the Teaching Record System names them. */
export type RecordInductionStatus =
  | 'None'
  | 'RequiredToComplete'
  | 'InProgress'
  | 'Passed'
  | 'Failed'
  | 'FailedInWales'
  | 'Exempt';
export type TrainingProgramme = 'provider_led' | 'school_led';
export type InductionOutcome = 'pass' | 'fail';

/** The local Teaching Record System's teachers (only its adapter reads them). */
export interface TeachingRecordTeachersTable {
  trn: string;
  date_of_birth: string;
  first_name: string;
  last_name: string;
  qts_date: string | null;
  induction_status: Generated<RecordInductionStatus>;
  induction_start_date: string | null;
  induction_completed_date: string | null;
  prohibited: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface TeachersTable {
  id: Generated<string>;
  trn: string;
  date_of_birth: string;
  first_name: string;
  last_name: string;
  qts_date: string | null;
  /** What the teaching record said of their induction when last looked up. */
  record_status: Generated<RecordInductionStatus>;
  prohibited: Generated<boolean>;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface InductionPeriodsTable {
  id: Generated<string>;
  teacher_id: string;
  appropriate_body_id: string;
  started_on: string;
  finished_on: string | null;
  /** numeric: read back as text, like '2.5'. */
  number_of_terms: ColumnType<string | number | null, string | number | null, string | number | null>;
  training_programme: TrainingProgramme;
  outcome: InductionOutcome | null;
  fail_confirmation_sent_on: string | null;
  claimed_by_upload: string | null;
  closed_by_upload: string | null;
  closed_version: number | null;
  version: Generated<number>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface InductionExtensionsTable {
  id: Generated<string>;
  teacher_id: string;
  number_of_terms: ColumnType<string | number, string | number, string | number>;
  appropriate_body_id: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface EctRegistrationsTable {
  id: Generated<string>;
  school_id: string;
  teacher_id: string;
  appropriate_body_id: string;
  started_on: string;
  training_programme: TrainingProgramme;
  leaving_on: string | null;
  created_by: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export type SentInductionStatus = 'RequiredToComplete' | 'InProgress' | 'Passed' | 'Failed';

export interface InductionStatusUpdatesTable {
  id: Generated<string>;
  teacher_id: string;
  trn: string;
  status: SentInductionStatus;
  start_date: string | null;
  completed_date: string | null;
  state: Generated<'pending' | 'sent'>;
  attempts: Generated<number>;
  last_error: string | null;
  created_at: Generated<Date>;
  sent_at: Timestamp | null;
}

export interface LearnerAccountsTable {
  learner_id: string;
  username: string;
  email: string | null;
  password_hash: string | null;
  created_at: Generated<Date>;
}

export interface LearnerSignInCodesTable {
  code_hash: string;
  learner_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  voided_at: Timestamp | null;
  created_by: string | null;
  created_at: Generated<Date>;
}

export interface LearnerSessionsTable {
  id_hash: string;
  learner_id: string;
  created_at: Generated<Date>;
  last_seen_at: Generated<Date>;
}

export interface DB {
  schools: SchoolsTable;
  organisations: OrganisationsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  sign_in_attempts: SignInAttemptsTable;
  password_setup_tokens: PasswordSetupTokensTable;
  events: EventsTable;
  outbox: OutboxTable;
  trainees: TraineesTable;
  uploads: UploadsTable;
  upload_files: UploadFilesTable;
  upload_rows: UploadRowsTable;
  award_requests: AwardRequestsTable;
  api_tokens: ApiTokensTable;
  placements: PlacementsTable;
  school_contacts: SchoolContactsTable;
  offered_placements: OfferedPlacementsTable;
  performance_sign_offs: PerformanceSignOffsTable;
  learners: LearnersTable;
  school_data_sets: SchoolDataSetsTable;
  learner_school_data: LearnerSchoolDataTable;
  learner_accounts: LearnerAccountsTable;
  learner_sign_in_codes: LearnerSignInCodesTable;
  learner_sessions: LearnerSessionsTable;
  teaching_record_teachers: TeachingRecordTeachersTable;
  teachers: TeachersTable;
  induction_periods: InductionPeriodsTable;
  induction_extensions: InductionExtensionsTable;
  ect_registrations: EctRegistrationsTable;
  induction_status_updates: InductionStatusUpdatesTable;
  trainee_drafts: TraineeDraftsTable;
  trn_requests: TrnRequestsTable;
  api_idempotency_keys: ApiIdempotencyKeysTable;
}

export type Organisation = Selectable<OrganisationsTable>;
export type NewOrganisation = Insertable<OrganisationsTable>;
export type User = Selectable<UsersTable>;
export type School = Selectable<SchoolsTable>;
export type Event = Selectable<EventsTable>;
export type Trainee = Selectable<TraineesTable>;
export type TraineeDraft = Selectable<TraineeDraftsTable>;
export type Upload = Selectable<UploadsTable>;
export type ApiToken = Selectable<ApiTokensTable>;
export type Placement = Selectable<PlacementsTable>;
export type SchoolContact = Selectable<SchoolContactsTable>;
export type OfferedPlacement = Selectable<OfferedPlacementsTable>;
export type PerformanceSignOff = Selectable<PerformanceSignOffsTable>;
export type Learner = Selectable<LearnersTable>;
export type Teacher = Selectable<TeachersTable>;
export type InductionPeriod = Selectable<InductionPeriodsTable>;
