// Schools' placement contact and offered placements; providers' placements assigned to them.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';

export async function schoolPlacementRoutes(_app: FastifyInstance, _options: Pick<Services, 'database' | 'notify'>) {}
