// The records API for student record systems: a provider's trainees, listed (cursor pages, filters)
// and read, created, changed, deferred and withdrawn, and the allowed values of their coded fields.
// Registered inside apiRoutes, so it shares the token check, rate limit, JSON errors and OpenAPI
// document. Every write is the domain operation the pages and the bulk upload use.
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { DB, Trainee } from '../db/schema.ts';
import { inTransaction } from '../db/transaction.ts';
import { today } from '../domain/dates.ts';
import { DomainError, NotFoundError } from '../domain/errors.ts';
import type { ApiActor } from '../domain/organisations/api-tokens.ts';
import { isUuid } from '../domain/organisations/organisations.ts';
import { ValidationErrors } from '../domain/organisations/users.ts';
import { REFERENCE_LISTS } from '../domain/trainees/reference-lists.ts';
import { TRAINEE_STATES } from '../domain/trainees/states.ts';
import { detailsOf, type TraineeDegree, type TraineeInput } from '../domain/trainees/trainee-details.ts';
import {
  changeTraineeDetails,
  DuplicateTraineeError,
  deferTrainee,
  registerTrainee,
  TraineeLockedError,
  withdrawTrainee,
} from '../domain/trainees/trainee-records.ts';
import { findTrainee, listTraineesByChange } from '../domain/trainees/trainees.ts';
import { trainingRoute } from '../domain/trainees/training-routes.ts';
import type { Services } from '../services.ts';
import { ApiProblem } from './errors.ts';
import { COMMON_ANSWERS, json, problem, ref } from './schemas.ts';

export const TRAINEES_PAGE_LIMIT = 500;
const DEFAULT_LIMIT = 100;

type Json = Record<string, unknown>;

const nullableString = (description?: string) => ({
  type: ['string', 'null'],
  ...(description ? { description } : {}),
});
const isoDate = (description?: string) => ({
  type: ['string', 'null'],
  format: 'date',
  ...(description ? { description } : {}),
});

const DEGREE_SCHEMA = {
  type: ['object', 'null'],
  description: 'The trainee’s degree (postgraduate routes); null on undergraduate routes.',
  required: ['type', 'subject', 'grade', 'graduationYear'],
  properties: {
    type: { type: 'string', description: 'uk or non_uk (reference list degree-types)' },
    subject: { type: 'string' },
    grade: { type: 'string', description: 'A code of the reference list degree-grades' },
    graduationYear: { type: 'integer' },
    institution: nullableString('For a UK degree: the university or college'),
    country: nullableString('For a non-UK degree: the country'),
  },
};

/** The details a client sends: the same names as the answers, each optional. */
const DETAIL_PROPERTIES = {
  firstNames: nullableString('Up to 60 characters.'),
  lastName: nullableString('Up to 60 characters.'),
  previousLastName: nullableString(),
  dateOfBirth: isoDate('yyyy-mm-dd; the trainee is 16 to 100 years old.'),
  sex: nullableString('A code of the reference list sexes (HESA codes accepted).'),
  email: nullableString(),
  providerTraineeId: nullableString('Your own student number: up to 50 characters, one trainee each.'),
  hesaId: nullableString('13 or 17 digits.'),
  trainingRoute: nullableString('A code of the reference list training-routes (HESA codes accepted).'),
  courseSubjects: {
    type: ['array', 'null'],
    maxItems: 3,
    items: { type: 'string' },
    description: 'Up to 3 names or HECoS codes of the reference list subjects.',
  },
  ageRange: nullableString('A code of the reference list age-ranges.'),
  studyMode: nullableString('full_time or part_time (reference list study-modes).'),
  ittStartDate: isoDate(),
  ittEndDate: isoDate('The expected end date: after the ITT start date.'),
  courseYear: { type: ['integer', 'null'], minimum: 0, maximum: 10 },
  leadSchoolUrn: nullableString('6 digits, on routes with a lead school.'),
  employingSchoolUrn: nullableString('6 digits, on salaried routes.'),
  degree: DEGREE_SCHEMA,
};

const EXAMPLE_INPUT = {
  firstNames: 'Ada',
  lastName: 'Lovelace',
  dateOfBirth: '1998-12-10',
  sex: 'female',
  email: 'ada.lovelace@example.com',
  providerTraineeId: 'UNI-000123',
  hesaId: '2512345678901',
  trainingRoute: 'provider_led_postgrad',
  courseSubjects: ['Mathematics'],
  ageRange: '11 to 16',
  studyMode: 'full_time',
  ittStartDate: '2025-09-01',
  ittEndDate: '2026-07-15',
  courseYear: 1,
  degree: {
    type: 'uk',
    subject: 'Mathematics',
    grade: 'upper_second',
    graduationYear: 2020,
    institution: 'University of Leeds',
    country: null,
  },
};

const EXAMPLE_TRAINEE = {
  id: '3f2b8c1e-5d7a-4e2b-9c1d-0a6e4f8b2c71',
  state: 'trn_received',
  trn: '9000123',
  award: 'QTS',
  ...EXAMPLE_INPUT,
  previousLastName: null,
  leadSchoolUrn: null,
  employingSchoolUrn: null,
  deferralDate: null,
  reinstatementDate: null,
  withdrawalDate: null,
  withdrawalReasons: [],
  withdrawalOtherReason: null,
  standardsMetDate: null,
  awardedDate: null,
  recordSource: 'api',
  createdAt: '2025-09-02T10:15:00.000Z',
  updatedAt: '2025-09-02T10:15:03.000Z',
};

/** The shared schemas of this part of the API (added by apiRoutes with the rest). */
export function traineeApiSchemas(): Json[] {
  return [
    {
      $id: 'TraineeDetails',
      type: 'object',
      additionalProperties: false,
      description:
        'A trainee’s details. On create, every detail the rules need must be given; on change, only those sent change.',
      properties: DETAIL_PROPERTIES,
      examples: [EXAMPLE_INPUT],
    },
    {
      $id: 'Trainee',
      type: 'object',
      required: ['id', 'state', 'trn', 'award', 'firstNames', 'lastName', 'dateOfBirth', 'trainingRoute', 'updatedAt'],
      properties: {
        id: { type: 'string', format: 'uuid' },
        state: {
          type: 'string',
          enum: TRAINEE_STATES,
          description: 'submitted_for_trn → trn_received → recommended → awarded; also deferred, withdrawn.',
        },
        trn: nullableString('7 digits, once the Teaching Record System has given it.'),
        award: { type: 'string', enum: ['QTS', 'EYTS'], description: 'Follows from the route.' },
        ...DETAIL_PROPERTIES,
        courseSubjects: { type: 'array', items: { type: 'string' } },
        deferralDate: isoDate(),
        reinstatementDate: isoDate(),
        withdrawalDate: isoDate(),
        withdrawalReasons: { type: 'array', items: { type: 'string' } },
        withdrawalOtherReason: nullableString(),
        standardsMetDate: isoDate(),
        awardedDate: isoDate(),
        recordSource: nullableString('manual, api or csv; null for records from before'),
        createdAt: { type: 'string', format: 'date-time' },
        updatedAt: { type: 'string', format: 'date-time' },
      },
    },
    {
      $id: 'TraineeAnswer',
      type: 'object',
      required: ['data'],
      properties: { data: ref('Trainee') },
    },
    {
      $id: 'TraineeList',
      type: 'object',
      required: ['data', 'links'],
      properties: {
        data: { type: 'array', items: ref('Trainee') },
        links: {
          type: 'object',
          required: ['next'],
          properties: {
            next: { type: ['string', 'null'], description: 'The path of the next page, or null on the last page.' },
          },
        },
      },
    },
  ];
}

const DUPLICATE_SCHEMA = {
  type: 'object',
  required: ['errors', 'existing'],
  properties: {
    errors: {
      type: 'array',
      items: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
    },
    existing: {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } },
    },
  },
};

const TRAINEE_ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid', description: 'The trainee’s id.' } },
};
const TRAINEE_NOT_FOUND = problem(
  'There is no such trainee of your organisation (another provider’s trainee is not found).',
  'Trainee not found',
);
const FIELD_ERRORS = json('The details break a rule: a message for each, naming its field.', ref('Errors'), {
  example: { errors: [{ field: 'dateOfBirth', message: 'Date of birth must be in the past' }] },
});
const LOCKED = problem(
  'The trainee has been recommended, awarded or has withdrawn (or, for defer and withdraw, is not in a state that allows it).',
  'You cannot change these details: Ada Lovelace has withdrawn',
);

/** A trainee as the API gives it. */
export function traineeJson(trainee: Trainee) {
  const details = detailsOf(trainee);
  return {
    id: trainee.id,
    state: trainee.state,
    trn: trainee.trn,
    award: trainingRoute(trainee.route).award,
    ...details,
    degree: details.degree as TraineeDegree | null,
    deferralDate: trainee.deferral_date,
    reinstatementDate: trainee.reinstatement_date,
    withdrawalDate: trainee.withdrawal_date,
    withdrawalReasons: trainee.withdrawal_reasons ?? [],
    withdrawalOtherReason: trainee.withdrawal_other_reason,
    standardsMetDate: trainee.standards_met_date,
    awardedDate: trainee.awarded_date,
    recordSource: trainee.record_source,
    createdAt: trainee.created_at.toISOString(),
    updatedAt: trainee.updated_at.toISOString(),
  };
}

type Body = Partial<Omit<TraineeInput, 'degreeType'>> & { degree?: Partial<TraineeDegree> | null };

/** The JSON body as the domain's input, with only the fields sent (a change leaves the rest). */
function inputFrom(body: Body | undefined): TraineeInput {
  const { degree, ...rest } = body ?? {};
  const input: TraineeInput = { ...rest };
  if (degree !== undefined) {
    input.degreeType = degree?.type ?? null;
    input.degreeSubject = degree?.subject ?? null;
    input.degreeGrade = degree?.grade ?? null;
    input.degreeGraduationYear = degree?.graduationYear ?? null;
    input.degreeInstitution = degree?.institution ?? null;
    input.degreeCountry = degree?.country ?? null;
  }
  return input;
}

/** The degree's flat fields go back to the API's names: degreeSubject → degree.subject. */
const apiField = (field: string | undefined) =>
  field?.startsWith('degree') && field !== 'degree'
    ? `degree.${field.slice(6, 7).toLowerCase()}${field.slice(7)}`
    : field === 'degreeType'
      ? 'degree.type'
      : field;

/** A rule broken, as the API answers it: 422 with each field, 409 for a duplicate or a locked record. */
function asProblem(error: unknown): unknown {
  if (error instanceof ValidationErrors) {
    return new ApiProblem(422, error.message, {
      extra: { errors: error.errors.map((e) => ({ field: apiField(e.field), message: e.message })) },
    });
  }
  if (error instanceof DuplicateTraineeError) {
    return new ApiProblem(409, error.message, { extra: { existing: error.existing } });
  }
  if (error instanceof TraineeLockedError) return new ApiProblem(409, error.message);
  if (error instanceof DomainError) {
    return new ApiProblem(422, error.message, {
      extra: { errors: [{ ...(error.field ? { field: apiField(error.field) } : {}), message: error.message }] },
    });
  }
  return error;
}

function actorOf(request: FastifyRequest): ApiActor {
  // apiRoutes' hook has refused a request without a valid token.
  if (!request.apiActor) throw new ApiProblem(401, 'Send your API token');
  return request.apiActor;
}

const apiVia = (actor: ApiActor) => `api token ${actor.tokenName}`;

interface Cursor {
  updatedAt: string;
  id: string;
}

const encodeCursor = (cursor: Cursor) => Buffer.from(`${cursor.updatedAt}|${cursor.id}`).toString('base64url');
function decodeCursor(text: string): Cursor {
  const [updatedAt, id] = Buffer.from(text, 'base64url').toString().split('|');
  // Only what encodeCursor wrote: anything else would reach the database as a broken timestamp or id.
  const written = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(updatedAt ?? '');
  if (!written || Number.isNaN(Date.parse(updatedAt)) || !id || !isUuid(id)) {
    throw new ApiProblem(422, 'cursor is not one this API gave: use links.next from the previous page as it is');
  }
  return { updatedAt, id };
}

interface ListQuery {
  updatedSince?: string;
  state?: string;
  academicYear?: number;
  cursor?: string;
  limit?: number;
}

/** A page of the provider's trainees, oldest change first, after the cursor. */
async function listForApi(db: Kysely<DB>, actor: ApiActor, query: ListQuery, path: string) {
  if (actor.organisation.type !== 'provider') throw new ApiProblem(404, 'Only providers have trainees');
  const limit = query.limit ?? DEFAULT_LIMIT;
  const cursor = query.cursor ? decodeCursor(query.cursor) : undefined;
  const rows = await listTraineesByChange(db, actor, {
    updatedSince: query.updatedSince ? new Date(query.updatedSince) : undefined,
    state: query.state as Trainee['state'] | undefined,
    academicYear: query.academicYear,
    after: cursor && { changedAt: cursor.updatedAt, id: cursor.id },
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  let next: string | null = null;
  if (rows.length > limit && last) {
    const params = new URLSearchParams();
    if (query.updatedSince) params.set('updatedSince', query.updatedSince);
    if (query.state) params.set('state', query.state);
    if (query.academicYear) params.set('academicYear', String(query.academicYear));
    if (query.limit) params.set('limit', String(query.limit));
    params.set('cursor', encodeCursor({ updatedAt: last.changed_at, id: last.id }));
    next = `${path}?${params}`;
  }
  return { data: page.map(traineeJson), links: { next } };
}

const requestHash = (body: unknown) =>
  createHash('sha256')
    .update(JSON.stringify(body ?? null))
    .digest('hex');

export async function apiTraineeRoutes(
  app: FastifyInstance,
  { database, jobs }: Pick<Services, 'database'> & { jobs?: Services['jobs'] },
) {
  const db = database.db;
  const askForTrns = (request: FastifyRequest) =>
    jobs?.trnsRequested().catch((error) => request.log.error({ err: error }, 'asking for TRNs failed'));

  app.get<{ Querystring: ListQuery }>(
    '/trainees',
    {
      schema: {
        operationId: 'listTrainees',
        tags: ['Trainees'],
        summary: 'List your trainees',
        description: `Your organisation’s trainees, the least recently changed first, at most ${TRAINEES_PAGE_LIMIT} a page. Follow links.next (a path, with the same filters) until it is null. To keep a copy in step, remember the time you started and next time ask for updatedSince that time.`,
        querystring: {
          type: 'object',
          properties: {
            updatedSince: {
              type: 'string',
              format: 'date-time',
              description: 'Only trainees changed at or after this time.',
            },
            state: { type: 'string', enum: TRAINEE_STATES },
            academicYear: {
              type: 'integer',
              minimum: 2000,
              maximum: 2100,
              description:
                'The academic year the trainee started in, by its first year: 2025 is 1 August 2025 to 31 July 2026.',
            },
            cursor: { type: 'string', description: 'From links.next.' },
            limit: { type: 'integer', minimum: 1, maximum: TRAINEES_PAGE_LIMIT, default: DEFAULT_LIMIT },
          },
        },
        response: {
          200: json('A page of trainees.', ref('TraineeList'), {
            example: {
              data: [EXAMPLE_TRAINEE],
              links: { next: '/api/v1/trainees?cursor=MjAyNS0wOS0wMlQxMDoxNTowMy4wMDAwMDBafDNmMmI4YzFl' },
            },
          }),
          401: COMMON_ANSWERS[401],
          422: problem('A filter is not valid.', 'state must be one of draft, submitted_for_trn, …'),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    // links.next is this list's own address, with the next cursor.
    async (request) => listForApi(db, actorOf(request), request.query, request.url.split('?')[0]),
  );

  app.get<{ Params: { id: string } }>(
    '/trainees/:id',
    {
      schema: {
        operationId: 'getTrainee',
        tags: ['Trainees'],
        summary: 'One of your trainees',
        params: TRAINEE_ID_PARAMS,
        response: {
          200: json('The trainee.', ref('TraineeAnswer'), { example: { data: EXAMPLE_TRAINEE } }),
          401: COMMON_ANSWERS[401],
          404: TRAINEE_NOT_FOUND,
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => ({ data: traineeJson(await findTrainee(db, actorOf(request), request.params.id)) }),
  );

  app.post<{ Body: Body }>(
    '/trainees',
    {
      schema: {
        operationId: 'createTrainee',
        tags: ['Trainees'],
        summary: 'Register a trainee',
        description:
          'Registers the trainee and asks the Teaching Record System for their TRN: the trainee is submitted_for_trn until it comes back (at once with the local teaching record). Send an Idempotency-Key header (any text up to 200 characters, new for each trainee) so that a retried request gives the first answer and never a second trainee.',
        headers: {
          type: 'object',
          properties: { 'idempotency-key': { type: 'string', minLength: 1, maxLength: 200 } },
        },
        body: ref('TraineeDetails'),
        response: {
          201: json('The trainee, registered.', ref('TraineeAnswer'), {
            example: { data: { ...EXAMPLE_TRAINEE, state: 'submitted_for_trn', trn: null } },
          }),
          401: COMMON_ANSWERS[401],
          409: json('The trainee is already registered: existing names the record it matches.', DUPLICATE_SCHEMA, {
            example: {
              errors: [
                {
                  message:
                    'This trainee is already registered: Ada Lovelace has the same date of birth, last name, route and start year, and the same first name or email address',
                },
              ],
              existing: { id: EXAMPLE_TRAINEE.id, name: 'Ada Lovelace' },
            },
          }),
          422: FIELD_ERRORS,
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      if (actor.organisation.type !== 'provider') throw new ApiProblem(404, 'Only providers have trainees');
      const key = request.headers['idempotency-key'];
      const idempotencyKey = typeof key === 'string' && key ? key : undefined;
      const hash = requestHash(request.body);
      const answer = await inTransaction(db, async (tx) => {
        if (idempotencyKey) {
          // Claims the key; a request with the same key in flight is waited for, and its answer given.
          const claimed = await tx
            .insertInto('api_idempotency_keys')
            .values({ token_id: actor.tokenId, key: idempotencyKey, request_hash: hash, status_code: 0, body: '{}' })
            .onConflict((oc) => oc.doNothing())
            .returning('key')
            .executeTakeFirst();
          if (!claimed) {
            const earlier = await tx
              .selectFrom('api_idempotency_keys')
              .selectAll()
              .where('token_id', '=', actor.tokenId)
              .where('key', '=', idempotencyKey)
              .executeTakeFirstOrThrow();
            if (earlier.request_hash !== hash) {
              throw new ApiProblem(
                422,
                'This Idempotency-Key was used for a different trainee: use a new key for each trainee',
              );
            }
            return { status: earlier.status_code, body: earlier.body as Json, replayed: true };
          }
        }
        let trainee: Trainee;
        try {
          trainee = await registerTrainee(tx, actor, inputFrom(request.body), {
            via: apiVia(actor),
            today: today(),
            source: 'api',
          });
        } catch (error) {
          throw asProblem(error);
        }
        const body = { data: traineeJson(trainee) };
        if (idempotencyKey) {
          await tx
            .updateTable('api_idempotency_keys')
            .set({ status_code: 201, body: JSON.stringify(body) })
            .where('token_id', '=', actor.tokenId)
            .where('key', '=', idempotencyKey)
            .execute();
        }
        return { status: 201, body, replayed: false };
      });
      if (!answer.replayed) {
        await askForTrns(request);
        // With the local teaching record the TRN is there at once.
        const now = await findTrainee(db, actor, String((answer.body.data as Json).id));
        answer.body = { data: traineeJson(now) };
      } else reply.header('idempotent-replayed', 'true');
      return reply.code(answer.status).send(answer.body);
    },
  );

  app.patch<{ Params: { id: string }; Body: Body }>(
    '/trainees/:id',
    {
      schema: {
        operationId: 'changeTrainee',
        tags: ['Trainees'],
        summary: 'Change a trainee’s details',
        description:
          'Only the fields sent change; the same rules as registering apply to the result. Refused (409) once the trainee has been recommended, awarded or has withdrawn.',
        params: TRAINEE_ID_PARAMS,
        body: ref('TraineeDetails'),
        response: {
          200: json('The trainee, changed.', ref('TraineeAnswer'), { example: { data: EXAMPLE_TRAINEE } }),
          401: COMMON_ANSWERS[401],
          404: TRAINEE_NOT_FOUND,
          409: LOCKED,
          422: FIELD_ERRORS,
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      try {
        const { trainee } = await inTransaction(db, (tx) =>
          changeTraineeDetails(tx, actor, request.params.id, inputFrom(request.body), {
            via: apiVia(actor),
            today: today(),
          }),
        );
        return { data: traineeJson(trainee) };
      } catch (error) {
        throw asProblem(error);
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { date?: string; reasons?: string[]; otherReason?: string | null } }>(
    '/trainees/:id/withdraw',
    {
      schema: {
        operationId: 'withdrawTrainee',
        tags: ['Trainees'],
        summary: 'Withdraw a trainee',
        params: TRAINEE_ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            date: {
              type: 'string',
              format: 'date',
              description: 'The date of withdrawal: not in the future, not before the ITT start date.',
            },
            reasons: {
              type: 'array',
              items: { type: 'string' },
              description: 'Codes of the reference list withdrawal-reasons.',
            },
            otherReason: { type: ['string', 'null'], description: 'Needed with another_reason.' },
          },
          examples: [{ date: '2026-02-02', reasons: ['health_reasons'] }],
        },
        response: {
          200: json('The trainee, withdrawn.', ref('TraineeAnswer'), {
            example: {
              data: {
                ...EXAMPLE_TRAINEE,
                state: 'withdrawn',
                withdrawalDate: '2026-02-02',
                withdrawalReasons: ['health_reasons'],
              },
            },
          }),
          401: COMMON_ANSWERS[401],
          404: TRAINEE_NOT_FOUND,
          409: LOCKED,
          422: FIELD_ERRORS,
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      try {
        const trainee = await inTransaction(db, (tx) =>
          withdrawTrainee(
            tx,
            actor,
            request.params.id,
            { date: request.body?.date, reasons: request.body?.reasons ?? [], otherReason: request.body?.otherReason },
            { via: apiVia(actor), today: today() },
          ),
        );
        return { data: traineeJson(trainee) };
      } catch (error) {
        throw asProblem(error);
      }
    },
  );

  app.post<{ Params: { id: string }; Body: { date?: string } }>(
    '/trainees/:id/defer',
    {
      schema: {
        operationId: 'deferTrainee',
        tags: ['Trainees'],
        summary: 'Defer a trainee',
        params: TRAINEE_ID_PARAMS,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            date: {
              type: 'string',
              format: 'date',
              description: 'The date of deferral: not in the future, not before the ITT start date.',
            },
          },
          examples: [{ date: '2026-01-05' }],
        },
        response: {
          200: json('The trainee, deferred.', ref('TraineeAnswer'), {
            example: { data: { ...EXAMPLE_TRAINEE, state: 'deferred', deferralDate: '2026-01-05' } },
          }),
          401: COMMON_ANSWERS[401],
          404: TRAINEE_NOT_FOUND,
          409: LOCKED,
          422: FIELD_ERRORS,
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      try {
        const trainee = await inTransaction(db, (tx) =>
          deferTrainee(
            tx,
            actor,
            request.params.id,
            { date: request.body?.date },
            { via: apiVia(actor), today: today() },
          ),
        );
        return { data: traineeJson(trainee) };
      } catch (error) {
        throw asProblem(error);
      }
    },
  );

  const lists = Object.keys(REFERENCE_LISTS);
  app.get<{ Params: { list: string } }>(
    '/reference/:list',
    {
      schema: {
        operationId: 'getReferenceList',
        tags: ['Reference data'],
        summary: 'The allowed values of a coded field',
        description: `Each value’s code (what to send) and name (what pages show). Lists: ${lists.join(', ')}. HESA codes are accepted in place of codes where the student return has them.`,
        params: {
          type: 'object',
          required: ['list'],
          properties: { list: { type: 'string', enum: lists } },
        },
        response: {
          200: json(
            'The values.',
            {
              type: 'object',
              required: ['data'],
              properties: {
                data: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['code', 'name'],
                    properties: { code: { type: 'string' }, name: { type: 'string' } },
                  },
                },
              },
            },
            {
              example: {
                data: [
                  { code: 'full_time', name: 'Full time' },
                  { code: 'part_time', name: 'Part time' },
                ],
              },
            },
          ),
          401: COMMON_ANSWERS[401],
          404: problem(
            'There is no such list.',
            `There is no reference list "colours". Use one of: ${lists.join(', ')}`,
          ),
          429: COMMON_ANSWERS[429],
          default: COMMON_ANSWERS.default,
        },
      },
    },
    async (request) => {
      const list = REFERENCE_LISTS[request.params.list];
      if (!list || !Object.hasOwn(REFERENCE_LISTS, request.params.list)) {
        throw new ApiProblem(
          404,
          `There is no reference list "${request.params.list}". Use one of: ${lists.join(', ')}`,
        );
      }
      return { data: list.map(({ code, name }) => ({ code, name })) };
    },
  );

  void NotFoundError;
}
