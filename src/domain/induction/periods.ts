// Induction periods: an appropriate body claims ECTs, releases them, records a pass or a fail,
// adds extensions and corrects its current period; support corrects anything, with a reason.
// Claims and closes take many teachers at once (a bulk upload's submit) or one (a page): the same
// operation either way, so each rule lives once. Every change writes its audit events and, where
// the teaching record wants to know, a status change, in the same transaction. The database
// refuses what slips past: overlapping periods, two ongoing, two outcomes, terms out of range.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DB, InductionOutcome, TrainingProgramme } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { recordEvents } from '../audit/events.ts';
import { formatIsoDate } from '../dates.ts';
import { DomainError, NotFoundError } from '../errors.ts';
import { type Actor, actorIds } from '../organisations/actor.ts';
import { isUuid } from '../organisations/organisations.ts';
import type { RecordTeacher } from '../ports/teaching-record.ts';
import {
  claimBlockers,
  claimDateProblem,
  confirmationDateProblem,
  endDateProblem,
  PROGRAMME_NAMES,
  parseTerms,
  periodStartProblem,
  supportPeriodBarriers,
  teacherName,
} from './rules.ts';
import { queueInductionStatus } from './status-updates.ts';
import { claimFactsOf, type TeacherFacts, teacherFacts } from './teachers.ts';

export interface ChangeOptions {
  via: string;
  /** Today's date in England. */
  today: string;
  /** The upload making the change, for undo. */
  uploadId?: string;
}

function requireBody(actor: Actor): void {
  if (actor.organisation.type !== 'appropriate_body') throw new NotFoundError('Teacher');
}

// --- Claims -----------------------------------------------------------------------------------

/**
 * What Rollbook knew of a claim's teacher when the claim was checked: the facts the claim's rules
 * read (and whether it is their first period). A bulk upload stages it with each claim, so that at
 * submission only the claims whose teacher has changed since are judged again.
 */
export interface ClaimKnown {
  outcome: InductionOutcome | null;
  ongoingBodyId: string | null;
  lastFinishedOn: string | null;
  periods: number;
}

export interface ClaimInput {
  /** The teacher as the teaching record gave them (found by TRN and date of birth). */
  record: RecordTeacher;
  startedOn: string;
  programme: TrainingProgramme;
  /** What Rollbook knew of the teacher when the claim was checked (staged claims). */
  known?: ClaimKnown;
}

/** The facts of a teacher that a claim's rules read, as a staged claim keeps them. */
export function claimKnown(facts: TeacherFacts | undefined): ClaimKnown {
  return {
    outcome: facts?.outcome ?? null,
    ongoingBodyId: facts?.ongoing_body_id ?? null,
    lastFinishedOn: facts?.last_finished_on ?? null,
    periods: facts?.period_count ?? 0,
  };
}

/** Where claims come from: a list (a page), or the staged rows of a checked upload. */
export type ClaimSource = { items: ClaimInput[] } | { uploadId: string };

/**
 * The claims as a relation c(ord, trn, date_of_birth, first_name, last_name, qts_date, record_status,
 * prohibited, started_on, programme), read where they already are: an upload's are never brought
 * into memory.
 */
function claimsRelation(source: ClaimSource): RawBuilder<unknown> {
  if ('items' in source) {
    const records = source.items.map((c) => c.record);
    return sql`unnest(
      ${source.items.map((_, i) => i)}::int[], ${records.map((r) => r.trn)}::text[],
      ${records.map((r) => r.dateOfBirth)}::date[], ${records.map((r) => r.firstName)}::text[],
      ${records.map((r) => r.lastName)}::text[], ${records.map((r) => r.qtsDate)}::date[],
      ${records.map((r) => r.inductionStatus)}::text[], ${records.map((r) => r.prohibited)}::boolean[],
      ${source.items.map((c) => c.startedOn)}::date[], ${source.items.map((c) => c.programme)}::text[]
    ) as c(ord, trn, date_of_birth, first_name, last_name, qts_date, record_status, prohibited, started_on, programme)`;
  }
  return sql`(
    select u.row_number as ord, u.change->'record'->>'trn' as trn, (u.change->'record'->>'dateOfBirth')::date as date_of_birth,
      u.change->'record'->>'firstName' as first_name, u.change->'record'->>'lastName' as last_name,
      (u.change->'record'->>'qtsDate')::date as qts_date, u.change->'record'->>'inductionStatus' as record_status,
      (u.change->'record'->>'prohibited')::boolean as prohibited, (u.change->>'startedOn')::date as started_on,
      u.change->>'programme' as programme
    from upload_rows u where u.upload_id = ${source.uploadId} and u.outcome = 'change'
  ) as c`;
}

/**
 * Why each claim cannot be made now, by its index: blocked teachers (no QTS, prohibited, passed,
 * failed, exempt, claimed) and start dates (future, before QTS, not after the last period).
 * Teachers Rollbook does not know yet are judged by what the teaching record says.
 */
export async function claimProblems(
  db: Kysely<DB>,
  actor: Actor,
  claims: ClaimInput[],
  today: string,
): Promise<Map<number, string>> {
  return problemsOfClaims(actor, claims, today, await factsByTrn(db, claims));
}

/**
 * Why each of an upload's staged claims cannot be made now, by row number. Only the claims whose
 * teacher's facts differ from those staged with them (or that staged none) are judged again, by
 * the same rules as claimProblems: the rest were judged by them when the file was checked, and
 * nothing they read has changed. One query finds them, without reading the others.
 */
export async function stagedClaimProblems(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
  today: string,
): Promise<Map<number, string>> {
  const { rows } = await sql<{ row_number: number; change: ClaimInput }>`
    select u.row_number, u.change from upload_rows u
    left join teachers t on t.trn = u.change->'record'->>'trn'
    left join induction_periods o on o.teacher_id = t.id and o.finished_on is null
    left join lateral (
      select max(p.finished_on) as last_finished_on, max(p.outcome)::text as outcome, count(*)::int as period_count
      from induction_periods p where p.teacher_id = t.id
    ) s on true
    where u.upload_id = ${uploadId} and u.outcome = 'change'
      and (u.change->'known' is null or (s.outcome, o.appropriate_body_id, s.last_finished_on, coalesce(s.period_count, 0))
        is distinct from (u.change->'known'->>'outcome', (u.change->'known'->>'ongoingBodyId')::uuid,
          (u.change->'known'->>'lastFinishedOn')::date, (u.change->'known'->>'periods')::int))
    order by u.row_number
  `.execute(db);
  if (rows.length === 0) return new Map();
  const claims = rows.map((r) => r.change);
  const problems = await claimProblems(db, actor, claims, today);
  return new Map([...problems].map(([i, message]) => [rows[i].row_number, message]));
}

/** What Rollbook knows of the claims' teachers, by TRN (one query). */
async function factsByTrn(db: Kysely<DB>, claims: ClaimInput[]): Promise<Map<string, TeacherFacts>> {
  const known = await teacherFacts(db, { trns: claims.map((c) => c.record.trn) });
  return new Map([...known.values()].map((f) => [f.trn, f]));
}

function problemsOfClaims(
  actor: Actor,
  claims: ClaimInput[],
  today: string,
  byTrn: Map<string, TeacherFacts>,
): Map<number, string> {
  const problems = new Map<number, string>();
  claims.forEach((claim, i) => {
    const problem = claimProblem(actor, claim, today, byTrn.get(claim.record.trn));
    if (problem) problems.set(i, problem);
  });
  return problems;
}

/** Why this body cannot claim the teacher from this date, given what Rollbook knows of them; or undefined. */
export function claimProblem(
  actor: Actor,
  { record, startedOn }: Pick<ClaimInput, 'record' | 'startedOn'>,
  today: string,
  facts: TeacherFacts | undefined,
): string | undefined {
  const blockers = claimBlockers(claimFactsOf(record, facts), actor.organisation.id);
  return (
    blockers[0] ??
    claimDateProblem(startedOn, { qtsDate: record.qtsDate, lastFinishedOn: facts?.last_finished_on ?? null, today })
  );
}

/**
 * Claims these ECTs for the actor's body: saves each teacher as the teaching record gave them,
 * opens their induction period, records "claimed" and, for a teacher's first period, tells the
 * teaching record their induction is in progress. Refuses every claim if one cannot be made.
 */
export async function claimEcts(
  db: Kysely<DB>,
  actor: Actor,
  claims: ClaimInput[],
  { via, today, uploadId }: ChangeOptions,
): Promise<{ teacherIds: string[] }> {
  requireBody(actor);
  if (claims.length === 0) return { teacherIds: [] };
  return inTransaction(db, async (tx) => {
    const first = [...(await claimProblems(tx, actor, claims, today)).entries()][0];
    if (first) throw new DomainError(first[1], 'startedOn');
    await writeClaims(tx, actor, { items: claims }, { via, uploadId });
    const { rows } = await sql<{ id: string }>`
      select t.id from ${claimsRelation({ items: claims })} join teachers t on t.trn = c.trn order by c.ord
    `.execute(tx);
    return { teacherIds: rows.map((r) => r.id) };
  });
}

/**
 * Claims the ECTs of an upload's staged claims: claimEcts for a whole file, by the same rules (the
 * claims whose teacher changed since the check judged again, see stagedClaimProblems) and the same
 * writes, done from the staged rows in SQL. Refuses every claim if one cannot be made.
 */
export async function claimStagedEcts(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
  { via, today, expected }: Omit<ChangeOptions, 'uploadId'> & { expected: number },
): Promise<void> {
  requireBody(actor);
  await inTransaction(db, async (tx) => {
    const first = [...(await stagedClaimProblems(tx, actor, uploadId, today)).values()][0];
    if (first) throw new DomainError(first, 'startedOn');
    const claimed = await writeClaims(tx, actor, { uploadId }, { via, uploadId });
    if (claimed !== expected) throw new Error(`Expected ${expected} claims, found ${claimed}`);
  });
}

/**
 * The writes of a claim, whatever the number, in four statements over the claims where they are:
 * the teachers saved (added, or refreshed where the record says something new), their periods,
 * the status changes of first periods and the audit events. Returns how many periods it opened.
 */
async function writeClaims(
  tx: Kysely<DB>,
  actor: Actor,
  source: ClaimSource,
  { via, uploadId }: { via: string; uploadId?: string },
): Promise<number> {
  const claims = claimsRelation(source);
  await sql`
    insert into teachers (trn, date_of_birth, first_name, last_name, qts_date, record_status, prohibited)
    select distinct on (c.trn) c.trn, c.date_of_birth, c.first_name, c.last_name, c.qts_date, c.record_status, c.prohibited
    from ${claims} order by c.trn, c.ord desc
    on conflict (trn) do update set
      date_of_birth = excluded.date_of_birth, first_name = excluded.first_name, last_name = excluded.last_name,
      qts_date = excluded.qts_date, record_status = excluded.record_status, prohibited = excluded.prohibited,
      updated_at = case when (teachers.first_name, teachers.last_name, teachers.qts_date, teachers.record_status,
          teachers.prohibited) is distinct from (excluded.first_name, excluded.last_name, excluded.qts_date,
          excluded.record_status, excluded.prohibited) then now() else teachers.updated_at end
    -- A teacher the record says nothing new of is left as it is (no new row version to write).
    where (teachers.date_of_birth, teachers.first_name, teachers.last_name, teachers.qts_date, teachers.record_status,
        teachers.prohibited) is distinct from (excluded.date_of_birth, excluded.first_name, excluded.last_name,
        excluded.qts_date, excluded.record_status, excluded.prohibited)
  `.execute(tx);
  // The teaching record hears of a teacher's first period only; a later one changes nothing there.
  const { rows: firsts } = await sql<{ id: string }>`
    select t.id from ${claims} join teachers t on t.trn = c.trn
    where not exists (select 1 from induction_periods p where p.teacher_id = t.id)
  `.execute(tx);
  const inserted = await sql`
    insert into induction_periods (teacher_id, appropriate_body_id, started_on, training_programme, claimed_by_upload)
    select t.id, ${actor.organisation.id}::uuid, c.started_on, c.programme, ${uploadId ?? null}::uuid
    from ${claims} join teachers t on t.trn = c.trn
    order by c.ord
  `.execute(tx);
  await queueInductionStatus(
    tx,
    firsts.map((f) => f.id),
    'InProgress',
  );
  const { actorUserId, actorOrganisationId } = actorIds(actor);
  await sql`
    insert into events (actor_user_id, actor_organisation_id, organisation_id, subject_type, subject_id, action, changes, via)
    select ${actorUserId}::uuid, ${actorOrganisationId}::uuid, ${actor.organisation.id}::uuid, 'teacher', t.id::text,
      'induction claimed',
      jsonb_build_object(
        'teacher', jsonb_build_object('to', c.first_name || ' ' || c.last_name),
        'appropriate_body', jsonb_build_object('to', ${actor.organisation.name}::text),
        'started_on', jsonb_build_object('to', c.started_on),
        'training_programme', jsonb_build_object('to', c.programme)),
      ${via}
    from ${claims} join teachers t on t.trn = c.trn
    order by c.ord
  `.execute(tx);
  return Number(inserted.numAffectedRows ?? 0);
}

// --- Release and pass (one or many), fail (one) ------------------------------------------------

export interface CloseInput {
  teacherId: string;
  finishedOn: string;
  /** Terms as given: a number, or text to be checked ("2.5"). */
  terms: number | string;
  outcome: 'pass' | 'release';
}

/** Why each close cannot be made, by index: no ongoing period with this body, dates, terms. */
export async function closeProblems(
  db: Kysely<DB>,
  actor: Actor,
  closes: Omit<CloseInput, 'outcome'>[],
  today: string,
): Promise<Map<number, { message: string; field: string }>> {
  const facts = await teacherFacts(db, { ids: closes.map((c) => c.teacherId) });
  const problems = new Map<number, { message: string; field: string }>();
  closes.forEach((close, i) => {
    const f = facts.get(close.teacherId);
    if (!f) {
      problems.set(i, { message: 'This teacher has not been claimed', field: 'teacher' });
      return;
    }
    const name = teacherName(f);
    if (f.outcome === 'pass') {
      problems.set(i, { message: `${name} has already passed their induction`, field: 'teacher' });
      return;
    }
    if (f.outcome === 'fail') {
      problems.set(i, { message: `${name} has already failed their induction`, field: 'teacher' });
      return;
    }
    if (!f.ongoing_body_id) {
      problems.set(i, { message: `${name} does not have an open induction period`, field: 'teacher' });
      return;
    }
    if (f.ongoing_body_id !== actor.organisation.id) {
      problems.set(i, {
        message: `${name} is completing their induction with another appropriate body (${f.ongoing_body_name})`,
        field: 'teacher',
      });
      return;
    }
    const endProblem = endDateProblem(close.finishedOn, f.ongoing_started_on ?? '', today);
    if (endProblem) {
      problems.set(i, { message: endProblem, field: 'finishedOn' });
      return;
    }
    const terms = parseTerms(String(close.terms));
    if (!terms.ok) problems.set(i, { message: terms.message, field: 'terms' });
  });
  return problems;
}

/**
 * Ends each teacher's ongoing period with this body: a release (no outcome; another body may then
 * claim them) or a pass (the teaching record hears of it). Refuses all if one cannot be made.
 */
export async function closeInductions(
  db: Kysely<DB>,
  actor: Actor,
  closes: CloseInput[],
  { via, today, uploadId }: ChangeOptions,
): Promise<void> {
  requireBody(actor);
  if (closes.length === 0) return;
  await inTransaction(db, async (tx) => {
    const problems = await closeProblems(tx, actor, closes, today);
    const first = [...problems.values()][0];
    if (first) throw new DomainError(first.message, first.field);
    const facts = await teacherFacts(tx, { ids: closes.map((c) => c.teacherId) });
    const { rows } = await sql<{ id: string; teacher_id: string }>`
      update induction_periods p set finished_on = c.finished_on, number_of_terms = c.terms,
        outcome = nullif(c.outcome, 'release'), closed_by_upload = ${uploadId ?? null}::uuid,
        closed_version = p.version + 1, version = p.version + 1, updated_at = now()
      from unnest(${closes.map((c) => c.teacherId)}::uuid[], ${closes.map((c) => c.finishedOn)}::date[],
        ${closes.map((c) => String(Number(c.terms)))}::numeric[], ${closes.map((c) => c.outcome)}::text[])
        as c(teacher_id, finished_on, terms, outcome)
      where p.teacher_id = c.teacher_id and p.finished_on is null and p.appropriate_body_id = ${actor.organisation.id}
      returning p.id, p.teacher_id
    `.execute(tx);
    if (rows.length !== closes.length) throw new DomainError('Some of these inductions changed meanwhile: try again');
    await queueInductionStatus(
      tx,
      closes.filter((c) => c.outcome === 'pass').map((c) => c.teacherId),
      'Passed',
    );
    await recordEvents(
      tx,
      actor,
      via,
      closes.map((close) => {
        const f = facts.get(close.teacherId);
        return {
          organisationId: actor.organisation.id,
          subjectType: 'teacher',
          subjectId: close.teacherId,
          action: close.outcome === 'pass' ? 'induction passed' : 'induction released',
          changes: {
            teacher: { to: f ? teacherName(f) : '' },
            appropriate_body: { to: actor.organisation.name },
            finished_on: { to: close.finishedOn },
            number_of_terms: { to: Number(close.terms) },
          },
        };
      }),
    );
  });
}

/** Who hears of a fail by email: the regulator (an address in config, the Notify adapter sends it). */
export interface FailNotice {
  to: string;
  send(db: Kysely<DB>, email: { to: string; subject: string; body: string }): Promise<void>;
}

/**
 * Records a fail, one teacher at a time (never in bulk): needs the date the ECT was sent written
 * confirmation of the outcome and their right to appeal. Emails the regulator and tells the
 * teaching record, in the same transaction.
 */
export async function failEct(
  db: Kysely<DB>,
  actor: Actor,
  input: { teacherId: string; finishedOn: string; terms: number | string; confirmationSentOn: string | null },
  { via, today, notice }: ChangeOptions & { notice: FailNotice },
): Promise<void> {
  requireBody(actor);
  await inTransaction(db, async (tx) => {
    const problems = await closeProblems(tx, actor, [input], today);
    const problem = problems.get(0);
    if (problem) throw new DomainError(problem.message, problem.field);
    if (!input.confirmationSentOn) {
      throw new DomainError(
        'Enter the date you sent them written confirmation of their failed induction',
        'confirmationSentOn',
      );
    }
    const dateProblem = confirmationDateProblem(input.confirmationSentOn, input.finishedOn, today);
    if (dateProblem) throw new DomainError(dateProblem, 'confirmationSentOn');
    const facts = (await teacherFacts(tx, { ids: [input.teacherId] })).get(input.teacherId);
    if (!facts) throw new NotFoundError('Teacher');
    const terms = Number(input.terms);
    await tx
      .updateTable('induction_periods')
      .set((eb) => ({
        finished_on: input.finishedOn,
        number_of_terms: String(terms),
        outcome: 'fail',
        fail_confirmation_sent_on: input.confirmationSentOn,
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('teacher_id', '=', input.teacherId)
      .where('finished_on', 'is', null)
      .where('appropriate_body_id', '=', actor.organisation.id)
      .execute();
    await queueInductionStatus(tx, [input.teacherId], 'Failed');
    const name = teacherName(facts);
    await notice.send(tx, {
      to: notice.to,
      subject: `Failed induction: ${name} (TRN ${facts.trn})`,
      body: [
        `${actor.organisation.name} has recorded that ${name} failed their induction.`,
        '',
        `TRN: ${facts.trn}`,
        `Induction end date: ${formatIsoDate(input.finishedOn)}`,
        `Number of terms with this body: ${terms}`,
        `Sent written confirmation on: ${formatIsoDate(input.confirmationSentOn)}`,
        `Recorded by: ${actor.firstName} ${actor.lastName} (${actor.email})`,
      ].join('\n'),
    });
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: input.teacherId,
        action: 'induction failed',
        changes: {
          teacher: { to: name },
          appropriate_body: { to: actor.organisation.name },
          finished_on: { to: input.finishedOn },
          number_of_terms: { to: terms },
          fail_confirmation_sent_on: { to: input.confirmationSentOn },
        },
      },
    ]);
  });
}

// --- Extensions and corrections ----------------------------------------------------------------

/** The teacher's facts, when their ongoing period is with the actor's body; otherwise not found. */
async function currentEct(db: Kysely<DB>, actor: Actor, teacherId: string): Promise<TeacherFacts> {
  requireBody(actor);
  const facts = (await teacherFacts(db, { ids: [teacherId] })).get(teacherId);
  if (!facts || facts.ongoing_body_id !== actor.organisation.id) throw new NotFoundError('Teacher');
  return facts;
}

/** Adds an extension (terms added to those required), for one of the body's current ECTs. */
export async function addExtension(
  db: Kysely<DB>,
  actor: Actor,
  teacherId: string,
  termsText: string,
  { via }: Pick<ChangeOptions, 'via'>,
): Promise<string> {
  return inTransaction(db, async (tx) => {
    const facts = await currentEct(tx, actor, teacherId);
    const terms = parseTerms(termsText, { min: 0.1 });
    if (!terms.ok) throw new DomainError(terms.message, 'terms');
    const { id } = await tx
      .insertInto('induction_extensions')
      .values({
        teacher_id: teacherId,
        number_of_terms: String(terms.value),
        appropriate_body_id: actor.organisation.id,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: teacherId,
        action: 'induction extended',
        changes: { teacher: { to: teacherName(facts) }, number_of_terms: { to: terms.value } },
      },
    ]);
    return id;
  });
}

export async function changeExtension(
  db: Kysely<DB>,
  actor: Actor,
  teacherId: string,
  extensionId: string,
  termsText: string,
  { via }: Pick<ChangeOptions, 'via'>,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const facts = await currentEct(tx, actor, teacherId);
    const terms = parseTerms(termsText, { min: 0.1 });
    if (!terms.ok) throw new DomainError(terms.message, 'terms');
    const before = await tx
      .selectFrom('induction_extensions')
      .select('number_of_terms')
      .where('id', '=', extensionId)
      .where('teacher_id', '=', teacherId)
      .executeTakeFirst();
    if (!before) throw new NotFoundError('Extension');
    await tx
      .updateTable('induction_extensions')
      .set({ number_of_terms: String(terms.value), updated_at: new Date() })
      .where('id', '=', extensionId)
      .execute();
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: teacherId,
        action: 'induction extension changed',
        changes: {
          teacher: { to: teacherName(facts) },
          number_of_terms: { from: Number(before.number_of_terms), to: terms.value },
        },
      },
    ]);
  });
}

/**
 * The body corrects its current period: the start date and the programme. When it is the
 * teacher's first period and its start moves, the teaching record hears the new start.
 */
export async function editCurrentPeriod(
  db: Kysely<DB>,
  actor: Actor,
  teacherId: string,
  input: { startedOn: string; programme: TrainingProgramme },
  { via, today }: ChangeOptions,
): Promise<void> {
  await inTransaction(db, async (tx) => {
    const facts = await currentEct(tx, actor, teacherId);
    const before = await tx
      .selectFrom('induction_periods')
      .select(['id', 'started_on', 'training_programme'])
      .where('id', '=', facts.ongoing_period_id ?? '')
      .executeTakeFirstOrThrow();
    const problem = claimDateProblem(input.startedOn, {
      qtsDate: facts.qts_date,
      lastFinishedOn: facts.last_finished_on,
      today,
    });
    if (problem) throw new DomainError(problem, 'startedOn');
    const changes: Record<string, { from: unknown; to: unknown }> = {};
    if (before.started_on !== input.startedOn) changes.started_on = { from: before.started_on, to: input.startedOn };
    if (before.training_programme !== input.programme) {
      changes.training_programme = { from: before.training_programme, to: input.programme };
    }
    if (Object.keys(changes).length === 0) return;
    await tx
      .updateTable('induction_periods')
      .set((eb) => ({
        started_on: input.startedOn,
        training_programme: input.programme,
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', before.id)
      .execute();
    if (changes.started_on && facts.period_count === 1) await queueInductionStatus(tx, [teacherId], 'InProgress');
    await recordEvents(tx, actor, via, [
      {
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: teacherId,
        action: 'induction period changed',
        changes: { teacher: { to: teacherName(facts) }, ...changes },
      },
    ]);
  });
}

// --- Support corrections (with a reason) -------------------------------------------------------

function requireSupport(actor: Actor, reason: string): string {
  if (actor.organisation.type !== 'support') throw new NotFoundError('Teacher');
  const given = reason.trim();
  if (!given)
    throw new DomainError('Enter the reason for this correction, like the support ticket it answers', 'reason');
  if (given.length > 500) throw new DomainError('The reason must be 500 characters or fewer', 'reason');
  return given;
}

/** Support reopens a teacher's latest period that has an outcome (it becomes ongoing again). */
export async function reopenInduction(
  db: Kysely<DB>,
  actor: Actor,
  teacherId: string,
  reasonText: string,
  { via }: Pick<ChangeOptions, 'via'>,
): Promise<void> {
  const reason = requireSupport(actor, reasonText);
  await inTransaction(db, async (tx) => {
    const facts = (await teacherFacts(tx, { ids: [teacherId] })).get(teacherId);
    if (!facts) throw new NotFoundError('Teacher');
    const latest = await tx
      .selectFrom('induction_periods')
      .select(['id', 'outcome', 'finished_on', 'number_of_terms', 'appropriate_body_id'])
      .where('teacher_id', '=', teacherId)
      .orderBy('started_on', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (!latest?.outcome) throw new DomainError('Only an induction with an outcome can be reopened', 'reason');
    await tx
      .updateTable('induction_periods')
      .set((eb) => ({
        finished_on: null,
        number_of_terms: null,
        outcome: null,
        fail_confirmation_sent_on: null,
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', latest.id)
      .execute();
    await queueInductionStatus(tx, [teacherId], 'InProgress');
    await recordEvents(tx, actor, via, [
      {
        organisationId: latest.appropriate_body_id,
        subjectType: 'teacher',
        subjectId: teacherId,
        action: 'induction reopened',
        changes: {
          teacher: { to: teacherName(facts) },
          outcome: { from: latest.outcome, to: null },
          finished_on: { from: latest.finished_on, to: null },
          reason: { to: reason },
        },
      },
    ]);
  });
}

/** Support deletes a period without an outcome (claimed in error, say). */
export async function deleteInductionPeriod(
  db: Kysely<DB>,
  actor: Actor,
  periodId: string,
  reasonText: string,
  { via }: Pick<ChangeOptions, 'via'>,
): Promise<void> {
  const reason = requireSupport(actor, reasonText);
  if (!isUuid(periodId)) throw new NotFoundError('Induction period');
  await inTransaction(db, async (tx) => {
    const period = await tx
      .selectFrom('induction_periods')
      .innerJoin('teachers', 'teachers.id', 'induction_periods.teacher_id')
      .innerJoin('organisations', 'organisations.id', 'induction_periods.appropriate_body_id')
      .select([
        'induction_periods.id',
        'induction_periods.teacher_id',
        'induction_periods.appropriate_body_id',
        'induction_periods.started_on',
        'induction_periods.finished_on',
        'induction_periods.outcome',
        'teachers.first_name',
        'teachers.last_name',
        'organisations.name as body_name',
      ])
      .where('induction_periods.id', '=', periodId)
      .executeTakeFirst();
    if (!period) throw new NotFoundError('Induction period');
    if (period.outcome) {
      throw new DomainError('A period with an outcome cannot be deleted: reopen it first', 'reason');
    }
    const earliest = await tx
      .selectFrom('induction_periods')
      .select('id')
      .where('teacher_id', '=', period.teacher_id)
      .orderBy('started_on')
      .limit(1)
      .executeTakeFirstOrThrow();
    await tx.deleteFrom('induction_periods').where('id', '=', periodId).execute();
    const left = await tx
      .selectFrom('induction_periods')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('teacher_id', '=', period.teacher_id)
      .executeTakeFirstOrThrow();
    if (Number(left.n) === 0) await queueInductionStatus(tx, [period.teacher_id], 'RequiredToComplete');
    else if (earliest.id === periodId) await queueInductionStatus(tx, [period.teacher_id], 'InProgress');
    await recordEvents(tx, actor, via, [
      {
        organisationId: period.appropriate_body_id,
        subjectType: 'teacher',
        subjectId: period.teacher_id,
        action: 'induction period deleted',
        changes: {
          teacher: { to: teacherName(period) },
          appropriate_body: { from: period.body_name },
          started_on: { from: period.started_on },
          finished_on: { from: period.finished_on },
          reason: { to: reason },
        },
      },
    ]);
  });
}

/** A period as support adds or corrects it: any body, any dates the rules allow. */
export interface SupportPeriodInput {
  appropriateBodyId: string;
  startedOn: string;
  /** Null for an ongoing period. */
  finishedOn: string | null;
  /** Terms as typed: required with an end date, blank while ongoing. */
  terms: string;
  programme: TrainingProgramme;
}

interface PeriodRow {
  id: string;
  appropriate_body_id: string;
  body_name: string;
  started_on: string;
  finished_on: string | null;
  number_of_terms: string | null;
  training_programme: TrainingProgramme;
  outcome: 'pass' | 'fail' | null;
  fail_confirmation_sent_on: string | null;
}

/** A teacher's periods, locked for the correction, oldest first. */
async function periodsOf(tx: Kysely<DB>, teacherId: string): Promise<PeriodRow[]> {
  const { rows } = await sql<PeriodRow>`
    select p.id, p.appropriate_body_id, o.name as body_name, p.started_on::text as started_on,
      p.finished_on::text as finished_on, p.number_of_terms::text as number_of_terms, p.training_programme, p.outcome,
      p.fail_confirmation_sent_on::text as fail_confirmation_sent_on
    from induction_periods p join organisations o on o.id = p.appropriate_body_id
    where p.teacher_id = ${teacherId} order by p.started_on
    for update of p
  `.execute(tx);
  return rows;
}

const periodDates = (p: { started_on: string; finished_on: string | null }) =>
  `${formatIsoDate(p.started_on)} to ${p.finished_on ? formatIsoDate(p.finished_on) : 'now (ongoing)'}`;

const supportFacts = (facts: TeacherFacts) => ({
  name: teacherName(facts),
  qtsDate: facts.qts_date,
  prohibited: facts.prohibited,
  recordStatus: facts.record_status,
  outcome: facts.outcome,
});

/**
 * Checks a period support adds or corrects against the rules and the teacher's other periods;
 * gives the body's name and the terms as stored. Throws a DomainError naming the field to fix.
 */
async function checkSupportPeriod(
  tx: Kysely<DB>,
  facts: TeacherFacts,
  input: SupportPeriodInput,
  others: PeriodRow[],
  outcome: 'pass' | 'fail' | null,
  today: string,
  /** A failed period's date of written confirmation, which its end cannot be after. */
  confirmationSentOn: string | null = null,
): Promise<{ bodyName: string; terms: number | null }> {
  const body = await tx
    .selectFrom('organisations')
    .select(['id', 'name'])
    .where('id', '=', isUuid(input.appropriateBodyId) ? input.appropriateBodyId : null)
    .where('type', '=', 'appropriate_body')
    .executeTakeFirst();
  if (!body) throw new DomainError('Select the appropriate body the period was with', 'appropriateBodyId');
  const [barrier] = supportPeriodBarriers(supportFacts(facts));
  if (barrier) throw new DomainError(barrier, 'startedOn');
  const startProblem = periodStartProblem(input.startedOn, { qtsDate: facts.qts_date, today });
  if (startProblem) throw new DomainError(startProblem, 'startedOn');
  if (input.finishedOn) {
    const endProblem = endDateProblem(input.finishedOn, input.startedOn, today);
    if (endProblem) throw new DomainError(endProblem, 'finishedOn');
    if (
      outcome === 'fail' &&
      confirmationSentOn &&
      confirmationDateProblem(confirmationSentOn, input.finishedOn, today)
    ) {
      throw new DomainError(
        `The end date cannot be after ${formatIsoDate(confirmationSentOn)}, when written confirmation of the fail was sent`,
        'finishedOn',
      );
    }
  } else if (outcome) {
    throw new DomainError(
      'A period with an outcome needs an end date. To make it ongoing, reopen the induction instead',
      'finishedOn',
    );
  }
  let terms: number | null = null;
  if (input.finishedOn) {
    const parsed = parseTerms(input.terms);
    if (!parsed.ok) throw new DomainError(parsed.message, 'terms');
    terms = parsed.value;
  } else if (input.terms.trim() !== '') {
    throw new DomainError(
      'Delete the number of terms, or enter an end date: an ongoing period has no terms yet',
      'terms',
    );
  }
  const end = input.finishedOn ?? '9999-12-31';
  const overlapping = others.find((o) => o.started_on <= end && input.startedOn <= (o.finished_on ?? '9999-12-31'));
  if (overlapping) {
    throw new DomainError(
      `This period would overlap ${facts.first_name} ${facts.last_name}’s period with ${overlapping.body_name} (${periodDates(overlapping)}). Change the dates, or correct that period first`,
      'startedOn',
    );
  }
  const ended = others.find((o) => o.outcome && o.started_on < input.startedOn);
  if (ended) {
    throw new DomainError(
      `${teacherName(facts)} ${ended.outcome === 'pass' ? 'passed' : 'failed'} their induction with ${ended.body_name} (${periodDates(ended)}): no period can start after that. Reopen the induction first`,
      'startedOn',
    );
  }
  if (outcome && others.some((o) => o.started_on > input.startedOn)) {
    throw new DomainError('The period with the outcome must be the teacher’s last', 'startedOn');
  }
  return { bodyName: body.name, terms };
}

/**
 * What the teaching record must hear after support changed a teacher's periods: the outcome again
 * when its dates moved, or the induction's start when the first period's start moved (or the
 * first period was added).
 */
async function queueAfterCorrection(tx: Kysely<DB>, before: TeacherFacts, teacherId: string): Promise<void> {
  const after = (await teacherFacts(tx, { ids: [teacherId] })).get(teacherId);
  if (!after) return;
  if (after.outcome) {
    if (after.first_started_on !== before.first_started_on || after.last_finished_on !== before.last_finished_on) {
      await queueInductionStatus(tx, [teacherId], after.outcome === 'pass' ? 'Passed' : 'Failed');
    }
  } else if (
    after.first_started_on !== before.first_started_on &&
    supportPeriodBarriers(supportFacts(after)).length === 0
  ) {
    await queueInductionStatus(tx, [teacherId], 'InProgress');
  }
}

/**
 * Support adds an induction period to any teacher Rollbook knows (one a body forgot, or from
 * before Rollbook), with a reason. Released or ongoing: an outcome is recorded by the body.
 */
export async function addInductionPeriod(
  db: Kysely<DB>,
  actor: Actor,
  teacherId: string,
  input: SupportPeriodInput,
  reasonText: string,
  { via, today }: ChangeOptions,
): Promise<string> {
  const reason = requireSupport(actor, reasonText);
  return inTransaction(db, async (tx) => {
    const facts = (await teacherFacts(tx, { ids: [teacherId] })).get(teacherId);
    if (!facts) throw new NotFoundError('Teacher');
    const others = await periodsOf(tx, teacherId);
    const { bodyName, terms } = await checkSupportPeriod(tx, facts, input, others, null, today);
    const { id } = await tx
      .insertInto('induction_periods')
      .values({
        teacher_id: teacherId,
        appropriate_body_id: input.appropriateBodyId,
        started_on: input.startedOn,
        finished_on: input.finishedOn,
        number_of_terms: terms === null ? null : String(terms),
        training_programme: input.programme,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await queueAfterCorrection(tx, facts, teacherId);
    await recordEvents(tx, actor, via, [
      {
        organisationId: input.appropriateBodyId,
        subjectType: 'teacher',
        subjectId: teacherId,
        action: 'induction period added',
        changes: {
          teacher: { to: teacherName(facts) },
          appropriate_body: { to: bodyName },
          started_on: { to: input.startedOn },
          finished_on: { to: input.finishedOn },
          number_of_terms: { to: terms },
          training_programme: { to: input.programme },
          reason: { to: reason },
        },
      },
    ]);
    return id;
  });
}

/**
 * Support corrects any period of a teacher (its body, dates, terms and programme; its outcome
 * stays, and a period with one keeps an end date), with a reason. The event keeps what changed,
 * before and after.
 */
export async function changeInductionPeriod(
  db: Kysely<DB>,
  actor: Actor,
  periodId: string,
  input: SupportPeriodInput,
  reasonText: string,
  { via, today }: ChangeOptions,
): Promise<void> {
  const reason = requireSupport(actor, reasonText);
  await inTransaction(db, async (tx) => {
    const owner = await tx
      .selectFrom('induction_periods')
      .select('teacher_id')
      .where('id', '=', isUuid(periodId) ? periodId : null)
      .executeTakeFirst();
    if (!owner) throw new NotFoundError('Induction period');
    const facts = (await teacherFacts(tx, { ids: [owner.teacher_id] })).get(owner.teacher_id);
    if (!facts) throw new NotFoundError('Teacher');
    const periods = await periodsOf(tx, owner.teacher_id);
    const before = periods.find((p) => p.id === periodId);
    if (!before) throw new NotFoundError('Induction period');
    const others = periods.filter((p) => p.id !== periodId);
    const { bodyName, terms } = await checkSupportPeriod(
      tx,
      facts,
      input,
      others,
      before.outcome,
      today,
      before.fail_confirmation_sent_on,
    );
    const changes: Record<string, { from?: unknown; to: unknown }> = {};
    if (before.appropriate_body_id !== input.appropriateBodyId) {
      changes.appropriate_body = { from: before.body_name, to: bodyName };
    }
    if (before.started_on !== input.startedOn) changes.started_on = { from: before.started_on, to: input.startedOn };
    if (before.finished_on !== input.finishedOn) {
      changes.finished_on = { from: before.finished_on, to: input.finishedOn };
    }
    const termsBefore = before.number_of_terms === null ? null : Number(before.number_of_terms);
    if (termsBefore !== terms) changes.number_of_terms = { from: termsBefore, to: terms };
    if (before.training_programme !== input.programme) {
      changes.training_programme = { from: before.training_programme, to: input.programme };
    }
    if (Object.keys(changes).length === 0) {
      throw new DomainError('Nothing has changed: change a date, the terms, the body or the programme', 'startedOn');
    }
    await tx
      .updateTable('induction_periods')
      .set((eb) => ({
        appropriate_body_id: input.appropriateBodyId,
        started_on: input.startedOn,
        finished_on: input.finishedOn,
        number_of_terms: terms === null ? null : String(terms),
        training_programme: input.programme,
        version: eb('version', '+', 1),
        updated_at: new Date(),
      }))
      .where('id', '=', periodId)
      .execute();
    await queueAfterCorrection(tx, facts, owner.teacher_id);
    const event = {
      subjectType: 'teacher',
      subjectId: owner.teacher_id,
      action: 'induction period corrected',
      changes: {
        teacher: { to: teacherName(facts) },
        ...(changes.appropriate_body ? {} : { appropriate_body: { to: bodyName } }),
        ...changes,
        reason: { to: reason },
      },
    };
    // A period moved to another body is in both bodies' audit logs: the one it left and the one it joined.
    const bodies = changes.appropriate_body
      ? [before.appropriate_body_id, input.appropriateBodyId]
      : [input.appropriateBodyId];
    await recordEvents(
      tx,
      actor,
      via,
      bodies.map((organisationId) => ({ organisationId, ...event })),
    );
  });
}

export const programmeName = (programme: TrainingProgramme) => PROGRAMME_NAMES[programme];

// --- Undoing a bulk upload ------------------------------------------------------------------------

/**
 * Removes the periods an upload's claims opened, unless something has happened to them since (an
 * end date, a correction, an extension, a later period): then returns why, one line per teacher,
 * and changes nothing. Teachers left with no period go back to "required to complete" in the
 * teaching record.
 */
export async function undoUploadedClaims(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
  { via }: Pick<ChangeOptions, 'via'>,
): Promise<string[]> {
  requireBody(actor);
  return inTransaction(db, async (tx) => {
    const { rows } = await sql<{
      id: string;
      teacher_id: string;
      first_name: string;
      last_name: string;
      changed: boolean;
      others: number;
    }>`
      select p.id, p.teacher_id, t.first_name, t.last_name,
        (p.finished_on is not null or p.version > 1
          or exists (select 1 from induction_extensions e where e.teacher_id = p.teacher_id and e.created_at > p.created_at))
          as changed,
        (select count(*) from induction_periods o where o.teacher_id = p.teacher_id and o.id <> p.id)::int as others
      from induction_periods p join teachers t on t.id = p.teacher_id
      where p.claimed_by_upload = ${uploadId}::uuid and p.appropriate_body_id = ${actor.organisation.id}
      for update of p
    `.execute(tx);
    const changed = rows.filter((r) => r.changed);
    if (changed.length) {
      return changed.map(
        (r) => `${teacherName(r)}’s induction period has changed since it was claimed: change it on their page instead`,
      );
    }
    await sql`delete from induction_periods where id = any(${rows.map((r) => r.id)}::uuid[])`.execute(tx);
    await queueInductionStatus(
      tx,
      rows.filter((r) => r.others === 0).map((r) => r.teacher_id),
      'RequiredToComplete',
    );
    await recordEvents(
      tx,
      actor,
      via,
      rows.map((r) => ({
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: r.teacher_id,
        action: 'induction claim undone',
        changes: { teacher: { to: teacherName(r) }, appropriate_body: { from: actor.organisation.name } },
      })),
    );
    return [];
  });
}

/**
 * Reopens the periods an upload's outcomes closed (passes and releases), unless something has
 * happened to the teacher since (another period, a correction): then returns why and changes
 * nothing. A reopened pass tells the teaching record the induction is in progress again.
 */
export async function undoUploadedOutcomes(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
  { via }: Pick<ChangeOptions, 'via'>,
): Promise<string[]> {
  requireBody(actor);
  return inTransaction(db, async (tx) => {
    const { rows } = await sql<{
      id: string;
      teacher_id: string;
      first_name: string;
      last_name: string;
      outcome: 'pass' | null;
      finished_on: string;
      later: boolean;
      corrected: boolean;
    }>`
      select p.id, p.teacher_id, t.first_name, t.last_name, p.outcome, p.finished_on::text as finished_on,
        exists (select 1 from induction_periods later where later.teacher_id = p.teacher_id
          and later.started_on > p.started_on) as later,
        p.version is distinct from p.closed_version as corrected
      from induction_periods p join teachers t on t.id = p.teacher_id
      where p.closed_by_upload = ${uploadId}::uuid and p.appropriate_body_id = ${actor.organisation.id}
      for update of p
    `.execute(tx);
    const changed = rows.filter((r) => r.later || r.corrected);
    if (changed.length) {
      return changed.map((r) =>
        r.later
          ? `${teacherName(r)} has a later induction period: change their record on their page instead`
          : `${teacherName(r)}’s induction period has been corrected since this upload ended it: change their record on their page instead`,
      );
    }
    await sql`
      update induction_periods set finished_on = null, number_of_terms = null, outcome = null, closed_by_upload = null,
        closed_version = null,
        version = version + 1, updated_at = now()
      where id = any(${rows.map((r) => r.id)}::uuid[])
    `.execute(tx);
    await queueInductionStatus(
      tx,
      rows.filter((r) => r.outcome === 'pass').map((r) => r.teacher_id),
      'InProgress',
    );
    await recordEvents(
      tx,
      actor,
      via,
      rows.map((r) => ({
        organisationId: actor.organisation.id,
        subjectType: 'teacher',
        subjectId: r.teacher_id,
        action: 'induction outcome undone',
        changes: {
          teacher: { to: teacherName(r) },
          outcome: { from: r.outcome ?? 'release', to: null },
          finished_on: { from: r.finished_on, to: null },
        },
      })),
    );
    return [];
  });
}
