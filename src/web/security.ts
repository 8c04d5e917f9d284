// Security headers (a strict Content-Security-Policy with a nonce for govuk-frontend's one inline
// script) and CSRF protection on every form post, with tokens bound to the session.
import { createHmac } from 'node:crypto';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sessionCookieHash } from './sessions.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * What a CSRF token is bound to: the session in the request's cookie, or, before sign-in, no
 * session. A token made for one session is refused with any other, so another browser's CSRF
 * cookie and token are no use with a victim's session.
 */
export function csrfBinding(request: FastifyRequest): string {
  return sessionCookieHash(request) ?? 'no-session';
}

export async function registerSecurity(
  app: FastifyInstance,
  { secure, secret }: { secure: boolean; secret: string },
): Promise<void> {
  await app.register(fastifyHelmet, {
    enableCSPNonces: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(secure ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    hsts: secure ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
  });

  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'rollbook_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure, signed: true },
    getUserInfo: csrfBinding,
    // Tokens carry an HMAC of their session, keyed by a key derived from the session secret.
    csrfOpts: { userInfo: true, hmacKey: createHmac('sha256', secret).update('rollbook-csrf').digest() },
  });

  // Pages show people's records and API answers carry them: no browser or proxy may keep a copy
  // (nor show it again with the back button after sign-out). Only the assets are cached; a route
  // that chose its own Cache-Control keeps it.
  app.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/assets/') || reply.hasHeader('cache-control')) return;
    reply.header('cache-control', 'no-store');
  });

  // The JSON API authenticates with tokens, not cookies, so it needs no CSRF token.
  app.addHook('preHandler', (request, reply, done) => {
    if (SAFE_METHODS.has(request.method) || request.url.startsWith('/api/')) return done();
    app.csrfProtection(request, reply, done);
  });
}
