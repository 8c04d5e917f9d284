// API v1 round trip for the placement kinds: template with its choices, upload, submit, undo (200,
// again 200, 409 with the reason when a placement changed since), and 404 for another provider.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { actorFor } from '../support/actors.ts';
import { startTestApp, type TestContext } from '../support/app.ts';
import { csvFile, readCsv } from '../support/csv.ts';
import { type DocumentedAnswers, recordAnswers } from './answers-as-documented.ts';

async function multipart(fields: Record<string, string | { name: string; bytes: Uint8Array }>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value.bytes], { type: 'text/csv' }), value.name);
  }
  const response = new Response(form);
  return {
    payload: Buffer.from(await response.arrayBuffer()),
    headers: { 'content-type': response.headers.get('content-type') ?? '' },
  };
}

describe('API v1: placements and HESA placements', () => {
  let context: TestContext;
  let answers: DocumentedAnswers;
  let scittToken: string;
  let universityToken: string;

  before(async () => {
    context = await startTestApp();
    answers = recordAnswers(context.app);
    const db = context.database.db;
    const scitt = await actorFor(db, 'provider@example.com', '10000001');
    const university = await actorFor(db, 'university@example.com', '10000002');
    scittToken = (await createApiToken(db, scitt, scitt.organisation.id, 'SRS')).token;
    universityToken = (await createApiToken(db, university, university.organisation.id, 'SRS')).token;
  });
  after(() => context.close());

  async function api(
    method: 'GET' | 'POST',
    url: string,
    token: string,
    body?: { payload: Buffer; headers: Record<string, string> },
  ) {
    const response = await context.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(body?.headers ?? {}) },
      ...(body ? { payload: body.payload } : {}),
    });
    return response;
  }

  async function uploadAndSubmit(token: string, kind: string, rows: string[][]) {
    const bytes = csvFile(rows);
    const created = await api(
      'POST',
      '/api/v1/uploads',
      token,
      await multipart({ kind, file: { name: 'f.csv', bytes } }),
    );
    assert.equal(created.statusCode, 201, created.body);
    const upload = created.json();
    assert.equal(upload.state, 'checked');
    const submitted = await context.app.inject({
      method: 'POST',
      url: `/api/v1/uploads/${upload.id}/submit`,
      headers: { authorization: `Bearer ${token}` },
      payload: { skipErrors: true },
    });
    assert.equal(submitted.statusCode, 200, submitted.body);
    return { upload, submitted: submitted.json() };
  }

  it('round-trips bulk placements, with the template’s choices, and undoes them', async () => {
    const fewer = await api('GET', '/api/v1/templates/placements?format=csv', scittToken);
    assert.equal(fewer.statusCode, 200);
    assert.match(String(fewer.headers['content-disposition']), /placements-fewer-than-2\.csv/);
    const [headers, ...rows] = readCsv(fewer.body);
    const years = await api('GET', '/api/v1/templates/placements?trainees=year&year=1990', scittToken);
    assert.equal(years.statusCode, 422);
    assert.match(years.json().errors[0].message, /year must be one of/);
    const xlsx = await api('GET', '/api/v1/templates/placements?format=xlsx&trainees=fewer-than-2', scittToken);
    assert.equal(xlsx.statusCode, 200);

    const recorded = headers.indexOf('Placements recorded');
    const picked = rows.filter((row) => row[recorded] === '').slice(0, 3);
    for (const row of picked) row[headers.indexOf('Placement 1 URN')] = '100003';
    const { upload, submitted } = await uploadAndSubmit(scittToken, 'placements', [headers, ...picked]);
    assert.deepEqual(submitted, { state: 'submitted', submitted: 3 });

    const theirs = await api('POST', `/api/v1/uploads/${upload.id}/undo`, universityToken);
    assert.equal(theirs.statusCode, 404);
    assert.deepEqual(theirs.json(), { errors: [{ message: 'Upload not found' }] });

    const undone = await api('POST', `/api/v1/uploads/${upload.id}/undo`, scittToken);
    assert.equal(undone.statusCode, 200, undone.body);
    assert.deepEqual(undone.json(), { state: 'undone' });
    const again = await api('POST', `/api/v1/uploads/${upload.id}/undo`, scittToken);
    assert.deepEqual([again.statusCode, again.json()], [200, { state: 'undone' }]);
    const shown = (await api('GET', `/api/v1/uploads/${upload.id}`, scittToken)).json();
    assert.equal(shown.state, 'undone');
    assert.ok(shown.undoneAt);
    const left = await context.database.db
      .selectFrom('placements')
      .select('id')
      .where('added_by_upload', '=', upload.id)
      .execute();
    assert.equal(left.length, 0);
  });

  it('round-trips HESA placements, and refuses to undo when one changed since, saying which', async () => {
    const template = await api('GET', '/api/v1/templates/hesa-placements', universityToken);
    assert.equal(template.statusCode, 200);
    const husids = await context.database.db
      .selectFrom('trainees')
      .leftJoin('placements', 'placements.trainee_id', 'trainees.id')
      .select('trainees.hesa_id')
      .where(
        'trainees.provider_id',
        '=',
        (await actorFor(context.database.db, 'university@example.com', '10000002')).organisation.id,
      )
      .where('placements.id', 'is', null)
      .where('trainees.hesa_id', 'is not', null)
      .limit(2)
      .execute();
    const rows = [readCsv(template.body)[0], ...husids.map((t) => [t.hesa_id ?? '', '100004', ''])];
    const { upload, submitted } = await uploadAndSubmit(universityToken, 'hesa-placements', rows);
    assert.deepEqual(submitted, { state: 'submitted', submitted: 2 });

    const forbidden = await api('POST', `/api/v1/uploads/${upload.id}/undo`, scittToken);
    assert.equal(forbidden.statusCode, 404);

    await sql`update placements set version = version + 1, updated_at = now() + interval '1 second'
      where added_by_upload = ${upload.id}`.execute(context.database.db);
    const refused = await api('POST', `/api/v1/uploads/${upload.id}/undo`, universityToken);
    assert.equal(refused.statusCode, 409);
    const { errors } = refused.json();
    assert.match(errors[0].message, /Nothing was undone/);
    assert.equal(errors.length, 3, 'the summary and each changed placement');
    assert.match(errors[1].message, /the placement at Chapel End High School \(URN 100004\) was changed on/);
    assert.equal((await api('GET', `/api/v1/uploads/${upload.id}`, universityToken)).json().state, 'submitted');
  });

  it('answers 404 to undoing an upload that does not exist', async () => {
    const fake = await api('POST', '/api/v1/uploads/00000000-0000-4000-8000-000000000000/undo', scittToken);
    assert.equal(fake.statusCode, 404);
  });

  it('answered every request above as the OpenAPI document describes', () => answers.check());
});
