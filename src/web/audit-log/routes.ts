// "Audit log" on Your organisation: an organisation's own log, for its admins. Members who are not
// admins, like anyone else, get "Page not found". Support users read any organisation's log on the
// support pages (src/web/support/routes.ts), through the same page.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { NotFoundError } from '../../domain/errors.ts';
import { actorOf, requireActor } from '../guards.ts';
import { renderAuditLog } from './audit-log.ts';

export const OWN_AUDIT_LOG = '/organisation/audit-log';

export async function auditLogRoutes(app: FastifyInstance, { db }: { db: Kysely<DB> }) {
  app.addHook('preHandler', requireActor);
  app.get(OWN_AUDIT_LOG, async (request, reply) => {
    const actor = actorOf(request);
    if (actor.role !== 'admin') throw new NotFoundError('Page');
    return renderAuditLog(request, reply, {
      db,
      scope: { organisationId: actor.organisation.id },
      reader: {
        organisationId: actor.organisation.id,
        organisationType: actor.organisation.type,
        support: false,
        basePath: OWN_AUDIT_LOG,
      },
      title: 'Audit log',
      caption: actor.organisation.name,
      backLink: '/organisation',
    });
  });
}
