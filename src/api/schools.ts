// GET /api/v1/schools: schools in the register matching a search. Registered inside apiRoutes,
// so it shares the token check, rate limit and JSON errors.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../app.ts';

export async function apiSchoolRoutes(_app: FastifyInstance, _options: Pick<Services, 'database'>) {}
