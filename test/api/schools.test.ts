// GET /api/v1/schools: any valid token; at most 25 matches, each with its URN, name, postcode,
// phase and status; a clear 422 for a missing or too-short query.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO } from '../../src/demo/index.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { startTestApp, type TestContext } from '../support/app.ts';
import { type DocumentedAnswers, recordAnswers } from './answers-as-documented.ts';

describe('GET /api/v1/schools', () => {
  let t: TestContext;
  let answers: DocumentedAnswers;
  let providerToken: string;
  let schoolToken: string;
  before(async () => {
    t = await startTestApp();
    answers = recordAnswers(t.app);
    const db = t.database.db;
    const scitt = await findOrganisationByReference(db, DEMO.scitt.ukprn);
    const school = await findOrganisationByReference(db, DEMO.school.urn);
    providerToken = (await createApiToken(db, SYSTEM, scitt.id, 'Records', 'cli')).token;
    schoolToken = (await createApiToken(db, SYSTEM, school.id, 'MIS', 'cli')).token;
  });
  after(() => t.close());

  const get = (url: string, token?: string) =>
    t.app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('needs a valid token', async () => {
    const none = await get('/api/v1/schools?q=thornbury');
    assert.equal(none.statusCode, 401);
    assert.match(none.json().errors[0].message, /Send your API token/);
    assert.equal((await get('/api/v1/schools?q=thornbury', 'rbk_not-a-token')).statusCode, 401);
  });

  it('finds schools by name, URN or postcode, with their details, for any organisation', async () => {
    for (const token of [providerToken, schoolToken]) {
      const response = await get('/api/v1/schools?q=thornbury%20church', token);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(response.json(), {
        schools: [
          {
            urn: '100002',
            name: 'Thornbury Church of England Primary School',
            postcode: 'NR21 1DX',
            phase: 'Primary',
            status: 'Open',
          },
        ],
      });
    }
    const byUrn = await get('/api/v1/schools?q=100004', providerToken);
    assert.equal(byUrn.json().schools[0].name, 'Chapel End High School');
    const byPostcode = await get('/api/v1/schools?q=nr211dx', providerToken);
    assert.equal(byPostcode.json().schools[0].urn, '100002');
    const closed = await get('/api/v1/schools?q=100015', providerToken);
    assert.equal(closed.json().schools[0].status, 'Closed');
    const none = await get('/api/v1/schools?q=no%20such%20school', providerToken);
    assert.deepEqual(none.json(), { schools: [] });
  });

  it('returns at most 25 schools', async () => {
    const response = await get('/api/v1/schools?q=school', providerToken);
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().schools.length, 25);
  });

  it('refuses a missing or too-short query with 422 and says what to send', async () => {
    for (const url of ['/api/v1/schools', '/api/v1/schools?q=', '/api/v1/schools?q=%20a%20']) {
      const response = await get(url, providerToken);
      assert.equal(response.statusCode, 422, url);
      assert.match(response.json().errors[0].message, /Enter at least 2 characters .* in the "q" parameter/);
    }
  });

  it('is in the OpenAPI document', async () => {
    const openapi = (await get('/api/v1/openapi.json')).json();
    assert.ok(openapi.paths['/schools'].get);
  });

  it('answered every request above as the OpenAPI document describes', () => answers.check());
});
