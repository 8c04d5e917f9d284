// Finding schools in the register: search page (autocomplete with JavaScript).
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';

export async function schoolRoutes(_app: FastifyInstance, _options: Pick<Services, 'database' | 'notify'>) {}
