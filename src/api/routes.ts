// API v1: JSON for an organisation's own systems, authenticated by API token, rate-limited per
// token. The same pipeline functions as the upload pages, so a rule lives once.
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Database } from '../db/database.ts';
import type { UploadState } from '../db/schema.ts';
import { today } from '../domain/dates.ts';
import { NotFoundError } from '../domain/errors.ts';
import { type ApiActor, findActorByToken } from '../domain/organisations/api-tokens.ts';
import { allKinds } from '../uploads/kinds/index.ts';
import type { UploadKind } from '../uploads/kinds/kind.ts';
import {
  cancelUpload,
  commitUpload,
  findUpload,
  kindFor,
  listUploads,
  MAX_FILE_BYTES,
  receiveUpload,
  UPLOAD_STATE_NAMES,
  UPLOADS_PAGE_SIZE,
} from '../uploads/pipeline.ts';
import { attachmentHeader, streamErrorReport } from '../uploads/report.ts';
import { templateFile } from '../uploads/template.ts';
import { UndoBlocked, undoUpload } from '../uploads/undo.ts';
import type { UploadsInFlight } from '../web/uploads-in-flight.ts';
import { ApiProblem, apiErrorHandler, apiNotFound } from './errors.ts';
import { openApiDocument } from './openapi.ts';
import { apiSchoolRoutes } from './schools.ts';
import { uploadJson } from './upload-json.ts';

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
  /** Background work, as the pages use it; without it, every file is checked in the request. */
  jobs?: ApiJobs;
  /** Counts uploads in progress; without it, none are counted. */
  uploadsInFlight?: UploadsInFlight;
}

/** What the API asks of the job queue (src/jobs/jobs.ts). */
export interface ApiJobs {
  /** Check a large upload in the background. */
  checkUpload(uploadId: string): Promise<void>;
  /** Start the work that follows a commit (award requests to the Teaching Record System). */
  uploadCommitted(kindId: string): Promise<void>;
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

const UPLOAD_STATES = Object.keys(UPLOAD_STATE_NAMES) as [UploadState, ...UploadState[]];

/** Query parameters given empty count as not given. */
function given(query: unknown): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries((query ?? {}) as Record<string, unknown>).filter(([, value]) => value !== ''),
  );
}

const templateQuery = z.object({
  format: z.enum(['csv', 'xlsx'], { error: 'format must be csv or xlsx' }).default('csv'),
});

const listQuery = z.object({
  kind: z.string({ error: 'Give one kind' }).optional(),
  state: z.enum(UPLOAD_STATES, { error: `state must be one of ${UPLOAD_STATES.join(', ')}` }).optional(),
  page: z.coerce
    .number({ error: 'page must be a whole number from 1' })
    .int({ error: 'page must be a whole number from 1' })
    .min(1, { error: 'page must be a whole number from 1' })
    .max(100_000, { error: 'page must be 100000 or less' })
    .default(1),
});

const commitBody = z.object(
  { skipErrors: z.boolean({ error: 'skipErrors must be true or false' }).default(false) },
  { error: 'Send a JSON object, like {"skipErrors": false}' },
);

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
  const { database, jobs } = options;
  const db = database.db;
  const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;

  app.setErrorHandler(apiErrorHandler);
  app.setNotFoundHandler(apiNotFound);
  app.decorateRequest('apiActor', null);

  // Files arrive as multipart/form-data; limits are given again where the file is read.
  if (!app.hasRequestDecorator('parts')) {
    await app.register(fastifyMultipart, { limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 5 } });
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

  app.get('/openapi.json', { config: { public: true } }, async () => openApiDocument(options.baseUrl));
  // Child plugins share this one's token check, rate limit and JSON errors.
  await app.register(apiSchoolRoutes, { database });

  app.get<{ Params: { kind: string } }>('/templates/:kind', async (request, reply) => {
    const actor = actorOf(request);
    const kind = kindOf(actor, request.params.kind);
    const { format, ...options } = given(request.query);
    // The kind's own choices (like ?trainees=year&year=2025) are checked by the kind's list of options.
    const file = await templateFile(db, actor, kind.id, templateQuery.parse({ format }).format, today(), options);
    return reply.type(file.contentType).header('content-disposition', attachmentHeader(file.fileName)).send(file.body);
  });

  // Counted after the token check above, before the body is read.
  const countUpload = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = request.apiActor?.tokenId;
    const refusal = token ? options.uploadsInFlight?.enter(request, reply, `token ${token}`) : undefined;
    if (refusal) throw new ApiProblem(429, refusal, { headers: { 'retry-after': '60' } });
  };

  app.post('/uploads', { onRequest: countUpload }, async (request, reply) => {
    const actor = actorOf(request);
    if (!request.isMultipart()) {
      throw new ApiProblem(415, 'Send the file as multipart/form-data, with the fields "kind" and "file"');
    }
    let kindId: string | undefined;
    let file: { name: string; bytes: Uint8Array } | undefined;
    for await (const part of request.parts({ limits: { fileSize: MAX_FILE_BYTES, files: 1, fields: 5 } })) {
      if (part.type === 'file') {
        const bytes = await part.toBuffer();
        if (part.fieldname === 'file') file = { name: part.filename ?? '', bytes };
      } else if (part.fieldname === 'kind') {
        kindId = String(part.value).trim();
      }
    }
    if (!kindId) {
      throw new ApiProblem(422, `Give the kind of upload in the "kind" field, like ${allKinds()[0]?.id ?? 'a kind'}`);
    }
    const kind = kindOf(actor, kindId);
    if (!file) throw new ApiProblem(422, 'Attach the file in the "file" field');
    const upload = await receiveUpload(database, actor, kind.id, file, today(), {
      checkLater: jobs ? (id: string) => jobs.checkUpload(id) : undefined,
      via: apiVia(actor),
    });
    return reply.code(201).header('location', `/api/v1/uploads/${upload.id}`).send(uploadJson(upload));
  });

  app.get('/uploads', async (request) => {
    const actor = actorOf(request);
    const query = listQuery.parse(given(request.query));
    const { uploads, total } = await listUploads(db, actor, query);
    return {
      data: uploads.map(uploadJson),
      meta: { page: query.page, pageSize: UPLOADS_PAGE_SIZE, total },
    };
  });

  app.get<{ Params: { id: string } }>('/uploads/:id', async (request) =>
    uploadJson(await findUpload(db, actorOf(request), request.params.id)),
  );

  app.get<{ Params: { id: string } }>('/uploads/:id/report', async (request, reply) => {
    const report = await streamErrorReport(database, actorOf(request), request.params.id);
    return reply
      .type(report.contentType)
      .header('content-disposition', attachmentHeader(report.fileName))
      .send(report.body);
  });

  app.post<{ Params: { id: string } }>('/uploads/:id/commit', async (request) => {
    const actor = actorOf(request);
    const upload = await findUpload(db, actor, request.params.id); // another organisation's: 404, whatever the body
    const { skipErrors } = commitBody.parse(request.body ?? {});
    const result = await commitUpload(database, actor, request.params.id, {
      skipErrors,
      today: today(),
      via: apiVia(actor),
    });
    if (result.state === 'checked') {
      const n = result.stale;
      throw new ApiProblem(
        409,
        `${n} ${n === 1 ? 'record has' : 'records have'} changed since the file was checked, so nothing was submitted. ${n === 1 ? 'That row is' : 'Those rows are'} now ${n === 1 ? 'an error' : 'errors'}: download the report, or submit again with "skipErrors": true to continue without ${n === 1 ? 'it' : 'them'}`,
        { extra: { state: 'checked', stale: n } },
      );
    }
    // The commit stands whatever happens next: the job queue's own sweep retries what follows it.
    await jobs
      ?.uploadCommitted(upload.kind)
      .catch((err) => request.log.error({ err }, 'starting work after a commit failed'));
    return { state: result.state, committed: result.committed };
  });

  app.post<{ Params: { id: string } }>('/uploads/:id/undo', async (request) => {
    const actor = actorOf(request);
    try {
      const upload = await undoUpload(database, actor, request.params.id, { via: apiVia(actor) });
      return { state: upload.state };
    } catch (error) {
      if (!(error instanceof UndoBlocked)) throw error;
      // The reasons, one error each, after the summary: which records changed since.
      throw new ApiProblem(409, error.message, {
        extra: { errors: [{ message: error.message }, ...error.reasons.map((message) => ({ message }))] },
      });
    }
  });

  app.delete<{ Params: { id: string } }>('/uploads/:id', async (request, reply) => {
    const actor = actorOf(request);
    await cancelUpload(db, actor, request.params.id, apiVia(actor));
    return reply.code(204).send();
  });
}
