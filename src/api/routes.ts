// API v1: JSON for an organisation's own systems, authenticated by API token, rate-limited per
// token. The same pipeline functions as the upload pages, so a rule lives once.
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../db/database.ts';
import type { UploadState } from '../db/schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import { type ApiActor, findActorByToken } from '../domain/organisations/api-tokens.ts';
import type { Services } from '../services.ts';
import { allKinds, findKind, largestFileBytes } from '../uploads/kinds/index.ts';
import { DEFAULT_MAX_FILE_BYTES, maxFileBytesOf, megabytes, type UploadKind } from '../uploads/kinds/kind.ts';
import { kindFor, UPLOADS_PAGE_SIZE } from '../uploads/pipeline.ts';
import { attachmentHeader } from '../uploads/report.ts';
import type { Uploads } from '../uploads/service.ts';
import { UndoBlocked } from '../uploads/undo.ts';
import { MALFORMED_MULTIPART_API_MESSAGE } from '../web/request-body.ts';
import { bytesToKeep, OVER_LIMIT, readUpTo } from '../web/uploads/upload-form.ts';
import type { UploadsInFlight } from '../web/uploads-in-flight.ts';
import { ApiProblem, apiErrorHandler, apiNotFound } from './errors.ts';
import { apiLearnerRoutes } from './learners.ts';
import { registerOpenApi } from './openapi.ts';
import {
  apiSchemas,
  COMMON_ANSWERS,
  exampleUpload,
  json,
  kindIds,
  problem,
  ref,
  SPREADSHEET_CONTENT,
  UPLOAD_ID_PARAMS,
  UPLOAD_NOT_FOUND,
  uploadStates,
} from './schemas.ts';
import { apiSchoolRoutes } from './schools.ts';
import { apiTraineeRoutes, traineeApiSchemas } from './trainees.ts';
import { uploadJson } from './upload-json.ts';

/** The kinds that take larger files than most, for the API's description: "; school-data 250 MB". */
function largerFiles(): string {
  const larger = allKinds().filter((kind) => maxFileBytesOf(kind) !== DEFAULT_MAX_FILE_BYTES);
  return larger.map((kind) => `; ${kind.id} ${megabytes(maxFileBytesOf(kind))}`).join('');
}

export interface RateLimit {
  /** Requests allowed in each window, per token (per address for requests without a valid token). */
  max: number;
  /** The window, in milliseconds. */
  timeWindow: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { max: 100, timeWindow: 60_000 };

export interface ApiOptions {
  database: Database;
  baseUrl: string;
  rateLimit?: RateLimit;
  /** The uploads service, as the pages use it. */
  uploads: Uploads;
  /** Counts uploads in progress; without it, none are counted. */
  uploadsInFlight?: UploadsInFlight;
  /** Background work: TRN requests after a trainee is registered. */
  jobs?: Services['jobs'];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The token's actor, once the request has been authenticated. */
    apiActor: ApiActor | null;
  }
  interface FastifyContextConfig {
    /** Needs no token (the OpenAPI document). */
    public?: boolean;
  }
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="Rollbook API"' };
const NO_TOKEN = 'Send your API token in the Authorization header: "Authorization: Bearer rbk_…"';
const BAD_TOKEN =
  'The API token is not valid: it may have been revoked. Ask an admin of your organisation for a new one';

/** Query parameters given empty count as not given. */
function given(query: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries((query ?? {}) as Record<string, unknown>).filter(([, value]) => value !== ''),
  );
}

interface TemplateQuery {
  format: 'csv' | 'xlsx';
  /** The kind's own choices (like ?trainees=year&year=2025). */
  [choice: string]: unknown;
}

interface ListQuery {
  kind?: string;
  state?: UploadState;
  page: number;
}

/** How the audit log names a change made through the API: by the token that made it. */
function apiVia(actor: ApiActor): string {
  return `api token ${actor.tokenName}`;
}

export function actorOf(request: FastifyRequest): ApiActor {
  if (!request.apiActor) throw new ApiProblem(401, NO_TOKEN, { headers: CHALLENGE });
  return request.apiActor;
}

/** The kind, with a message that lists the kinds the organisation can use when it cannot use this one. */
function kindOf(actor: ApiActor, kindId: string): UploadKind {
  try {
    return kindFor(actor, kindId);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    const usable = allKinds()
      .filter((kind) => kind.allowedFor.includes(actor.organisation.type))
      .map((kind) => kind.id);
    throw new ApiProblem(
      404,
      `There is no upload kind "${kindId}" for your organisation. ${usable.length ? `Use one of: ${usable.join(', ')}` : 'Your organisation has no kinds of upload yet'}`,
    );
  }
}

export async function apiRoutes(app: FastifyInstance, options: ApiOptions) {
  const { database, uploads } = options;
  const db = database.db;
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;

  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler(apiNotFound);
  app.decorateRequest('apiActor', null);
  for (const schema of [...apiSchemas(), ...traineeApiSchemas()]) app.addSchema(schema);
  // Before any route: the document is made of the routes registered after this.
  await registerOpenApi(app, options.baseUrl);

  // A path parameter names a record: one that does not match its schema is a record that is not
  // found, and the handler's own lookup says so (404, for a kind naming the kinds the organisation
  // can use). So a route's validation error is given to the request, and only an invalid query or
  // body is refused here, with 422, before the handler runs.
  app.addHook('onRoute', (route) => {
    if (route.schema) route.attachValidation = true;
  });
  app.addHook('preValidation', async (request) => {
    request.query = given(request.query);
  });
  app.addHook('preHandler', async (request) => {
    const invalid = request.validationError;
    if (invalid && invalid.validationContext !== 'params') throw invalid;
  });

  // Files arrive as multipart/form-data; limits are given again where the file is read.
  if (!app.hasRequestDecorator('parts')) {
    await app.register(fastifyMultipart, { limits: { fileSize: largestFileBytes(), files: 1, fields: 5 } });
  }
  await app.register(fastifyRateLimit, {
    global: false,
    max: limit.max,
    timeWindow: limit.timeWindow,
    keyGenerator: (request) => (request.apiActor ? `token ${request.apiActor.tokenId}` : `address ${request.ip}`),
  });
  const rateLimit = app.createRateLimit();
  const perMinute =
    limit.timeWindow === 60_000 ? `${limit.max} a minute` : `${limit.max} every ${limit.timeWindow / 1000} seconds`;

  // Authenticate, then count the request against its token (or its address, without one), then
  // refuse it if it has no valid token. The hook runs before the body is read.
  app.addHook('onRequest', async (request, reply) => {
    const header = request.headers.authorization;
    const bearer = header ? /^Bearer +(\S+) *$/i.exec(header)?.[1] : undefined;
    request.apiActor = bearer ? ((await findActorByToken(db, bearer)) ?? null) : null;

    const counted = await rateLimit(request);
    if (!counted.isAllowed) {
      reply.headers({
        'x-ratelimit-limit': counted.max,
        'x-ratelimit-remaining': counted.remaining,
        'x-ratelimit-reset': counted.ttlInSeconds,
        // The same, by the IETF draft's names (RateLimit-Limit, -Remaining, -Reset).
        'ratelimit-limit': counted.max,
        'ratelimit-remaining': counted.remaining,
        'ratelimit-reset': counted.ttlInSeconds,
      });
      if (counted.isExceeded) {
        throw new ApiProblem(
          429,
          `Too many requests: the limit is ${perMinute} for each token. Try again in ${counted.ttlInSeconds} ${counted.ttlInSeconds === 1 ? 'second' : 'seconds'}`,
          { headers: { 'retry-after': String(counted.ttlInSeconds) } },
        );
      }
    }
    if (request.is404 || request.routeOptions.config.public) return;
    if (!request.apiActor) throw new ApiProblem(401, header ? BAD_TOKEN : NO_TOKEN, { headers: CHALLENGE });
  });

  const kinds = allKinds();
  const kindNotFound = problem(
    'There is no such kind, or it is not for your type of organisation.',
    `There is no upload kind "no-such-kind" for your organisation. Use one of: ${kindIds().join(', ')}`,
  );

  app.get(
    '/openapi.json',
    {
      config: { public: true },
      schema: {
        operationId: 'getOpenApiDocument',
        tags: ['About the API'],
        summary: 'This document',
        description: 'No token needed.',
        security: [],
        response: {
          200: json('The OpenAPI 3.1 document.', { type: 'object', additionalProperties: true }),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async () => app.swagger(),
  );
  // Child plugins share this one's token check, rate limit, JSON errors and document.
  await app.register(apiSchoolRoutes, { database });
  await app.register(apiTraineeRoutes, { database, jobs: options.jobs });
  await app.register(apiLearnerRoutes, { database });

  app.get<{ Params: { kind: string }; Querystring: TemplateQuery }>(
    '/templates/:kind',
    {
      schema: {
        operationId: 'getTemplate',
        tags: ['Templates'],
        summary: 'Download the template for a kind of upload',
        description: [
          'The sheet to fill in, for the token’s organisation: the columns of the kind, prefilled with the records you can change. Some kinds offer a choice of what the sheet lists, as more query parameters. The kinds:',
          ...kinds.map((kind) => `\`${kind.id}\`: ${kind.title}. ${kind.apiDescription ?? ''}`.trim()),
        ].join('\n\n'),
        params: {
          type: 'object',
          required: ['kind'],
          properties: {
            kind: { type: 'string', enum: kindIds(), description: 'The kind of upload: see the kinds above.' },
          },
        },
        querystring: {
          type: 'object',
          properties: {
            format: {
              type: 'string',
              enum: ['csv', 'xlsx'],
              default: 'csv',
              description: 'csv (UTF-8 with a byte order mark) or xlsx. Default csv.',
            },
          },
          additionalProperties: true,
        },
        response: {
          200: {
            description: 'The template, as an attachment.',
            headers: { 'Content-Disposition': { type: 'string', description: 'attachment, with the file name' } },
            content: SPREADSHEET_CONTENT,
          },
          401: COMMON_ANSWERS[401],
          404: kindNotFound,
          422: problem(
            'The format is not csv or xlsx, or a choice of the kind is not one of its options.',
            'format must be csv or xlsx',
          ),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const kind = kindOf(actor, request.params.kind);
      const { format, ...choices } = request.query;
      // The kind's own choices are checked by the kind's list of options.
      const file = await uploads.template(actor, kind.id, format, choices);
      return reply
        .type(file.contentType)
        .header('content-disposition', attachmentHeader(file.fileName))
        .send(file.body);
    },
  );

  // Counted after the token check above, before the body is read.
  const countUpload = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = request.apiActor?.tokenId;
    const refusal = token ? options.uploadsInFlight?.enter(request, reply, `token ${token}`) : undefined;
    if (refusal) throw new ApiProblem(429, refusal, { headers: { 'retry-after': '60' } });
  };

  app.post(
    '/uploads',
    {
      onRequest: countUpload,
      config: {
        openapi: {
          body: {
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['kind', 'file'],
                  properties: {
                    kind: { type: 'string', enum: kindIds(), description: 'The kind of upload (as for the template).' },
                    file: {
                      type: 'string',
                      contentMediaType: 'application/octet-stream',
                      description: 'The filled CSV or XLSX file, with the template’s column headings in the first row.',
                    },
                  },
                },
              },
            },
          },
        },
      },
      schema: {
        operationId: 'createUpload',
        tags: ['Uploads'],
        summary: 'Upload a filled sheet',
        description: `Sends a CSV or XLSX file (up to ${megabytes(DEFAULT_MAX_FILE_BYTES)}${largerFiles()}) of the given kind. The file is read and every row checked at once; the response has the counts. A file that cannot be used as a whole (not CSV or XLSX, empty, headings only, a required column missing, too many rows, too large) is refused with 422 and nothing is stored. Very large files may be answered while still being checked (state "received" or "checking"): ask for the upload again until its state is "checked".`,
        response: {
          201: json('Received and checked. Location has the upload’s address.', ref('Upload'), {
            example: exampleUpload(),
            headers: { Location: { type: 'string', description: 'The upload, e.g. /api/v1/uploads/{id}' } },
          }),
          400: problem('The body is not a complete multipart/form-data form.', MALFORMED_MULTIPART_API_MESSAGE),
          401: COMMON_ANSWERS[401],
          404: kindNotFound,
          415: problem(
            'The body is not multipart/form-data.',
            'Send the file as multipart/form-data, with the fields "kind" and "file"',
          ),
          422: problem(
            'The kind or file field is missing, or the file as a whole is refused. Nothing is stored.',
            'The file has column headings but no rows. Add a row for each record and upload it again',
          ),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (!request.isMultipart()) {
        throw new ApiProblem(415, 'Send the file as multipart/form-data, with the fields "kind" and "file"');
      }
      let kindId: string | undefined;
      let file: { name: string; bytes: Uint8Array } | undefined;
      // Other fields: a kind's header block values (like "School name"), for a file without them.
      const headerBlock: Record<string, string> = {};
      // A file is kept up to its kind's limit (and a little more, to be refused as too large), or
      // the usual limit while the kind is not yet known: the rest is read and let go.
      let cutShort = false;
      for await (const part of request.parts({
        limits: { fileSize: largestFileBytes() + OVER_LIMIT, files: 1, fields: 20, fieldSize: 2048 },
      })) {
        if (part.type === 'file') {
          const { bytes, truncated } = await readUpTo(part.file, bytesToKeep(kindId ? findKind(kindId) : undefined));
          if (part.fieldname === 'file') file = { name: part.filename ?? '', bytes };
          cutShort = truncated;
        } else if (part.fieldname === 'kind') {
          kindId = String(part.value).trim();
        } else {
          headerBlock[part.fieldname] = String(part.value);
        }
      }
      if (!kindId) {
        throw new ApiProblem(422, `Give the kind of upload in the "kind" field, like ${kindIds()[0] ?? 'a kind'}`);
      }
      const kind = kindOf(actor, kindId);
      if (!file) throw new ApiProblem(422, 'Attach the file in the "file" field');
      if (cutShort && file.bytes.length <= maxFileBytesOf(kind)) {
        throw new ApiProblem(
          422,
          `A file over ${megabytes(DEFAULT_MAX_FILE_BYTES)} needs the "kind" field sent before the "file" field`,
        );
      }
      const upload = await uploads.receive(actor, kind.id, file, { via: apiVia(actor), headerBlock });
      return reply.code(201).header('location', `/api/v1/uploads/${upload.id}`).send(uploadJson(upload));
    },
  );

  app.get<{ Querystring: ListQuery }>(
    '/uploads',
    {
      schema: {
        operationId: 'listUploads',
        tags: ['Uploads'],
        summary: 'List your organisation’s uploads',
        description: `Newest first, ${UPLOADS_PAGE_SIZE} a page, whoever uploaded them (on the pages or through the API).`,
        querystring: {
          type: 'object',
          properties: {
            kind: { type: 'string', enum: kindIds(), description: 'Only uploads of this kind.' },
            state: { type: 'string', enum: uploadStates(), description: 'Only uploads in this state.' },
            page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1, description: 'The page, from 1.' },
          },
        },
        response: {
          200: json('A page of uploads.', ref('UploadList'), {
            example: { data: [exampleUpload()], meta: { page: 1, pageSize: UPLOADS_PAGE_SIZE, total: 1 } },
          }),
          401: COMMON_ANSWERS[401],
          422: problem('A parameter is not valid.', `state must be one of ${uploadStates().join(', ')}`),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const query = request.query;
      const { uploads: listed, total } = await uploads.list(actor, query);
      return {
        data: listed.map(uploadJson),
        meta: { page: query.page, pageSize: UPLOADS_PAGE_SIZE, total },
      };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/uploads/:id',
    {
      schema: {
        operationId: 'getUpload',
        tags: ['Uploads'],
        summary: 'Get an upload, with its state and counts',
        params: UPLOAD_ID_PARAMS,
        response: {
          200: json('The upload.', ref('Upload'), { example: exampleUpload() }),
          401: COMMON_ANSWERS[401],
          404: UPLOAD_NOT_FOUND,
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => uploadJson(await uploads.find(actorOf(request), request.params.id)),
  );

  app.get<{ Params: { id: string } }>(
    '/uploads/:id/report',
    {
      schema: {
        operationId: 'getErrorReport',
        tags: ['Uploads'],
        summary: 'Download the error report',
        description:
          'Your own sheet, in the format you uploaded (a CSV keeps its delimiter and encoding), every row in its original order, with two columns added: "Validation result" ("Passed", "2 errors", or why a row changes nothing) and "Errors" (each error on its own line). Fix the cells and upload the report as it is: the two extra columns are ignored. Files are kept for 7 days after an upload ends.',
        params: UPLOAD_ID_PARAMS,
        response: {
          200: {
            description: 'The report, as an attachment.',
            headers: { 'Content-Disposition': { type: 'string', description: 'attachment, with the file name' } },
            content: SPREADSHEET_CONTENT,
          },
          401: COMMON_ANSWERS[401],
          404: UPLOAD_NOT_FOUND,
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request, reply) => {
      const report = await uploads.report(actorOf(request), request.params.id);
      return reply
        .type(report.contentType)
        .header('content-disposition', attachmentHeader(report.fileName))
        .send(report.body);
    },
  );

  app.post<{ Params: { id: string }; Body: ({ skipErrors?: boolean } & Record<string, unknown>) | undefined }>(
    '/uploads/:id/submit',
    {
      config: { openapi: { optionalBody: true } },
      schema: {
        operationId: 'submitUpload',
        tags: ['Uploads'],
        summary: 'Submit a checked upload',
        description:
          'Makes every change in one transaction: all or nothing. Each record is checked again first; if any changed since the upload was checked, nothing is submitted, those rows become errors, and the answer is 409 with the state "checked". Submitting an upload already submitted answers 200 again and changes nothing, so a retry is safe.',
        params: UPLOAD_ID_PARAMS,
        // Checked when a JSON body is sent; without one, skipErrors is false.
        body: { content: { 'application/json': { schema: ref('SubmitRequest') } } },
        response: {
          200: json('Submitted.', ref('SubmitResult'), { example: { state: 'submitted', submitted: 12 } }),
          202: json(
            'Accepted: the submission continues in the background. Ask for the upload until its state is "submitted". (Not used yet; clients should accept it.)',
            ref('SubmitResult'),
            { example: { state: 'submitting' } },
          ),
          400: problem('The body is not valid JSON.', 'The body is not valid JSON'),
          401: COMMON_ANSWERS[401],
          404: UPLOAD_NOT_FOUND,
          409: json(
            'Some rows have errors and skipErrors is not true; the upload is not in state "checked"; or records changed since the check (state "checked", with the number in "stale").',
            ref('Conflict'),
            {
              example: {
                errors: [
                  {
                    message:
                      '2 records have changed since the file was checked, so nothing was submitted. Those rows are now errors: download the report, or submit again with "skipErrors": true to continue without them',
                  },
                ],
                state: 'checked',
                stale: 2,
              },
            },
          ),
          415: problem('The body is not JSON.'),
          422: problem('The body is not valid.', 'skipErrors must be true or false'),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const result = await uploads.submit(actor, request.params.id, {
        skipErrors: request.body?.skipErrors ?? false,
        via: apiVia(actor),
        // A kind's submit choice (publishAt) reads its own properties; others ignore them.
        options: request.body ?? {},
      });
      if (result.state === 'checked') {
        const n = result.stale;
        throw new ApiProblem(
          409,
          `${n} ${n === 1 ? 'record has' : 'records have'} changed since the file was checked, so nothing was submitted. ${n === 1 ? 'That row is' : 'Those rows are'} now ${n === 1 ? 'an error' : 'errors'}: download the report, or submit again with "skipErrors": true to continue without ${n === 1 ? 'it' : 'them'}`,
          { extra: { state: 'checked', stale: n } },
        );
      }
      return { state: result.state, submitted: result.submitted };
    },
  );

  const undoable = kinds.filter((kind) => kind.undo).map((kind) => kind.id);
  app.post<{ Params: { id: string } }>(
    '/uploads/:id/undo',
    {
      schema: {
        operationId: 'undoUpload',
        tags: ['Uploads'],
        summary: 'Undo a submitted upload',
        description: `For kinds that can be undone (${undoable.join(', ')}), within 7 days of the submission: removes exactly what the upload added, all or nothing. If any of it has been changed since, nothing is undone and the answer is 409, with one error for each record that changed after the first. Undoing an upload already undone answers 200 again and changes nothing.`,
        params: UPLOAD_ID_PARAMS,
        response: {
          200: json('Undone.', {
            type: 'object',
            required: ['state'],
            properties: { state: { type: 'string', enum: ['undone'] } },
          }),
          401: COMMON_ANSWERS[401],
          404: UPLOAD_NOT_FOUND,
          409: json(
            'The upload cannot be undone: its kind cannot be, it is not submitted, it was submitted more than 7 days ago, or some of what it added has changed since (then each is listed).',
            ref('Errors'),
            {
              example: {
                errors: [
                  {
                    message:
                      'Nothing was undone, because some of what this upload added has been changed since. Change those records one by one instead',
                  },
                  {
                    message:
                      'Aoife Evans: the placement at Willow Green High School (URN 100003) was changed on 3 March 2026',
                  },
                ],
              },
            },
          ),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      try {
        const upload = await uploads.undo(actor, request.params.id, { via: apiVia(actor) });
        return { state: upload.state };
      } catch (error) {
        if (!(error instanceof UndoBlocked)) throw error;
        // The reasons, one error each, after the summary: which records changed since.
        throw new ApiProblem(409, error.message, {
          extra: { errors: [{ message: error.message }, ...error.reasons.map((message) => ({ message }))] },
        });
      }
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/uploads/:id',
    {
      schema: {
        operationId: 'cancelUpload',
        tags: ['Uploads'],
        summary: 'Cancel an upload',
        description: 'Nothing in it will be submitted. Cancelling an upload already cancelled does nothing.',
        params: UPLOAD_ID_PARAMS,
        response: {
          204: { description: 'Cancelled.', type: 'null' },
          401: COMMON_ANSWERS[401],
          404: UPLOAD_NOT_FOUND,
          409: problem(
            'The upload has been submitted, so it cannot be cancelled.',
            'This upload has been submitted, so it cannot be cancelled',
          ),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await uploads.cancel(actor, request.params.id, { via: apiVia(actor) });
      return reply.code(204).send();
    },
  );
}
