// Adding and removing an organisation's users. The same pages serve an admin managing their own
// organisation (/organisation/users) and a support user managing any (/support/organisations/:id/users).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB, Organisation, Role } from '../../db/schema.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import { canManageUsers } from '../../domain/organisations/actor.ts';
import {
  addUserToOrganisation,
  listOrganisationUsers,
  removeUserFromOrganisation,
  resendInvitation,
  SETUP_LINK_DAYS,
} from '../../domain/organisations/users.ts';
import type { Notify } from '../../integrations/notify/notify.ts';
import { errorsFrom, field } from '../forms.ts';
import { actorOf } from '../guards.ts';

const VIEW = 'organisation/views';

export interface UserManagementOptions {
  db: Kysely<DB>;
  notify: Notify;
  baseUrl: string;
  /** Where the organisation's page is, e.g. /organisation or /support/organisations/:id. */
  basePath: (request: FastifyRequest) => string;
  /** The organisation the request is about, already scoped to what the actor may see. */
  organisationOf: (request: FastifyRequest) => Promise<Organisation>;
}

export async function userManagementRoutes(app: FastifyInstance, options: UserManagementOptions) {
  const { db, notify, baseUrl, basePath, organisationOf } = options;

  async function managed(request: FastifyRequest) {
    const organisation = await organisationOf(request);
    if (!canManageUsers(actorOf(request), organisation.id)) throw new NotFoundError('Page');
    return organisation;
  }

  app.get('/users/new', async (request, reply) => {
    const organisation = await managed(request);
    return reply.viewAsync(`${VIEW}/add-user.njk`, {
      organisation,
      backLink: basePath(request),
      values: { role: 'member' },
    });
  });

  app.post('/users/new', async (request, reply) => {
    const organisation = await managed(request);
    const actor = actorOf(request);
    const values = {
      email: field(request.body, 'email'),
      firstName: field(request.body, 'firstName'),
      lastName: field(request.body, 'lastName'),
      role: field(request.body, 'role') as Role,
    };
    try {
      await db.transaction().execute(async (tx) => {
        const added = await addUserToOrganisation(tx, actor, organisation.id, values);
        await notify.send(tx, {
          to: added.user.email,
          subject: `You have been added to ${organisation.name} on Rollbook`,
          body: [
            `${actor.firstName} ${actor.lastName} has added you to ${organisation.name} on Rollbook.`,
            added.setupToken
              ? `Set your password within ${SETUP_LINK_DAYS} days: ${baseUrl}/set-password/${added.setupToken}`
              : `Sign in with your existing account: ${baseUrl}/sign-in`,
          ].join('\n\n'),
        });
      });
    } catch (error) {
      const errors = errorsFrom(error, (f) => (f === 'role' ? 'role' : f));
      if (!errors) throw error;
      return reply
        .code(400)
        .viewAsync(`${VIEW}/add-user.njk`, { organisation, backLink: basePath(request), values, errors });
    }
    await reply.setFlash({ success: `${values.email.trim()} has been added and sent an email` });
    return reply.redirect(basePath(request), 303);
  });

  // A new set-up link for someone who never set a password: the first may have expired or gone astray.
  app.post<{ Params: { userId: string } }>('/users/:userId/resend-invitation', async (request, reply) => {
    const organisation = await managed(request);
    const actor = actorOf(request);
    let message: string;
    try {
      message = await db.transaction().execute(async (tx) => {
        const { user, token } = await resendInvitation(tx, actor, organisation.id, request.params.userId);
        await notify.send(tx, {
          to: user.email,
          subject: `Set your password for ${organisation.name} on Rollbook`,
          body: [
            `${actor.firstName} ${actor.lastName} has sent you a new link to set your password for ${organisation.name} on Rollbook. Links sent before this one still work until they expire.`,
            `Set your password within ${SETUP_LINK_DAYS} days: ${baseUrl}/set-password/${token}`,
          ].join('\n\n'),
        });
        return `A new invitation has been sent to ${user.email}`;
      });
    } catch (error) {
      // Set a password since the page was shown: nothing to resend.
      if (!(error instanceof DomainError)) throw error;
      message = error.message;
    }
    await reply.setFlash({ success: message });
    return reply.redirect(basePath(request), 303);
  });

  app.get<{ Params: { userId: string } }>('/users/:userId/remove', async (request, reply) => {
    const organisation = await managed(request);
    const user = (await listOrganisationUsers(db, organisation.id)).find((u) => u.id === request.params.userId);
    if (!user) throw new NotFoundError('User');
    return reply.viewAsync(`${VIEW}/remove-user.njk`, { organisation, user, backLink: basePath(request) });
  });

  app.post<{ Params: { userId: string } }>('/users/:userId/remove', async (request, reply) => {
    const organisation = await managed(request);
    const user = (await listOrganisationUsers(db, organisation.id)).find((u) => u.id === request.params.userId);
    if (!user) throw new NotFoundError('User');
    try {
      await removeUserFromOrganisation(db, actorOf(request), organisation.id, user.id);
    } catch (error) {
      const errors = errorsFrom(error);
      if (!errors) throw error;
      return reply
        .code(400)
        .viewAsync(`${VIEW}/remove-user.njk`, { organisation, user, backLink: basePath(request), errors });
    }
    await reply.setFlash({ success: `${user.email} has been removed from ${organisation.name}` });
    return reply.redirect(basePath(request), 303);
  });
}
