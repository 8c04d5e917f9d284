// Finding schools in the register: a search page for everyone signed in, and the same search as
// JSON for the autocomplete (src/web/layout/school-search.js), which enhances search boxes.
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../domain/errors.ts';
import { SCHOOL_SEARCH_LIMIT, schoolSearchProblem, searchSchools } from '../../domain/schools/search.ts';
import type { Services } from '../../services.ts';
import { field, formErrors } from '../forms.ts';
import { requireActor } from '../guards.ts';
import { schoolHint } from './school-text.ts';

const VIEW = 'schools/views';

export async function schoolRoutes(app: FastifyInstance, { database }: Pick<Services, 'database' | 'notify'>) {
  const db = database.db;
  app.addHook('preHandler', requireActor);

  app.get('/schools', async (request, reply) => {
    const query = field(request.query, 'q').trim().slice(0, 100);
    const problem = query ? schoolSearchProblem(query) : undefined;
    const schools = query && !problem ? await searchSchools(db, query) : [];
    return reply.code(problem ? 400 : 200).viewAsync(`${VIEW}/search.njk`, {
      query,
      searched: Boolean(query && !problem),
      schools,
      limit: SCHOOL_SEARCH_LIMIT,
      backLink: '/',
      ...(problem ? { errors: formErrors([new DomainError(problem, 'q')]) } : {}),
    });
  });

  // Too short a query is no error here: the autocomplete simply has nothing to suggest yet.
  app.get('/schools/search.json', async (request, reply) => {
    const schools = await searchSchools(db, field(request.query, 'q'));
    return reply.header('cache-control', 'no-store').send({
      schools: schools.map((school) => ({
        urn: school.urn,
        name: school.name,
        postcode: school.postcode,
        phase: school.phase,
        status: school.status,
        closed: school.closed,
        hint: schoolHint(school),
      })),
    });
  });
}
