// Pages anyone can read, signed in or not.
import type { FastifyInstance } from 'fastify';

const PAGES = {
  '/accessibility': 'accessibility.njk',
  '/cookies': 'cookies.njk',
  '/privacy': 'privacy.njk',
  '/help': 'help.njk',
};

export async function pageRoutes(app: FastifyInstance) {
  for (const [url, template] of Object.entries(PAGES)) {
    app.get(url, async (_request, reply) => reply.viewAsync(`pages/views/${template}`, {}));
  }
}
