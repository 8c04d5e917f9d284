// School data pages. Staff: find a learner and see their page exactly as the learner does (only
// with the "view learner data" permission; without it every learner route is a 404), each view
// audited; school admins grant or remove the permission, list the views, and print sign-in
// letters. Learners: sign in with the code on their letter (choosing a password) or their
// username or email address and password, then see "Your school data" and nothing else.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB, Learner } from '../../db/schema.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import {
  canViewLearnerData,
  checkLearnerPassword,
  endLearnerSession,
  findLearnerSession,
  learnerAccount,
  listLearnerDataAccess,
  printSignInLetters,
  SIGN_IN_CODE_DAYS,
  setLearnerDataAccess,
  setLearnerPasswordWithCode,
  startLearnerSession,
} from '../../domain/school-data/learner-accounts.ts';
import { countLearnersByYearGroup, findLearner, searchLearners } from '../../domain/school-data/learners.ts';
import { learnerDataPage, listLearnerViews, recordLearnerView } from '../../domain/school-data/school-data.ts';
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
  { db, secure, baseUrl }: { db: Kysely<DB>; secure: boolean; baseUrl: string },
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
    if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new NotFoundError('User');
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
    let ids: string[] = [];
    if (learnerId) ids = [(await findLearner(db, actor, learnerId)).id];
    else if (yearGroup) {
      let query = db.selectFrom('learners').select('id').where('school_id', '=', actor.organisation.id);
      if (yearGroup !== 'all') query = query.where('year_group', '=', yearGroup);
      ids = (await query.execute()).map((row) => row.id);
    }
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
