// Failures while reading a request's body that are the client's doing, not the service's: a
// multipart form that is malformed or cut short, or a client that went away while sending. Pages
// and the API both answer the first with 400 and log both at info, never as server errors.
import type { FastifyReply, FastifyRequest } from 'fastify';

// The multipart parser's own errors carry no code, only these messages.
const MALFORMED_MULTIPART = [
  /boundary not found/i,
  /unexpected end of (multipart|form)/i,
  /malformed (part )?header/i,
  /part terminated early/i,
  /missing content-type/i,
  /unsupported content type/i,
  // A boundary longer than the parser takes.
  /needle cannot have a length bigger than/i,
];

export function isMalformedMultipart(error: unknown): boolean {
  if (!(error instanceof Error) || (error as { code?: unknown }).code) return false;
  return MALFORMED_MULTIPART.some((pattern) => pattern.test(error.message));
}

/**
 * The client closed the connection while its request was being read: there is no one to answer,
 * and nothing went wrong with the service.
 */
export function clientWentAway(request: FastifyRequest, error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE') return true;
  const gone = request.raw.readableAborted || request.raw.socket?.destroyed === true;
  return gone && error instanceof Error && /aborted|premature|unexpected end/i.test(error.message);
}

/**
 * An answer sent before the request's body was read (a refusal of its headers) closes the
 * connection: a kept-alive one would otherwise wait on a body no one reads, and the client's next
 * request on it would get no answer.
 */
export function closeIfBodyUnread(request: FastifyRequest, reply: FastifyReply): void {
  // A request without a body (a GET, say) has nothing left unread, whether or not it was consumed.
  const hasBody =
    Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.raw.readableEnded && !request.raw.destroyed) reply.header('connection', 'close');
}

export const MALFORMED_FORM_MESSAGE =
  'The file did not arrive whole: the upload was cut short or was not a complete form. Choose the file again and upload it';

export const MALFORMED_MULTIPART_API_MESSAGE =
  'The body is not a complete multipart/form-data form: check the boundary in the Content-Type header matches the one in the body, that lines end in CRLF, and that the whole body is sent';
