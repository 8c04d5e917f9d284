// Sign in with email and password, sign out, set a password from a one-time link (an invitation),
// and reset a forgotten one through a link sent by email.

import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB, PasswordTokenPurpose } from '../../db/schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { normaliseEmail } from '../../domain/identifiers.ts';
import { MIN_PASSWORD_LENGTH } from '../../domain/organisations/passwords.ts';
import {
  createPasswordResetLink,
  findUserBySetupToken,
  listMemberships,
  RESET_LINK_HOURS,
  setPasswordWithToken,
} from '../../domain/organisations/users.ts';
import type { Notify } from '../../integrations/notify/notify.ts';
import type { SignInAdapter } from '../../integrations/sign-in/sign-in.ts';
import { PASSWORD_RESET, reserveAttempt, THROTTLE_WINDOW_MINUTES } from '../../integrations/sign-in/throttle.ts';
import { errorsFrom, field, formErrors } from '../forms.ts';
import { safeReturnTo } from '../return-to.ts';
import { recordStoppedActing } from '../support/acting.ts';

const VIEW = 'sign-in/views';

/**
 * A request for a reset link is answered no sooner than this, whether or not the account exists,
 * so how long the answer takes does not tell either (making and emailing a link takes longer than
 * finding no account).
 */
export const RESET_REQUEST_ANSWER_MS = 400;

/** Where each kind of link is opened. */
const LINK_PATH: Record<PasswordTokenPurpose, string> = { 'set-up': '/set-password', reset: '/reset-password' };

export async function signInRoutes(
  app: FastifyInstance,
  { db, signIn, notify, baseUrl }: { db: Kysely<DB>; signIn: SignInAdapter; notify: Notify; baseUrl: string },
) {
  app.get('/sign-in', async (request, reply) => {
    if (request.session) return reply.redirect('/', 303);
    return reply.viewAsync(`${VIEW}/sign-in.njk`, {
      returnTo: safeReturnTo(field(request.query, 'returnTo'), baseUrl),
    });
  });

  app.post('/sign-in', async (request, reply) => {
    const email = field(request.body, 'email').trim();
    const password = field(request.body, 'password');
    const returnTo = safeReturnTo(field(request.body, 'returnTo'), baseUrl);
    const show = (status: number, errors: DomainError[]) =>
      reply.code(status).viewAsync(`${VIEW}/sign-in.njk`, { email, returnTo, errors: formErrors(errors) });

    const missing = [
      ...(email ? [] : [new DomainError('Enter your email address', 'email')]),
      ...(password ? [] : [new DomainError('Enter your password', 'password')]),
    ];
    if (missing.length) return show(400, missing);

    const result = await signIn.signIn({ email, password, address: request.ip });
    if (result.outcome === 'throttled') {
      return show(429, [
        new DomainError(
          `There have been too many attempts to sign in. Wait ${result.retryAfterMinutes} minutes, then try again`,
          'email',
        ),
      ]);
    }
    if (result.outcome === 'wrong-details') {
      return show(400, [new DomainError('Enter the email address and password of your Rollbook account', 'email')]);
    }
    const memberships = await listMemberships(db, result.user.id);
    await reply.startSession(result.user.id, memberships.length === 1 ? memberships[0].organisationId : null);
    request.log.info({ userId: result.user.id }, 'signed in');
    return reply.redirect(memberships.length === 1 ? returnTo : '/organisations', 303);
  });

  app.post('/sign-out', async (request, reply) => {
    await recordStoppedActing(db, request.session?.actor);
    await reply.endSession();
    return reply.redirect('/signed-out', 303);
  });

  app.get('/signed-out', async (_request, reply) => reply.viewAsync(`${VIEW}/signed-out.njk`, {}));

  // Setting a password from a link: an invitation's set-up link, or a reset link.
  for (const purpose of ['set-up', 'reset'] as const) {
    const path = `${LINK_PATH[purpose]}/:token`;
    const linkGone = (reply: FastifyReply) => reply.code(404).viewAsync(`${VIEW}/link-expired.njk`, { purpose });

    app.get<{ Params: { token: string } }>(path, async (request, reply) => {
      const user = await findUserBySetupToken(db, request.params.token, purpose);
      if (!user) return linkGone(reply);
      return reply.viewAsync(`${VIEW}/set-password.njk`, { user, purpose, minLength: MIN_PASSWORD_LENGTH });
    });

    app.post<{ Params: { token: string } }>(path, async (request, reply) => {
      const user = await findUserBySetupToken(db, request.params.token, purpose);
      if (!user) return linkGone(reply);
      const password = field(request.body, 'password');
      const confirm = field(request.body, 'confirmPassword');
      try {
        if (password !== confirm)
          throw new DomainError('The passwords do not match: enter the same password twice', 'confirmPassword');
        await setPasswordWithToken(db, request.params.token, password, purpose);
      } catch (error) {
        const errors = errorsFrom(error);
        if (!errors) throw error;
        return reply
          .code(400)
          .viewAsync(`${VIEW}/set-password.njk`, { user, purpose, minLength: MIN_PASSWORD_LENGTH, errors });
      }
      const memberships = await listMemberships(db, user.id);
      await reply.startSession(user.id, memberships.length === 1 ? memberships[0].organisationId : null, {
        success:
          purpose === 'reset'
            ? 'Your password has been reset and you are signed in. Anywhere else you were signed in, you have been signed out'
            : 'Your password is set and you are signed in',
      });
      return reply.redirect(memberships.length === 1 ? '/' : '/organisations', 303);
    });
  }

  app.get('/forgotten-password', async (_request, reply) => reply.viewAsync(`${VIEW}/forgotten-password.njk`, {}));

  app.post('/forgotten-password', async (request, reply) => {
    const started = performance.now();
    const entered = field(request.body, 'email').trim();
    const email = normaliseEmail(entered);
    if (!email) {
      const message = entered
        ? 'Enter an email address in the correct format, like name@example.com'
        : 'Enter your email address';
      return reply.code(400).viewAsync(`${VIEW}/forgotten-password.njk`, {
        email: entered,
        errors: formErrors([new DomainError(message, 'email')]),
      });
    }
    const answer = await answerResetRequest(request, email);
    // The same wait whatever happened, so the time taken tells nothing.
    await sleep(Math.max(0, RESET_REQUEST_ANSWER_MS - (performance.now() - started)));
    if (answer === 'throttled') {
      return reply.code(429).viewAsync(`${VIEW}/forgotten-password.njk`, {
        email: entered,
        errors: formErrors([
          new DomainError(
            `You have asked for too many links to reset a password. Wait ${THROTTLE_WINDOW_MINUTES} minutes, then try again`,
            'email',
          ),
        ]),
      });
    }
    return reply.viewAsync(`${VIEW}/reset-link-sent.njk`, { email, hours: RESET_LINK_HOURS });
  });

  /** Emails a reset link if the account exists; says nothing about whether it does. */
  async function answerResetRequest(request: FastifyRequest, email: string): Promise<'throttled' | 'answered'> {
    const attempt = await reserveAttempt(db, email.toLowerCase(), request.ip, PASSWORD_RESET);
    if (!attempt) return 'throttled';
    await db.transaction().execute(async (tx) => {
      const link = await createPasswordResetLink(tx, email);
      if (!link) return;
      await notify.send(tx, {
        to: link.user.email,
        subject: 'Reset your Rollbook password',
        body: [
          `Someone asked to reset the password of the Rollbook account for ${link.user.email}.`,
          `If it was you, choose a new password with this link. It works once, within ${RESET_LINK_HOURS} hours:\n${baseUrl}${LINK_PATH.reset}/${link.token}`,
          'If it was not you, you do not need to do anything: your password has not changed.',
          `If you need help, go to ${baseUrl}/help`,
        ].join('\n\n'),
      });
    });
    request.log.info('reset link requested');
    return 'answered';
  }
}
