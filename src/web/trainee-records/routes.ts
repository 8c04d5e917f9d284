// Provider pages that put trainees in and change them: "Add a trainee" (a task list of sections,
// each saved incomplete if need be, check your answers, register, delete the draft), changing a
// trainee's details section by section, and deferring, reinstating, withdrawing and recommending
// one trainee, each checked and then confirmed. Every write is a domain operation the bulk upload
// and the API use too.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { DB, Trainee } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { formatIsoDate, today } from '../../domain/dates.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import {
  createDraft,
  deleteDraft,
  findDraft,
  listDrafts,
  registerDraft,
  saveDraftSection,
} from '../../domain/trainees/drafts.ts';
import { ineligibilityReason } from '../../domain/trainees/eligibility.ts';
import { recommendTrainee } from '../../domain/trainees/recommendations.ts';
import {
  ANOTHER_REASON,
  REFERENCE_LIST_TITLES,
  REFERENCE_LISTS,
  referenceName,
  WITHDRAWAL_REASONS,
} from '../../domain/trainees/reference-lists.ts';
import {
  checkTraineeInput,
  detailsOf,
  inputOf,
  SECTIONS,
  type SectionId,
  sectionApplies,
  sectionStatus,
} from '../../domain/trainees/trainee-details.ts';
import {
  changeTraineeDetails,
  DuplicateTraineeError,
  deferTrainee,
  LOCKED_STATES,
  reinstateTrainee,
  withdrawTrainee,
} from '../../domain/trainees/trainee-records.ts';
import { findTrainee } from '../../domain/trainees/trainees.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import type { Services } from '../../services.ts';
import { errorsFrom, type FormErrors, field, formErrors } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { dateInputItems, dateInputValues, parseDateInput } from '../placements/date-input.ts';
import { firstFieldId, isSectionId, sectionFields, sectionInput, sectionRows, sectionTitle } from './sections.ts';

const VIEW = 'trainee-records/views';
const PAGE_VIA = 'page';
const NO_ERRORS: FormErrors = { summary: [], fields: {} };

/** Thrown to roll back a dry run: the operation's rules were checked, nothing is kept. */
class DryRun extends Error {}

/** Runs an operation and rolls it back: its rules say whether it would succeed, in their words. */
async function check(db: Kysely<DB>, operation: (tx: Transaction<DB>) => Promise<unknown>): Promise<void> {
  try {
    await db.transaction().execute(async (tx) => {
      await operation(tx);
      throw new DryRun();
    });
  } catch (error) {
    if (!(error instanceof DryRun)) throw error;
  }
}

const name = (trainee: Pick<Trainee, 'first_names' | 'last_name'>) => `${trainee.first_names} ${trainee.last_name}`;

/** The confirmation journeys on a trainee's page: what each asks and does. */
interface StateJourney {
  id: 'defer' | 'reinstate' | 'withdraw' | 'recommend';
  title: (trainee: Trainee) => string;
  dateLabel: (trainee: Trainee) => string;
  button: string;
  run: (tx: Transaction<DB>, actor: Actor, trainee: Trainee, body: unknown, date: string | null) => Promise<unknown>;
  done: (trainee: Trainee) => string;
}

const award = (trainee: Trainee) => trainingRoute(trainee.route).award;

function reasonsOf(body: unknown): string[] {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>).reasons : undefined;
  return (Array.isArray(value) ? value : value ? [value] : []).filter((v): v is string => typeof v === 'string');
}

const JOURNEYS: Record<StateJourney['id'], StateJourney> = {
  defer: {
    id: 'defer',
    title: (t) => `Defer ${name(t)}`,
    dateLabel: () => 'Date of deferral',
    button: 'Defer trainee',
    run: (tx, actor, t, _body, date) => deferTrainee(tx, actor, t.id, { date }, { via: PAGE_VIA, today: today() }),
    done: (t) => `${name(t)} has been deferred`,
  },
  reinstate: {
    id: 'reinstate',
    title: (t) => `Reinstate ${name(t)}`,
    dateLabel: () => 'Date the trainee returned to training',
    button: 'Reinstate trainee',
    run: (tx, actor, t, _body, date) => reinstateTrainee(tx, actor, t.id, { date }, { via: PAGE_VIA, today: today() }),
    done: (t) => `${name(t)} has been reinstated`,
  },
  withdraw: {
    id: 'withdraw',
    title: (t) => `Withdraw ${name(t)}`,
    dateLabel: () => 'Date of withdrawal',
    button: 'Withdraw trainee',
    run: (tx, actor, t, body, date) =>
      withdrawTrainee(
        tx,
        actor,
        t.id,
        { date, reasons: reasonsOf(body), otherReason: field(body, 'otherReason') },
        { via: PAGE_VIA, today: today() },
      ),
    done: (t) => `${name(t)} has been withdrawn`,
  },
  recommend: {
    id: 'recommend',
    title: (t) => `Recommend ${name(t)} for ${award(t)}`,
    dateLabel: (t) => `Date ${name(t)} met the ${award(t)} standards`,
    button: 'Recommend trainee',
    run: (tx, actor, t, _body, date) => {
      if (!date) throw new DomainError(`Enter the date the trainee met the ${award(t)} standards`, 'date');
      return recommendTrainee(tx, actor, t, date, { via: PAGE_VIA, today: today() });
    },
    done: (t) => `${name(t)} has been recommended for ${award(t)}`,
  },
};

export async function traineeRecordRoutes(
  app: FastifyInstance,
  { database, jobs }: Pick<Services, 'database' | 'jobs'>,
) {
  const db = database.db;
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', async (request) => {
    if (actorOf(request).organisation.type !== 'provider') throw new NotFoundError('Page');
  });

  // --- Add a trainee -------------------------------------------------------------------------

  // The allowed values of coded details: the same lists the API serves at /api/v1/reference/{list}.
  app.get('/reference', async (_request, reply) =>
    reply.viewAsync(`${VIEW}/reference.njk`, {
      title: 'Allowed values for trainees’ details',
      backLink: '/trainees',
      lists: Object.entries(REFERENCE_LISTS).map(([id, items]) => ({
        id,
        ...REFERENCE_LIST_TITLES[id],
        rows: items.map((item) => [
          { text: item.code },
          { text: item.name },
          { text: (item.synonyms ?? []).join(', ') },
        ]),
      })),
    }),
  );

  app.get('/new', async (request, reply) => {
    const drafts = await listDrafts(db, actorOf(request));
    return reply.viewAsync(`${VIEW}/new.njk`, {
      title: 'Add a trainee',
      backLink: '/trainees',
      drafts: drafts.map((d) => ({
        href: `/trainees/drafts/${d.id}`,
        name: [d.input.firstNames, d.input.lastName].filter(Boolean).join(' ') || 'Trainee with no name yet',
        updated: formatIsoDate(d.updatedAt.toISOString().slice(0, 10)),
      })),
    });
  });

  app.post('/new', async (request, reply) => {
    const draft = await createDraft(db, actorOf(request));
    return reply.redirect(`/trainees/drafts/${draft.id}`, 303);
  });

  app.get<{ Params: { draftId: string } }>('/drafts/:draftId', async (request, reply) => {
    const draft = await findDraft(db, actorOf(request), request.params.draftId);
    const { errors } = checkTraineeInput(draft.input, today());
    const route = draft.input.trainingRoute ?? null;
    const items = SECTIONS.map((section) => {
      const status = sectionStatus(section.id, errors, draft.input);
      return {
        title: { text: section.title },
        href: status === 'not-needed' ? undefined : `/trainees/drafts/${draft.id}/${section.id}`,
        hint: status === 'not-needed' ? { text: `Not needed for the ${routeName(route)} route` } : undefined,
        status:
          status === 'completed'
            ? { text: 'Completed' }
            : status === 'not-needed'
              ? { text: 'Not needed', classes: 'govuk-task-list__status--cannot-start-yet' }
              : { tag: { text: 'Incomplete', classes: 'govuk-tag--blue' } },
      };
    });
    return reply.viewAsync(`${VIEW}/task-list.njk`, {
      title: 'Add a trainee',
      backLink: '/trainees/new',
      draftId: draft.id,
      items,
      complete: errors.length === 0,
      incomplete: items.filter((i) => i.status.tag).length,
    });
  });

  const sectionPage = async (
    reply: FastifyReply,
    {
      section,
      values,
      errors,
      posted,
      action,
      backLink,
      caption,
      button,
    }: {
      section: SectionId;
      values: Parameters<typeof sectionFields>[1];
      errors: FormErrors;
      posted?: unknown;
      action: string;
      backLink: string;
      caption: string;
      button: string;
    },
  ) =>
    reply.code(errors.summary.length ? 400 : 200).viewAsync(`${VIEW}/section.njk`, {
      title: sectionTitle(section),
      caption,
      backLink,
      action,
      button,
      errors,
      fields: sectionFields(section, values, errors.fields, posted),
    });

  app.get<{ Params: { draftId: string; section: string } }>('/drafts/:draftId/:section', async (request, reply) => {
    const { section } = request.params;
    if (!isSectionId(section)) throw new NotFoundError('Page');
    const draft = await findDraft(db, actorOf(request), request.params.draftId);
    const fromCheck = field(request.query, 'back') === 'check';
    return sectionPage(reply, {
      section,
      values: draft.input,
      errors: NO_ERRORS,
      action: `/trainees/drafts/${draft.id}/${section}${fromCheck ? '?back=check' : ''}`,
      backLink: `/trainees/drafts/${draft.id}${fromCheck ? '/check' : ''}`,
      caption: 'Add a trainee',
      button: 'Save and continue',
    });
  });

  app.post<{ Params: { draftId: string; section: string } }>('/drafts/:draftId/:section', async (request, reply) => {
    const { section } = request.params;
    if (!isSectionId(section)) throw new NotFoundError('Page');
    const actor = actorOf(request);
    const draft = await findDraft(db, actor, request.params.draftId);
    const fromCheck = field(request.query, 'back') === 'check';
    const { input, errors: formatErrors } = sectionInput(section, request.body);
    let errors: FormErrors | undefined = formatErrors.length ? formErrors(formatErrors, firstFieldId) : undefined;
    if (!errors) {
      try {
        await saveDraftSection(db, actor, draft.id, section, input, today());
      } catch (error) {
        errors = errorsFrom(error, firstFieldId);
        if (!errors) throw error;
      }
    }
    if (errors) {
      return sectionPage(reply, {
        section,
        values: { ...draft.input, ...input },
        errors,
        posted: request.body,
        action: `/trainees/drafts/${draft.id}/${section}${fromCheck ? '?back=check' : ''}`,
        backLink: `/trainees/drafts/${draft.id}`,
        caption: 'Add a trainee',
        button: 'Save and continue',
      });
    }
    return reply.redirect(`/trainees/drafts/${draft.id}${fromCheck ? '/check' : ''}`, 303);
  });

  const checkAnswersPage = async (
    reply: FastifyReply,
    draft: Awaited<ReturnType<typeof findDraft>>,
    errors: FormErrors,
    existing?: { href: string; name: string },
  ) =>
    reply.code(errors.summary.length ? 400 : 200).viewAsync(`${VIEW}/check.njk`, {
      title: 'Check your answers before registering the trainee',
      backLink: `/trainees/drafts/${draft.id}`,
      draftId: draft.id,
      errors,
      existing,
      sections: SECTIONS.filter((s) => sectionApplies(s.id, draft.input.trainingRoute)).map((s) => ({
        title: s.title,
        rows: sectionRows(s.id, draft.input, `/trainees/drafts/${draft.id}/${s.id}?back=check`),
      })),
    });

  app.get<{ Params: { draftId: string } }>('/drafts/:draftId/check', async (request, reply) => {
    const draft = await findDraft(db, actorOf(request), request.params.draftId);
    return checkAnswersPage(reply, draft, NO_ERRORS);
  });

  app.post<{ Params: { draftId: string } }>('/drafts/:draftId/check', async (request, reply) => {
    const actor = actorOf(request);
    const draft = await findDraft(db, actor, request.params.draftId);
    let trainee: Trainee;
    try {
      trainee = await inTransaction(db, (tx) => registerDraft(tx, actor, draft.id, { via: PAGE_VIA, today: today() }));
    } catch (error) {
      if (error instanceof DuplicateTraineeError) {
        return checkAnswersPage(reply, draft, formErrors([new DomainError(error.message)], firstFieldId), {
          href: `/trainees/${error.existing.id}`,
          name: error.existing.name,
        });
      }
      // A section's message links to that section's page.
      const errors = errorsFrom(error, (f) => {
        const section = SECTIONS.find((s) => (s.fields as readonly string[]).includes(f));
        return section ? `section-${section.id}` : 'main-content';
      });
      if (!errors) throw error;
      return checkAnswersPage(reply, draft, errors);
    }
    await jobs.trnsRequested().catch((error) => request.log.error({ err: error }, 'asking for TRNs failed'));
    const now = await findTrainee(db, actor, trainee.id);
    await reply.setFlash({
      success: now.trn
        ? `${name(now)} has been registered. Their TRN is ${now.trn}`
        : `${name(now)} has been registered and submitted for a TRN. The TRN will show here once the Teaching Record System gives it`,
    });
    return reply.redirect(`/trainees/${trainee.id}`, 303);
  });

  app.get<{ Params: { draftId: string } }>('/drafts/:draftId/delete', async (request, reply) => {
    const draft = await findDraft(db, actorOf(request), request.params.draftId);
    return reply.viewAsync(`${VIEW}/delete-draft.njk`, {
      title: 'Delete this draft trainee?',
      backLink: `/trainees/drafts/${draft.id}`,
      draftId: draft.id,
      name: [draft.input.firstNames, draft.input.lastName].filter(Boolean).join(' '),
    });
  });

  app.post<{ Params: { draftId: string } }>('/drafts/:draftId/delete', async (request, reply) => {
    await deleteDraft(db, actorOf(request), request.params.draftId);
    await reply.setFlash({ success: 'The draft trainee has been deleted' });
    return reply.redirect('/trainees/new', 303);
  });

  // --- Change a trainee's details -------------------------------------------------------------

  async function changeable(request: FastifyRequest<{ Params: { id: string; section: string } }>) {
    const { section } = request.params;
    if (!isSectionId(section)) throw new NotFoundError('Page');
    const trainee = await findTrainee(db, actorOf(request), request.params.id);
    return { section, trainee };
  }

  app.get<{ Params: { id: string; section: string } }>('/:id/change/:section', async (request, reply) => {
    const { section, trainee } = await changeable(request);
    if (LOCKED_STATES.includes(trainee.state)) return lockedPage(reply, trainee);
    return sectionPage(reply, {
      section,
      values: inputOf(detailsOf(trainee)),
      errors: NO_ERRORS,
      action: `/trainees/${trainee.id}/change/${section}`,
      backLink: `/trainees/${trainee.id}`,
      caption: name(trainee),
      button: 'Save changes',
    });
  });

  app.post<{ Params: { id: string; section: string } }>('/:id/change/:section', async (request, reply) => {
    const { section, trainee } = await changeable(request);
    if (LOCKED_STATES.includes(trainee.state)) return lockedPage(reply, trainee);
    const { input, errors: formatErrors } = sectionInput(section, request.body);
    let errors: FormErrors | undefined = formatErrors.length ? formErrors(formatErrors, firstFieldId) : undefined;
    if (!errors) {
      try {
        const { changed } = await inTransaction(db, (tx) =>
          changeTraineeDetails(tx, actorOf(request), trainee.id, input, { via: PAGE_VIA, today: today() }),
        );
        await reply.setFlash({
          success: Object.keys(changed).length
            ? `${name(trainee)}’s ${sectionTitle(section).toLowerCase()} have been changed`
            : 'Nothing was changed',
        });
        return reply.redirect(`/trainees/${trainee.id}`, 303);
      } catch (error) {
        errors = errorsFrom(error, firstFieldId);
        if (!errors) throw error;
      }
    }
    return sectionPage(reply, {
      section,
      values: { ...inputOf(detailsOf(trainee)), ...input },
      errors,
      posted: request.body,
      action: `/trainees/${trainee.id}/change/${section}`,
      backLink: `/trainees/${trainee.id}`,
      caption: name(trainee),
      button: 'Save changes',
    });
  });

  function lockedPage(reply: FastifyReply, trainee: Trainee) {
    return reply.code(409).viewAsync(`${VIEW}/locked.njk`, {
      title: 'These details cannot be changed',
      backLink: `/trainees/${trainee.id}`,
      traineeHref: `/trainees/${trainee.id}`,
      message: `${name(trainee)} ${
        trainee.state === 'withdrawn'
          ? 'has withdrawn'
          : `has been ${trainee.state === 'awarded' ? 'awarded' : 'recommended for'} ${award(trainee)}`
      }, so their details can no longer be changed here. If something is wrong, contact support.`,
    });
  }

  // --- Defer, reinstate, withdraw, recommend: a form, a check, a confirmation ------------------

  for (const journey of Object.values(JOURNEYS)) {
    const base = (trainee: Trainee) => `/trainees/${trainee.id}/${journey.id}`;
    const formPage = (reply: FastifyReply, trainee: Trainee, errors: FormErrors, body?: unknown) => {
      const values = dateInputValues(body ?? {}, 'date');
      const reasons = reasonsOf(body);
      return reply.code(errors.summary.length ? 400 : 200).viewAsync(`${VIEW}/state-form.njk`, {
        title: journey.title(trainee),
        backLink: `/trainees/${trainee.id}`,
        action: base(trainee),
        journey: journey.id,
        dateLabel: journey.dateLabel(trainee),
        dateItems: dateInputItems(values, Boolean(errors.fields.date)),
        errors,
        reasonItems: WITHDRAWAL_REASONS.map((r) => ({
          value: r.code,
          text: r.name,
          checked: reasons.includes(r.code),
          ...(r.code === ANOTHER_REASON ? { conditional: { id: 'other' } } : {}),
        })),
        otherReason: field(body, 'otherReason'),
        notice:
          journey.id === 'recommend'
            ? ineligibilityReason(trainee, today()) &&
              `This trainee cannot be recommended: ${ineligibilityReason(trainee, today())}`
            : undefined,
      });
    };

    app.get<{ Params: { id: string } }>(`/:id/${journey.id}`, async (request, reply) => {
      const trainee = await findTrainee(db, actorOf(request), request.params.id);
      return formPage(reply, trainee, NO_ERRORS);
    });

    app.post<{ Params: { id: string } }>(`/:id/${journey.id}`, async (request, reply) => {
      const actor = actorOf(request);
      const trainee = await findTrainee(db, actor, request.params.id);
      const date = parseDateInputFor(journey, trainee, request.body);
      if (date instanceof DomainError) return formPage(reply, trainee, formErrors([date], dateFieldId), request.body);
      try {
        await check(db, (tx) => journey.run(tx, actor, trainee, request.body, date));
      } catch (error) {
        const errors = errorsFrom(error, dateFieldId);
        if (!errors) throw error;
        return formPage(reply, trainee, errors, request.body);
      }
      const reasons = reasonsOf(request.body);
      return reply.viewAsync(`${VIEW}/state-confirm.njk`, {
        title: `Check and confirm: ${journey.title(trainee).replace(/^./, (c) => c.toLowerCase())}`,
        backLink: base(trainee),
        action: `${base(trainee)}/confirm`,
        button: journey.button,
        warning: journey.id === 'withdraw',
        hidden: [
          ...(['day', 'month', 'year'] as const).map((part) => ({
            name: `date-${part}`,
            value: dateInputValues(request.body, 'date')[part],
          })),
          ...reasons.map((r) => ({ name: 'reasons', value: r })),
          ...(reasons.includes(ANOTHER_REASON)
            ? [{ name: 'otherReason', value: field(request.body, 'otherReason') }]
            : []),
        ],
        rows: [
          { key: { text: 'Trainee' }, value: { text: name(trainee) } },
          { key: { text: journey.dateLabel(trainee) }, value: { text: formatIsoDate(date) } },
          ...(journey.id === 'withdraw'
            ? [
                {
                  key: { text: 'Reasons' },
                  value: {
                    text: reasons
                      .map((r) =>
                        r === ANOTHER_REASON
                          ? field(request.body, 'otherReason')
                          : referenceName(WITHDRAWAL_REASONS, r),
                      )
                      .join('; '),
                  },
                },
              ]
            : []),
        ],
        changeHref: base(trainee),
      });
    });

    app.post<{ Params: { id: string } }>(`/:id/${journey.id}/confirm`, async (request, reply) => {
      const actor = actorOf(request);
      const trainee = await findTrainee(db, actor, request.params.id);
      const date = parseDateInputFor(journey, trainee, request.body);
      if (date instanceof DomainError) return formPage(reply, trainee, formErrors([date], dateFieldId), request.body);
      try {
        await inTransaction(db, (tx) => journey.run(tx, actor, trainee, request.body, date));
      } catch (error) {
        const errors = errorsFrom(error, dateFieldId);
        if (!errors) throw error;
        return formPage(reply, trainee, errors, request.body);
      }
      if (journey.id === 'recommend') {
        await jobs.awardsRequested().catch((error) => request.log.error({ err: error }, 'sending awards failed'));
      }
      await reply.setFlash({ success: journey.done(trainee) });
      return reply.redirect(`/trainees/${trainee.id}`, 303);
    });
  }
}

const dateFieldId = (f: string) =>
  f === 'date' ? 'date-day' : f === 'reasons' ? 'reasons' : f === 'form' ? 'main-content' : f;

function parseDateInputFor(journey: StateJourney, trainee: Trainee, body: unknown): string | null | DomainError {
  return parseDateInput(dateInputValues(body, 'date'), 'date', journey.dateLabel(trainee));
}

function routeName(code: string | null | undefined): string {
  if (!code) return 'chosen';
  try {
    return trainingRoute(code).name;
  } catch {
    return 'chosen';
  }
}
