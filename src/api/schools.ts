// GET /api/v1/schools: schools in the register matching a search. Registered inside apiRoutes,
// so it shares the token check, rate limit, JSON errors and OpenAPI document.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import {
  SCHOOL_SEARCH_LIMIT,
  SCHOOL_SEARCH_MIN_LENGTH,
  schoolSearchProblem,
  searchSchools,
} from '../domain/schools/search.ts';
import type { Services } from '../services.ts';
import { ApiProblem } from './errors.ts';
import { COMMON_ANSWERS, json, problem } from './schemas.ts';

type SchoolsRequest = FastifyRequest<{ Querystring: { q?: unknown } }>;

const query = (request: SchoolsRequest) => (typeof request.query.q === 'string' ? request.query.q.trim() : '');

export async function apiSchoolRoutes(app: FastifyInstance, { database }: Pick<Services, 'database'>) {
  // The register is the same for everyone: any valid token may search it.
  app.get<{ Querystring: { q?: unknown } }>(
    '/schools',
    {
      // The search's own rule first (it trims q), in its own words.
      preValidation: async (request) => {
        const problem = schoolSearchProblem(query(request));
        if (problem) throw new ApiProblem(422, `${problem}, in the "q" parameter, like ?q=thornbury`);
      },
      schema: {
        operationId: 'searchSchools',
        tags: ['Schools'],
        summary: 'Find schools in the register',
        description: `Schools of the register (from Get information about schools) whose URN is q, whose postcode starts with q (spaces and case ignored), or whose name contains q (case, accents and apostrophes ignored): at most ${SCHOOL_SEARCH_LIMIT}, the best matches first. Closed schools are included, with status "Closed". Any valid token may search.`,
        querystring: {
          type: 'object',
          required: ['q'],
          properties: {
            q: {
              type: 'string',
              minLength: SCHOOL_SEARCH_MIN_LENGTH,
              description: `At least ${SCHOOL_SEARCH_MIN_LENGTH} characters: part of the name, a 6-digit URN, or a postcode or its start.`,
            },
          },
        },
        response: {
          200: json(
            'The matching schools (an empty list when none match).',
            {
              type: 'object',
              required: ['schools'],
              properties: {
                schools: {
                  type: 'array',
                  maxItems: SCHOOL_SEARCH_LIMIT,
                  items: {
                    type: 'object',
                    required: ['urn', 'name', 'postcode', 'phase', 'status'],
                    properties: {
                      urn: { type: 'string', description: '6 digits' },
                      name: { type: 'string' },
                      postcode: { type: ['string', 'null'] },
                      phase: { type: ['string', 'null'], description: 'As GIAS names it, like Primary' },
                      status: { type: ['string', 'null'], description: 'As GIAS names it: Open, Closed, …' },
                    },
                  },
                },
              },
            },
            {
              example: {
                schools: [
                  {
                    urn: '100002',
                    name: 'Thornbury Church of England Primary School',
                    postcode: 'NR21 1DX',
                    phase: 'Primary',
                    status: 'Open',
                  },
                ],
              },
            },
          ),
          401: COMMON_ANSWERS[401],
          422: problem(
            `q is missing or shorter than ${SCHOOL_SEARCH_MIN_LENGTH} characters.`,
            `Enter at least ${SCHOOL_SEARCH_MIN_LENGTH} characters of the school’s name, its URN or its postcode, in the "q" parameter, like ?q=thornbury`,
          ),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      // apiRoutes' hook has refused a request without a valid token (importing its actorOf here made a cycle).
      const schools = await searchSchools(database.db, query(request));
      return {
        schools: schools.map(({ urn, name, postcode, phase, status }) => ({ urn, name, postcode, phase, status })),
      };
    },
  );
}
