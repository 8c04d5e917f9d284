// Support users' corrections of induction: find a teacher by TRN, see every period whoever it was
// with, reopen the latest period with an outcome, or delete a period without one; each only with a
// reason, which the audit log keeps. Appropriate bodies correct their own current period on their
// pages; only support reaches these.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import { formatIsoDate } from '../../domain/dates.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { findTeacherForActor, type TeacherRecordView } from '../../domain/induction/lists.ts';
import { deleteInductionPeriod, reopenInduction } from '../../domain/induction/periods.ts';
import { PROGRAMME_NAMES, STATUS_NAMES, teacherName, termsText } from '../../domain/induction/rules.ts';
import { errorsFrom, type FormErrors, field } from '../forms.ts';
import { actorOf, requireActor, requireSupport } from '../guards.ts';

const VIEW = 'induction/views';
const VIA = 'support induction pages';

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
        outcome:
          p.outcome === 'pass'
            ? 'Passed'
            : p.outcome === 'fail'
              ? 'Failed'
              : p.finished_on
                ? 'Released'
                : 'In progress',
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
}
