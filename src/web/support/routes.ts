// Support users: find and open any organisation, manage its users, read its audit log,
// add organisations, act for a provider, and read the emails sent. Everyone else gets 404 here.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { AppropriateBodyType, DB, OrganisationType, ProviderType } from '../../db/schema.ts';
import { NotFoundError } from '../../domain/errors.ts';
import {
  createOrganisation,
  findOrganisation,
  ORGANISATION_TYPE_NAMES,
  ORGANISATIONS_PAGE_SIZE,
  searchOrganisations,
} from '../../domain/organisations/organisations.ts';
import { listOutbox, type Notify, OUTBOX_PAGE_SIZE } from '../../integrations/notify/notify.ts';
import { renderAuditLog } from '../audit-log/audit-log.ts';
import { errorsFrom, field, pageNumber, pagination } from '../forms.ts';
import { actorOf, requireActor, requireSupport } from '../guards.ts';
import { organisationPage } from '../organisation/organisation-page.ts';
import { userManagementRoutes } from '../organisation/user-management.ts';
import { beginActingFor, stopActingRoutes } from './acting.ts';

const VIEW = 'support/views';
const NAME_FIELDS: Partial<Record<OrganisationType, string>> = {
  provider: 'providerName',
  appropriate_body: 'abName',
  support: 'supportName',
};

interface SupportDependencies {
  db: Kysely<DB>;
  notify: Notify;
  baseUrl: string;
}

export async function supportRoutes(app: FastifyInstance, { db, notify, baseUrl }: SupportDependencies) {
  // Stopping acting for a provider is for a support user while acting for it, so it sits beside
  // the support-only pages rather than under their hooks.
  await app.register(stopActingRoutes, { db });
  await app.register(supportOnlyRoutes, { db, notify, baseUrl });
}

async function supportOnlyRoutes(app: FastifyInstance, { db, notify, baseUrl }: SupportDependencies) {
  app.addHook('preHandler', requireActor);
  app.addHook('preHandler', requireSupport);

  app.get('/organisations', async (request, reply) => {
    const query = field(request.query, 'q').trim();
    const page = pageNumber(request.query);
    const { organisations, total } = await searchOrganisations(db, { query, page });
    const q = query ? `q=${encodeURIComponent(query)}&` : '';
    return reply.viewAsync(`${VIEW}/organisations.njk`, {
      query,
      total,
      organisations: organisations.map((o) => ({ ...o, typeName: ORGANISATION_TYPE_NAMES[o.type] })),
      pagination: pagination(page, total, ORGANISATIONS_PAGE_SIZE, (p) => `/support/organisations?${q}page=${p}`),
    });
  });

  app.get('/organisations/new', async (_request, reply) =>
    reply.viewAsync(`${VIEW}/new-organisation.njk`, { values: {}, backLink: '/support/organisations' }),
  );

  app.post('/organisations/new', async (request, reply) => {
    const type = field(request.body, 'type') as OrganisationType;
    const values = {
      type,
      // Each type has its own name field, since without JavaScript every type's questions show.
      name: field(request.body, NAME_FIELDS[type] ?? 'name'),
      providerType: (field(request.body, 'providerType') || undefined) as ProviderType | undefined,
      ukprn: field(request.body, 'ukprn'),
      providerCode: field(request.body, 'providerCode'),
      urn: field(request.body, 'urn'),
      appropriateBodyType: (field(request.body, 'appropriateBodyType') || undefined) as AppropriateBodyType | undefined,
    };
    try {
      const organisation = await createOrganisation(db, actorOf(request), values);
      await reply.setFlash({ success: `${organisation.name} has been added: now add its first admin` });
      return reply.redirect(`/support/organisations/${organisation.id}`, 303);
    } catch (error) {
      const errors = errorsFrom(error, (f) => (f === 'name' ? (NAME_FIELDS[type] ?? 'type') : f));
      if (!errors) throw error;
      return reply
        .code(400)
        .viewAsync(`${VIEW}/new-organisation.njk`, { values, errors, backLink: '/support/organisations' });
    }
  });

  const organisationOf = async (request: FastifyRequest) => {
    const { id } = request.params as { id: string };
    const organisation = await findOrganisation(db, id);
    if (!organisation) throw new NotFoundError('Organisation');
    return organisation;
  };

  app.get('/organisations/:id', async (request, reply) => {
    const organisation = await organisationOf(request);
    const basePath = `/support/organisations/${organisation.id}`;
    return reply.viewAsync(`${VIEW}/organisation.njk`, {
      ...(await organisationPage(db, actorOf(request), organisation.id, basePath)),
      title: organisation.name,
      backLink: '/support/organisations',
      canActFor: organisation.type === 'provider',
    });
  });

  app.post('/organisations/:id/act-for', async (request, reply) => {
    await beginActingFor(db, reply, actorOf(request), await organisationOf(request));
    return reply.redirect('/', 303);
  });

  // The audit log: every organisation's, or one organisation's (linked from its page).
  const supportReader = (request: FastifyRequest, basePath: string) => {
    const actor = actorOf(request);
    return {
      organisationId: actor.organisation.id,
      organisationType: actor.organisation.type,
      support: true,
      basePath,
    };
  };

  app.get('/audit-log', async (request, reply) =>
    renderAuditLog(request, reply, {
      db,
      scope: { organisationId: null },
      reader: supportReader(request, '/support/audit-log'),
      title: 'Audit log',
      caption: 'Every organisation',
    }),
  );

  app.get('/organisations/:id/events', async (request, reply) => {
    const organisation = await organisationOf(request);
    const basePath = `/support/organisations/${organisation.id}`;
    return renderAuditLog(request, reply, {
      db,
      scope: { organisationId: organisation.id },
      reader: supportReader(request, `${basePath}/events`),
      title: `Audit log for ${organisation.name}`,
      backLink: basePath,
    });
  });

  await app.register(userManagementRoutes, {
    prefix: '/organisations/:id',
    db,
    notify,
    baseUrl,
    basePath: (request) => `/support/organisations/${(request.params as { id: string }).id}`,
    organisationOf,
  });

  app.get('/outbox', async (request, reply) => {
    const page = pageNumber(request.query);
    const { emails, total } = await listOutbox(db, page);
    return reply.viewAsync(`${VIEW}/outbox.njk`, {
      emails,
      total,
      pagination: pagination(page, total, OUTBOX_PAGE_SIZE, (p) => `/support/outbox?page=${p}`),
    });
  });
}
