// Sign in with email and password, sign out, and set a password from a one-time link.

import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../domain/errors.ts';
import { MIN_PASSWORD_LENGTH } from '../../domain/organisations/passwords.ts';
import { findUserBySetupToken, listMemberships, setPasswordWithToken } from '../../domain/organisations/users.ts';
import type { SignInAdapter } from '../../integrations/sign-in/sign-in.ts';
import { errorsFrom, field, formErrors } from '../forms.ts';
import { safeReturnTo } from '../return-to.ts';
import { recordStoppedActing } from '../support/acting.ts';

const VIEW = 'sign-in/views';

export async function signInRoutes(
  app: FastifyInstance,
  { db, signIn, baseUrl }: { db: Kysely<DB>; signIn: SignInAdapter; baseUrl: string },
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

  app.get<{ Params: { token: string } }>('/set-password/:token', async (request, reply) => {
    const user = await findUserBySetupToken(db, request.params.token);
    if (!user) return reply.code(404).viewAsync(`${VIEW}/link-expired.njk`, {});
    return reply.viewAsync(`${VIEW}/set-password.njk`, { user, minLength: MIN_PASSWORD_LENGTH });
  });

  app.post<{ Params: { token: string } }>('/set-password/:token', async (request, reply) => {
    const user = await findUserBySetupToken(db, request.params.token);
    if (!user) return reply.code(404).viewAsync(`${VIEW}/link-expired.njk`, {});
    const password = field(request.body, 'password');
    const confirm = field(request.body, 'confirmPassword');
    try {
      if (password !== confirm)
        throw new DomainError('The passwords do not match: enter the same password twice', 'confirmPassword');
      await setPasswordWithToken(db, request.params.token, password);
    } catch (error) {
      const errors = errorsFrom(error);
      if (!errors) throw error;
      return reply.code(400).viewAsync(`${VIEW}/set-password.njk`, { user, minLength: MIN_PASSWORD_LENGTH, errors });
    }
    const memberships = await listMemberships(db, user.id);
    await reply.startSession(user.id, memberships.length === 1 ? memberships[0].organisationId : null, {
      success: 'Your password is set and you are signed in',
    });
    return reply.redirect(memberships.length === 1 ? '/' : '/organisations', 303);
  });
}
