// GET /health: is the service up and can it reach its database?
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export async function healthRoutes(app: FastifyInstance, { database }: { database: Database }) {
  app.get('/health', async (request, reply) => {
    try {
      const { rows } = await sql<{ version: string }>`select current_setting('server_version') as version`.execute(
        database.db,
      );
      return { status: 'ok', version, database: { status: 'ok', kind: database.kind, version: rows[0].version } };
    } catch (error) {
      request.log.error({ err: error }, 'health check: database unreachable');
      return reply
        .code(503)
        .send({ status: 'error', version, database: { status: 'unreachable', kind: database.kind } });
    }
  });
}
