// Choosing which organisation to act for, and "Your organisation".

import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import { findOrganisation } from '../../domain/organisations/organisations.ts';
import { listMemberships } from '../../domain/organisations/users.ts';
import type { Notify } from '../../integrations/notify/notify.ts';
import { auditLogRoutes } from '../audit-log/routes.ts';
import { field, formErrors } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { safeReturnTo } from '../return-to.ts';
import { recordStoppedActing } from '../support/acting.ts';
import { organisationPage } from './organisation-page.ts';
import { userManagementRoutes } from './user-management.ts';

const VIEW = 'organisation/views';

export async function organisationRoutes(
  app: FastifyInstance,
  { db, notify, baseUrl }: { db: Kysely<DB>; notify: Notify; baseUrl: string },
) {
  // The switcher needs a signed-in user but not a current organisation.
  app.get('/organisations', async (request, reply) => {
    if (!request.session) return reply.redirect('/sign-in', 303);
    const memberships = await listMemberships(db, request.session.userId);
    return reply.viewAsync(`${VIEW}/choose.njk`, {
      memberships,
      current: request.session.actor?.organisation.id,
      backLink: request.session.actor ? '/' : undefined,
    });
  });

  app.post('/organisations', async (request, reply) => {
    if (!request.session) return reply.redirect('/sign-in', 303);
    const memberships = await listMemberships(db, request.session.userId);
    const chosen = field(request.body, 'organisationId');
    if (!chosen) {
      return reply.code(400).viewAsync(`${VIEW}/choose.njk`, {
        memberships,
        current: request.session.actor?.organisation.id,
        errors: formErrors(
          [new DomainError('Select the organisation you want to act for', 'organisationId')],
          () => 'organisationId',
        ),
      });
    }
    const membership = memberships.find((m) => m.organisationId === chosen);
    if (!membership) throw new NotFoundError('Organisation');
    await recordStoppedActing(db, request.session?.actor);
    await reply.actFor(membership.organisationId);
    await reply.setFlash({ success: `You are now acting for ${membership.organisationName}` });
    return reply.redirect(safeReturnTo(field(request.body, 'returnTo'), baseUrl), 303);
  });

  await app.register(async (scoped) => {
    scoped.addHook('preHandler', requireActor);
    const organisationOf = async (request: Parameters<typeof actorOf>[0]) => {
      const organisation = await findOrganisation(db, actorOf(request).organisation.id);
      if (!organisation) throw new NotFoundError('Organisation');
      return organisation;
    };
    scoped.get('/organisation', async (request, reply) => {
      const organisation = await organisationOf(request);
      return reply.viewAsync(`${VIEW}/organisation.njk`, {
        ...(await organisationPage(db, actorOf(request), organisation.id, '/organisation')),
        title: 'Your organisation',
      });
    });
    await scoped.register(auditLogRoutes, { db });
    await scoped.register(userManagementRoutes, {
      prefix: '/organisation',
      db,
      notify,
      baseUrl,
      basePath: () => '/organisation',
      organisationOf,
    });
  });
}
