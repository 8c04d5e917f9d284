// Malformed input is answered, never a server error: a NUL character in a search or a form field
// (PostgreSQL cannot store one) is dropped, and an upload id that is not a UUID is "not found".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { actorFor } from '../support/actors.ts';
import { signedIn, startTestApp, type TestContext } from '../support/app.ts';

describe('malformed input', () => {
  let t: TestContext;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('drops NUL characters from searches and form fields', async () => {
    const provider = await signedIn(t.app, 'provider@example.com');
    for (const url of ['/trainees?q=ab%00', '/schools?q=Oak%00', '/schools/search.json?q=Oak%00']) {
      assert.equal((await provider.get(url)).statusCode, 200, url);
    }
    const school = await signedIn(t.app, 'school@example.com');
    const saved = await school.post('/organisation/placement-contact', {
      firstName: 'Ann\u0000a',
      lastName: '',
      email: 'placements@example.com',
    });
    assert.equal(saved.statusCode, 303);
    const contact = await t.database.db.selectFrom('school_contacts').select('first_name').executeTakeFirstOrThrow();
    assert.equal(contact.first_name, 'Anna');

    const actor = await actorFor(t.database.db, 'provider@example.com', '10000001');
    const { token } = await createApiToken(t.database.db, actor, actor.organisation.id, 'Probe');
    const api = await t.app.inject({
      method: 'GET',
      url: '/api/v1/schools?q=Oak%00',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(api.statusCode, 200);
  });

  it('answers 404 for an upload id that only looks like a UUID', async () => {
    const provider = await signedIn(t.app, 'provider@example.com');
    for (const id of ['0'.repeat(36), '-'.repeat(36)]) {
      assert.equal((await provider.get(`/uploads/${id}`)).statusCode, 404, id);
      assert.equal((await provider.get(`/uploads/${id}/undo`)).statusCode, 404, id);
      assert.equal((await provider.post(`/uploads/${id}/undo`)).statusCode, 404, id);
    }
  });
});
