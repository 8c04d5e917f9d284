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
}

export interface SessionsTable {
  id_hash: string;
  user_id: string;
  organisation_id: string | null;
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
}

export interface PasswordSetupTokensTable {
  token_hash: string;
  user_id: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
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
}

export type Organisation = Selectable<OrganisationsTable>;
export type NewOrganisation = Insertable<OrganisationsTable>;
export type User = Selectable<UsersTable>;
export type School = Selectable<SchoolsTable>;
export type Event = Selectable<EventsTable>;
