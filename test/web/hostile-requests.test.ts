// Requests a careless client or an attacker sends to the upload page and the API: malformed
// multipart bodies and hostile file names are the client's errors (4xx, nothing stored), never 500.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { uploadFileName } from '../../src/uploads/pipeline.ts';
import { actorFor } from '../support/actors.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';

const KIND = 'qts-recommendations';
const BOUNDARY = 'RollbookBoundary';

/** A multipart body by hand, so each test can break it its own way. */
function body(fields: [string, string][], file: { name: string; content: string }, newline = '\r\n'): string {
  const parts = fields.map(
    ([name, value]) =>
      `--${BOUNDARY}${newline}Content-Disposition: form-data; name="${name}"${newline}${newline}${value}${newline}`,
  );
  parts.push(
    `--${BOUNDARY}${newline}Content-Disposition: form-data; name="file"; filename="${file.name}"${newline}Content-Type: text/csv${newline}${newline}${file.content}${newline}`,
    `--${BOUNDARY}--${newline}`,
  );
  return parts.join('');
}

const MALFORMED: { name: string; contentType: string; payload: (whole: string) => string }[] = [
  { name: 'no boundary', contentType: 'multipart/form-data', payload: (whole) => whole },
  { name: 'the wrong boundary', contentType: 'multipart/form-data; boundary=Another', payload: (whole) => whole },
  {
    name: 'a body cut short',
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: (whole) => whole.slice(0, Math.floor(whole.length * 0.6)),
  },
  {
    name: 'bare LF line endings',
    contentType: `multipart/form-data; boundary=${BOUNDARY}`,
    payload: (whole) => whole.replaceAll('\r\n', '\n'),
  },
];

describe('hostile upload requests', () => {
  let t: TestContext;
  let agent: Agent;
  let csrf: string;
  let token: string;
  let template: string;

  before(async () => {
    t = await startTestApp();
    agent = await signedIn(t.app, 'provider@example.com');
    const start = await agent.get(`/bulk/${KIND}`);
    csrf = /name="_csrf" value="([^"]+)"/.exec(start.body)?.[1] ?? '';
    template = (await agent.get(`/bulk/${KIND}/template.csv`)).body;
    const admin = await actorFor(t.database.db, 'provider@example.com', '10000001');
    token = (await createApiToken(t.database.db, admin, admin.organisation.id, 'Hostile tests')).token;
  });
  after(() => t.close());

  const uploadCount = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('uploads')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  for (const { name, contentType, payload } of MALFORMED) {
    it(`answers a malformed form (${name}) on the upload page with 400 and says what to do`, async () => {
      const before = await uploadCount();
      const response = await agent.inject({
        method: 'POST',
        url: `/bulk/${KIND}`,
        headers: { 'content-type': contentType },
        payload: payload(body([['_csrf', csrf]], { name: 'a.csv', content: template })),
      });
      assert.equal(response.statusCode, 400);
      assert.match(response.body, /Your file could not be sent/);
      assert.match(response.body, /did not arrive whole/);
      assert.equal(await uploadCount(), before);
    });

    it(`answers a malformed form (${name}) in the API with 400 and says what is wrong`, async () => {
      const before = await uploadCount();
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/uploads',
        headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
        payload: payload(body([['kind', KIND]], { name: 'a.csv', content: template })),
      });
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.json().errors[0].message, /not a complete multipart\/form-data form/);
      assert.equal(await uploadCount(), before);
    });
  }

  it('keeps a file name with NUL and control characters, cleaned, on the page and in the API', async () => {
    const page = await agent.inject({
      method: 'POST',
      url: `/bulk/${KIND}`,
      headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: body([['_csrf', csrf]], { name: 'trainees\u0000\u0007 list.csv', content: template }),
    });
    assert.equal(page.statusCode, 303, page.body);
    const summary = await agent.get(page.headers.location as string);
    assert.match(summary.body, /trainees list\.csv/);

    const api = await t.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
      payload: body([['kind', KIND]], { name: '\u0000\u0000', content: template }),
    });
    assert.equal(api.statusCode, 201, api.body);
    assert.equal(api.json().fileName, 'upload.csv');
  });

  it('cleans file names: folders, control characters, broken surrogates and length', () => {
    assert.equal(uploadFileName('C:\\Users\\me\\Desktop\\trainees.csv', 'csv'), 'trainees.csv');
    assert.equal(uploadFileName('../../etc/passwd', 'csv'), 'passwd');
    assert.equal(uploadFileName('a\u0000b\r\nc\u009f.xlsx', 'xlsx'), 'abc.xlsx');
    assert.equal(uploadFileName('bad\ud800.csv', 'csv'), 'bad\ufffd.csv');
    assert.equal(uploadFileName('   ', 'xlsx'), 'upload.xlsx');
    assert.equal(uploadFileName(`${'x'.repeat(300)}.csv`, 'csv').length, 255);
  });
});
