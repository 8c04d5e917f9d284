// API v1 over the real app (inject, no network): the upload round trip with real multipart
// bodies, tokens, scoping, refusals, conflicts, rate limiting and the OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { apiRoutes } from '../../src/api/routes.ts';
import { today as todayInEngland } from '../../src/domain/dates.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createApiToken, revokeApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { createUploads } from '../../src/uploads/service.ts';
import { actorFor } from '../support/actors.ts';
import { startTestApp, type TestContext } from '../support/app.ts';
import { csvFile, readCsv } from '../support/csv.ts';
import { uploadFixture } from '../support/fixtures.ts';
import { type DocumentedAnswers, recordAnswers } from './answers-as-documented.ts';

const KIND = 'qts-recommendations';
const DATE_COLUMN = 'Date QTS or EYTS standards met';

interface FilePart {
  name: string;
  bytes: Uint8Array;
  type?: string;
}

/** A real multipart/form-data body, as a browser or curl would send it. */
async function multipart(fields: Record<string, string | FilePart>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value.bytes], { type: value.type ?? 'text/csv' }), value.name);
  }
  const response = new Response(form);
  return {
    payload: Buffer.from(await response.arrayBuffer()),
    headers: { 'content-type': response.headers.get('content-type') ?? '' },
  };
}

const typed = (iso: string) => {
  const [y, m, d] = iso.split('-').map(Number);
  return `${d}/${m}/${y}`;
};

describe('API v1', () => {
  let context: TestContext;
  let answers: DocumentedAnswers;
  let scittToken: string;
  let universityToken: string;
  const today = todayInEngland();

  before(async () => {
    context = await startTestApp();
    answers = recordAnswers(context.app);
    const db = context.database.db;
    const admin = await actorFor(db, 'provider@example.com', '10000001');
    scittToken = (await createApiToken(db, admin, admin.organisation.id, 'Student record system')).token;
    // Made on the command line: no person behind it.
    const university = await findOrganisationByReference(db, '10000002');
    universityToken = (await createApiToken(db, SYSTEM, university.id, 'Nightly export', 'cli')).token;
  });
  after(() => context.close());

  function api(
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    {
      token = scittToken,
      payload,
      headers = {},
    }: { token?: string | null; payload?: unknown; headers?: Record<string, string> } = {},
  ) {
    return context.app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as string }),
    });
  }

  async function upload(file: FilePart, { token = scittToken, kind = KIND }: { token?: string; kind?: string } = {}) {
    const body = await multipart({ kind, file });
    return api('POST', '/api/v1/uploads', { token, payload: body.payload, headers: body.headers });
  }

  /** The template from the API with a standards date filled in for the first n trainees. */
  async function filledTemplate(n: number, token = scittToken) {
    const response = await api('GET', `/api/v1/templates/${KIND}?format=csv`, { token });
    assert.equal(response.statusCode, 200, response.body);
    const [headers, ...rows] = readCsv(response.body);
    const dateIndex = headers.indexOf(DATE_COLUMN);
    const startIndex = headers.indexOf('ITT start date');
    for (const row of rows.slice(0, n)) {
      const [d, m, y] = row[startIndex].split('/').map(Number);
      const start = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      row[dateIndex] = typed(start < today ? today : start);
    }
    return { headers, rows, csv: csvFile([headers, ...rows]) };
  }

  const uploadCount = async () =>
    Number(
      (
        await context.database.db
          .selectFrom('uploads')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('does the whole round trip: template, upload, state, report, submit, once, and no cancel after', async () => {
    const template = await api('GET', `/api/v1/templates/${KIND}?format=csv`);
    assert.equal(template.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(String(template.headers['content-disposition']), /^attachment; filename=".+\.csv"/);
    const xlsx = await api('GET', `/api/v1/templates/${KIND}?format=xlsx`);
    assert.equal(xlsx.statusCode, 200);
    assert.equal(xlsx.rawPayload.subarray(0, 2).toString(), 'PK');

    const { rows, csv } = await filledTemplate(5);
    const created = await upload({ name: 'recommendations.csv', bytes: csv });
    assert.equal(created.statusCode, 201, created.body);
    const json = created.json();
    assert.equal(created.headers.location, `/api/v1/uploads/${json.id}`);
    assert.equal(json.kind, KIND);
    assert.equal(json.state, 'checked');
    assert.equal(json.fileName, 'recommendations.csv');
    assert.deepEqual(json.counts, { rows: rows.length, changes: 5, skipped: rows.length - 5, errors: 0 });
    assert.deepEqual(json.unknownColumns, []);
    assert.equal(json.submittedAt, null);
    assert.ok(!Number.isNaN(Date.parse(json.createdAt)) && json.createdAt.endsWith('Z'), 'ISO 8601');

    const got = await api('GET', `/api/v1/uploads/${json.id}`);
    assert.equal(got.statusCode, 200);
    assert.deepEqual(got.json(), json);

    const list = await api('GET', `/api/v1/uploads?kind=${KIND}&state=checked`);
    assert.equal(list.statusCode, 200);
    assert.equal(list.json().data[0].id, json.id, 'newest first');
    assert.deepEqual(list.json().meta, { page: 1, pageSize: 25, total: list.json().data.length });

    const report = await api('GET', `/api/v1/uploads/${json.id}/report`);
    assert.equal(report.statusCode, 200);
    assert.equal(report.headers['content-type'], 'text/csv; charset=utf-8');
    assert.match(String(report.headers['content-disposition']), /filename="recommendations-checked\.csv"/);
    const [reportHeaders, ...reportRows] = readCsv(report.body);
    assert.deepEqual(reportHeaders.slice(-2), ['Validation result', 'Errors']);
    assert.equal(reportRows[0].at(-2), 'Passed');
    assert.equal(reportRows[5].at(-2), 'Not recommended: no date');

    const submitted = await api('POST', `/api/v1/uploads/${json.id}/submit`, { payload: { skipErrors: false } });
    assert.equal(submitted.statusCode, 200, submitted.body);
    assert.deepEqual(submitted.json(), { state: 'submitted', submitted: 5 });
    const trainees = await context.database.db
      .selectFrom('trainees')
      .select(['trn', 'state', 'standards_met_date'])
      .where(
        'trn',
        'in',
        rows.slice(0, 6).map((row) => row[0]),
      )
      .execute();
    const byTrn = new Map(trainees.map((t) => [t.trn, t]));
    for (const row of rows.slice(0, 5)) {
      assert.ok(['recommended', 'awarded'].includes(byTrn.get(row[0])?.state ?? ''), `${row[0]} recommended`);
      assert.notEqual(byTrn.get(row[0])?.standards_met_date, null);
    }
    assert.equal(byTrn.get(rows[5][0])?.state, 'trn_received', 'no date, not recommended');

    const again = await api('POST', `/api/v1/uploads/${json.id}/submit`, { payload: { skipErrors: false } });
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), { state: 'submitted', submitted: 5 });
    const events = await context.database.db
      .selectFrom('events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('via', '=', `upload ${json.id}`)
      .where('action', '=', 'recommended for award')
      .executeTakeFirstOrThrow();
    assert.equal(Number(events.n), 5, 'applied once');

    const after = await api('GET', `/api/v1/uploads/${json.id}`);
    assert.equal(after.json().state, 'submitted');
    assert.ok(after.json().submittedAt);

    const cancel = await api('DELETE', `/api/v1/uploads/${json.id}`);
    assert.equal(cancel.statusCode, 409);
    assert.deepEqual(cancel.json(), {
      errors: [{ message: 'This upload has been submitted, so it cannot be cancelled' }],
    });
  });

  it('refuses a submission with errors unless skipErrors is true, then submits the rest', async () => {
    const { headers, rows } = await filledTemplate(8);
    rows[0][0] = '9999999'; // nobody's TRN
    rows[1][0] = 'not-a-trn';
    const created = await upload({
      name: 'with-errors.csv',
      bytes: csvFile([headers, ...rows.slice(0, 10)]),
    });
    assert.equal(created.statusCode, 201, created.body);
    const { id, counts } = created.json();
    assert.deepEqual(counts, { rows: 10, changes: 6, skipped: 2, errors: 2 });

    const report = readCsv((await api('GET', `/api/v1/uploads/${id}/report`)).body);
    assert.equal(report[1].at(-2), '1 error');
    assert.match(report[2].at(-1) ?? '', /"not-a-trn" is not a TRN/);

    const refused = await api('POST', `/api/v1/uploads/${id}/submit`, { payload: { skipErrors: false } });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.json().errors[0].message, /Some rows have errors/);
    const noBody = await api('POST', `/api/v1/uploads/${id}/submit`);
    assert.equal(noBody.statusCode, 409, 'skipErrors is false unless given');
    assert.equal((await api('GET', `/api/v1/uploads/${id}`)).json().state, 'checked');

    const badBody = await api('POST', `/api/v1/uploads/${id}/submit`, { payload: { skipErrors: 'yes' } });
    assert.equal(badBody.statusCode, 422);
    assert.deepEqual(badBody.json(), { errors: [{ message: 'skipErrors must be true or false' }] });

    const skipped = await api('POST', `/api/v1/uploads/${id}/submit`, { payload: { skipErrors: true } });
    assert.equal(skipped.statusCode, 200, skipped.body);
    assert.deepEqual(skipped.json(), { state: 'submitted', submitted: 6 });
  });

  it('tells of records changed since the check with 409 and state "checked", and submits nothing', async () => {
    const { headers, rows } = await filledTemplate(3);
    const created = await upload({
      name: 'stale.csv',
      bytes: csvFile([headers, ...rows.slice(0, 3)]),
    });
    const { id } = created.json();
    await context.database.db
      .updateTable('trainees')
      .set((eb) => ({ state: 'withdrawn', version: eb('version', '+', 1) }))
      .where('trn', '=', rows[0][0])
      .execute();
    const stale = await api('POST', `/api/v1/uploads/${id}/submit`, { payload: { skipErrors: false } });
    assert.equal(stale.statusCode, 409);
    const body = stale.json();
    assert.equal(body.state, 'checked');
    assert.equal(body.stale, 1);
    assert.match(body.errors[0].message, /^1 record has changed since the file was checked, so nothing was submitted/);
    const untouched = await context.database.db
      .selectFrom('trainees')
      .select('state')
      .where('trn', '=', rows[1][0])
      .executeTakeFirstOrThrow();
    assert.equal(untouched.state, 'trn_received');
    const rest = await api('POST', `/api/v1/uploads/${id}/submit`, { payload: { skipErrors: true } });
    assert.deepEqual(rest.json(), { state: 'submitted', submitted: 2 });
  });

  it('cancels an upload with DELETE: 204, and then it cannot be submitted', async () => {
    const { headers, rows } = await filledTemplate(1);
    const created = await upload({
      name: 'cancel-me.csv',
      bytes: csvFile([headers, ...rows.slice(0, 2)]),
    });
    const { id } = created.json();
    const cancelled = await api('DELETE', `/api/v1/uploads/${id}`);
    assert.equal(cancelled.statusCode, 204);
    assert.equal(cancelled.body, '');
    assert.equal((await api('GET', `/api/v1/uploads/${id}`)).json().state, 'cancelled');
    const submitted = await api('POST', `/api/v1/uploads/${id}/submit`, { payload: { skipErrors: true } });
    assert.equal(submitted.statusCode, 409);
    assert.match(submitted.json().errors[0].message, /cancelled, so it cannot be submitted/);
  });

  it('answers 401 in JSON without a token, with a wrong one, and with a revoked one', async () => {
    const none = await api('GET', '/api/v1/uploads', { token: null });
    assert.equal(none.statusCode, 401);
    assert.match(String(none.headers['content-type']), /^application\/json/);
    assert.match(String(none.headers['www-authenticate']), /^Bearer/);
    assert.deepEqual(none.json(), {
      errors: [{ message: 'Send your API token in the Authorization header: "Authorization: Bearer rbk_…"' }],
    });
    const wrong = await api('GET', '/api/v1/uploads', { token: 'rbk_not-a-real-token' });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.json().errors[0].message, /not valid/);
    const basic = await api('GET', '/api/v1/uploads', { token: null, headers: { authorization: 'Basic abc' } });
    assert.equal(basic.statusCode, 401);

    const db = context.database.db;
    const admin = await actorFor(db, 'provider@example.com', '10000001');
    const { token, record } = await createApiToken(db, admin, admin.organisation.id, 'Soon revoked');
    assert.equal((await api('GET', '/api/v1/uploads', { token })).statusCode, 200);
    await revokeApiToken(db, admin, admin.organisation.id, record.id);
    const revoked = await api('GET', '/api/v1/uploads', { token });
    assert.equal(revoked.statusCode, 401);
    assert.match(revoked.json().errors[0].message, /revoked/);
    const upload401 = await upload({ name: 'x.csv', bytes: Buffer.from('TRN\n1234567\n') }, { token });
    assert.equal(upload401.statusCode, 401);
  });

  it('keeps each organisation to its own uploads: another’s is 404, everywhere', async () => {
    const { csv } = await filledTemplate(1);
    const { id } = (await upload({ name: 'scitt.csv', bytes: csv })).json();
    const asUniversity = { token: universityToken };
    for (const [method, url] of [
      ['GET', `/api/v1/uploads/${id}`],
      ['GET', `/api/v1/uploads/${id}/report`],
      ['POST', `/api/v1/uploads/${id}/submit`],
      ['DELETE', `/api/v1/uploads/${id}`],
    ] as const) {
      const response = await api(method, url, asUniversity);
      assert.equal(response.statusCode, 404, `${method} ${url}`);
      assert.deepEqual(response.json(), { errors: [{ message: 'Upload not found' }] });
    }
    const theirs = await api('GET', '/api/v1/uploads', asUniversity);
    assert.ok(theirs.json().data.every((u: { id: string }) => u.id !== id));
    assert.equal((await api('GET', `/api/v1/uploads/${id}`)).json().state, 'checked', 'untouched');
    assert.equal((await api('GET', '/api/v1/uploads/not-a-uuid')).statusCode, 404);
  });

  it('takes uploads from a token made on the command line, with no person behind it', async () => {
    const { csv } = await filledTemplate(2, universityToken);
    const created = await upload({ name: 'university.csv', bytes: csv }, { token: universityToken });
    assert.equal(created.statusCode, 201, created.body);
    const { id } = created.json();
    const stored = await context.database.db
      .selectFrom('uploads')
      .select('uploaded_by')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(stored.uploaded_by, null);
    const submitted = await api('POST', `/api/v1/uploads/${id}/submit`, { token: universityToken });
    assert.deepEqual(submitted.json(), { state: 'submitted', submitted: 2 });
  });

  it('refuses a file that cannot be used with 422, storing nothing', async () => {
    const before = await uploadCount();
    const empty = await upload({ name: 'empty.csv', bytes: new Uint8Array() });
    assert.equal(empty.statusCode, 422);
    assert.equal(empty.json().errors.length, 1);
    assert.match(empty.json().errors[0].message, /empty/i);

    const headersOnly = await upload(uploadFixture(KIND, 'headers-only'));
    assert.equal(headersOnly.statusCode, 422);
    assert.match(headersOnly.json().errors[0].message, /no rows/);

    const noDate = await upload(uploadFixture(KIND, 'no-date-column'));
    assert.equal(noDate.statusCode, 422);
    assert.match(noDate.json().errors[0].message, /no "Date QTS or EYTS standards met" column/);

    const picture = await upload({
      name: 'photo.png',
      bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
      type: 'image/png',
    });
    assert.equal(picture.statusCode, 422);

    // Over the kind's limit, whichever field comes first: only that much (and a little) is kept.
    const big = { name: 'big.csv', bytes: Buffer.alloc(51 * 1024 * 1024, 'a,') };
    for (const fields of [
      { kind: KIND, file: big },
      { file: big, kind: KIND },
    ]) {
      const body = await multipart(fields);
      const tooBig = await api('POST', '/api/v1/uploads', { payload: body.payload, headers: body.headers });
      assert.equal(tooBig.statusCode, 422);
      assert.match(tooBig.json().errors[0].message, /larger than 50 MB/);
    }
    // A kind that takes larger files needs to be named before a file over the usual limit.
    const school = await actorFor(context.database.db, 'school@example.com', '100001');
    const schoolToken = (await createApiToken(context.database.db, school, school.organisation.id, 'MIS')).token;
    const fileFirst = await multipart({ file: big, kind: 'school-data' });
    const unknownYet = await api('POST', '/api/v1/uploads', {
      token: schoolToken,
      payload: fileFirst.payload,
      headers: fileFirst.headers,
    });
    assert.equal(unknownYet.statusCode, 422);
    assert.match(unknownYet.json().errors[0].message, /needs the "kind" field sent before the "file" field/);
    assert.equal(await uploadCount(), before, 'nothing stored');
  });

  it('explains a missing field, an unknown kind, a wrong body type and bad parameters', async () => {
    const before = await uploadCount();
    const noKind = await multipart({ file: { name: 'a.csv', bytes: Buffer.from('TRN\n1\n') } });
    const missingKind = await api('POST', '/api/v1/uploads', { payload: noKind.payload, headers: noKind.headers });
    assert.equal(missingKind.statusCode, 422);
    assert.match(missingKind.json().errors[0].message, /"kind" field/);

    const noFile = await multipart({ kind: KIND });
    const missingFile = await api('POST', '/api/v1/uploads', { payload: noFile.payload, headers: noFile.headers });
    assert.equal(missingFile.statusCode, 422);
    assert.match(missingFile.json().errors[0].message, /"file" field/);

    const unknown = await upload({ name: 'a.csv', bytes: Buffer.from('TRN\n1\n') }, { kind: 'induction-claims' });
    assert.equal(unknown.statusCode, 404);
    assert.match(
      unknown.json().errors[0].message,
      /no upload kind "induction-claims" for your organisation\. Use one of: qts-recommendations, placements, hesa-placements/,
    );

    const json = await api('POST', '/api/v1/uploads', { payload: { kind: KIND } });
    assert.equal(json.statusCode, 415);
    assert.match(json.json().errors[0].message, /multipart\/form-data/);
    assert.equal(await uploadCount(), before);

    assert.equal((await api('GET', '/api/v1/templates/induction-claims')).statusCode, 404);
    const format = await api('GET', `/api/v1/templates/${KIND}?format=pdf`);
    assert.equal(format.statusCode, 422);
    assert.deepEqual(format.json(), { errors: [{ message: 'format must be csv or xlsx' }] });
    const state = await api('GET', '/api/v1/uploads?state=finished');
    assert.equal(state.statusCode, 422);
    assert.match(state.json().errors[0].message, /^state must be one of received, checking, waiting, checked/);
    assert.equal((await api('GET', '/api/v1/uploads?page=0')).statusCode, 422);
    assert.equal((await api('GET', '/api/v1/uploads?page=2')).json().meta.page, 2);

    const invalidJson = await api('POST', '/api/v1/uploads/00000000-0000-4000-8000-000000000000/submit', {
      payload: '{"skipErrors": tru',
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(invalidJson.statusCode, 400);
    assert.deepEqual(invalidJson.json(), { errors: [{ message: 'The body is not valid JSON' }] });

    const nowhere = await api('GET', '/api/v1/nowhere');
    assert.equal(nowhere.statusCode, 404);
    assert.match(nowhere.json().errors[0].message, /^Not found/);
  });

  it('serves the OpenAPI document and the documentation page without a token', async () => {
    const document = await api('GET', '/api/v1/openapi.json', { token: null });
    assert.equal(document.statusCode, 200);
    const openapi = document.json();
    assert.equal(openapi.openapi, '3.1.0');
    assert.deepEqual(openapi.components.securitySchemes.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      description: openapi.components.securitySchemes.bearerAuth.description,
    });
    assert.deepEqual(Object.keys(openapi.paths).sort(), [
      '/learners/{upn}/school-data',
      '/openapi.json',
      '/reference/{list}',
      '/schools',
      '/templates/{kind}',
      '/trainees',
      '/trainees/{id}',
      '/trainees/{id}/defer',
      '/trainees/{id}/withdraw',
      '/uploads',
      '/uploads/{id}',
      '/uploads/{id}/report',
      '/uploads/{id}/submit',
      '/uploads/{id}/undo',
    ]);
    assert.deepEqual(Object.keys(openapi.paths['/uploads/{id}']).sort(), ['delete', 'get']);

    const page = await api('GET', '/api/docs', { token: null });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    for (const text of [
      '<h1 class="govuk-heading-l">Rollbook API</h1>',
      'Authorization: Bearer rbk_…',
      '/api/v1/uploads/{id}/submit',
      'Submit a checked upload',
      '-F file=@qts-recommendations.csv',
      '100 requests a minute',
      'skipErrors',
    ]) {
      assert.ok(page.body.includes(text), `the page has ${text}`);
    }
  });

  it('limits each token’s requests, answering 429 in JSON with Retry-After', async () => {
    // The API on its own, with a small limit, over the same database.
    const app = Fastify();
    await app.register(apiRoutes, {
      prefix: '/api/v1',
      database: context.database,
      uploads: createUploads({ database: context.database }),
      baseUrl: 'http://localhost',
      rateLimit: { max: 3, timeWindow: 60_000 },
    });
    const limitedAnswers = recordAnswers(app);
    try {
      const get = (token: string | null) =>
        app.inject({
          method: 'GET',
          url: '/api/v1/uploads',
          headers: token ? { authorization: `Bearer ${token}` } : {},
        });
      for (let i = 0; i < 3; i++) {
        const response = await get(scittToken);
        assert.equal(response.statusCode, 200);
        assert.equal(response.headers['x-ratelimit-remaining'], String(2 - i));
      }
      const limited = await get(scittToken);
      assert.equal(limited.statusCode, 429);
      assert.match(String(limited.headers['retry-after']), /^\d+$/);
      assert.match(limited.json().errors[0].message, /^Too many requests: the limit is 3 a minute for each token/);
      assert.equal((await get(universityToken)).statusCode, 200, 'another token has its own count');
      for (let i = 0; i < 3; i++) assert.equal((await get(null)).statusCode, 401);
      assert.equal((await get(null)).statusCode, 429, 'without a token, counted by address');
      await limitedAnswers.check();
    } finally {
      await app.close();
    }
  });

  it('answered every request above as the OpenAPI document describes', () => answers.check());
});
