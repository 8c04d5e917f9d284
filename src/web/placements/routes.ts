// A trainee's placements: add, change and remove, from the trainee's page.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';

export async function traineePlacementRoutes(_app: FastifyInstance, _options: Pick<Services, 'database' | 'notify'>) {}
