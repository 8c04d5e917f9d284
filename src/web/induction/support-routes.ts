// Support users' corrections of induction: find a teacher by TRN, see every period whoever it was
// with, add a period, correct any period (body, dates, terms, programme), reopen the latest period
// with an outcome, or delete a period without one; each only with a reason, which the audit log
// keeps. Appropriate bodies correct their own current period on their pages; only support
// reaches these.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import type { TrainingProgramme } from '../../db/schema.ts';
import { formatIsoDate, today } from '../../domain/dates.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import { findTeacherForActor, type TeacherPeriod, type TeacherRecordView } from '../../domain/induction/lists.ts';
import {
  addInductionPeriod,
  changeInductionPeriod,
  deleteInductionPeriod,
  reopenInduction,
} from '../../domain/induction/periods.ts';
import {
  EARLIEST_PERIOD_START,
  PROGRAMME_NAMES,
  periodOutcomeName,
  STATUS_NAMES,
  teacherName,
  termsText,
} from '../../domain/induction/rules.ts';
import { errorsFrom, type FormErrors, field, formErrors } from '../forms.ts';
import { actorOf, requireActor, requireSupport } from '../guards.ts';
import {
  type DateInputValues,
  dateInputFromIso,
  dateInputItems,
  dateInputValues,
  parseDateInput,
} from '../placements/date-input.ts';

const VIEW = 'induction/views';
const VIA = 'support induction pages';

interface PeriodValues {
  appropriateBodyId: string;
  startedOn: DateInputValues;
  finishedOn: DateInputValues;
  terms: string;
  programme: string;
  reason: string;
}

const isProgramme = (value: string): value is TrainingProgramme => value === 'provider_led' || value === 'school_led';
const periodFieldId = (f: string) => (f === 'startedOn' || f === 'finishedOn' ? `${f}-day` : f);

export async function supportInductionRoutes(
  app: FastifyInstance,
  { database, jobs }: { database: Database; jobs: { inductionStatusChanged(): Promise<void> } },
) {
  const db = database.db;
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', requireSupport);

  app.get('/support/teachers', async (request, reply) => {
    const trn = field(request.query, 'trn').replace(/\s+/g, '').slice(0, 20);
    let notFound = false;
    if (trn) {
      const teacher = await db.selectFrom('teachers').select('id').where('trn', '=', trn).executeTakeFirst();
      if (teacher) return reply.redirect(`/support/teachers/${teacher.id}`, 303);
      notFound = true;
    }
    return reply.view(`${VIEW}/support-find.njk`, { title: 'Find a teacher’s induction', trn, notFound });
  });

  const teacherPage = async (
    reply: FastifyReply,
    view: TeacherRecordView,
    values: { reason?: string; periodId?: string; action?: string },
    errors?: FormErrors,
  ) => {
    const latest = view.periods.at(-1);
    return reply.code(errors ? 400 : 200).view(`${VIEW}/support-teacher.njk`, {
      title: teacherName(view),
      backLink: '/support/teachers',
      view,
      status: STATUS_NAMES[view.status],
      canReopen: Boolean(latest?.outcome),
      periods: view.periods.map((p) => ({
        id: p.id,
        body: p.body_name,
        dates: `${formatIsoDate(p.started_on)} to ${p.finished_on ? formatIsoDate(p.finished_on) : 'now'}`,
        programme: PROGRAMME_NAMES[p.training_programme],
        terms: p.number_of_terms === null ? 'ongoing' : `${termsText(p.number_of_terms)} terms`,
        outcome: periodOutcomeName(p),
        canDelete: !p.outcome,
      })),
      values,
      errors,
    });
  };

  const teacherOf = (request: FastifyRequest) =>
    findTeacherForActor(db, actorOf(request), (request.params as { id: string }).id);

  app.get('/support/teachers/:id', async (request, reply) => teacherPage(reply, await teacherOf(request), {}));

  app.post('/support/teachers/:id', async (request, reply) => {
    const view = await teacherOf(request);
    const action = field(request.body, 'action');
    const reason = field(request.body, 'reason');
    const periodId = field(request.body, 'periodId');
    try {
      if (action === 'reopen') await reopenInduction(db, actorOf(request), view.id, reason, { via: VIA });
      else if (action === 'delete' && view.periods.some((p) => p.id === periodId)) {
        await deleteInductionPeriod(db, actorOf(request), periodId, reason, { via: VIA });
      } else throw new NotFoundError('Correction');
    } catch (error) {
      const errors = errorsFrom(error);
      if (!errors) throw error;
      return teacherPage(reply, view, { reason, periodId, action }, errors);
    }
    await jobs.inductionStatusChanged();
    await reply.setFlash({ success: action === 'reopen' ? 'Induction reopened' : 'Induction period deleted' });
    return reply.redirect(`/support/teachers/${view.id}`, 303);
  });

  // --- Add a period, or correct one -----------------------------------------------------------

  const bodies = () =>
    db
      .selectFrom('organisations')
      .select(['id', 'name'])
      .where('type', '=', 'appropriate_body')
      .orderBy('name')
      .execute();

  const periodForm = async (
    reply: FastifyReply,
    view: TeacherRecordView,
    period: TeacherPeriod | undefined,
    values: PeriodValues,
    errors?: FormErrors,
  ) =>
    reply.code(errors ? 400 : 200).view(`${VIEW}/support-period.njk`, {
      title: period ? `Correct an induction period` : `Add an induction period`,
      teacher: teacherName(view),
      backLink: `/support/teachers/${view.id}`,
      action: period
        ? `/support/teachers/${view.id}/periods/${period.id}/edit`
        : `/support/teachers/${view.id}/periods/new`,
      button: period ? 'Save correction' : 'Add period',
      startHint: `For example, 1 9 2024. Not before their QTS date, nor before ${formatIsoDate(EARLIEST_PERIOD_START)}`,
      outcome: period?.outcome === 'pass' ? 'pass' : period?.outcome === 'fail' ? 'fail' : undefined,
      view,
      values,
      bodyItems: [
        { value: '', text: 'Choose an appropriate body', selected: !values.appropriateBodyId },
        ...(await bodies()).map((b) => ({ value: b.id, text: b.name, selected: b.id === values.appropriateBodyId })),
      ],
      startItems: dateInputItems(values.startedOn, Boolean(errors?.fields.startedOn)),
      endItems: dateInputItems(values.finishedOn, Boolean(errors?.fields.finishedOn)),
      programmeItems: (Object.entries(PROGRAMME_NAMES) as [TrainingProgramme, string][]).map(([value, text]) => ({
        value,
        text,
        checked: value === values.programme,
      })),
      errors,
    });

  const periodOf = (view: TeacherRecordView, request: FastifyRequest) => {
    const period = view.periods.find((p) => p.id === (request.params as { periodId: string }).periodId);
    if (!period) throw new NotFoundError('Induction period');
    return period;
  };

  /** The form's values, or its errors before the domain's rules are asked. */
  function readPeriodForm(body: unknown) {
    const values: PeriodValues = {
      appropriateBodyId: field(body, 'appropriateBodyId'),
      startedOn: dateInputValues(body, 'startedOn'),
      finishedOn: dateInputValues(body, 'finishedOn'),
      terms: field(body, 'terms').trim(),
      programme: field(body, 'programme'),
      reason: field(body, 'reason'),
    };
    const problems: DomainError[] = [];
    if (!values.appropriateBodyId) {
      problems.push(new DomainError('Select the appropriate body the period was with', 'appropriateBodyId'));
    }
    const startedOn = parseDateInput(values.startedOn, 'startedOn', 'The start date');
    if (startedOn instanceof DomainError) problems.push(startedOn);
    else if (startedOn === null) problems.push(new DomainError('Enter the date the period started', 'startedOn'));
    const finishedOn = parseDateInput(values.finishedOn, 'finishedOn', 'The end date');
    if (finishedOn instanceof DomainError) problems.push(finishedOn);
    if (!isProgramme(values.programme)) problems.push(new DomainError('Select the training programme', 'programme'));
    if (!values.reason.trim()) {
      problems.push(
        new DomainError('Enter the reason for this correction, like the support ticket it answers', 'reason'),
      );
    }
    if (
      problems.length ||
      typeof startedOn !== 'string' ||
      finishedOn instanceof DomainError ||
      !isProgramme(values.programme)
    ) {
      return { values, errors: formErrors(problems, periodFieldId) };
    }
    return {
      values,
      input: {
        appropriateBodyId: values.appropriateBodyId,
        startedOn,
        finishedOn,
        terms: values.terms,
        programme: values.programme,
      },
    };
  }

  const emptyValues = (): PeriodValues => ({
    appropriateBodyId: '',
    startedOn: dateInputFromIso(null),
    finishedOn: dateInputFromIso(null),
    terms: '',
    programme: '',
    reason: '',
  });

  app.get('/support/teachers/:id/periods/new', async (request, reply) =>
    periodForm(reply, await teacherOf(request), undefined, emptyValues()),
  );

  app.post('/support/teachers/:id/periods/new', async (request, reply) => {
    const view = await teacherOf(request);
    const { values, input, errors } = readPeriodForm(request.body);
    if (!input) return periodForm(reply, view, undefined, values, errors);
    let periodId: string;
    try {
      periodId = await addInductionPeriod(db, actorOf(request), view.id, input, values.reason, {
        via: VIA,
        today: today(),
      });
    } catch (error) {
      const found = errorsFrom(error, periodFieldId);
      if (!found) throw error;
      return periodForm(reply, view, undefined, values, found);
    }
    await jobs.inductionStatusChanged();
    return reply.redirect(`/support/teachers/${view.id}/periods/${periodId}/added`, 303);
  });

  app.get('/support/teachers/:id/periods/:periodId/edit', async (request, reply) => {
    const view = await teacherOf(request);
    const period = periodOf(view, request);
    return periodForm(reply, view, period, {
      appropriateBodyId: period.appropriate_body_id,
      startedOn: dateInputFromIso(period.started_on),
      finishedOn: dateInputFromIso(period.finished_on),
      terms: termsText(period.number_of_terms),
      programme: period.training_programme,
      reason: '',
    });
  });

  app.post('/support/teachers/:id/periods/:periodId/edit', async (request, reply) => {
    const view = await teacherOf(request);
    const period = periodOf(view, request);
    const { values, input, errors } = readPeriodForm(request.body);
    if (!input) return periodForm(reply, view, period, values, errors);
    try {
      await changeInductionPeriod(db, actorOf(request), period.id, input, values.reason, {
        via: VIA,
        today: today(),
      });
    } catch (error) {
      const found = errorsFrom(error, periodFieldId);
      if (!found) throw error;
      return periodForm(reply, view, period, values, found);
    }
    await jobs.inductionStatusChanged();
    return reply.redirect(`/support/teachers/${view.id}/periods/${period.id}/corrected`, 303);
  });

  for (const done of ['added', 'corrected'] as const) {
    app.get(`/support/teachers/:id/periods/:periodId/${done}`, async (request, reply) => {
      const view = await teacherOf(request);
      const period = periodOf(view, request);
      const name = teacherName(view);
      return reply.view(`${VIEW}/done.njk`, {
        title: done === 'added' ? 'Induction period added' : 'Induction period corrected',
        panelText: `${name}, TRN ${view.trn}`,
        paragraphs: [
          `${name}’s period with ${period.body_name}: ${formatIsoDate(period.started_on)} to ${period.finished_on ? formatIsoDate(period.finished_on) : 'now (ongoing)'}, ${period.number_of_terms === null ? 'no terms yet' : `${termsText(period.number_of_terms)} terms`}, ${PROGRAMME_NAMES[period.training_programme].toLowerCase()} (${periodOutcomeName(period).toLowerCase()}).`,
          'The audit log keeps the change with your reason. If the change moved the start of their induction or the dates of its outcome, the Teaching Record System is told.',
        ],
        links: [
          { href: `/support/teachers/${view.id}`, text: `Back to ${name}’s induction` },
          { href: '/support/teachers', text: 'Find another teacher' },
        ],
      });
    });
  }
}
