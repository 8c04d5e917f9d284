// Providers' yearly performance-profile sign-off, and support's view of who has signed off.

import type { FastifyInstance, FastifyReply } from 'fastify';
import { academicYearName, formatIsoDate, today } from '../../domain/dates.ts';
import { NotFoundError } from '../../domain/errors.ts';
import {
  checkReminder,
  listOutcomeTrainees,
  listProviderSignOffs,
  PROVIDERS_PAGE_SIZE,
  personaliseReminder,
  type ReminderInput,
  reminderRecipients,
  SIGN_OFF_PAGE_SIZE,
  type SignOffRecord,
  SUPPORT_CANNOT_DECLARE,
  sendSignOffReminders,
  signOffSummary,
  signOffYear,
  signOffYearData,
} from '../../domain/placements/sign-off.ts';
import { ASSESSMENT_ONLY_ROUTES, PLACEMENTS_NEEDED } from '../../domain/trainees/trainees.ts';
import { trainingRoute } from '../../domain/trainees/training-routes.ts';
import type { Services } from '../../services.ts';
import { kindsWriting } from '../../uploads/kinds/index.ts';
import { attachmentHeader } from '../../uploads/report.ts';
import { errorsFrom, field, pageNumber, pagination } from '../forms.ts';
import { actorOf, requireActor, requireSupport } from '../guards.ts';
import { describeTrainee } from '../trainees/routes.ts';
import { kindLink } from '../uploads/kind-link.ts';
import { exportFile } from './export.ts';

const VIEW = 'sign-off/views';

/** Who signed and when, as the pages show it. */
function describeSignOff(signOff: SignOffRecord | undefined) {
  if (!signOff) return undefined;
  return {
    ...signOff,
    by: signOff.signedByName ? `${signOff.signedByName} (${signOff.signedByEmail})` : 'a user who has since left',
  };
}

export async function signOffRoutes(
  app: FastifyInstance,
  { database, notify, baseUrl }: Pick<Services, 'database' | 'notify'> & { baseUrl: string },
) {
  const db = database.db;

  // --- Providers -------------------------------------------------------------------------------
  await app.register(async (provider) => {
    provider.addHook('preHandler', requireActor);
    provider.addHook('preHandler', async (request) => {
      if (actorOf(request).organisation.type !== 'provider') throw new NotFoundError('Page');
    });

    provider.get('/sign-off', async (request, reply) => {
      const actor = actorOf(request);
      const year = signOffYear(today());
      const showAll = field(request.query, 'show') === 'all';
      const page = pageNumber(request.query);
      const [summary, { trainees, total }] = await Promise.all([
        signOffSummary(db, actor, year),
        listOutcomeTrainees(db, actor, year, { onlyNeedingPlacements: !showAll, page }),
      ]);
      const base = showAll ? '/sign-off?show=all' : '/sign-off';
      const joiner = showAll ? '&' : '?';
      return reply.viewAsync(`${VIEW}/sign-off.njk`, {
        summary,
        signOff: describeSignOff(summary.signOff),
        supportCannotDeclare: actorOf(request).support ? SUPPORT_CANNOT_DECLARE : undefined,
        showAll,
        total,
        minimum: PLACEMENTS_NEEDED,
        // The first bulk upload that adds placements (its sheet lists the trainees short of them).
        bulkPlacements: kindsWriting('placements', actor.organisation.type).map(kindLink)[0],
        trainees: trainees.map((t) => {
          const described = describeTrainee(t);
          return {
            ...described,
            outcome:
              t.state === 'awarded'
                ? `${described.award} awarded ${formatIsoDate(t.awarded_date)}`
                : `Withdrawn ${formatIsoDate(t.withdrawal_date)}`,
            assessmentOnly: ASSESSMENT_ONLY_ROUTES.includes(t.route),
          };
        }),
        assessmentOnlyRoutes: ASSESSMENT_ONLY_ROUTES.map((code) => trainingRoute(code).name),
        pagination: pagination(page, total, SIGN_OFF_PAGE_SIZE, (p) => (p === 1 ? base : `${base}${joiner}page=${p}`)),
      });
    });

    for (const format of ['csv', 'xlsx'] as const) {
      provider.get(`/sign-off/export.${format}`, async (request, reply) => {
        const actor = actorOf(request);
        const file = await exportFile(db, actor, signOffYear(today()), format);
        return reply
          .header('content-type', file.contentType)
          .header('content-disposition', attachmentHeader(file.fileName))
          .header('cache-control', 'no-store')
          .send(file.body);
      });
    }

    const alreadySigned = async (reply: FastifyReply, signOff: SignOffRecord, status: number) =>
      reply.code(status).viewAsync(`${VIEW}/signed-off.njk`, {
        yearName: academicYearName(signOff.academicYear),
        signOff: describeSignOff(signOff),
        backLink: '/sign-off',
      });

    provider.get('/sign-off/declaration', async (request, reply) => {
      const actor = actorOf(request);
      const summary = await signOffSummary(db, actor, signOffYear(today()));
      if (summary.signOff) return alreadySigned(reply, summary.signOff, 200);
      return reply.viewAsync(`${VIEW}/declaration.njk`, {
        summary,
        values: { name: `${actor.firstName} ${actor.lastName}`.trim() },
        backLink: '/sign-off',
      });
    });

    provider.post('/sign-off/declaration', async (request, reply) => {
      const actor = actorOf(request);
      const year = signOffYear(today());
      const values = {
        confirmed: field(request.body, 'confirmed') === 'yes',
        name: field(request.body, 'name'),
        role: field(request.body, 'role'),
      };
      try {
        await signOffYearData(db, actor, year, values);
      } catch (error) {
        const summary = await signOffSummary(db, actor, year);
        // Signed off already (perhaps by a colleague a moment ago): say so, whatever was typed.
        if (summary.signOff) return alreadySigned(reply, summary.signOff, 409);
        const errors = errorsFrom(error);
        if (!errors) throw error;
        return reply.code(400).viewAsync(`${VIEW}/declaration.njk`, { summary, values, errors, backLink: '/sign-off' });
      }
      await reply.setFlash({
        success: `You have signed off your trainee data for the ${academicYearName(year)} academic year`,
      });
      return reply.redirect('/sign-off', 303);
    });
  });

  // --- Support ---------------------------------------------------------------------------------
  await app.register(
    async (support) => {
      support.addHook('preHandler', requireActor);
      support.addHook('preHandler', requireSupport);

      support.get('/', async (request, reply) => {
        const year = signOffYear(today());
        const page = pageNumber(request.query);
        const { providers, total, signedOff } = await listProviderSignOffs(db, year, page);
        return reply.viewAsync(`${VIEW}/support-list.njk`, {
          yearName: academicYearName(year),
          providers: providers.map((p) => ({ ...p, signOff: describeSignOff(p.signOff) })),
          total,
          signedOff,
          pagination: pagination(page, total, PROVIDERS_PAGE_SIZE, (p) => `/support/sign-offs?page=${p}`),
        });
      });

      const reminderForm = (yearName: string, recipients: number) => ({
        yearName,
        recipients,
        backLink: '/support/sign-offs',
      });

      support.get('/reminders', async (_request, reply) => {
        const year = signOffYear(today());
        const recipients = await reminderRecipients(db, year);
        return reply.viewAsync(`${VIEW}/reminders.njk`, {
          ...reminderForm(academicYearName(year), recipients.length),
          values: defaultReminder(academicYearName(year), baseUrl),
        });
      });

      support.post('/reminders', async (request, reply) => {
        const actor = actorOf(request);
        const year = signOffYear(today());
        const body = request.body;
        const values: ReminderInput = {
          subject: field(body, 'subject'),
          body: field(body, 'body'),
          deadline: {
            day: field(body, 'deadline-day'),
            month: field(body, 'deadline-month'),
            year: field(body, 'deadline-year'),
          },
        };
        const action = field(body, 'action');
        const recipients = await reminderRecipients(db, year);
        const form = reminderForm(academicYearName(year), recipients.length);
        if (action === 'change') return reply.viewAsync(`${VIEW}/reminders.njk`, { ...form, values });
        try {
          const template = checkReminder(values, today());
          if (action === 'send') {
            const sent = await sendSignOffReminders(db, actor, year, template, (tx, email) => notify.send(tx, email));
            await reply.setFlash({
              success: `Reminder sent: ${sent.emails} ${sent.emails === 1 ? 'email' : 'emails'} to users of ${sent.providers} ${sent.providers === 1 ? 'provider that has' : 'providers that have'} not signed off`,
            });
            return reply.redirect('/support/sign-offs', 303);
          }
          return reply.viewAsync(`${VIEW}/reminder-preview.njk`, {
            ...form,
            values,
            example: recipients[0] ? personaliseReminder(template, recipients[0]) : undefined,
          });
        } catch (error) {
          const errors = errorsFrom(error, (f) => (f === 'deadline' ? 'deadline-day' : f));
          if (!errors) throw error;
          return reply.code(400).viewAsync(`${VIEW}/reminders.njk`, { ...form, values, errors });
        }
      });
    },
    { prefix: '/support/sign-offs' },
  );
}

/** The reminder as it starts on the page; support can change any of it. */
function defaultReminder(yearName: string, baseUrl: string): ReminderInput {
  return {
    subject: `Sign off your ${yearName} trainee data by ((deadline))`,
    body: [
      'Dear ((first_name))',
      '',
      `((provider_name)) has not yet signed off its trainee data for the ${yearName} academic year. Please do this by ((deadline)).`,
      '',
      'The data goes into the yearly initial teacher training performance profiles, so it needs to be complete and right.',
      '',
      `Sign in to Rollbook and choose “Performance profile sign-off” (${baseUrl}/sign-off). On that page:`,
      '',
      `1. check that every trainee awarded QTS or EYTS in ${yearName} has at least 2 placements (trainees on assessment-only routes need none)`,
      '2. export your trainee data and check it',
      '3. correct anything that is wrong in Rollbook',
      '4. declare that the data is accurate',
      '',
      'Rollbook support',
    ].join('\n'),
    deadline: { day: '', month: '', year: '' },
  };
}
