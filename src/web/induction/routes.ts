// Appropriate bodies' induction pages: find and claim an ECT (TRN and date of birth → check →
// start date and programme → confirmation), current and past ECTs, the tasks schools give them
// (check and claim, check and release), a teacher's page with their periods as a timeline, and
// release, pass, fail, extensions and corrections of the current period. Every page is the body's
// own: a teacher it has never had or been told of is a 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import type { TrainingProgramme } from '../../db/schema.ts';
import { listAuditEvents } from '../../domain/audit/log.ts';
import { formatIsoDate, today } from '../../domain/dates.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import {
  countClaimTasks,
  ECTS_PAGE_SIZE,
  findTeacherForActor,
  listBodyEcts,
  listClaimTasks,
  listReleaseTasks,
  type TeacherRecordView,
  teacherHistory,
} from '../../domain/induction/lists.ts';
import {
  addExtension,
  changeExtension,
  claimEcts,
  closeInductions,
  editCurrentPeriod,
  failEct,
} from '../../domain/induction/periods.ts';
import {
  claimBlockers,
  dateOfBirthProblem,
  inductionStatus,
  PROGRAMME_NAMES,
  periodOutcomeName,
  STATUS_NAMES,
  TERMS_REQUIRED,
  teacherName,
  termsText,
} from '../../domain/induction/rules.ts';
import { claimFactsOf, teacherFacts } from '../../domain/induction/teachers.ts';
import type { RecordTeacher, TeachingRecord } from '../../domain/ports/teaching-record.ts';
import { TeachingRecordUnavailable } from '../../domain/ports/teaching-record.ts';
import type { Notify } from '../../integrations/notify/notify.ts';
import { kindsWriting } from '../../uploads/kinds/index.ts';
import { errorsFrom, type FormErrors, field, formErrors, pageNumber, pagination } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { dateInputFromIso, dateInputItems, dateInputValues, parseDateInput } from '../placements/date-input.ts';
import { kindLink } from '../uploads/kind-link.ts';

const VIEW = 'induction/views';
const VIA = 'induction pages';

interface Options {
  database: Database;
  teachingRecord: TeachingRecord;
  notify: Notify;
  inductionFailEmail: string;
  /** Sends the status changes an action queued to the teaching record. */
  jobs: { inductionStatusChanged(): Promise<void> };
}

const PROGRAMME_ITEMS = (chosen: string) =>
  (Object.entries(PROGRAMME_NAMES) as [TrainingProgramme, string][]).map(([value, text]) => ({
    value,
    text,
    checked: value === chosen,
  }));

const isProgramme = (value: string): value is TrainingProgramme => value === 'provider_led' || value === 'school_led';

/** The TRN as typed: spaces and a leading "RP…/" style prefix ignored, 7 digits kept. */
function cleanTrn(text: string): string {
  return text.replace(/\s+/g, '');
}

/** The rows of a teacher's personal details and teaching record, for the check and teacher pages. */
function detailRows(t: {
  trn: string;
  dateOfBirth: string;
  qtsDate: string | null;
  prohibited: boolean;
  status: keyof typeof STATUS_NAMES;
}) {
  return [
    { key: { text: 'TRN' }, value: { text: t.trn } },
    { key: { text: 'Date of birth' }, value: { text: formatIsoDate(t.dateOfBirth) } },
    { key: { text: 'QTS awarded' }, value: { text: t.qtsDate ? formatIsoDate(t.qtsDate) : 'No QTS' } },
    { key: { text: 'Prohibited from teaching' }, value: { text: t.prohibited ? 'Yes' : 'No' } },
    {
      key: { text: 'Induction status' },
      value: {
        html: `<strong class="govuk-tag govuk-tag--${STATUS_NAMES[t.status].colour}">${STATUS_NAMES[t.status].text}</strong>`,
      },
    },
  ];
}

function periodRows(view: TeacherRecordView) {
  return view.periods.map((p) => ({
    body: p.body_name,
    dates: `${formatIsoDate(p.started_on)} to ${p.finished_on ? formatIsoDate(p.finished_on) : 'now'}`,
    programme: PROGRAMME_NAMES[p.training_programme],
    terms: p.number_of_terms === null ? 'Ongoing' : termsText(p.number_of_terms),
    outcome: periodOutcomeName(p, {
      failedDetail: ` (written confirmation sent ${formatIsoDate(p.fail_confirmation_sent_on)})`,
    }),
  }));
}

export async function inductionRoutes(app: FastifyInstance, options: Options) {
  const { database, teachingRecord, notify, inductionFailEmail, jobs } = options;
  const db = database.db;
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', async (request) => {
    if (actorOf(request).organisation.type !== 'appropriate_body') throw new NotFoundError('Page');
  });

  /** The teacher the page is about, as this body may see them. */
  const teacherOf = (request: FastifyRequest) =>
    findTeacherForActor(db, actorOf(request), (request.params as { id: string }).id);

  // --- Lists and tasks --------------------------------------------------------------------------

  app.get('/induction', async (request, reply) => {
    const actor = actorOf(request);
    const which = field(request.query, 'show') === 'past' ? 'past' : 'current';
    const q = field(request.query, 'q').slice(0, 100);
    const page = pageNumber(request.query);
    const [{ ects, total }, claimCount, releaseTasks] = await Promise.all([
      listBodyEcts(db, actor, { which, q, page }),
      countClaimTasks(db, actor),
      listReleaseTasks(db, actor),
    ]);
    const href = (p: number) => {
      const params = new URLSearchParams({ ...(which === 'past' ? { show: 'past' } : {}), ...(q ? { q } : {}) });
      if (p > 1) params.set('page', String(p));
      const search = params.toString();
      return search ? `/induction?${search}` : '/induction';
    };
    return reply.view(`${VIEW}/list.njk`, {
      title: which === 'past' ? 'Past early-career teachers' : 'Current early-career teachers',
      which,
      q,
      total,
      claimCount,
      releaseCount: releaseTasks.length,
      bulkLinks: bulkLinks(actor),
      rows: ects.map((e) => [
        { html: `<a class="govuk-link" href="/induction/teachers/${e.teacher_id}">${escapeHtml(teacherName(e))}</a>` },
        { text: e.trn },
        { text: formatIsoDate(e.started_on) },
        { text: e.finished_on ? formatIsoDate(e.finished_on) : PROGRAMME_NAMES[e.training_programme] },
        {
          html: (() => {
            const status = inductionStatus([e], 'None');
            const shown = status === 'paused' ? { text: 'Released', colour: 'grey' } : STATUS_NAMES[status];
            return `<strong class="govuk-tag govuk-tag--${shown.colour}">${shown.text}</strong>`;
          })(),
        },
      ]),
      pagination: pagination(page, total, ECTS_PAGE_SIZE, href),
    });
  });

  app.get('/induction/tasks', async (request, reply) => {
    const actor = actorOf(request);
    const [claims, releases] = await Promise.all([listClaimTasks(db, actor), listReleaseTasks(db, actor)]);
    return reply.view(`${VIEW}/tasks.njk`, {
      title: 'Tasks from schools',
      backLink: '/induction',
      bulkLinks: bulkLinks(actor).slice(0, 1),
      claims: claims.map((t) => ({
        ...t,
        name: teacherName(t),
        startedOn: formatIsoDate(t.started_on),
        programme: PROGRAMME_NAMES[t.training_programme],
      })),
      releases: releases.map((t) => ({ ...t, name: teacherName(t), leavingOn: formatIsoDate(t.leaving_on) })),
    });
  });

  // --- Find and claim ---------------------------------------------------------------------------

  const findForm = (reply: FastifyReply, values: Record<string, unknown>, errors?: FormErrors) =>
    reply.code(errors ? 400 : 200).view(`${VIEW}/find.njk`, {
      title: 'Find an early-career teacher',
      backLink: '/induction',
      values,
      dobItems: dateInputItems(values.dob as ReturnType<typeof dateInputValues>, Boolean(errors?.fields.dob)),
      errors,
    });

  app.get('/induction/find', async (_request, reply) =>
    findForm(reply, { trn: '', dob: { day: '', month: '', year: '' } }),
  );

  /** The teacher the form's TRN and date of birth name in the teaching record, or the form's errors. */
  async function lookUp(
    body: unknown,
  ): Promise<{ record: RecordTeacher } | { errors: FormErrors; values: Record<string, unknown> }> {
    const trn = cleanTrn(field(body, 'trn'));
    const dob = dateInputValues(body, 'dob');
    const values = { trn: field(body, 'trn'), dob };
    const problems: DomainError[] = [];
    if (!trn) problems.push(new DomainError('Enter the teacher reference number (TRN)', 'trn'));
    else if (!/^\d{7}$/.test(trn)) problems.push(new DomainError('Enter a TRN of 7 digits, like 1234567', 'trn'));
    const date = parseDateInput(dob, 'dob', 'Date of birth');
    if (date instanceof DomainError) problems.push(date);
    else if (date === null) problems.push(new DomainError('Enter the teacher’s date of birth', 'dob'));
    else {
      const ageProblem = dateOfBirthProblem(date, today());
      if (ageProblem) problems.push(new DomainError(ageProblem, 'dob'));
    }
    if (problems.length || typeof date !== 'string') {
      return { errors: formErrors(problems, (f) => (f === 'dob' ? 'dob-day' : f)), values };
    }
    let found: RecordTeacher | undefined;
    try {
      [found] = await teachingRecord.findTeachers([{ trn, dateOfBirth: date }]);
    } catch (error) {
      if (!(error instanceof TeachingRecordUnavailable)) throw error;
      return {
        errors: formErrors([
          new DomainError(
            'The Teaching Record System is not answering at the moment. Try again in a few minutes',
            'trn',
          ),
        ]),
        values,
      };
    }
    if (!found) {
      return {
        errors: formErrors([
          new DomainError(
            'No teacher with this TRN and date of birth was found. Check both against the teacher’s records and try again',
            'trn',
          ),
        ]),
        values,
      };
    }
    return { record: found };
  }

  /** The check page: the teacher's details, earlier periods and why they cannot be claimed, or a claim button. */
  app.post('/induction/find', async (request, reply) => {
    const actor = actorOf(request);
    const found = await lookUp(request.body);
    if ('errors' in found) return findForm(reply, found.values, found.errors);
    const { record } = found;
    const facts = [...(await teacherFacts(db, { trns: [record.trn] })).values()][0];
    if (facts?.ongoing_body_id === actor.organisation.id) {
      await reply.setFlash({ success: `${teacherName(facts)} already has an induction period with you` });
      return reply.redirect(`/induction/teachers/${facts.id}`, 303);
    }
    const name = `${record.firstName} ${record.lastName}`;
    const blockers = claimBlockers(claimFactsOf(record, facts), actor.organisation.id);
    const view = facts ? await teacherHistory(db, facts.id, actor.organisation.id) : undefined;
    return reply.view(`${VIEW}/check.njk`, {
      title: `Check details for ${name}`,
      backLink: '/induction/find',
      name,
      record,
      blockers,
      rows: detailRows({
        trn: record.trn,
        dateOfBirth: record.dateOfBirth,
        qtsDate: record.qtsDate,
        prohibited: record.prohibited,
        status: view ? view.status : inductionStatus([], record.inductionStatus),
      }),
      periods: view ? periodRows(view) : [],
    });
  });

  const claimForm = (
    reply: FastifyReply,
    record: RecordTeacher,
    values: { startedOn: ReturnType<typeof dateInputValues>; programme: string },
    errors?: FormErrors,
  ) =>
    reply.code(errors ? 400 : 200).view(`${VIEW}/claim.njk`, {
      title: `Tell us about ${record.firstName} ${record.lastName}’s induction`,
      backLink: '/induction/find',
      record,
      dob: dateInputFromIso(record.dateOfBirth),
      values,
      startItems: dateInputItems(values.startedOn, Boolean(errors?.fields.startedOn)),
      programmeItems: PROGRAMME_ITEMS(values.programme),
      errors,
    });

  /** From the check page: the start date and programme, prefilled with what the school said. */
  app.post('/induction/claim', async (request, reply) => {
    const actor = actorOf(request);
    const found = await lookUp(request.body);
    if ('errors' in found) return findForm(reply, found.values, found.errors);
    const reported = (await listClaimTasks(db, actor)).find((t) => t.trn === found.record.trn);
    return claimForm(reply, found.record, {
      startedOn: dateInputFromIso(reported?.started_on ?? null),
      programme: reported?.training_programme ?? '',
    });
  });

  app.post('/induction/claim/confirm', async (request, reply) => {
    const actor = actorOf(request);
    const found = await lookUp(request.body);
    if ('errors' in found) return findForm(reply, found.values, found.errors);
    const { record } = found;
    const values = {
      startedOn: dateInputValues(request.body, 'startedOn'),
      programme: field(request.body, 'programme'),
    };
    const problems: DomainError[] = [];
    const startedOn = parseDateInput(values.startedOn, 'startedOn', 'The induction start date');
    if (startedOn instanceof DomainError) problems.push(startedOn);
    else if (startedOn === null)
      problems.push(new DomainError('Enter the date their induction started with you', 'startedOn'));
    if (!isProgramme(values.programme)) {
      problems.push(new DomainError('Select the training programme they will follow', 'programme'));
    }
    const fieldId = (f: string) => (f === 'startedOn' ? 'startedOn-day' : f);
    if (problems.length || typeof startedOn !== 'string' || !isProgramme(values.programme)) {
      return claimForm(reply, record, values, formErrors(problems, fieldId));
    }
    try {
      const { teacherIds } = await claimEcts(db, actor, [{ record, startedOn, programme: values.programme }], {
        via: VIA,
        today: today(),
      });
      await jobs.inductionStatusChanged();
      return reply.redirect(`/induction/teachers/${teacherIds[0]}/claimed`, 303);
    } catch (error) {
      const errors = errorsFrom(error, fieldId);
      if (!errors) throw error;
      return claimForm(reply, record, values, errors);
    }
  });

  app.get('/induction/teachers/:id/claimed', async (request, reply) => {
    const view = await teacherOf(request);
    if (!view.current) throw new NotFoundError('Teacher');
    return reply.view(`${VIEW}/done.njk`, {
      title: `You’ve claimed ${teacherName(view)}’s induction`,
      panelText: `TRN ${view.trn}`,
      paragraphs: [
        `${teacherName(view)} is now on your list of current early-career teachers. No other appropriate body can claim them while their induction period with you is open.`,
        'Record their outcome, or release them if they leave before finishing, from their page.',
      ],
      links: [
        { href: `/induction/teachers/${view.id}`, text: `Go to ${teacherName(view)}’s page` },
        { href: '/induction/find', text: 'Claim another ECT' },
        { href: '/induction/tasks', text: 'Back to tasks from schools' },
      ],
    });
  });

  // --- A teacher ----------------------------------------------------------------------------

  app.get('/induction/teachers/:id', async (request, reply) => {
    const actor = actorOf(request);
    const view = await teacherOf(request);
    const { entries } = await listAuditEvents(
      db,
      { organisationId: actor.organisation.id },
      { subject: { type: 'teacher', id: view.id } },
      1,
      () => undefined,
    );
    return reply.view(`${VIEW}/teacher.njk`, {
      title: teacherName(view),
      backLink: '/induction',
      view,
      rows: detailRows({
        trn: view.trn,
        dateOfBirth: view.date_of_birth,
        qtsDate: view.qts_date,
        prohibited: view.prohibited,
        status: view.status,
      }),
      terms: `${termsText(view.termsCompleted)} of ${termsText(view.termsRequired)}`,
      termsNote:
        view.termsRequired > TERMS_REQUIRED
          ? `${TERMS_REQUIRED} terms plus ${termsText(view.termsRequired - TERMS_REQUIRED)} in extensions`
          : `${TERMS_REQUIRED} terms, no extensions`,
      periods: periodRows(view),
      current: view.current
        ? {
            ...view.current,
            startedOn: formatIsoDate(view.current.started_on),
            programme: PROGRAMME_NAMES[view.current.training_programme],
          }
        : undefined,
      extensions: view.extensions.map((e, i) => ({
        id: e.id,
        n: i + 1,
        terms: termsText(e.number_of_terms),
        addedOn: formatIsoDate(e.created_at.toISOString().slice(0, 10)),
      })),
      events: entries.map((e) => ({
        text: e.sentence.text,
        at: e.occurredAt.toISOString().slice(0, 10),
      })),
    });
  });

  // --- Release, pass and fail -------------------------------------------------------------------

  const CLOSE = {
    release: { title: 'Release', button: 'Release', done: 'released' },
    pass: { title: 'Record a pass outcome for', button: 'Record pass outcome', done: 'passed' },
    fail: { title: 'Record a failing outcome for', button: 'Record failing outcome', done: 'failed' },
  } as const;
  type CloseWhat = keyof typeof CLOSE;

  const closeForm = (
    reply: FastifyReply,
    what: CloseWhat,
    view: TeacherRecordView,
    actorName: string,
    values: Record<string, unknown>,
    errors?: FormErrors,
  ) =>
    reply.code(errors ? 400 : 200).view(`${VIEW}/close.njk`, {
      title: `${CLOSE[what].title} ${teacherName(view)}`,
      backLink: `/induction/teachers/${view.id}`,
      what,
      startText: formatIsoDate(view.current?.started_on),
      button: `${CLOSE[what].button}${what === 'release' ? '' : ` for ${teacherName(view)}`}`,
      name: teacherName(view),
      bodyName: actorName,
      view,
      values,
      endItems: dateInputItems(
        values.finishedOn as ReturnType<typeof dateInputValues>,
        Boolean(errors?.fields.finishedOn),
      ),
      sentItems: dateInputItems(
        values.confirmationSentOn as ReturnType<typeof dateInputValues>,
        Boolean(errors?.fields.confirmationSentOn),
      ),
      errors,
    });

  for (const what of Object.keys(CLOSE) as CloseWhat[]) {
    app.get(`/induction/teachers/:id/${what}`, async (request, reply) => {
      const view = await teacherOf(request);
      if (!view.current) throw new NotFoundError('Teacher');
      const empty = { day: '', month: '', year: '' };
      return closeForm(reply, what, view, actorOf(request).organisation.name, {
        finishedOn: empty,
        terms: '',
        confirmationSentOn: empty,
        confirmed: false,
      });
    });

    app.post(`/induction/teachers/:id/${what}`, async (request, reply) => {
      const actor = actorOf(request);
      const view = await teacherOf(request);
      if (!view.current) throw new NotFoundError('Teacher');
      const body = request.body;
      const values = {
        finishedOn: dateInputValues(body, 'finishedOn'),
        terms: field(body, 'terms').trim(),
        confirmationSentOn: dateInputValues(body, 'confirmationSentOn'),
        confirmed: field(body, 'confirmed') === 'yes',
      };
      const fieldId = (f: string) =>
        f === 'finishedOn' || f === 'confirmationSentOn' ? `${f}-day` : f === 'teacher' ? 'finishedOn-day' : f;
      const problems: DomainError[] = [];
      if (what === 'fail' && !values.confirmed) {
        problems.push(
          new DomainError(
            `Confirm that ${teacherName(view)} has been sent written confirmation of their outcome and how to appeal`,
            'confirmed',
          ),
        );
      }
      const finishedOn = parseDateInput(values.finishedOn, 'finishedOn', 'The induction end date');
      if (finishedOn instanceof DomainError) problems.push(finishedOn);
      else if (finishedOn === null)
        problems.push(new DomainError('Enter the date their induction ended with you', 'finishedOn'));
      if (!values.terms) problems.push(new DomainError('Enter the number of terms they spent with you', 'terms'));
      let sentOn: string | null = null;
      if (what === 'fail') {
        const parsed = parseDateInput(
          values.confirmationSentOn,
          'confirmationSentOn',
          'The date you sent written confirmation',
        );
        if (parsed instanceof DomainError) problems.push(parsed);
        else sentOn = parsed;
      }
      if (problems.length || typeof finishedOn !== 'string') {
        return closeForm(reply, what, view, actor.organisation.name, values, formErrors(problems, fieldId));
      }
      try {
        const change = { via: VIA, today: today() };
        if (what === 'fail') {
          await failEct(
            db,
            actor,
            { teacherId: view.id, finishedOn, terms: values.terms, confirmationSentOn: sentOn },
            { ...change, notice: { to: inductionFailEmail, send: notify.send } },
          );
        } else {
          await closeInductions(
            db,
            actor,
            [{ teacherId: view.id, finishedOn, terms: values.terms, outcome: what }],
            change,
          );
        }
      } catch (error) {
        const errors = errorsFrom(error, fieldId);
        if (!errors) throw error;
        return closeForm(reply, what, view, actor.organisation.name, values, errors);
      }
      await jobs.inductionStatusChanged();
      return reply.redirect(`/induction/teachers/${view.id}/${CLOSE[what].done}`, 303);
    });

    app.get(`/induction/teachers/:id/${CLOSE[what].done}`, async (request, reply) => {
      const view = await teacherOf(request);
      const name = teacherName(view);
      const latest = view.periods.at(-1);
      const expected = what === 'release' ? null : what;
      if (
        !latest?.finished_on ||
        latest.appropriate_body_id !== actorOf(request).organisation.id ||
        latest.outcome !== expected
      ) {
        throw new NotFoundError('Page');
      }
      const TEXT = {
        release: {
          title: `You’ve released ${name}`,
          paragraphs: [
            `Another appropriate body can now claim ${name}’s induction, from the day after ${formatIsoDate(latest.finished_on)}.`,
          ],
        },
        pass: {
          title: `You’ve recorded a pass outcome for ${name}`,
          paragraphs: [`The Teaching Record System will show that ${name} has passed their induction.`],
        },
        fail: {
          title: `You’ve recorded a failing outcome for ${name}`,
          paragraphs: [
            `The Teaching Record System will show that ${name} has failed their induction, and the Teaching Regulation Agency has been emailed.`,
          ],
        },
      }[what];
      return reply.view(`${VIEW}/done.njk`, {
        title: TEXT.title,
        panelText: `TRN ${view.trn}`,
        paragraphs: TEXT.paragraphs,
        links: [
          { href: `/induction/teachers/${view.id}`, text: `Go to ${name}’s page` },
          { href: '/induction', text: 'Back to your early-career teachers' },
        ],
      });
    });
  }

  // --- Extensions and corrections -----------------------------------------------------------

  const extensionForm = (
    reply: FastifyReply,
    view: TeacherRecordView,
    values: { terms: string },
    extensionId?: string,
    errors?: FormErrors,
  ) =>
    reply.code(errors ? 400 : 200).view(`${VIEW}/extension.njk`, {
      title: extensionId
        ? `Change an extension of ${teacherName(view)}’s induction`
        : `Add an extension to ${teacherName(view)}’s induction`,
      backLink: `/induction/teachers/${view.id}`,
      action: extensionId
        ? `/induction/teachers/${view.id}/extensions/${extensionId}`
        : `/induction/teachers/${view.id}/extensions/new`,
      name: teacherName(view),
      teacherId: view.id,
      values,
      errors,
    });

  app.get('/induction/teachers/:id/extensions/new', async (request, reply) => {
    const view = await teacherOf(request);
    if (!view.current) throw new NotFoundError('Teacher');
    return extensionForm(reply, view, { terms: '' });
  });

  app.post('/induction/teachers/:id/extensions/new', async (request, reply) => {
    const view = await teacherOf(request);
    const terms = field(request.body, 'terms');
    try {
      await addExtension(db, actorOf(request), view.id, terms, { via: VIA });
    } catch (error) {
      const errors = errorsFrom(error);
      if (!errors) throw error;
      return extensionForm(reply, view, { terms }, undefined, errors);
    }
    await reply.setFlash({ success: 'Extension added' });
    return reply.redirect(`/induction/teachers/${view.id}`, 303);
  });

  app.get('/induction/teachers/:id/extensions/:extensionId', async (request, reply) => {
    const view = await teacherOf(request);
    const { extensionId } = request.params as { extensionId: string };
    const extension = view.extensions.find((e) => e.id === extensionId);
    if (!view.current || !extension) throw new NotFoundError('Extension');
    return extensionForm(reply, view, { terms: termsText(extension.number_of_terms) }, extension.id);
  });

  app.post('/induction/teachers/:id/extensions/:extensionId', async (request, reply) => {
    const view = await teacherOf(request);
    const { extensionId } = request.params as { extensionId: string };
    const extension = view.extensions.find((e) => e.id === extensionId);
    if (!extension) throw new NotFoundError('Extension');
    const terms = field(request.body, 'terms');
    try {
      await changeExtension(db, actorOf(request), view.id, extension.id, terms, { via: VIA });
    } catch (error) {
      const errors = errorsFrom(error);
      if (!errors) throw error;
      return extensionForm(reply, view, { terms }, extension.id, errors);
    }
    await reply.setFlash({ success: 'Extension changed' });
    return reply.redirect(`/induction/teachers/${view.id}`, 303);
  });

  const editForm = (
    reply: FastifyReply,
    view: TeacherRecordView,
    values: { startedOn: ReturnType<typeof dateInputValues>; programme: string },
    errors?: FormErrors,
  ) =>
    reply.code(errors ? 400 : 200).view(`${VIEW}/edit.njk`, {
      title: `Change ${teacherName(view)}’s current induction period`,
      backLink: `/induction/teachers/${view.id}`,
      view,
      values,
      startItems: dateInputItems(values.startedOn, Boolean(errors?.fields.startedOn)),
      programmeItems: PROGRAMME_ITEMS(values.programme),
      errors,
    });

  app.get('/induction/teachers/:id/edit', async (request, reply) => {
    const view = await teacherOf(request);
    if (!view.current) throw new NotFoundError('Teacher');
    return editForm(reply, view, {
      startedOn: dateInputFromIso(view.current.started_on),
      programme: view.current.training_programme,
    });
  });

  app.post('/induction/teachers/:id/edit', async (request, reply) => {
    const view = await teacherOf(request);
    if (!view.current) throw new NotFoundError('Teacher');
    const values = {
      startedOn: dateInputValues(request.body, 'startedOn'),
      programme: field(request.body, 'programme'),
    };
    const fieldId = (f: string) => (f === 'startedOn' ? 'startedOn-day' : f);
    const startedOn = parseDateInput(values.startedOn, 'startedOn', 'The induction start date');
    const problems: DomainError[] = [];
    if (startedOn instanceof DomainError) problems.push(startedOn);
    else if (startedOn === null)
      problems.push(new DomainError('Enter the date their induction started with you', 'startedOn'));
    if (!isProgramme(values.programme)) problems.push(new DomainError('Select the training programme', 'programme'));
    if (problems.length || typeof startedOn !== 'string' || !isProgramme(values.programme)) {
      return editForm(reply, view, values, formErrors(problems, fieldId));
    }
    try {
      await editCurrentPeriod(
        db,
        actorOf(request),
        view.id,
        { startedOn, programme: values.programme },
        {
          via: VIA,
          today: today(),
        },
      );
    } catch (error) {
      const errors = errorsFrom(error, fieldId);
      if (!errors) throw error;
      return editForm(reply, view, values, errors);
    }
    await jobs.inductionStatusChanged();
    await reply.setFlash({ success: 'Induction period changed' });
    return reply.redirect(`/induction/teachers/${view.id}`, 303);
  });
}

/** The bulk upload kinds that write induction periods, for links (claims first, then outcomes). */
function bulkLinks(actor: ReturnType<typeof actorOf>) {
  return kindsWriting('induction_periods', actor.organisation.type).map((kind) => ({
    href: kindLink(kind).href,
    text: kind.card?.title ?? kind.title,
    lowerText: kindLink(kind).text,
  }));
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
