// School data pages. Staff: find a learner and see their page exactly as the learner does (only
// with the "view learner data" permission; without it every learner route is a 404), each view
// audited; school admins grant or remove the permission, list the views, and print sign-in
// letters or invite learners by email. Learners: sign in with the code on their letter or the
// link in their email (choosing a password), or their username or email address and password,
// then see "Your school data" and nothing else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB, Learner } from '../../db/schema.ts';
import { inTransaction } from '../../db/transaction.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import { isUuid } from '../../domain/organisations/organisations.ts';
import {
  canViewLearnerData,
  checkLearnerPassword,
  endLearnerSession,
  findLearnerSession,
  INVITATION_DAYS,
  invitationWorks,
  inviteLearnersByEmail,
  learnerAccount,
  listLearnerDataAccess,
  printSignInLetters,
  SIGN_IN_CODE_DAYS,
  setLearnerDataAccess,
  setLearnerPasswordWithCode,
  setLearnerPasswordWithLink,
  startLearnerSession,
} from '../../domain/school-data/learner-accounts.ts';
import {
  chosenLearnerIds,
  countLearnersByYearGroup,
  findLearner,
  searchLearners,
} from '../../domain/school-data/learners.ts';
import { learnerDataPage, listLearnerViews, recordLearnerView } from '../../domain/school-data/school-data.ts';
import type { Notify } from '../../integrations/notify/notify.ts';
import { markAttemptSucceeded, reserveAttempt, THROTTLE_WINDOW_MINUTES } from '../../integrations/sign-in/throttle.ts';
import { errorsFrom, field, formErrors } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';

const VIEW = 'school-data/views';
export const LEARNER_COOKIE = 'rollbook_learner';

/** The navigation a signed-in learner sees: their page, and nothing else. */
const learnerNavigation = (url: string) => [
  { href: '/your-school-data', text: 'Your school data', active: url.startsWith('/your-school-data') },
];

export async function schoolDataRoutes(
  app: FastifyInstance,
  { db, secure, baseUrl, notify }: { db: Kysely<DB>; secure: boolean; baseUrl: string; notify: Notify },
) {
  // --- Staff ----------------------------------------------------------------------------------

  /** A member of a school's staff allowed to see learners' data; anyone else gets 404. */
  async function viewer(request: FastifyRequest): Promise<Actor> {
    const actor = actorOf(request);
    if (!(await canViewLearnerData(db, actor))) throw new NotFoundError('Page');
    return actor;
  }

  /** A school's admin; anyone else gets 404. */
  function schoolAdmin(request: FastifyRequest): Actor {
    const actor = actorOf(request);
    if (actor.organisation.type !== 'school' || actor.role !== 'admin' || actor.support) {
      throw new NotFoundError('Page');
    }
    return actor;
  }

  app.get('/learners', { preHandler: requireActor }, async (request, reply) => {
    const actor = await viewer(request);
    const q = field(request.query, 'q').slice(0, 100);
    const learners = q ? await searchLearners(db, actor, q) : [];
    return reply.viewAsync(`${VIEW}/search.njk`, {
      title: 'Find a learner',
      q,
      learners,
      isAdmin: actor.role === 'admin',
      backLink: '/',
    });
  });

  app.get<{ Params: { id: string } }>('/learners/:id', { preHandler: requireActor }, async (request, reply) => {
    const actor = await viewer(request);
    const learner = await findLearner(db, actor, request.params.id);
    const page = await learnerDataPage(db, learner);
    // Every staff view of a learner's data is recorded: who, which learner, when.
    await recordLearnerView(db, actor, learner, 'learner page');
    return reply.viewAsync(`${VIEW}/learner.njk`, {
      title: `${learner.first_name} ${learner.surname}`,
      page,
      account: await learnerAccount(db, learner.id),
      isAdmin: actor.role === 'admin',
      backLink: '/learners',
    });
  });

  app.get('/organisation/learner-data', { preHandler: requireActor }, async (request, reply) => {
    const actor = schoolAdmin(request);
    return reply.viewAsync(`${VIEW}/access.njk`, {
      title: 'Who can see learners’ data',
      staff: await listLearnerDataAccess(db, actor),
      backLink: '/organisation',
    });
  });

  app.post('/organisation/learner-data', { preHandler: requireActor }, async (request, reply) => {
    const actor = schoolAdmin(request);
    const userId = field(request.body, 'userId');
    const allowed = field(request.body, 'allowed') === 'true';
    if (!isUuid(userId)) throw new NotFoundError('User');
    await setLearnerDataAccess(db, actor, userId, allowed);
    const who = (await listLearnerDataAccess(db, actor)).find((s) => s.userId === userId);
    await reply.setFlash({
      success: `${who?.name ?? 'They'} ${allowed ? 'can now see learners’ data' : 'can no longer see learners’ data'}`,
    });
    return reply.redirect('/organisation/learner-data', 303);
  });

  app.get('/organisation/learner-data/views', { preHandler: requireActor }, async (request, reply) => {
    const actor = schoolAdmin(request);
    return reply.viewAsync(`${VIEW}/views.njk`, {
      title: 'Views of learners’ data',
      views: await listLearnerViews(db, actor),
      backLink: '/organisation/learner-data',
    });
  });

  app.get('/organisation/learner-data/letters', { preHandler: requireActor }, async (request, reply) => {
    const actor = schoolAdmin(request);
    return reply.viewAsync(`${VIEW}/letters-choose.njk`, {
      title: 'Print sign-in letters',
      yearGroups: await countLearnersByYearGroup(db, actor.organisation.id),
      codeDays: SIGN_IN_CODE_DAYS,
      backLink: '/organisation/learner-data',
    });
  });

  app.post('/organisation/learner-data/letters', { preHandler: requireActor }, async (request, reply) => {
    const actor = schoolAdmin(request);
    const learnerId = field(request.body, 'learnerId');
    const yearGroup = field(request.body, 'yearGroup');
    const ids = await chosenLearnerIds(db, actor, { learnerId, yearGroup });
    if (ids.length === 0) {
      reply.code(400);
      return reply.viewAsync(`${VIEW}/letters-choose.njk`, {
        title: 'Print sign-in letters',
        yearGroups: await countLearnersByYearGroup(db, actor.organisation.id),
        codeDays: SIGN_IN_CODE_DAYS,
        errors: formErrors([new DomainError('Choose the learners to print letters for', 'yearGroup')]),
        backLink: '/organisation/learner-data',
      });
    }
    const letters = await printSignInLetters(db, actor, ids);
    // Shown once, on this answer: codes are never kept in a form Rollbook can show again.
    return reply.header('cache-control', 'no-store').viewAsync(`${VIEW}/letters.njk`, {
      title: `Sign-in letters for ${letters.length} ${letters.length === 1 ? 'learner' : 'learners'}`,
      letters,
      school: actor.organisation.name,
      signInAddress: `${baseUrl}/learner/code`,
      backLink: '/organisation/learner-data/letters',
    });
  });

  /** How many of the school's learners have an email address recorded, by year group. */
  async function emailCounts(schoolId: string) {
    const rows = await db
      .selectFrom('learners')
      .select(['year_group', (eb) => eb.fn.countAll<string>().as('count')])
      .where('school_id', '=', schoolId)
      .where('email', 'is not', null)
      .groupBy('year_group')
      .execute();
    const counts = new Map(rows.map((row) => [row.year_group, Number(row.count)]));
    return (await countLearnersByYearGroup(db, schoolId)).map((group) => ({
      ...group,
      withEmail: counts.get(group.yearGroup) ?? 0,
    }));
  }

  const invitationsPage = async (actor: Actor, extra: Record<string, unknown> = {}) => {
    const yearGroups = await emailCounts(actor.organisation.id);
    return {
      title: 'Invite learners by email',
      yearGroups,
      withEmail: yearGroups.reduce((sum, group) => sum + group.withEmail, 0),
      invitationDays: INVITATION_DAYS,
      backLink: '/organisation/learner-data',
      ...extra,
    };
  };

  app.get('/organisation/learner-data/invitations', { preHandler: requireActor }, async (request, reply) => {
    const actor = schoolAdmin(request);
    return reply.viewAsync(`${VIEW}/invitations-choose.njk`, await invitationsPage(actor));
  });

  app.post('/organisation/learner-data/invitations', { preHandler: requireActor }, async (request, reply) => {
    const actor = schoolAdmin(request);
    const learnerId = field(request.body, 'learnerId');
    const yearGroup = field(request.body, 'yearGroup');
    const ids = await chosenLearnerIds(db, actor, { learnerId, yearGroup, withEmail: true });
    if (ids.length === 0) {
      reply.code(400);
      const message = yearGroup
        ? 'None of those learners has an email address. Upload your school data with an “Email address” column, or print sign-in letters'
        : 'Choose the learners to invite';
      return reply.viewAsync(
        `${VIEW}/invitations-choose.njk`,
        await invitationsPage(actor, { errors: formErrors([new DomainError(message, 'yearGroup')]) }),
      );
    }
    const result = await inTransaction(db, async (tx) => {
      const invited = await inviteLearnersByEmail(tx, actor, ids);
      for (const invitation of invited.invitations) {
        await notify.send(tx, {
          to: invitation.email,
          subject: `See your school data from ${actor.organisation.name}`,
          body: [
            `Dear ${invitation.name},`,
            `${actor.organisation.name} shares your school data with you on Rollbook: what your school records about how you are getting on. Only you, and staff at your school who are allowed to, can see it.`,
            `Choose a password with this link. It works once, within ${INVITATION_DAYS} days:\n${baseUrl}/learner/invitation/${invitation.token}`,
            `Then sign in at ${baseUrl}/learner/sign-in with this email address, ${invitation.email}, and your password.`,
            'If you were not expecting this email, you can ignore it, or tell your school.',
          ].join('\n\n'),
        });
      }
      return invited;
    });
    return reply.viewAsync(`${VIEW}/invitations-sent.njk`, {
      title: `Invitations sent to ${result.invitations.length} ${result.invitations.length === 1 ? 'learner' : 'learners'}`,
      result,
      invitationDays: INVITATION_DAYS,
      backLink: '/organisation/learner-data',
    });
  });

  // --- Learners -------------------------------------------------------------------------------

  async function signedInLearner(request: FastifyRequest): Promise<Learner | undefined> {
    const token = request.cookies[LEARNER_COOKIE];
    if (!token) return undefined;
    const unsigned = request.unsignCookie(token);
    return unsigned.valid && unsigned.value ? findLearnerSession(db, unsigned.value) : undefined;
  }

  async function signIn(reply: FastifyReply, learnerId: string) {
    const token = await startLearnerSession(db, learnerId);
    reply.setCookie(LEARNER_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure, signed: true });
  }

  app.get('/learner/sign-in', async (_request, reply) => {
    return reply.viewAsync(`${VIEW}/learner-sign-in.njk`, { title: 'Sign in to see your school data', values: {} });
  });

  app.post('/learner/sign-in', async (request, reply) => {
    const username = field(request.body, 'username').trim().slice(0, 320);
    const password = field(request.body, 'password').slice(0, 1024);
    const page = (message: string, fieldName: string) => {
      reply.code(fieldName === 'throttled' ? 429 : 400);
      return reply.viewAsync(`${VIEW}/learner-sign-in.njk`, {
        title: 'Sign in to see your school data',
        values: { username },
        errors: formErrors([new DomainError(message, fieldName === 'throttled' ? 'username' : fieldName)]),
      });
    };
    if (!username) return page('Enter your username or email address', 'username');
    if (!password) return page('Enter your password', 'password');
    const attempt = await reserveAttempt(db, `learner:${username.toLowerCase()}`, request.ip);
    if (!attempt) {
      return page(
        `Too many attempts to sign in. Wait ${THROTTLE_WINDOW_MINUTES} minutes and try again, or ask your school for a new letter`,
        'throttled',
      );
    }
    const learnerId = await checkLearnerPassword(db, username, password);
    if (!learnerId) {
      return page('The username, email address or password is not right. Check them and try again', 'username');
    }
    await markAttemptSucceeded(db, attempt);
    await signIn(reply, learnerId);
    return reply.redirect('/your-school-data', 303);
  });

  app.get('/learner/code', async (_request, reply) => {
    return reply.viewAsync(`${VIEW}/learner-code.njk`, { title: 'Use the code from your letter', values: {} });
  });

  app.post('/learner/code', async (request, reply) => {
    const code = field(request.body, 'code').slice(0, 100);
    const password = field(request.body, 'password').slice(0, 1024);
    const confirm = field(request.body, 'confirmPassword').slice(0, 1024);
    const again = (error: DomainError) => {
      reply.code(400);
      return reply.viewAsync(`${VIEW}/learner-code.njk`, {
        title: 'Use the code from your letter',
        values: { code },
        errors: errorsFrom(error),
      });
    };
    if (password && confirm !== password) {
      return again(new DomainError('The passwords do not match. Type the same password twice', 'confirmPassword'));
    }
    const attempt = await reserveAttempt(db, 'learner-code', request.ip);
    if (!attempt) {
      return again(new DomainError(`Too many attempts. Wait ${THROTTLE_WINDOW_MINUTES} minutes and try again`, 'code'));
    }
    try {
      const { learnerId } = await setLearnerPasswordWithCode(db, code, password);
      await markAttemptSucceeded(db, attempt);
      await signIn(reply, learnerId);
      return reply.redirect('/your-school-data?password=set', 303);
    } catch (error) {
      if (error instanceof DomainError) return again(error);
      throw error;
    }
  });

  // The link in an invitation email: choose a password once, then sign in with the email address.
  const linkGone = (reply: FastifyReply) =>
    reply.code(404).viewAsync(`${VIEW}/learner-invitation-gone.njk`, { title: 'This link does not work' });

  app.get<{ Params: { token: string } }>('/learner/invitation/:token', async (request, reply) => {
    if (!(await invitationWorks(db, request.params.token))) return linkGone(reply);
    return reply.viewAsync(`${VIEW}/learner-invitation.njk`, {
      title: 'Choose a password',
      token: request.params.token,
    });
  });

  app.post<{ Params: { token: string } }>('/learner/invitation/:token', async (request, reply) => {
    const { token } = request.params;
    const password = field(request.body, 'password').slice(0, 1024);
    const confirm = field(request.body, 'confirmPassword').slice(0, 1024);
    const again = (error: DomainError) => {
      reply.code(400);
      return reply.viewAsync(`${VIEW}/learner-invitation.njk`, {
        title: 'Choose a password',
        token,
        errors: errorsFrom(error),
      });
    };
    if (!(await invitationWorks(db, token))) return linkGone(reply);
    if (confirm !== password) {
      return again(new DomainError('The passwords do not match. Type the same password twice', 'confirmPassword'));
    }
    try {
      const chosen = await setLearnerPasswordWithLink(db, token, password);
      if (!chosen) return linkGone(reply);
      await signIn(reply, chosen.learnerId);
      return reply.redirect('/your-school-data?password=set', 303);
    } catch (error) {
      if (error instanceof DomainError) return again(error);
      throw error;
    }
  });

  app.post('/learner/sign-out', async (request, reply) => {
    const token = request.cookies[LEARNER_COOKIE];
    const unsigned = token ? request.unsignCookie(token) : undefined;
    if (unsigned?.valid && unsigned.value) await endLearnerSession(db, unsigned.value);
    reply.clearCookie(LEARNER_COOKIE, { path: '/' });
    return reply.redirect('/learner/sign-in', 303);
  });

  // Read-only: this is the one learner route with their data, and no route accepts a change to it.
  app.get('/your-school-data', async (request, reply) => {
    const learner = await signedInLearner(request);
    if (!learner) return reply.redirect('/learner/sign-in', 303);
    return reply.viewAsync(`${VIEW}/your-school-data.njk`, {
      title: 'Your school data',
      page: await learnerDataPage(db, learner),
      // Just after choosing a password: how to sign in next time.
      passwordSet: field(request.query, 'password') === 'set' ? await learnerAccount(db, learner.id) : undefined,
      navigation: learnerNavigation(request.url),
      learnerSignedIn: true,
    });
  });
}
