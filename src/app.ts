// buildApp: the Fastify instance with every plugin and route, in the order they run. No listen.
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiRoutes } from './api/routes.ts';
import type { HttpTimeouts, Services } from './services.ts';
import { apiDocsRoutes } from './web/api-docs/routes.ts';
import { apiTokenRoutes } from './web/api-tokens/routes.ts';
import { registerErrorHandlers } from './web/errors.ts';
import { healthRoutes } from './web/health.ts';
import { homeRoutes } from './web/home/routes.ts';
import { inductionRoutes } from './web/induction/routes.ts';
import { schoolEctRoutes } from './web/induction/school-routes.ts';
import { supportInductionRoutes } from './web/induction/support-routes.ts';
import { registerInputCleaning } from './web/input.ts';
import { registerLocals } from './web/locals.ts';
import { organisationRoutes } from './web/organisation/routes.ts';
import { pageRoutes } from './web/pages/routes.ts';
import { traineePlacementRoutes } from './web/placements/routes.ts';
import { schoolDataRoutes } from './web/school-data/routes.ts';
import { schoolPlacementRoutes } from './web/school-placements/routes.ts';
import { schoolRoutes } from './web/schools/routes.ts';
import { registerSecurity } from './web/security.ts';
import { sessions } from './web/sessions.ts';
import { signInRoutes } from './web/sign-in/routes.ts';
import { signOffRoutes } from './web/sign-off/routes.ts';
import { supportRoutes } from './web/support/routes.ts';
import { traineeRecordRoutes } from './web/trainee-records/routes.ts';
import { traineeRoutes } from './web/trainees/routes.ts';
import { uploadRoutes } from './web/uploads/routes.ts';
import { UploadsInFlight } from './web/uploads-in-flight.ts';
import { govukFrontendDir, registerViews } from './web/views.ts';

/**
 * How long a client may stay silent (a stalled upload is closed after this), take to send its
 * headers, and take over a whole request: a 50 MB file needs 10 minutes only below 1 Mbit/s.
 */
export const HTTP_TIMEOUTS: HttpTimeouts = { idleMs: 60_000, headersMs: 30_000, requestMs: 10 * 60_000 };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildApp(services: Services): Promise<FastifyInstance> {
  const { config, database } = services;
  const db = database.db;
  const secure = config.baseUrl.startsWith('https://');
  const timeouts = { ...HTTP_TIMEOUTS, ...services.httpTimeouts };

  const app = Fastify({
    logger: {
      level: config.logLevel,
      ...(services.logStream ? { stream: services.logStream } : {}),
      redact: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]'],
      serializers: {
        // Set-up and reset links carry a secret in the path: keep it out of the log.
        req: (req) => ({
          method: req.method,
          url: req.url.replace(/\/(set|reset)-password\/[^/?]+/, '/$1-password/…'),
          id: req.id,
        }),
      },
    },
    genReqId: () => randomBytes(5).toString('hex'),
    trustProxy: config.trustProxy,
    bodyLimit: 1024 * 1024,
    // A request the HTTP parser refuses (headers too large, say): answered, then the connection
    // closed, so a kept-alive client's next request is not sent down a socket being torn down.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      if (socket.writable) {
        socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      } else socket.destroy();
    },
    connectionTimeout: timeouts.idleMs,
    requestTimeout: timeouts.requestMs,
    http: { headersTimeout: timeouts.headersMs },
  });
  // Each person's, token's and address's uploads in progress, pages and API together.
  const uploadsInFlight = new UploadsInFlight();

  await app.register(fastifyCookie, { secret: config.sessionSecret });
  await app.register(fastifyFormbody);
  await registerSecurity(app, { secure, secret: config.sessionSecret });
  registerInputCleaning(app);
  await registerViews(app, config);
  await app.register(sessions, { db, secure });
  registerLocals(app);
  registerErrorHandlers(app);

  // Assets: govuk-frontend's fonts and images, and, by name, our CSS and scripts.
  await app.register(fastifyStatic, {
    root: path.join(govukFrontendDir, 'govuk/assets'),
    prefix: '/assets/',
    maxAge: '1d',
  });
  const files: Record<string, string> = {
    'rollbook.css': path.join(root, 'public', config.govukBranding ? 'rollbook-branded.css' : 'rollbook.css'),
    'init.js': path.join(root, 'src/web/layout/init.js'),
    'rollbook-icon.svg': path.join(root, 'src/web/layout/rollbook-icon.svg'),
    'govuk-frontend.min.js': path.join(govukFrontendDir, 'govuk/govuk-frontend.min.js'),
    // School search boxes: alphagov's accessible-autocomplete, and ours that sets it up.
    'accessible-autocomplete.min.js': path.join(
      root,
      'node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.js',
    ),
    'accessible-autocomplete.min.css': path.join(
      root,
      'node_modules/accessible-autocomplete/dist/accessible-autocomplete.min.css',
    ),
    'school-search.js': path.join(root, 'src/web/layout/school-search.js'),
  };
  for (const [name, file] of Object.entries(files)) {
    app.get(`/assets/${name}`, (_request, reply) =>
      reply.sendFile(path.basename(file), path.dirname(file), { maxAge: '1h' }),
    );
  }

  await app.register(healthRoutes, { database });
  await app.register(pageRoutes);
  await app.register(signInRoutes, { db, signIn: services.signIn, notify: services.notify, baseUrl: config.baseUrl });
  await app.register(homeRoutes);
  await app.register(organisationRoutes, { db, notify: services.notify, baseUrl: config.baseUrl });
  await app.register(traineeRoutes, { prefix: '/trainees', db });
  await app.register(traineeRecordRoutes, { prefix: '/trainees', database, jobs: services.jobs });
  await app.register(uploadRoutes, { database, uploads: services.uploads, uploadsInFlight });
  await app.register(schoolDataRoutes, { db, secure, baseUrl: config.baseUrl, notify: services.notify });
  await app.register(supportRoutes, { prefix: '/support', db, notify: services.notify, baseUrl: config.baseUrl });
  await app.register(apiTokenRoutes, { prefix: '/organisation/api-tokens', db });
  await app.register(apiRoutes, {
    prefix: '/api/v1',
    database,
    baseUrl: config.baseUrl,
    uploads: services.uploads,
    uploadsInFlight,
    jobs: services.jobs,
  });
  await app.register(apiDocsRoutes, { baseUrl: config.baseUrl });
  // Placements: schools register search, trainees' placements, schools' offers, sign-off.
  await app.register(schoolRoutes, { database, notify: services.notify });
  await app.register(traineePlacementRoutes, { database, notify: services.notify });
  await app.register(schoolPlacementRoutes, { database, notify: services.notify });
  await app.register(signOffRoutes, { database, notify: services.notify, baseUrl: config.baseUrl });
  // Induction: appropriate bodies' ECTs, and schools registering them.
  const inductionOptions = {
    database,
    teachingRecord: services.teachingRecord,
    notify: services.notify,
    inductionFailEmail: config.inductionFailEmail,
    jobs: services.jobs,
  };
  await app.register(inductionRoutes, inductionOptions);
  await app.register(schoolEctRoutes, inductionOptions);
  await app.register(supportInductionRoutes, inductionOptions);

  return app;
}
