// Who may reach a route. Pages of an organisation the actor does not act for are 404s.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../domain/errors.ts';
import { type Actor, isSupport } from '../domain/organisations/actor.ts';

/** Signed in and acting for an organisation; otherwise sent to sign in or to choose one. */
export async function requireActor(request: FastifyRequest, reply: FastifyReply) {
  if (!request.session) {
    const returnTo = request.method === 'GET' ? `?returnTo=${encodeURIComponent(request.url)}` : '';
    return reply.redirect(`/sign-in${returnTo}`, 303);
  }
  if (!request.session.actor) return reply.redirect('/organisations', 303);
}

export async function requireSupport(request: FastifyRequest) {
  if (!request.session?.actor || !isSupport(request.session.actor)) throw new NotFoundError('Page');
}

/** The actor of a request that passed requireActor. */
export function actorOf(request: FastifyRequest): Actor {
  const actor = request.session?.actor;
  if (!actor) throw new NotFoundError('Page');
  return actor;
}
