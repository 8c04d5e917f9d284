// Reading the audit log: one organisation's events (what its admins see) or every organisation's
// (support), filtered by who, what, which record and when, newest first, a page at a time, each
// event with the names its sentence needs (sentences.ts).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { isUuid } from '../organisations/organisations.ts';
import { placementTitle } from '../placements/subjects.ts';
import { trainingRoute } from '../trainees/training-routes.ts';
import type { Changes } from './events.ts';
import {
  describeEvent,
  type EventToDescribe,
  emptyNames,
  type Names,
  RECORD_TYPES,
  type RecordType,
  type Sentence,
  WORDINGS,
  type Wording,
  wordingBySlug,
} from './sentences.ts';

export const AUDIT_PAGE_SIZE = 50;

/** One organisation's log, or (null) every organisation's: support only. */
export type AuditScope = { organisationId: string | null };

/** "Rollbook" in the who filter: events no person made (jobs, the command line, demo data). */
export const NO_PERSON = 'rollbook';

export interface AuditFilters {
  /** A user's id, or NO_PERSON. */
  who?: string;
  /** An action's slug (sentences.ts). */
  what?: string;
  recordType?: RecordType;
  /** One record of that type. */
  recordId?: string;
  /** Events about one record of a subject type that has no record type of its own (a teacher). */
  subject?: { type: string; id: string };
  /** yyyy-mm-dd, in England. */
  from?: string;
  to?: string;
}

export interface AuditEntry {
  id: string;
  occurredAt: Date;
  organisationId: string | null;
  organisationName: string | null;
  sentence: Sentence;
}

export interface AuditFilterOptions {
  people: { id: string; name: string; email: string | null }[];
  actions: Wording[];
  recordTypes: (typeof RECORD_TYPES)[number][];
}

function inScope(scope: AuditScope) {
  return scope.organisationId === null ? sql<boolean>`true` : sql<boolean>`e.organisation_id = ${scope.organisationId}`;
}

function subjectTypesOf(type: RecordType): string[] {
  return RECORD_TYPES.find((r) => r.type === type)?.subjectTypes ?? [];
}

function matching(scope: AuditScope, filters: AuditFilters) {
  const conditions: RawBuilder<unknown>[] = [inScope(scope)];
  if (filters.who === NO_PERSON) conditions.push(sql`e.actor_user_id is null`);
  else if (filters.who) conditions.push(sql`e.actor_user_id = ${filters.who}::uuid`);
  const wording = filters.what ? wordingBySlug(filters.what) : undefined;
  if (wording) conditions.push(sql`e.subject_type = ${wording.subjectType} and e.action = ${wording.action}`);
  if (filters.recordType) {
    const types = subjectTypesOf(filters.recordType);
    if (filters.recordId) {
      const own = sql`(e.subject_type in (${sql.join(types)}) and e.subject_id = ${filters.recordId})`;
      // An upload's record is what it did, too: the changes it made and its undo.
      conditions.push(
        filters.recordType === 'upload'
          ? sql`(${own} or e.via in (${`upload ${filters.recordId}`}, ${`undo of upload ${filters.recordId}`}))`
          : own,
      );
    } else {
      conditions.push(sql`e.subject_type in (${sql.join(types)})`);
    }
  }
  if (filters.subject) {
    conditions.push(sql`e.subject_type = ${filters.subject.type} and e.subject_id = ${filters.subject.id}`);
  }
  // Days in England: from its first moment to the next day's.
  if (filters.from)
    conditions.push(sql`e.occurred_at >= (${filters.from}::date)::timestamp at time zone 'Europe/London'`);
  if (filters.to)
    conditions.push(sql`e.occurred_at < (${filters.to}::date + 1)::timestamp at time zone 'Europe/London'`);
  return sql.join(conditions, sql` and `);
}

/** Who and what a log holds, for its filters: only people and actions that appear in it. */
export async function auditFilterOptions(db: Kysely<DB>, scope: AuditScope): Promise<AuditFilterOptions> {
  const { rows } = await sql<{ actor_user_id: string | null; subject_type: string; action: string }>`
    select distinct e.actor_user_id, e.subject_type, e.action from events e where ${inScope(scope)}
  `.execute(db);
  const userIds = [...new Set(rows.map((row) => row.actor_user_id).filter((id): id is string => Boolean(id)))];
  const users = userIds.length
    ? await db
        .selectFrom('users')
        .select(['id', 'first_name', 'last_name', 'email'])
        .where('id', 'in', userIds)
        .orderBy('first_name')
        .orderBy('last_name')
        .execute()
    : [];
  const people: AuditFilterOptions['people'] = users.map((u) => ({
    id: u.id,
    name: `${u.first_name} ${u.last_name}`.trim(),
    email: u.email,
  }));
  if (rows.some((row) => row.actor_user_id === null)) people.push({ id: NO_PERSON, name: 'Rollbook', email: null });
  const present = new Set(rows.map((row) => `${row.subject_type}/${row.action}`));
  const subjects = new Set(rows.map((row) => row.subject_type));
  return {
    people,
    actions: WORDINGS.filter((wording) => present.has(`${wording.subjectType}/${wording.action}`)),
    recordTypes: RECORD_TYPES.filter((r) => r.subjectTypes.some((s) => subjects.has(s))),
  };
}

/**
 * Refuses filters that point outside the log: a person who made none of its changes, or a record
 * none of its events is about, is "not found", as another organisation's record would be.
 */
export async function checkAuditFilters(
  db: Kysely<DB>,
  scope: AuditScope,
  filters: AuditFilters,
  options: AuditFilterOptions,
): Promise<void> {
  if (filters.who && !options.people.some((p) => p.id === filters.who)) throw new NotFoundError('Person');
  if (filters.recordId) {
    if (!filters.recordType) throw new NotFoundError('Record');
    const { rows } = await sql`
      select 1 from events e
      where ${inScope(scope)} and e.subject_type in (${sql.join(subjectTypesOf(filters.recordType))})
        and e.subject_id = ${filters.recordId}
      limit 1
    `.execute(db);
    if (!rows.length) throw new NotFoundError('Record');
  }
}

interface EventRow {
  id: string;
  occurred_at: Date;
  actor_user_id: string | null;
  actor_organisation_id: string | null;
  organisation_id: string | null;
  subject_type: string;
  subject_id: string;
  action: string;
  changes: Changes;
  via: string;
}

/** The log, newest first, a page at a time, each event as a sentence. */
export async function listAuditEvents(
  db: Kysely<DB>,
  scope: AuditScope,
  filters: AuditFilters,
  page: number,
  kindTitle: (kind: string) => string | undefined,
): Promise<{ entries: AuditEntry[]; total: number }> {
  const where = matching(scope, filters);
  const [{ rows }, counted] = await Promise.all([
    sql<EventRow>`
      select e.id, e.occurred_at, e.actor_user_id, e.actor_organisation_id, e.organisation_id, e.subject_type,
        e.subject_id, e.action, e.changes, e.via
      from events e where ${where}
      order by e.id desc
      limit ${AUDIT_PAGE_SIZE} offset ${(page - 1) * AUDIT_PAGE_SIZE}
    `.execute(db),
    sql<{ n: string }>`select count(*) as n from events e where ${where}`.execute(db),
  ]);
  const names = await namesFor(db, rows);
  names.kindTitle = kindTitle;
  return {
    total: Number(counted.rows[0]?.n ?? 0),
    entries: rows.map((row) => {
      const event: EventToDescribe = {
        occurredAt: new Date(row.occurred_at),
        subjectType: row.subject_type,
        subjectId: row.subject_id,
        action: row.action,
        changes: row.changes ?? {},
        via: row.via,
        organisationId: row.organisation_id,
        actorUserId: row.actor_user_id,
        actorOrganisationId: row.actor_organisation_id,
      };
      return {
        id: String(row.id),
        occurredAt: event.occurredAt,
        organisationId: row.organisation_id,
        organisationName: row.organisation_id ? (names.organisations.get(row.organisation_id)?.name ?? null) : null,
        sentence: describeEvent(event, names),
      };
    }),
  };
}

/** Ids of the given subject types, and of references in `via` such as "upload <id>". */
function idsOf(rows: EventRow[], subjectTypes: string[], viaPatterns: RegExp[] = []): string[] {
  const ids = new Set<string>();
  for (const row of rows) {
    if (subjectTypes.includes(row.subject_type)) ids.add(row.subject_id);
    for (const pattern of viaPatterns) {
      const match = pattern.exec(row.via);
      if (match) ids.add(match[1]);
    }
  }
  return [...ids].filter(isUuid);
}

/** The names a page of events needs, a query a kind of record. */
async function namesFor(db: Kysely<DB>, rows: EventRow[]): Promise<Names> {
  const names = emptyNames();
  const userIds = [
    ...new Set([
      ...rows.map((row) => row.actor_user_id).filter((id): id is string => Boolean(id)),
      ...idsOf(rows, ['user', 'membership']),
    ]),
  ];
  const organisationIds = [
    ...new Set([
      ...rows
        .flatMap((row) => [row.actor_organisation_id, row.organisation_id])
        .filter((id): id is string => Boolean(id)),
      ...idsOf(rows, ['organisation', 'school']),
    ]),
  ];
  const traineeIds = idsOf(rows, ['trainee']);
  const uploadIds = idsOf(rows, ['upload'], [/^upload (\S+)$/, /^undo of upload (\S+)$/]);
  const offeredIds = idsOf(rows, ['offered placement'], [/^offered placement (\S+)$/]);
  const tokenIds = idsOf(rows, ['api_token']);
  const learnerIds = idsOf(rows, ['learner']);
  const urns = [
    ...new Set(
      rows
        .filter((row) => row.subject_type === 'trainee')
        .flatMap((row) => [row.changes?.school_urn?.from, row.changes?.school_urn?.to])
        .filter((urn): urn is string => typeof urn === 'string'),
    ),
  ];
  const [users, organisations, trainees, uploads, offered, tokens, schools, learners] = await Promise.all([
    userIds.length
      ? db.selectFrom('users').select(['id', 'first_name', 'last_name', 'email']).where('id', 'in', userIds).execute()
      : [],
    organisationIds.length
      ? db.selectFrom('organisations').select(['id', 'name', 'type']).where('id', 'in', organisationIds).execute()
      : [],
    traineeIds.length
      ? db
          .selectFrom('trainees')
          .select(['id', 'first_names', 'last_name', 'route'])
          .where('id', 'in', traineeIds)
          .execute()
      : [],
    uploadIds.length
      ? db.selectFrom('uploads').select(['id', 'file_name', 'kind']).where('id', 'in', uploadIds).execute()
      : [],
    offeredIds.length
      ? db
          .selectFrom('offered_placements')
          .select(['id', 'phase', 'subject', 'year_group', 'academic_year'])
          .where('id', 'in', offeredIds)
          .execute()
      : [],
    tokenIds.length ? db.selectFrom('api_tokens').select(['id', 'name']).where('id', 'in', tokenIds).execute() : [],
    urns.length ? db.selectFrom('schools').select(['urn', 'name']).where('urn', 'in', urns).execute() : [],
    learnerIds.length
      ? db.selectFrom('learners').select(['id', 'first_name', 'surname']).where('id', 'in', learnerIds).execute()
      : [],
  ]);
  for (const u of users)
    names.users.set(u.id, { name: `${u.first_name} ${u.last_name}`.trim() || u.email, email: u.email });
  for (const o of organisations) names.organisations.set(o.id, { name: o.name, type: o.type });
  for (const t of trainees) {
    names.trainees.set(t.id, { name: `${t.first_names} ${t.last_name}`, award: trainingRouteAward(t.route) });
  }
  for (const u of uploads) names.uploads.set(u.id, { fileName: u.file_name, kind: u.kind });
  for (const p of offered)
    names.offeredPlacements.set(p.id, { title: placementTitle(p), academicYear: p.academic_year });
  for (const t of tokens) names.apiTokens.set(t.id, t.name);
  for (const s of schools) names.schools.set(s.urn, s.name);
  for (const l of learners) names.learners.set(l.id, `${l.first_name} ${l.surname}`);
  return names;
}

function trainingRouteAward(route: string): string {
  try {
    return trainingRoute(route).award;
  } catch {
    return 'QTS or EYTS';
  }
}
