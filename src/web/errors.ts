// Not found, refused and broken: a page for people, JSON for the API. Server errors get a
// reference that is also in the log, so support can find what happened.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../domain/errors.ts';
import { clientWentAway, closeIfBodyUnread, isMalformedMultipart, MALFORMED_FORM_MESSAGE } from './request-body.ts';

interface ErrorPage {
  status: number;
  title: string;
  paragraphs: string[];
}

const NOT_FOUND: ErrorPage = {
  status: 404,
  title: 'Page not found',
  paragraphs: [
    'If you typed the web address, check it is correct.',
    'If you pasted the web address, check you copied the entire address.',
    'If you are using Rollbook for more than one organisation, check which organisation you are acting for.',
  ],
};

function pageFor(error: FastifyError): ErrorPage | undefined {
  if (error instanceof NotFoundError) return NOT_FOUND;
  if (isMalformedMultipart(error)) {
    return { status: 400, title: 'Your file could not be sent', paragraphs: [`${MALFORMED_FORM_MESSAGE}.`] };
  }
  if (error.code?.startsWith('FST_CSRF')) {
    return {
      status: 403,
      title: 'Your form could not be sent',
      paragraphs: [
        'This can happen if the page was open for a long time or you signed in again in another tab. Go back, refresh the page, and try again.',
      ],
    };
  }
  if (error.statusCode === 413) {
    return { status: 413, title: 'The file is too large', paragraphs: ['Go back and choose a smaller file.'] };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return {
      status: error.statusCode,
      title: 'Your request could not be understood',
      paragraphs: ['Go back and try again.'],
    };
  }
  return undefined;
}

async function send(request: FastifyRequest, reply: FastifyReply, page: ErrorPage, reference?: string) {
  reply.code(page.status);
  closeIfBodyUnread(request, reply);
  if (request.url.startsWith('/api/') || request.url === '/health') {
    return reply.send({ errors: [{ message: reference ? `${page.title} (reference ${reference})` : page.title }] });
  }
  return reply.type('text/html').viewAsync('layout/views/error.njk', { ...page, reference });
}

export function registerErrorHandlers(app: FastifyInstance) {
  app.setNotFoundHandler(async (request, reply) => send(request, reply, NOT_FOUND));

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const page = pageFor(error);
    if (page) {
      request.log.info({ code: error.code, status: page.status }, error.message);
      return send(request, reply, page);
    }
    if (clientWentAway(request, error)) {
      request.log.info({ code: error.code }, 'the client went away before its request was read');
      return reply.code(400).send();
    }
    request.log.error({ err: error, reference: request.id }, 'request failed');
    return send(
      request,
      reply,
      {
        status: 500,
        title: 'Sorry, there is a problem with the service',
        paragraphs: ['Try again later. Anything you had not saved has not been saved.'],
      },
      request.id,
    );
  });
}
