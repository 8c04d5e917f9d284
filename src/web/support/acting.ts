// A support user acting for a provider: they use the provider's pages as its admin (so support can,
// say, import HESA placements for any provider), while the audit log names them and their support
// organisation. Beginning and stopping are audited on the provider's log.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { recordEvents } from '../../domain/audit/events.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import { actorOf, requireActor } from '../guards.ts';

/** Only providers: support acts for them to run their imports; other organisations are a 404. */
export async function beginActingFor(
  db: Kysely<DB>,
  reply: FastifyReply,
  actor: Actor,
  organisation: { id: string; type: string; name: string },
): Promise<void> {
  if (organisation.type !== 'provider') throw new NotFoundError('Organisation');
  await recordEvents(db, actor, 'page', [
    {
      organisationId: organisation.id,
      subjectType: 'organisation',
      subjectId: organisation.id,
      action: 'support began acting for',
    },
  ]);
  await reply.actFor(organisation.id, actor.organisation.id);
  await reply.setFlash({ success: `You are now acting for ${organisation.name}` });
}

/**
 * Audits the end of acting for a provider, however it ends: the stop button, choosing another
 * organisation, or signing out. Does nothing for an actor who is not acting.
 */
export async function recordStoppedActing(db: Kysely<DB>, actor: Actor | undefined): Promise<void> {
  if (!actor?.support) return;
  await recordEvents(db, actor, 'page', [
    {
      organisationId: actor.organisation.id,
      subjectType: 'organisation',
      subjectId: actor.organisation.id,
      action: 'support stopped acting for',
    },
  ]);
}

/**
 * POST /support/stop-acting: only while acting for a provider (the support pages themselves are
 * for support organisations, so this sits outside their scope).
 */
export async function stopActingRoutes(app: FastifyInstance, { db }: { db: Kysely<DB> }) {
  app.addHook('preHandler', requireActor);
  app.post('/stop-acting', async (request: FastifyRequest, reply) => {
    const actor = actorOf(request);
    if (!actor.support) throw new NotFoundError('Page');
    await recordStoppedActing(db, actor);
    await reply.actFor(actor.support.organisationId);
    await reply.setFlash({ success: `You have stopped acting for ${actor.organisation.name}` });
    return reply.redirect('/', 303);
  });
}
