// Providers' yearly performance-profile sign-off, and support's view of who has signed off.
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../app.ts';

export async function signOffRoutes(_app: FastifyInstance, _options: Pick<Services, 'database' | 'notify'>) {}
