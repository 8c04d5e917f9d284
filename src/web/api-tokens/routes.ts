// API tokens pages: an organisation's admins make, see and revoke the tokens its own systems use.
// Anyone else gets "Page not found", as for any page they cannot use.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { NotFoundError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import {
  canManageTokens,
  createApiToken,
  findApiToken,
  listApiTokens,
  MAX_TOKEN_NAME_LENGTH,
  revokeApiToken,
} from '../../domain/organisations/api-tokens.ts';
import { errorsFrom, field } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';

const VIEW = 'api-tokens/views';
const BASE = '/organisation/api-tokens';

export async function apiTokenRoutes(app: FastifyInstance, { db }: { db: Kysely<DB> }) {
  app.addHook('preHandler', requireActor);

  function manager(request: FastifyRequest): Actor {
    const actor = actorOf(request);
    if (!canManageTokens(actor, actor.organisation.id)) throw new NotFoundError('Page');
    return actor;
  }

  app.get('/', async (request, reply) => {
    const actor = manager(request);
    const tokens = await listApiTokens(db, actor, actor.organisation.id);
    return reply.viewAsync(`${VIEW}/api-tokens.njk`, {
      title: 'API tokens',
      organisation: actor.organisation,
      tokens,
      basePath: BASE,
      backLink: '/organisation',
    });
  });

  app.get('/new', async (request, reply) => {
    const actor = manager(request);
    return reply.viewAsync(`${VIEW}/new.njk`, {
      organisation: actor.organisation,
      values: {},
      maxLength: MAX_TOKEN_NAME_LENGTH,
      backLink: BASE,
    });
  });

  app.post('/new', async (request, reply) => {
    const actor = manager(request);
    const values = { name: field(request.body, 'name'), allowLearnerData: field(request.body, 'allowLearnerData') };
    try {
      const { token, record } = await createApiToken(db, actor, actor.organisation.id, values.name, 'page', {
        allowLearnerData: values.allowLearnerData === 'yes',
      });
      // Shown once, on this answer to the form; never cached, never in a redirect or the session.
      return reply
        .header('cache-control', 'no-store')
        .viewAsync(`${VIEW}/created.njk`, { organisation: actor.organisation, token, record, basePath: BASE });
    } catch (error) {
      const errors = errorsFrom(error);
      if (!errors) throw error;
      return reply.code(400).viewAsync(`${VIEW}/new.njk`, {
        organisation: actor.organisation,
        values,
        maxLength: MAX_TOKEN_NAME_LENGTH,
        backLink: BASE,
        errors,
      });
    }
  });

  app.get<{ Params: { id: string } }>('/:id/revoke', async (request, reply) => {
    const actor = manager(request);
    const token = await findApiToken(db, actor, actor.organisation.id, request.params.id);
    return reply.viewAsync(`${VIEW}/revoke.njk`, { organisation: actor.organisation, token, backLink: BASE });
  });

  app.post<{ Params: { id: string } }>('/:id/revoke', async (request, reply) => {
    const actor = manager(request);
    const revoked = await revokeApiToken(db, actor, actor.organisation.id, request.params.id);
    await reply.setFlash({ success: `The token "${revoked.name}" has been revoked: it no longer works` });
    return reply.redirect(BASE, 303);
  });
}
