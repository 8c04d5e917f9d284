// The audit log page, for an organisation's admins (their own organisation's log) and for support
// users (any organisation's, or every organisation's): each event as a sentence, its records linked
// where the reader can open them, with filters by who, what, which record and when.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB, OrganisationType } from '../../db/schema.ts';
import {
  AUDIT_PAGE_SIZE,
  type AuditFilters,
  type AuditScope,
  auditFilterOptions,
  checkAuditFilters,
  listAuditEvents,
  NO_PERSON,
} from '../../domain/audit/log.ts';
import { formatEventTime, RECORD_TYPES, type RecordRef, type RecordType } from '../../domain/audit/sentences.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import { isUuid } from '../../domain/organisations/organisations.ts';
import { findKind } from '../../uploads/kinds/index.ts';
import { type FormErrors, field, formErrors, pageNumber, pagination } from '../forms.ts';
import { dateInputItems, dateInputValues, parseDateInput } from '../placements/date-input.ts';
import { formatNumber } from '../views.ts';

/** Who is reading, which decides where a record's name links to. */
export interface Reader {
  /** The organisation the reader acts for. */
  organisationId: string;
  organisationType: OrganisationType;
  /** Reading through the support pages. */
  support: boolean;
  /** The log's own address, for links that filter it. */
  basePath: string;
}

/** Where a named record links for this reader, if anywhere they can open it. */
export function recordHref(record: RecordRef, reader: Reader): string | undefined {
  const own = record.organisationId === reader.organisationId && !reader.support;
  const filter = (name: string, value: string) => `${reader.basePath}?${name}=${encodeURIComponent(value)}`;
  if (!record.id) return undefined;
  switch (record.type) {
    case 'actor':
      return filter('who', record.id);
    case 'user':
      return filter('record', `user:${record.id}`);
    case 'trainee':
      return own && reader.organisationType === 'provider' ? `/trainees/${record.id}` : undefined;
    case 'upload':
      return own && reader.organisationType === 'provider' ? `/uploads/${record.id}` : undefined;
    case 'offered-placement':
      if (!own) return undefined;
      if (reader.organisationType === 'school') return `/school/placements/${record.id}`;
      return reader.organisationType === 'provider' ? `/placements/${record.id}` : undefined;
    case 'organisation':
    case 'placement-contact':
      if (reader.support) return `/support/organisations/${record.id}`;
      return record.id === reader.organisationId ? '/organisation' : undefined;
    case 'api-token':
      return own ? '/organisation/api-tokens' : undefined;
    case 'learner':
      // Opening it is itself a view, for staff with permission (others get 404 there).
      return own && reader.organisationType === 'school' ? `/learners/${record.id}` : undefined;
    case 'sign-off':
      if (reader.support) return '/support/sign-offs';
      return own && reader.organisationType === 'provider' ? '/sign-off' : undefined;
    default:
      return undefined;
  }
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** The filters in the address: ?who=&what=&record=type[:id]&from-day=… */
function readFilters(query: unknown): {
  filters: AuditFilters;
  errors: DomainError[];
  dates: Record<string, ReturnType<typeof dateInputValues>>;
} {
  const filters: AuditFilters = {};
  const who = field(query, 'who');
  if (who) {
    // Anything but a person's id (or Rollbook) cannot be in any log.
    if (who !== NO_PERSON && !isUuid(who)) throw new NotFoundError('Person');
    filters.who = who;
  }
  const what = field(query, 'what');
  if (what) filters.what = what;
  const record = field(query, 'record');
  if (record) {
    const [type, ...rest] = record.split(':');
    const id = rest.join(':');
    if (RECORD_TYPES.some((r) => r.type === type)) {
      filters.recordType = type as RecordType;
      if (id) filters.recordId = id.slice(0, 100);
    } else if (id) {
      throw new NotFoundError('Record');
    }
  }
  const errors: DomainError[] = [];
  const dates = { from: dateInputValues(query, 'from'), to: dateInputValues(query, 'to') };
  const from = parseDateInput(dates.from, 'from', 'The ‘from’ date');
  const to = parseDateInput(dates.to, 'to', 'The ‘to’ date');
  for (const [key, parsed] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (parsed instanceof DomainError) errors.push(parsed);
    else if (parsed) filters[key] = parsed;
  }
  if (filters.from && filters.to && filters.to < filters.from) {
    errors.push(new DomainError('The ‘to’ date must be the same as or after the ‘from’ date', 'to'));
    filters.to = undefined;
  }
  return { filters, errors, dates };
}

/** The address of the log with these filters (and a page). */
function logHref(basePath: string, query: unknown, page?: number): string {
  const kept = new URLSearchParams();
  for (const name of [
    'who',
    'what',
    'record',
    'from-day',
    'from-month',
    'from-year',
    'to-day',
    'to-month',
    'to-year',
  ]) {
    const value = field(query, name);
    if (value) kept.set(name, value.slice(0, 200));
  }
  if (page && page > 1) kept.set('page', String(page));
  const search = kept.toString();
  return search ? `${basePath}?${search}` : basePath;
}

export interface AuditLogPage {
  db: Kysely<DB>;
  scope: AuditScope;
  reader: Reader;
  title: string;
  caption?: string;
  backLink?: string;
}

export async function renderAuditLog(request: FastifyRequest, reply: FastifyReply, page: AuditLogPage) {
  const { db, scope, reader } = page;
  const query = request.query;
  const { filters, errors, dates } = readFilters(query);
  const options = await auditFilterOptions(db, scope);
  await checkAuditFilters(db, scope, filters, options);
  const pageNo = pageNumber(query);
  const { entries, total } = await listAuditEvents(db, scope, filters, pageNo, (kind) => findKind(kind)?.title);
  const formErrorsFound: FormErrors | undefined = errors.length ? formErrors(errors, (f) => `${f}-day`) : undefined;
  const recordName =
    filters.recordId && entries.length
      ? entries
          .flatMap((entry) => entry.sentence.parts)
          .find(
            (part) => typeof part !== 'string' && part.record.id === filters.recordId && part.record.type !== 'actor',
          )
      : undefined;
  const option = (value: string, text: string, selected: string | undefined) => ({
    value,
    text,
    selected: value === selected,
  });
  const recordValue = filters.recordType ?? '';
  return reply.code(errors.length ? 400 : 200).viewAsync('audit-log/views/audit-log.njk', {
    title: page.title,
    caption: page.caption,
    backLink: page.backLink,
    action: reader.basePath,
    total,
    totalText: formatNumber(total),
    filtered: Boolean(filters.who || filters.what || filters.recordType || filters.from || filters.to),
    showOrganisation: scope.organisationId === null,
    errors: formErrorsFound,
    clearLink: reader.basePath,
    onlyRecord: filters.recordId
      ? {
          name: recordName && typeof recordName !== 'string' ? recordName.text : 'this record',
          clear: logHref(reader.basePath, { ...(query as object), record: filters.recordType }),
        }
      : undefined,
    recordId: filters.recordId ? `${filters.recordType}:${filters.recordId}` : undefined,
    whoOptions: [
      { value: '', text: 'Anyone' },
      ...options.people.map((p) =>
        option(p.id, p.email ? `${p.name} (${p.email})` : `${p.name} (automatic changes)`, filters.who),
      ),
    ],
    whatOptions: [
      { value: '', text: 'Any change' },
      ...options.actions.map((wording) => option(wording.slug, wording.label, filters.what)),
    ],
    recordOptions: [
      { value: '', text: 'Any record' },
      ...options.recordTypes.map((r) => option(r.type, r.label, recordValue)),
    ],
    fromItems: dateInputItems(dates.from, Boolean(formErrorsFound?.fields.from)),
    toItems: dateInputItems(dates.to, Boolean(formErrorsFound?.fields.to)),
    rows: entries.map((entry) => ({
      when: formatEventTime(entry.occurredAt),
      organisation: entry.organisationName ?? 'No organisation',
      organisationHref: entry.organisationId ? `/support/organisations/${entry.organisationId}/events` : undefined,
      html: entry.sentence.parts
        .map((part) => {
          if (typeof part === 'string') return escapeHtml(part);
          const href = recordHref(part.record, reader);
          return href
            ? `<a class="govuk-link" href="${escapeHtml(href)}">${escapeHtml(part.text)}</a>`
            : escapeHtml(part.text);
        })
        .join(''),
    })),
    pagination: pagination(pageNo, total, AUDIT_PAGE_SIZE, (p) => logHref(reader.basePath, query, p)),
  });
}
