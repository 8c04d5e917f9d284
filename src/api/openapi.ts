// The OpenAPI 3.1 document of API v1: served as JSON at /api/v1/openapi.json and turned into the
// human-readable page at /api/docs, so the two always agree.

import { allKinds } from '../uploads/kinds/index.ts';
import { MAX_FILE_BYTES, UPLOAD_STATE_NAMES, UPLOADS_PAGE_SIZE } from '../uploads/pipeline.ts';

export const API_VERSION = '1.0.0';

type Json = Record<string, unknown>;

const ref = (to: string) => ({ $ref: `#/components/${to}` });
const json = (schema: Json, example?: unknown) => ({
  'application/json': { schema, ...(example === undefined ? {} : { example }) },
});
const errorResponse = (description: string, example: string) => ({
  description,
  content: json(ref('schemas/Errors'), { errors: [{ message: example }] }),
});

const SPREADSHEET_TYPES = {
  'text/csv': { schema: { type: 'string' } },
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
    schema: { type: 'string', contentMediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  },
};

const EXAMPLE_UPLOAD = {
  id: '0b6f3c1e-8f3a-4a8e-9a53-2f0e6c1d7b42',
  kind: 'qts-recommendations',
  state: 'checked',
  fileName: 'recommendations.csv',
  fileFormat: 'csv',
  createdAt: '2025-07-14T09:30:12.000Z',
  checkedAt: '2025-07-14T09:30:13.000Z',
  committedAt: null,
  undoneAt: null,
  counts: { rows: 540, changes: 12, skipped: 526, errors: 2 },
  unknownColumns: [],
  failureMessage: null,
};

export function openApiDocument(baseUrl: string): Json {
  const kinds = allKinds();
  const states = Object.keys(UPLOAD_STATE_NAMES);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Rollbook API',
      version: API_VERSION,
      summary: 'Bulk uploads for your organisation’s own systems, such as a student record system.',
      description: [
        'Each request acts for the one organisation its token belongs to. An organisation admin makes tokens on the "API tokens" page of Rollbook (Your organisation → API tokens); an operator can make one with `npm run cli -- create-token`.',
        'An upload goes through the same steps as on the pages: download the template, fill it in, upload it (it is checked at once), read the counts and the error report, then submit it (commit) or cancel it.',
        'Every error is JSON: `{"errors": [{"message": "…"}]}`, worded as on the pages.',
      ].join('\n\n'),
    },
    servers: [{ url: `${baseUrl}/api/v1` }],
    security: [{ bearerAuth: [] }],
    tags: [
      { name: 'Templates', description: 'The sheet to fill in, prefilled with your records.' },
      { name: 'Uploads', description: 'Upload a filled sheet, see how it was checked, submit or cancel it.' },
      { name: 'Schools', description: 'The register of schools, to find a school’s URN.' },
      { name: 'About the API', description: 'This document.' },
    ],
    paths: {
      '/templates/{kind}': {
        get: {
          operationId: 'getTemplate',
          tags: ['Templates'],
          summary: 'Download the template for a kind of upload',
          description:
            'The sheet to fill in, for the token’s organisation: the columns of the kind, prefilled with the records you can change (for qts-recommendations, every trainee eligible for recommendation, with the date column empty). Some kinds offer a choice of what the sheet lists, as more query parameters: for placements, `trainees=fewer-than-2` (the default: trainees with fewer than 2 placements, not counting those who have withdrawn) or `trainees=year` with `year=2025` (every trainee training in the academic year 2025 to 2026). hesa-placements has the column headings only.',
          parameters: [
            ref('parameters/Kind'),
            {
              name: 'format',
              in: 'query',
              required: false,
              description: 'csv (UTF-8 with a byte order mark) or xlsx. Default csv.',
              schema: { type: 'string', enum: ['csv', 'xlsx'], default: 'csv' },
            },
            {
              name: 'trainees',
              in: 'query',
              required: false,
              description: 'placements only: which trainees the sheet lists. Default fewer-than-2.',
              schema: { type: 'string', enum: ['fewer-than-2', 'year'], default: 'fewer-than-2' },
            },
            {
              name: 'year',
              in: 'query',
              required: false,
              description:
                'placements with trainees=year only: the academic year by its first year (2025 is 2025 to 2026). Default the latest year with trainees.',
              schema: { type: 'string', pattern: '^\\d{4}$' },
            },
          ],
          responses: {
            '200': {
              description: 'The template, as an attachment.',
              headers: { 'Content-Disposition': ref('headers/ContentDisposition') },
              content: SPREADSHEET_TYPES,
            },
            '401': ref('responses/Unauthorized'),
            '404': errorResponse(
              'There is no such kind, or it is not for your type of organisation.',
              'There is no upload kind "placement" for your organisation. Use one of: qts-recommendations',
            ),
            '422': errorResponse(
              'The format is not csv or xlsx, or a choice of the kind is not one of its options.',
              'format must be csv or xlsx',
            ),
            '429': ref('responses/TooManyRequests'),
          },
        },
      },
      '/schools': {
        get: {
          operationId: 'searchSchools',
          tags: ['Schools'],
          summary: 'Find schools in the register',
          description:
            'Schools of the register (from Get information about schools) whose URN is q, whose postcode starts with q (spaces and case ignored), or whose name contains q (case, accents and apostrophes ignored): at most 25, the best matches first. Closed schools are included, with status "Closed". Any valid token may search.',
          parameters: [
            {
              name: 'q',
              in: 'query',
              required: true,
              description: 'At least 2 characters: part of the name, a 6-digit URN, or a postcode or its start.',
              schema: { type: 'string', minLength: 2 },
            },
          ],
          responses: {
            '200': {
              description: 'The matching schools (an empty list when none match).',
              content: json(
                {
                  type: 'object',
                  required: ['schools'],
                  properties: {
                    schools: {
                      type: 'array',
                      maxItems: 25,
                      items: {
                        type: 'object',
                        required: ['urn', 'name', 'postcode', 'phase', 'status'],
                        properties: {
                          urn: { type: 'string', description: '6 digits' },
                          name: { type: 'string' },
                          postcode: { type: ['string', 'null'] },
                          phase: { type: ['string', 'null'], description: 'As GIAS names it, like Primary' },
                          status: { type: ['string', 'null'], description: 'As GIAS names it: Open, Closed, …' },
                        },
                      },
                    },
                  },
                },
                {
                  schools: [
                    {
                      urn: '100002',
                      name: 'Thornbury Church of England Primary School',
                      postcode: 'NR21 1DX',
                      phase: 'Primary',
                      status: 'Open',
                    },
                  ],
                },
              ),
            },
            '401': ref('responses/Unauthorized'),
            '422': errorResponse(
              'q is missing or shorter than 2 characters.',
              'Enter at least 2 characters of the school’s name, its URN or its postcode, in the "q" parameter, like ?q=thornbury',
            ),
            '429': ref('responses/TooManyRequests'),
          },
        },
      },
      '/uploads': {
        post: {
          operationId: 'createUpload',
          tags: ['Uploads'],
          summary: 'Upload a filled sheet',
          description: `Sends a CSV or XLSX file (up to ${MAX_FILE_BYTES / 1024 / 1024} MB) of the given kind. The file is read and every row checked at once; the response has the counts. A file that cannot be used as a whole (not CSV or XLSX, empty, headings only, a required column missing, too many rows, too large) is refused with 422 and nothing is stored. Very large files may be answered while still being checked (state "received" or "checking"): ask for the upload again until its state is "checked".`,
          requestBody: {
            required: true,
            content: {
              'multipart/form-data': {
                schema: {
                  type: 'object',
                  required: ['kind', 'file'],
                  properties: {
                    kind: { type: 'string', enum: kinds.map((k) => k.id), description: 'The kind of upload.' },
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
          responses: {
            '201': {
              description: 'Received and checked. Location has the upload’s address.',
              headers: {
                Location: { description: 'The upload, e.g. /api/v1/uploads/{id}', schema: { type: 'string' } },
              },
              content: json(ref('schemas/Upload'), EXAMPLE_UPLOAD),
            },
            '401': ref('responses/Unauthorized'),
            '404': errorResponse(
              'There is no such kind, or it is not for your type of organisation.',
              'There is no upload kind "placement" for your organisation. Use one of: qts-recommendations',
            ),
            '415': errorResponse(
              'The body is not multipart/form-data.',
              'Send the file as multipart/form-data, with the fields "kind" and "file"',
            ),
            '422': errorResponse(
              'The kind or file field is missing, or the file as a whole is refused. Nothing is stored.',
              'The file has column headings but no rows. Add a row for each record and upload it again',
            ),
            '429': ref('responses/TooManyRequests'),
          },
        },
        get: {
          operationId: 'listUploads',
          tags: ['Uploads'],
          summary: 'List your organisation’s uploads',
          description: `Newest first, ${UPLOADS_PAGE_SIZE} a page, whoever uploaded them (on the pages or through the API).`,
          parameters: [
            {
              name: 'kind',
              in: 'query',
              required: false,
              description: 'Only uploads of this kind.',
              schema: { type: 'string', enum: kinds.map((k) => k.id) },
            },
            {
              name: 'state',
              in: 'query',
              required: false,
              description: 'Only uploads in this state.',
              schema: { type: 'string', enum: states },
            },
            {
              name: 'page',
              in: 'query',
              required: false,
              description: 'The page, from 1.',
              schema: { type: 'integer', minimum: 1, default: 1 },
            },
          ],
          responses: {
            '200': {
              description: 'A page of uploads.',
              content: json(ref('schemas/UploadList'), {
                data: [EXAMPLE_UPLOAD],
                meta: { page: 1, pageSize: UPLOADS_PAGE_SIZE, total: 1 },
              }),
            },
            '401': ref('responses/Unauthorized'),
            '422': errorResponse('A parameter is not valid.', `state must be one of ${states.join(', ')}`),
            '429': ref('responses/TooManyRequests'),
          },
        },
      },
      '/uploads/{id}': {
        get: {
          operationId: 'getUpload',
          tags: ['Uploads'],
          summary: 'Get an upload, with its state and counts',
          parameters: [ref('parameters/UploadId')],
          responses: {
            '200': { description: 'The upload.', content: json(ref('schemas/Upload'), EXAMPLE_UPLOAD) },
            '401': ref('responses/Unauthorized'),
            '404': ref('responses/UploadNotFound'),
            '429': ref('responses/TooManyRequests'),
          },
        },
        delete: {
          operationId: 'cancelUpload',
          tags: ['Uploads'],
          summary: 'Cancel an upload',
          description: 'Nothing in it will be submitted. Cancelling an upload already cancelled does nothing.',
          parameters: [ref('parameters/UploadId')],
          responses: {
            '204': { description: 'Cancelled.' },
            '401': ref('responses/Unauthorized'),
            '404': ref('responses/UploadNotFound'),
            '409': errorResponse(
              'The upload has been submitted, so it cannot be cancelled.',
              'This upload has been submitted, so it cannot be cancelled',
            ),
            '429': ref('responses/TooManyRequests'),
          },
        },
      },
      '/uploads/{id}/undo': {
        post: {
          operationId: 'undoUpload',
          tags: ['Uploads'],
          summary: 'Undo a submitted upload',
          description:
            'For kinds that can be undone (placements, hesa-placements), within 7 days of the submission: removes exactly what the upload added, all or nothing. If any of it has been changed since, nothing is undone and the answer is 409, with one error for each record that changed after the first. Undoing an upload already undone answers 200 again and changes nothing.',
          parameters: [ref('parameters/UploadId')],
          responses: {
            '200': {
              description: 'Undone.',
              content: json(
                { type: 'object', required: ['state'], properties: { state: { type: 'string', enum: ['undone'] } } },
                { state: 'undone' },
              ),
            },
            '401': ref('responses/Unauthorized'),
            '404': ref('responses/UploadNotFound'),
            '409': {
              description:
                'The upload cannot be undone: its kind cannot be, it is not submitted, it was submitted more than 7 days ago, or some of what it added has changed since (then each is listed).',
              content: json(ref('schemas/Errors'), {
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
              }),
            },
            '429': ref('responses/TooManyRequests'),
          },
        },
      },
      '/uploads/{id}/report': {
        get: {
          operationId: 'getErrorReport',
          tags: ['Uploads'],
          summary: 'Download the error report',
          description:
            'Your own sheet, in the format you uploaded (a CSV keeps its delimiter and encoding), every row in its original order, with two columns added: "Validation result" ("Passed", "Not recommended: no date", "2 errors") and "Errors" (each error on its own line). Fix the cells and upload the report as it is: the two extra columns are ignored. Files are kept for 7 days after an upload ends.',
          parameters: [ref('parameters/UploadId')],
          responses: {
            '200': {
              description: 'The report, as an attachment.',
              headers: { 'Content-Disposition': ref('headers/ContentDisposition') },
              content: SPREADSHEET_TYPES,
            },
            '401': ref('responses/Unauthorized'),
            '404': ref('responses/UploadNotFound'),
            '429': ref('responses/TooManyRequests'),
          },
        },
      },
      '/uploads/{id}/commit': {
        post: {
          operationId: 'commitUpload',
          tags: ['Uploads'],
          summary: 'Submit a checked upload',
          description:
            'Makes every change in one transaction: all or nothing. Each record is checked again first; if any changed since the upload was checked, nothing is submitted, those rows become errors, and the answer is 409 with the state "checked". Submitting an upload already submitted answers 200 again and changes nothing, so a retry is safe.',
          parameters: [ref('parameters/UploadId')],
          requestBody: {
            required: false,
            content: json(ref('schemas/CommitRequest'), { skipErrors: false }),
          },
          responses: {
            '200': {
              description: 'Submitted.',
              content: json(ref('schemas/CommitResult'), { state: 'committed', committed: 12 }),
            },
            '202': {
              description:
                'Accepted: the submission continues in the background. Ask for the upload until its state is "committed". (Not used yet; clients should accept it.)',
              content: json(ref('schemas/CommitResult'), { state: 'committing' }),
            },
            '401': ref('responses/Unauthorized'),
            '404': ref('responses/UploadNotFound'),
            '409': {
              description:
                'Some rows have errors and skipErrors is not true; the upload is not in state "checked"; or records changed since the check (state "checked", with the number in "stale").',
              content: json(ref('schemas/Conflict'), {
                errors: [
                  {
                    message:
                      '2 records have changed since the file was checked, so nothing was submitted. Those rows are now errors: download the report, or submit again with "skipErrors": true to continue without them',
                  },
                ],
                state: 'checked',
                stale: 2,
              }),
            },
            '422': errorResponse('The body is not valid.', 'skipErrors must be true or false'),
            '429': ref('responses/TooManyRequests'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'getOpenApiDocument',
          tags: ['About the API'],
          summary: 'This document',
          description: 'No token needed.',
          security: [],
          responses: { '200': { description: 'The OpenAPI 3.1 document.', content: json({ type: 'object' }) } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API token of your organisation, starting "rbk_": `Authorization: Bearer rbk_…`.',
        },
      },
      parameters: {
        Kind: {
          name: 'kind',
          in: 'path',
          required: true,
          description: kinds.map((k) => `${k.id}: ${k.title}`).join('. '),
          schema: { type: 'string', enum: kinds.map((k) => k.id) },
        },
        UploadId: {
          name: 'id',
          in: 'path',
          required: true,
          description: 'The upload’s id, from the answer to the upload or the list.',
          schema: { type: 'string', format: 'uuid' },
        },
      },
      headers: {
        ContentDisposition: {
          description: 'attachment, with the file name',
          schema: { type: 'string' },
        },
      },
      responses: {
        Unauthorized: {
          description: 'No token, or a token that is not valid or has been revoked.',
          headers: { 'WWW-Authenticate': { schema: { type: 'string' } } },
          content: json(ref('schemas/Errors'), {
            errors: [{ message: 'Send your API token in the Authorization header: "Authorization: Bearer rbk_…"' }],
          }),
        },
        UploadNotFound: {
          description: 'There is no such upload for your organisation (another organisation’s upload is not found).',
          content: json(ref('schemas/Errors'), { errors: [{ message: 'Upload not found' }] }),
        },
        TooManyRequests: {
          description: 'Too many requests with this token: wait for the number of seconds in Retry-After.',
          headers: {
            'Retry-After': { schema: { type: 'integer' } },
            'X-RateLimit-Limit': { schema: { type: 'integer' } },
            'X-RateLimit-Remaining': { schema: { type: 'integer' } },
            'X-RateLimit-Reset': { schema: { type: 'integer' } },
          },
          content: json(ref('schemas/Errors'), {
            errors: [
              { message: 'Too many requests: the limit is 100 a minute for each token. Try again in 42 seconds' },
            ],
          }),
        },
      },
      schemas: {
        Errors: {
          type: 'object',
          required: ['errors'],
          properties: {
            errors: {
              type: 'array',
              items: { type: 'object', required: ['message'], properties: { message: { type: 'string' } } },
            },
          },
        },
        Conflict: {
          allOf: [
            ref('schemas/Errors'),
            {
              type: 'object',
              properties: {
                state: { type: 'string', enum: states },
                stale: { type: 'integer', description: 'Records changed since the check.' },
              },
            },
          ],
        },
        Upload: {
          type: 'object',
          required: [
            'id',
            'kind',
            'state',
            'fileName',
            'fileFormat',
            'createdAt',
            'checkedAt',
            'committedAt',
            'undoneAt',
            'counts',
            'unknownColumns',
            'failureMessage',
          ],
          properties: {
            id: { type: 'string', format: 'uuid' },
            kind: { type: 'string', enum: kinds.map((k) => k.id) },
            state: {
              type: 'string',
              enum: states,
              description:
                'received → checking → checked → committing → committed (→ undone, for kinds that can be undone); or cancelled, or failed (see failureMessage).',
            },
            fileName: { type: 'string' },
            fileFormat: { type: 'string', enum: ['csv', 'xlsx'] },
            createdAt: { type: 'string', format: 'date-time' },
            checkedAt: { type: ['string', 'null'], format: 'date-time' },
            committedAt: { type: ['string', 'null'], format: 'date-time' },
            undoneAt: { type: ['string', 'null'], format: 'date-time', description: 'When the upload was undone.' },
            counts: {
              type: 'object',
              required: ['rows', 'changes', 'skipped', 'errors'],
              properties: {
                rows: { type: 'integer', description: 'Rows in the file (blank rows left out).' },
                changes: {
                  type: 'integer',
                  description: 'Rows that will change a record (for qts-recommendations: trainees to recommend).',
                },
                skipped: {
                  type: 'integer',
                  description: 'Rows that change nothing (for qts-recommendations: no date given).',
                },
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
        UploadList: {
          type: 'object',
          required: ['data', 'meta'],
          properties: {
            data: { type: 'array', items: ref('schemas/Upload') },
            meta: {
              type: 'object',
              required: ['page', 'pageSize', 'total'],
              properties: {
                page: { type: 'integer' },
                pageSize: { type: 'integer' },
                total: { type: 'integer', description: 'Uploads on every page.' },
              },
            },
          },
        },
        CommitRequest: {
          type: 'object',
          properties: {
            skipErrors: {
              type: 'boolean',
              default: false,
              description: 'true to submit the rows without errors and leave out the rows with errors.',
            },
          },
        },
        CommitResult: {
          type: 'object',
          required: ['state'],
          properties: {
            state: { type: 'string', enum: ['committed', 'committing'] },
            committed: { type: 'integer', description: 'Records changed.' },
          },
        },
      },
    },
  };
}

// What the documentation page shows, worked out from the same document.

export interface DocumentedField {
  name: string;
  where: string;
  required: boolean;
  type: string;
  description: string;
}

export interface DocumentedResponse {
  status: string;
  description: string;
  contentTypes: string[];
  example: string | undefined;
}

export interface DocumentedOperation {
  id: string;
  method: string;
  path: string;
  summary: string;
  description: string | undefined;
  tag: string;
  needsToken: boolean;
  fields: DocumentedField[];
  requestContentType: string | undefined;
  requestExample: string | undefined;
  responses: DocumentedResponse[];
}

function resolve(document: Json, value: unknown): Json {
  let current = value as Json;
  while (current && typeof current.$ref === 'string') {
    const path = (current.$ref as string).replace(/^#\//, '').split('/');
    current = path.reduce<Json>((node, key) => node[key] as Json, document);
  }
  return current;
}

function typeOf(document: Json, schema: unknown): string {
  const s = resolve(document, schema);
  if (!s) return '';
  if (Array.isArray(s.enum)) return `one of ${(s.enum as string[]).join(', ')}`;
  if (s.format === 'uuid') return 'uuid';
  if (s.contentMediaType) return 'file';
  return Array.isArray(s.type) ? (s.type as string[]).join(' or ') : String(s.type ?? 'object');
}

// Within a path, the order of the journey: send, then read, then take back.
const METHODS = ['post', 'get', 'put', 'patch', 'delete'];

export function documentedOperations(document: Json): DocumentedOperation[] {
  const operations: DocumentedOperation[] = [];
  const paths = document.paths as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const fields: DocumentedField[] = ((operation.parameters as unknown[]) ?? []).map((p) => {
        const parameter = resolve(document, p);
        return {
          name: String(parameter.name),
          where: parameter.in === 'path' ? 'path' : 'query',
          required: Boolean(parameter.required),
          type: typeOf(document, parameter.schema),
          description: String(parameter.description ?? ''),
        };
      });
      const body = operation.requestBody as Json | undefined;
      const [requestContentType, media] = body ? Object.entries(body.content as Record<string, Json>)[0] : [];
      if (media) {
        const schema = resolve(document, media.schema);
        const required = (schema.required as string[]) ?? [];
        for (const [name, property] of Object.entries((schema.properties as Record<string, Json>) ?? {})) {
          fields.push({
            name,
            where: requestContentType === 'multipart/form-data' ? 'form' : 'JSON body',
            required: required.includes(name),
            type: typeOf(document, property),
            description: String(property.description ?? ''),
          });
        }
      }
      const responses = Object.entries(operation.responses as Record<string, unknown>).map(([status, r]) => {
        const response = resolve(document, r);
        const content = (response.content as Record<string, Json>) ?? {};
        const example = Object.values(content).find((c) => c.example !== undefined)?.example;
        return {
          status,
          description: String(response.description ?? ''),
          contentTypes: Object.keys(content),
          example: example === undefined ? undefined : JSON.stringify(example, null, 2),
        };
      });
      operations.push({
        id: String(operation.operationId),
        method: method.toUpperCase(),
        path,
        summary: String(operation.summary),
        description: operation.description as string | undefined,
        tag: ((operation.tags as string[]) ?? [''])[0],
        needsToken: !(Array.isArray(operation.security) && operation.security.length === 0),
        fields,
        requestContentType,
        requestExample: media?.example === undefined ? undefined : JSON.stringify(media.example),
        responses,
      });
    }
  }
  return operations;
}
