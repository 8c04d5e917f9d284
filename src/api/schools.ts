// GET /api/v1/schools: schools in the register matching a search. Registered inside apiRoutes,
// so it shares the token check, rate limit and JSON errors.
import type { FastifyInstance } from 'fastify';
import { schoolSearchProblem, searchSchools } from '../domain/schools/search.ts';
import type { Services } from '../services.ts';
import { ApiProblem } from './errors.ts';

export async function apiSchoolRoutes(app: FastifyInstance, { database }: Pick<Services, 'database'>) {
  // The register is the same for everyone: any valid token may search it.
  app.get('/schools', async (request) => {
    // apiRoutes' hook has refused a request without a valid token (importing its actorOf here made a cycle).
    const raw = (request.query as Record<string, unknown> | undefined)?.q;
    const query = typeof raw === 'string' ? raw.trim() : '';
    const problem = schoolSearchProblem(query);
    if (problem) throw new ApiProblem(422, `${problem}, in the "q" parameter, like ?q=thornbury`);
    const schools = await searchSchools(database.db, query);
    return {
      schools: schools.map(({ urn, name, postcode, phase, status }) => ({ urn, name, postcode, phase, status })),
    };
  });
}
