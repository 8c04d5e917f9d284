// Every API error is JSON: {"errors": [{"message": "…"}]}, with the status that says what kind
// of problem it is. The messages are the same words the pages use.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import { largestFileBytes } from '../uploads/kinds/index.ts';
import { fileTooLargeMessage } from '../uploads/kinds/kind.ts';
import { UploadConflict } from '../uploads/pipeline.ts';
import { FileRefusal } from '../uploads/sheets/sheet.ts';
import {
  clientWentAway,
  closeIfBodyUnread,
  isMalformedMultipart,
  MALFORMED_MULTIPART_API_MESSAGE,
} from '../web/request-body.ts';

export interface ErrorBody {
  errors: { message: string }[];
  [more: string]: unknown;
}

/** A problem with a status of its own, and any headers it needs (WWW-Authenticate, Retry-After). */
export class ApiProblem extends Error {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly extra: Record<string, unknown>;
  constructor(
    statusCode: number,
    message: string,
    { headers = {}, extra = {} }: { headers?: Record<string, string>; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'ApiProblem';
    this.statusCode = statusCode;
    this.headers = headers;
    this.extra = extra;
  }
}

/** A file over every kind's limit is cut off while it is read (one within the largest is judged by its kind). */
export const FILE_TOO_LARGE_MESSAGE = fileTooLargeMessage(largestFileBytes());

/** Multipart limits broken while reading the body are refusals of the file, not broken requests. */
const MULTIPART_REFUSALS: Record<string, string> = {
  FST_REQ_FILE_TOO_LARGE: FILE_TOO_LARGE_MESSAGE,
  FST_FILES_LIMIT: 'Send one file, in the "file" field',
  FST_PARTS_LIMIT: 'Send two fields only: "kind" and "file"',
  FST_FIELDS_LIMIT: 'Send two fields only: "kind" and "file"',
};

const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE:
    'This content type is not accepted here: send JSON, or multipart/form-data for a file',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'The body is empty: send a JSON object, or no Content-Type header',
  FST_ERR_CTP_BODY_TOO_LARGE: 'The request body is too large',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'Send the file as multipart/form-data, with the fields "kind" and "file"',
};

type Schema = Record<string, unknown>;

/** What a value of this schema is, in words: "csv or xlsx", "a whole number from 1 to 100000". */
function validValue(schema: Schema | undefined): string | undefined {
  if (!schema) return undefined;
  if (Array.isArray(schema.enum)) {
    const values = schema.enum.map(String);
    return values.length === 2 ? values.join(' or ') : `one of ${values.join(', ')}`;
  }
  if (schema.type === 'boolean') return 'true or false';
  if (schema.type === 'integer') {
    const from = schema.minimum === undefined ? '' : ` from ${schema.minimum}`;
    const to = schema.maximum === undefined ? '' : ` to ${schema.maximum}`;
    return `a whole number${from}${to}`;
  }
  if (schema.type === 'string' && typeof schema.minLength === 'number') {
    return `at least ${schema.minLength} characters`;
  }
  return undefined;
}

/** The route's schema of the part of the request that was not valid (the query, the JSON body). */
function partSchema(request: FastifyRequest, part: string | undefined): Schema | undefined {
  const schema = request.routeOptions.schema as Record<string, Schema | undefined> | undefined;
  const found = part ? schema?.[part] : undefined;
  const byType = found?.content as Record<string, { schema: Schema }> | undefined;
  const chosen = byType ? byType[request.mediaType ?? '']?.schema : found;
  // A shared schema, by reference ({ $ref: 'SubmitRequest#' }).
  const id = typeof chosen?.$ref === 'string' ? chosen.$ref.replace(/#$/, '') : undefined;
  return id ? (request.server.getSchema(id) as Schema | undefined) : chosen;
}

/** A request that does not match its route's schema, said as the pages would: which field, and what it takes. */
function validationMessage(error: FastifyError, request: FastifyRequest): string {
  const [issue] = error.validation ?? [];
  const schema = partSchema(request, error.validationContext);
  if (!issue || !schema) return error.message;
  const name = issue.instancePath.split('/')[1] ?? (issue.params.missingProperty as string | undefined);
  if (!name) {
    const example = (schema.examples as unknown[] | undefined)?.[0];
    return `Send a JSON object${example === undefined ? '' : `, like ${JSON.stringify(example, null, 1).replace(/\s*\n\s*/g, ' ')}`}`;
  }
  const given = (error.validationContext === 'querystring' ? request.query : request.body) as Schema | undefined;
  const property = (schema.properties as Record<string, Schema> | undefined)?.[name];
  if (Array.isArray(given?.[name]) && property?.type !== 'array') return `Give ${name} once`;
  const valid = validValue(property);
  if (issue.keyword === 'required') return `Give ${name}${valid ? `: ${valid}` : ''}`;
  return valid ? `${name} must be ${valid}` : `${name} ${issue.message ?? 'is not valid'}`;
}

function statusAndMessage(
  error: FastifyError,
  request: FastifyRequest,
): { status: number; message: string } | undefined {
  if (error instanceof ApiProblem) return { status: error.statusCode, message: error.message };
  if (error.validation) return { status: 422, message: validationMessage(error, request) };
  if (error instanceof NotFoundError) return { status: 404, message: error.message };
  if (error instanceof FileRefusal) return { status: 422, message: error.message };
  if (error instanceof UploadConflict) return { status: 409, message: error.message };
  if (error instanceof DomainError) return { status: 422, message: error.message };
  if (error.code && MULTIPART_REFUSALS[error.code]) return { status: 422, message: MULTIPART_REFUSALS[error.code] };
  if (isMalformedMultipart(error)) return { status: 400, message: MALFORMED_MULTIPART_API_MESSAGE };
  if (error.code?.startsWith('FST_ERR_CTP_INVALID_JSON') || error instanceof SyntaxError) {
    return { status: 400, message: 'The body is not valid JSON' };
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { status: error.statusCode, message: (error.code && FASTIFY_MESSAGES[error.code]) || error.message };
  }
  return undefined;
}

export async function apiErrorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  closeIfBodyUnread(request, reply);
  const known = statusAndMessage(error, request);
  if (known) {
    request.log.info({ code: error.code, status: known.status }, error.message);
    if (error instanceof ApiProblem) reply.headers(error.headers);
    const body: ErrorBody = {
      errors: [{ message: known.message }],
      ...(error instanceof ApiProblem ? error.extra : {}),
    };
    return reply.code(known.status).type('application/json; charset=utf-8').send(body);
  }
  if (clientWentAway(request, error)) {
    request.log.info({ code: error.code }, 'the client went away before its request was read');
    return reply.code(400).send();
  }
  request.log.error({ err: error, reference: request.id }, 'request failed');
  return reply
    .code(500)
    .type('application/json; charset=utf-8')
    .send({ errors: [{ message: `Sorry, there is a problem with the service (reference ${request.id})` }] });
}

export async function apiNotFound(request: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({
    errors: [{ message: `Not found: there is no ${request.method} ${request.url.split('?')[0]} in the API` }],
  });
}
