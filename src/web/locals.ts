// What every page template can use: who is signed in, for which organisation, the navigation,
// the CSRF token for forms, a one-off success message, and the CSP nonce.
import type { FastifyInstance } from 'fastify';
import { navigationFor } from './layout/navigation.ts';
import { csrfBinding } from './security.ts';

export function registerLocals(app: FastifyInstance) {
  app.addHook('preHandler', async (request, reply) => {
    if (request.url.startsWith('/api/') || request.url.startsWith('/assets/')) return;
    const session = request.session;
    const actor = session?.actor;
    reply.locals = {
      session,
      actor,
      navigation: navigationFor(actor?.organisation.type, request.url),
      canSwitchOrganisation: (session?.memberships ?? 0) > 1,
      // A support user acting for a provider sees that on every page, with a way to stop.
      supportActing: actor?.support
        ? { organisationName: actor.organisation.name, supportName: actor.support.organisationName }
        : undefined,
      csrfToken: reply.generateCsrf({ userInfo: csrfBinding(request) }),
      cspNonce: reply.cspNonce?.script,
      flash: request.method === 'GET' ? await request.takeFlash() : null,
      errors: { summary: [], fields: {} },
    };
  });
}

declare module 'fastify' {
  interface FastifyReply {
    locals: Record<string, unknown> | undefined;
  }
}
