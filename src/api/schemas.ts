// The JSON Schemas the API's routes share, each defined once: added to the API's plugin with
// addSchema, referred to by $id ({ $ref: 'Upload#' }), and so in the OpenAPI document as
// #/components/schemas/<$id>. Fastify validates requests and serialises answers with them.
import { allKinds } from '../uploads/kinds/index.ts';
import { UPLOAD_STATE_NAMES, UPLOADS_PAGE_SIZE } from '../uploads/pipeline.ts';

export type JsonSchema = Record<string, unknown>;

/** The ids of every kind of upload, from the registry. */
export function kindIds(): string[] {
  return allKinds().map((kind) => kind.id);
}

export const uploadStates = (): string[] => Object.keys(UPLOAD_STATE_NAMES);

/** A reference to one of the shared schemas below, by its $id. */
export const ref = (id: string): JsonSchema => ({ $ref: `${id}#` });

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A CSV or XLSX file, as an answer's content. */
export const SPREADSHEET_CONTENT = {
  'text/csv': { schema: { type: 'string' } },
  [XLSX_TYPE]: { schema: { type: 'string', contentMediaType: XLSX_TYPE } },
};

const errorsProperty = {
  type: 'array',
  items: {
    type: 'object',
    required: ['message'],
    properties: {
      message: { type: 'string' },
      field: { type: 'string', description: 'The field the message is about, when it is about one (records API).' },
    },
  },
};

export function exampleUpload() {
  return {
    id: '0b6f3c1e-8f3a-4a8e-9a53-2f0e6c1d7b42',
    kind: kindIds()[0] ?? 'a-kind',
    state: 'checked',
    fileName: 'upload.csv',
    fileFormat: 'csv',
    createdAt: '2025-07-14T09:30:12.000Z',
    checkedAt: '2025-07-14T09:30:13.000Z',
    submittedAt: null,
    undoneAt: null,
    counts: { rows: 540, changes: 12, skipped: 526, errors: 2 },
    unknownColumns: [],
    failureMessage: null,
  };
}

/** Every shared schema, made from the registry and the pipeline as they are when the API starts. */
export function apiSchemas(): JsonSchema[] {
  const states = uploadStates();
  return [
    {
      $id: 'Errors',
      description: 'Every error answer: a message for each problem, in the words the pages use.',
      type: 'object',
      required: ['errors'],
      properties: { errors: errorsProperty },
    },
    {
      $id: 'Conflict',
      description:
        'An error answer to a submission, with the upload’s state and, when records changed since the check, how many.',
      type: 'object',
      required: ['errors'],
      properties: {
        errors: errorsProperty,
        state: { type: 'string', enum: states },
        stale: { type: 'integer', description: 'Records changed since the check.' },
      },
    },
    {
      $id: 'Upload',
      type: 'object',
      required: [
        'id',
        'kind',
        'state',
        'fileName',
        'fileFormat',
        'createdAt',
        'checkedAt',
        'submittedAt',
        'undoneAt',
        'counts',
        'unknownColumns',
        'failureMessage',
      ],
      properties: {
        id: { type: 'string', format: 'uuid' },
        kind: { type: 'string', enum: kindIds() },
        state: {
          type: 'string',
          enum: states,
          description:
            'received → checking → checked → submitting → submitted (→ undone, for kinds that can be undone); or cancelled, or failed (see failureMessage).',
        },
        fileName: { type: 'string' },
        fileFormat: { type: 'string', enum: ['csv', 'xlsx'] },
        createdAt: { type: 'string', format: 'date-time' },
        checkedAt: { type: ['string', 'null'], format: 'date-time' },
        submittedAt: { type: ['string', 'null'], format: 'date-time' },
        undoneAt: { type: ['string', 'null'], format: 'date-time', description: 'When the upload was undone.' },
        counts: {
          type: 'object',
          required: ['rows', 'changes', 'skipped', 'errors'],
          properties: {
            rows: { type: 'integer', description: 'Rows in the file (blank rows left out).' },
            changes: {
              type: 'integer',
              description: 'Rows that will change a record: each kind says what a change is.',
            },
            skipped: { type: 'integer', description: 'Rows that change nothing.' },
            errors: { type: 'integer', description: 'Rows with errors: see the error report.' },
          },
        },
        unknownColumns: {
          type: 'array',
          items: { type: 'string' },
          description: 'Column headings that were not recognised, and so were ignored.',
        },
        failureMessage: { type: ['string', 'null'], description: 'Why the upload failed, when it did.' },
      },
    },
    {
      $id: 'UploadList',
      type: 'object',
      required: ['data', 'meta'],
      properties: {
        data: { type: 'array', items: ref('Upload') },
        meta: {
          type: 'object',
          required: ['page', 'pageSize', 'total'],
          properties: {
            page: { type: 'integer' },
            pageSize: { type: 'integer', description: `${UPLOADS_PAGE_SIZE} uploads a page.` },
            total: { type: 'integer', description: 'Uploads on every page.' },
          },
        },
      },
    },
    {
      $id: 'SubmitRequest',
      type: 'object',
      properties: {
        skipErrors: {
          type: 'boolean',
          default: false,
          description: 'true to submit the rows without errors and leave out the rows with errors.',
        },
        // Kinds with a choice on the submit step (when to publish, say) add their properties.
        ...Object.assign({}, ...allKinds().map((kind) => kind.submitChoice?.apiProperties ?? {})),
      },
      examples: [{ skipErrors: false }],
    },
    {
      $id: 'SubmitResult',
      type: 'object',
      required: ['state'],
      properties: {
        state: { type: 'string', enum: ['submitted', 'submitting'] },
        submitted: { type: 'integer', description: 'Records changed.' },
      },
    },
  ];
}

// Answers, as route schemas give them (response: { 200: json(…) }).

export interface AnswerOptions {
  example?: unknown;
  headers?: Record<string, JsonSchema>;
}

/** A JSON answer. */
export function json(description: string, schema: JsonSchema, { example, headers }: AnswerOptions = {}) {
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } },
  };
}

/** An error answer, with an example message. */
export function problem(description: string, message?: string, headers?: Record<string, JsonSchema>) {
  return json(description, ref('Errors'), {
    headers,
    example: message === undefined ? undefined : { errors: [{ message }] },
  });
}

/** The errors any route may answer, after its own. */
export const COMMON_ANSWERS = {
  401: problem(
    'No token, or a token that is not valid or has been revoked.',
    'Send your API token in the Authorization header: "Authorization: Bearer rbk_…"',
    { 'WWW-Authenticate': { type: 'string', description: 'Bearer realm="Rollbook API"' } },
  ),
  429: problem(
    'Too many requests with this token: wait for the number of seconds in Retry-After.',
    'Too many requests: the limit is 100 a minute for each token. Try again in 42 seconds',
    {
      'Retry-After': { type: 'integer' },
      'X-RateLimit-Limit': { type: 'integer' },
      'X-RateLimit-Remaining': { type: 'integer' },
      'X-RateLimit-Reset': { type: 'integer' },
      'RateLimit-Limit': { type: 'integer' },
      'RateLimit-Remaining': { type: 'integer' },
      'RateLimit-Reset': { type: 'integer' },
    },
  ),
  default: problem('Any other error, such as 500 (a problem in Rollbook: the message has a reference for support).'),
};

export const UPLOAD_NOT_FOUND = problem(
  'There is no such upload for your organisation (another organisation’s upload is not found).',
  'Upload not found',
);

/** The path parameter of an upload's address. */
export const UPLOAD_ID_PARAMS = {
  type: 'object',
  required: ['id'],
  properties: {
    id: {
      type: 'string',
      format: 'uuid',
      description: 'The upload’s id, from the answer to the upload or the list.',
    },
  },
};
