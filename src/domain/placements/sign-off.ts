// Performance-profile sign-off: once a year a provider checks the trainees with a course outcome
// in the previous academic year (those awarded QTS or EYTS need at least 2 placements), exports
// them and declares the data accurate. Support users see who has signed off and remind the rest.
import { type Kysely, sql } from 'kysely';
import type { DB, Trainee } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import {
  academicYearName,
  formatIsoDate,
  isRealDate,
  toIsoDate,
  traineeAcademicYear,
  traineeAcademicYearDates,
} from '../dates.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import type { Actor } from '../organisations/actor.ts';
import { ValidationErrors } from '../organisations/users.ts';
import { missingPlacementsSql, placementCountSql } from '../trainees/trainees.ts';

export const SIGN_OFF_PAGE_SIZE = 25;
export const PROVIDERS_PAGE_SIZE = 50;

/** The year signed off: the trainee academic year (1 August to 31 July) before the current one. */
export function signOffYear(today: string): number {
  return traineeAcademicYear(today) - 1;
}

/**
 * The one rule for "a course outcome in the year": awarded QTS or EYTS (by the award date) or
 * withdrawn (by the withdrawal date) between 1 August and 31 July of that year. Deferred trainees
 * and those still training have no outcome yet.
 */
function hasCourseOutcomeIn(year: number) {
  const { from, to } = traineeAcademicYearDates(year);
  return sql<boolean>`((trainees.state = 'awarded' and trainees.awarded_date between ${from}::date and ${to}::date)
    or (trainees.state = 'withdrawn' and trainees.withdrawal_date between ${from}::date and ${to}::date))`;
}

/** How many placements a trainee has, as a column of a query over trainees. */
const placementCount = placementCountSql('trainees');

/**
 * Awarded and missing placements (the trainee list's rule: not assessment only, fewer than the
 * minimum recorded): what needs fixing. Withdrawn trainees are not checked.
 */
const needsPlacements = sql<boolean>`(trainees.state = 'awarded' and ${missingPlacementsSql('trainees')})`;

function providerId(actor: Actor): string {
  if (actor.organisation.type !== 'provider') throw new NotFoundError('Page');
  return actor.organisation.id;
}

export interface SignOffRecord {
  academicYear: number;
  declarantName: string;
  declarantRole: string;
  signedAt: Date;
  /** The name and email of the user who signed, when they still exist. */
  signedByName: string | null;
  signedByEmail: string | null;
}

export interface SignOffSummary {
  year: number;
  yearName: string;
  withOutcome: number;
  awarded: number;
  withdrawn: number;
  /** Awarded trainees (not assessment only) with fewer than 2 placements. */
  needingPlacements: number;
  signOff: SignOffRecord | undefined;
}

async function findSignOff(db: Kysely<DB>, provider: string, year: number): Promise<SignOffRecord | undefined> {
  const row = await db
    .selectFrom('performance_sign_offs')
    .leftJoin('users', 'users.id', 'performance_sign_offs.signed_by')
    .select([
      'performance_sign_offs.academic_year',
      'performance_sign_offs.declarant_name',
      'performance_sign_offs.declarant_role',
      'performance_sign_offs.signed_at',
      'users.email',
    ])
    .select((eb) => eb.fn<string | null>('concat_ws', [eb.val(' '), 'users.first_name', 'users.last_name']).as('name'))
    .where('performance_sign_offs.provider_id', '=', provider)
    .where('performance_sign_offs.academic_year', '=', year)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    academicYear: row.academic_year,
    declarantName: row.declarant_name,
    declarantRole: row.declarant_role,
    signedAt: new Date(row.signed_at),
    signedByName: row.email ? row.name : null,
    signedByEmail: row.email,
  };
}

export async function signOffSummary(db: Kysely<DB>, actor: Actor, year: number): Promise<SignOffSummary> {
  const provider = providerId(actor);
  const [counts, signOff] = await Promise.all([
    db
      .selectFrom('trainees')
      .select([
        sql<number>`count(*)::int`.as('with_outcome'),
        sql<number>`(count(*) filter (where trainees.state = 'awarded'))::int`.as('awarded'),
        sql<number>`(count(*) filter (where trainees.state = 'withdrawn'))::int`.as('withdrawn'),
        sql<number>`(count(*) filter (where ${needsPlacements}))::int`.as('needing'),
      ])
      .where('provider_id', '=', provider)
      .where(hasCourseOutcomeIn(year))
      .executeTakeFirstOrThrow(),
    findSignOff(db, provider, year),
  ]);
  return {
    year,
    yearName: academicYearName(year),
    withOutcome: counts.with_outcome,
    awarded: counts.awarded,
    withdrawn: counts.withdrawn,
    needingPlacements: counts.needing,
    signOff,
  };
}

export type OutcomeTrainee = Trainee & { placement_count: number; needs_placements: boolean };

/** The year's trainees with an outcome, a page at a time: those needing placements first, then by name. */
export async function listOutcomeTrainees(
  db: Kysely<DB>,
  actor: Actor,
  year: number,
  { onlyNeedingPlacements, page }: { onlyNeedingPlacements: boolean; page: number },
): Promise<{ trainees: OutcomeTrainee[]; total: number }> {
  let query = db.selectFrom('trainees').where('provider_id', '=', providerId(actor)).where(hasCourseOutcomeIn(year));
  if (onlyNeedingPlacements) query = query.where(needsPlacements);
  const [trainees, count] = await Promise.all([
    query
      .selectAll('trainees')
      .select([placementCount.as('placement_count'), needsPlacements.as('needs_placements')])
      .orderBy(sql`${needsPlacements} desc`)
      .orderBy((eb) => eb.fn('lower', ['last_name']))
      .orderBy((eb) => eb.fn('lower', ['first_names']))
      .orderBy('id')
      .limit(SIGN_OFF_PAGE_SIZE)
      .offset((page - 1) * SIGN_OFF_PAGE_SIZE)
      .execute(),
    query.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { trainees: trainees as OutcomeTrainee[], total: count.n };
}

export interface ExportedTrainee extends Trainee {
  placement_count: number;
  /** Each placement's school: "URN 100001 Some School" or, without a URN, "name, postcode". */
  placement_schools: string | null;
}

/** Every trainee with an outcome in the year, with their placements, for the export. */
export async function exportOutcomeTrainees(db: Kysely<DB>, actor: Actor, year: number): Promise<ExportedTrainee[]> {
  const rows = await db
    .selectFrom('trainees')
    .selectAll('trainees')
    .select([
      placementCount.as('placement_count'),
      sql<string | null>`(
        select string_agg(
          case when placements.school_urn is not null
            then concat_ws(' ', placements.school_urn, schools.name)
            else concat_ws(', ', placements.school_name, placements.school_postcode) end,
          '; ' order by placements.start_date nulls last, placements.created_at, placements.id)
        from placements left join schools on schools.urn = placements.school_urn
        where placements.trainee_id = trainees.id)`.as('placement_schools'),
    ])
    .where('provider_id', '=', providerId(actor))
    .where(hasCourseOutcomeIn(year))
    .orderBy((eb) => eb.fn('lower', ['last_name']))
    .orderBy((eb) => eb.fn('lower', ['first_names']))
    .orderBy('id')
    .execute();
  return rows as ExportedTrainee[];
}

export interface Declaration {
  /** The "accurate to the best of my knowledge" box was ticked. */
  confirmed: boolean;
  name: string;
  role: string;
}

const MAX_TEXT = 200;

/** Records the provider's declaration for the year, once: who declared, as whom, and when. */
export const SUPPORT_CANNOT_DECLARE =
  'Only the provider’s own users can sign off its data. Stop acting for the provider, and ask one of its users to sign off';

export async function signOffYearData(
  db: Kysely<DB>,
  actor: Actor,
  year: number,
  declaration: Declaration,
): Promise<void> {
  const provider = providerId(actor);
  // The declaration is the provider's own word: support may check and fix its data, not vouch for it.
  if (actor.support) throw new DomainError(SUPPORT_CANNOT_DECLARE, 'confirmed');
  const name = declaration.name.trim();
  const role = declaration.role.trim();
  const errors: DomainError[] = [];
  if (!declaration.confirmed) {
    errors.push(new DomainError('Confirm the data is accurate to the best of your knowledge', 'confirmed'));
  }
  if (!name) errors.push(new DomainError('Enter your full name', 'name'));
  else if (name.length > MAX_TEXT)
    errors.push(new DomainError(`Full name must be ${MAX_TEXT} characters or fewer`, 'name'));
  if (!role) errors.push(new DomainError('Enter your job title or role', 'role'));
  else if (role.length > MAX_TEXT) {
    errors.push(new DomainError(`Job title or role must be ${MAX_TEXT} characters or fewer`, 'role'));
  }
  if (errors.length) throw new ValidationErrors(errors);

  await inTransaction(db, async (tx) => {
    // The primary key (provider, year) makes a second declaration, even a simultaneous one, a no-op.
    const inserted = await tx
      .insertInto('performance_sign_offs')
      .values({
        provider_id: provider,
        academic_year: year,
        declarant_name: name,
        declarant_role: role,
        signed_by: actor.userId,
      })
      .onConflict((oc) => oc.columns(['provider_id', 'academic_year']).doNothing())
      .returning('signed_at')
      .executeTakeFirst();
    if (!inserted) {
      throw new DomainError(`The ${academicYearName(year)} academic year has already been signed off`);
    }
    await recordEvents(tx, actor, 'performance profile sign-off', [
      {
        organisationId: provider,
        subjectType: 'performance_sign_off',
        subjectId: String(year),
        action: 'signed_off',
        changes: {
          academic_year: { to: year },
          declarant_name: { to: name },
          declarant_role: { to: role },
        },
      },
    ]);
  });
}

// --- Support: who has signed off, and reminders ------------------------------------------------

export interface ProviderSignOff {
  id: string;
  name: string;
  ukprn: string | null;
  signOff: SignOffRecord | undefined;
}

/** Every provider with its sign-off for the year, those not signed off first, a page at a time. */
export async function listProviderSignOffs(
  db: Kysely<DB>,
  year: number,
  page: number,
): Promise<{ providers: ProviderSignOff[]; total: number; signedOff: number }> {
  const base = db
    .selectFrom('organisations')
    .leftJoin('performance_sign_offs as s', (join) =>
      join.onRef('s.provider_id', '=', 'organisations.id').on('s.academic_year', '=', year),
    )
    .where('organisations.type', '=', 'provider');
  const [rows, count] = await Promise.all([
    base
      .leftJoin('users', 'users.id', 's.signed_by')
      .select([
        'organisations.id',
        'organisations.name',
        'organisations.ukprn',
        's.academic_year',
        's.declarant_name',
        's.declarant_role',
        's.signed_at',
        'users.email',
      ])
      .select((eb) => eb.fn<string>('concat_ws', [eb.val(' '), 'users.first_name', 'users.last_name']).as('user_name'))
      .orderBy(sql`s.signed_at is not null`)
      .orderBy((eb) => eb.fn('lower', ['organisations.name']))
      .orderBy('organisations.id')
      .limit(PROVIDERS_PAGE_SIZE)
      .offset((page - 1) * PROVIDERS_PAGE_SIZE)
      .execute(),
    base
      .select([sql<number>`count(*)::int`.as('n'), sql<number>`count(s.provider_id)::int`.as('signed')])
      .executeTakeFirstOrThrow(),
  ]);
  return {
    providers: rows.map((row) => ({
      id: row.id,
      name: row.name,
      ukprn: row.ukprn,
      signOff:
        row.signed_at && row.declarant_name && row.declarant_role
          ? {
              academicYear: year,
              declarantName: row.declarant_name,
              declarantRole: row.declarant_role,
              signedAt: new Date(row.signed_at),
              signedByName: row.email ? row.user_name : null,
              signedByEmail: row.email,
            }
          : undefined,
    })),
    total: count.n,
    signedOff: count.signed,
  };
}

export const REMINDER_PLACEHOLDERS = ['first_name', 'provider_name', 'deadline'] as const;
type Placeholder = (typeof REMINDER_PLACEHOLDERS)[number];
const PLACEHOLDER = /\(\(([^()]*)\)\)/g;

export interface ReminderInput {
  subject: string;
  body: string;
  deadline: { day: string; month: string; year: string };
}

export interface ReminderTemplate {
  subject: string;
  body: string;
  /** yyyy-mm-dd */
  deadline: string;
}

export interface ReminderRecipient {
  email: string;
  firstName: string;
  /** The providers this user belongs to that have not signed off, one name or several. */
  providerNames: string[];
  providerIds: string[];
}

function unknownPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)]
    .map((match) => match[1])
    .filter((name) => !(REMINDER_PLACEHOLDERS as readonly string[]).includes(name));
}

/** Checks a reminder as support typed it; the deadline must be a real date, today or later. */
export function checkReminder(input: ReminderInput, today: string): ReminderTemplate {
  const errors: DomainError[] = [];
  const subject = input.subject.trim();
  // Browsers send line breaks as CRLF; emails are kept with plain newlines.
  const body = input.body.replace(/\r\n?/g, '\n').trim();
  const known = REMINDER_PLACEHOLDERS.map((p) => `((${p}))`).join(', ');
  for (const [text, fieldName, label] of [
    [subject, 'subject', 'subject'],
    [body, 'body', 'message'],
  ] as const) {
    if (!text) {
      errors.push(new DomainError(`Enter the ${label} of the email`, fieldName));
      continue;
    }
    const unknown = [...new Set(unknownPlaceholders(text))];
    if (unknown.length) {
      errors.push(
        new DomainError(
          `The ${label} uses ${unknown.map((u) => `((${u}))`).join(', ')}, which Rollbook cannot fill in: use only ${known}`,
          fieldName,
        ),
      );
    }
  }
  if (subject.length > 200) errors.push(new DomainError('The subject must be 200 characters or fewer', 'subject'));
  if (body.length > 10_000) errors.push(new DomainError('The message must be 10,000 characters or fewer', 'body'));

  const [day, month, year] = [input.deadline.day, input.deadline.month, input.deadline.year].map((v) => v.trim());
  let deadline = '';
  if (!day && !month && !year) {
    errors.push(new DomainError('Enter the deadline for signing off', 'deadline'));
  } else if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    errors.push(new DomainError('The deadline must be a real date, like 31 1 2027', 'deadline'));
  } else if (!isRealDate(Number(year), Number(month), Number(day))) {
    errors.push(new DomainError('The deadline must be a real date, like 31 1 2027', 'deadline'));
  } else {
    deadline = toIsoDate(Number(year), Number(month), Number(day));
    if (deadline < today) errors.push(new DomainError('The deadline must be today or in the future', 'deadline'));
  }
  if (errors.length) throw new ValidationErrors(errors);
  return { subject, body, deadline };
}

/** "A", "A and B", "A, B and C" */
function listOfNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** The email one recipient gets: every placeholder filled in. */
export function personaliseReminder(template: ReminderTemplate, recipient: ReminderRecipient) {
  const values: Record<Placeholder, string> = {
    first_name: recipient.firstName,
    provider_name: listOfNames(recipient.providerNames),
    deadline: formatIsoDate(template.deadline),
  };
  const fill = (text: string) =>
    text.replace(PLACEHOLDER, (whole, name: string) => values[name as Placeholder] ?? whole);
  return { to: recipient.email, subject: fill(template.subject), body: fill(template.body) };
}

/**
 * Everyone to remind: each user of a provider that has not signed off the year. A user of two such
 * providers gets one email naming both.
 */
export async function reminderRecipients(db: Kysely<DB>, year: number): Promise<ReminderRecipient[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select([
      'users.email',
      'users.first_name',
      sql<string[]>`array_agg(organisations.name order by organisations.name)`.as('provider_names'),
      sql<string[]>`array_agg(organisations.id::text order by organisations.name)`.as('provider_ids'),
    ])
    .where('organisations.type', '=', 'provider')
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('performance_sign_offs')
            .select('provider_id')
            .whereRef('performance_sign_offs.provider_id', '=', 'organisations.id')
            .where('performance_sign_offs.academic_year', '=', year),
        ),
      ),
    )
    .groupBy(['users.id', 'users.email', 'users.first_name'])
    .orderBy('users.email')
    .execute();
  return rows.map((row) => ({
    email: row.email,
    firstName: row.first_name,
    providerNames: row.provider_names,
    providerIds: row.provider_ids,
  }));
}

export type SendEmail = (db: Kysely<DB>, email: { to: string; subject: string; body: string }) => Promise<void>;

/**
 * Sends the reminder to everyone who should have it, and records an event in each reminded
 * provider's log, in one transaction so an email stored in the outbox always has its event.
 */
export async function sendSignOffReminders(
  db: Kysely<DB>,
  actor: Actor,
  year: number,
  template: ReminderTemplate,
  send: SendEmail,
): Promise<{ emails: number; providers: number }> {
  return inTransaction(db, async (tx) => {
    const recipients = await reminderRecipients(tx, year);
    if (recipients.length === 0) {
      throw new DomainError(
        `Every provider has signed off the ${academicYearName(year)} academic year: there is nobody to remind`,
      );
    }
    for (const recipient of recipients) await send(tx, personaliseReminder(template, recipient));
    const providers = [...new Set(recipients.flatMap((r) => r.providerIds))];
    const emailsPerProvider = new Map<string, number>();
    for (const r of recipients)
      for (const id of r.providerIds) emailsPerProvider.set(id, (emailsPerProvider.get(id) ?? 0) + 1);
    await recordEvents(
      tx,
      actor,
      'performance profile sign-off reminder',
      providers.map((id) => ({
        organisationId: id,
        subjectType: 'performance_sign_off',
        subjectId: String(year),
        action: 'reminder_sent',
        changes: {
          subject: { to: template.subject },
          deadline: { to: template.deadline },
          emails: { to: emailsPerProvider.get(id) },
        },
      })),
    );
    return { emails: recipients.length, providers: providers.length };
  });
}
