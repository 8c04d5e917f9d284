// The OpenAPI document is generated from the API's routes: it lists every route registered under
// /api/v1 and nothing else, its kinds come from the registry, requests are checked by the same
// schemas (with messages that name the parameter), and the readable page is made from it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { allKinds } from '../../src/uploads/kinds/index.ts';
import { startTestApp, type TestContext } from '../support/app.ts';
import { type DocumentedAnswers, recordAnswers } from './answers-as-documented.ts';

type Json = Record<string, unknown>;

const API = '/api/v1';

/** Every route the app has, as "METHOD /path", read from Fastify's own tree of routes. */
function registeredRoutes(app: FastifyInstance): string[] {
  const routes: string[] = [];
  const segments: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    // "│   ├── api/v1/uploads (POST, GET, HEAD)": the depth, the rest of the path, its methods.
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    segments.length = depth;
    segments.push(match[2]);
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${segments.join('')}`);
  }
  return routes;
}

describe('The OpenAPI document', () => {
  let context: TestContext;
  let answers: DocumentedAnswers;
  let token: string;
  let document: Json;
  let paths: Record<string, Record<string, Json>>;

  before(async () => {
    context = await startTestApp();
    answers = recordAnswers(context.app);
    const scitt = await findOrganisationByReference(context.database.db, '10000001');
    token = (await createApiToken(context.database.db, SYSTEM, scitt.id, 'Records', 'cli')).token;
    const response = await context.app.inject({ method: 'GET', url: `${API}/openapi.json` });
    assert.equal(response.statusCode, 200);
    document = response.json();
    paths = document.paths as typeof paths;
  });
  after(() => context.close());

  const api = (method: 'GET' | 'POST', url: string, options: { payload?: string; type?: string } = {}) =>
    context.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(options.type ? { 'content-type': options.type } : {}) },
      ...(options.payload === undefined ? {} : { payload: options.payload }),
    });

  it('lists every route registered under /api/v1, and only those', () => {
    const registered = registeredRoutes(context.app)
      .filter((route) => route.split(' ')[1].startsWith(`${API}/`) && !route.startsWith('HEAD '))
      .map((route) => route.replace(API, '').replace(/:(\w+)/g, '{$1}'))
      .sort();
    const documented = Object.entries(paths)
      .flatMap(([p, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${p}`))
      .sort();
    assert.ok(registered.length >= 10, registered.join('\n'));
    assert.deepEqual(documented, registered);
  });

  it('describes each operation: an id, a summary, a known tag, and every answer', () => {
    const tags = (document.tags as { name: string }[]).map((tag) => tag.name);
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const where = `${method} ${p}`;
        assert.ok(operation.operationId && !ids.has(String(operation.operationId)), where);
        ids.add(String(operation.operationId));
        assert.ok(operation.summary, where);
        assert.equal((operation.tags as string[]).length, 1, where);
        assert.ok(tags.includes((operation.tags as string[])[0]), where);
        const responses = operation.responses as Record<string, Json>;
        assert.ok(
          Object.keys(responses).some((status) => status.startsWith('2')),
          `${where} succeeds`,
        );
        assert.ok(responses.default, `${where} says what other errors look like`);
        if (operation.security === undefined) assert.ok(responses['401'], `${where} can be refused a token`);
      }
    }
    assert.deepEqual(paths['/openapi.json'].get.security, [], 'the document itself needs no token');
  });

  it('takes the kinds and their descriptions from the registry', () => {
    const ids = allKinds().map((kind) => kind.id);
    const upload = paths['/uploads'].post.requestBody as { content: Record<string, { schema: Json }> };
    const form = upload.content['multipart/form-data'].schema as { required: string[]; properties: Json };
    assert.deepEqual(form.required, ['kind', 'file']);
    assert.deepEqual((form.properties.kind as Json).enum, ids);
    const template = paths['/templates/{kind}'].get;
    const kind = (template.parameters as Json[]).find((p) => p.name === 'kind');
    assert.ok(kind);
    assert.equal(kind.in, 'path');
    assert.deepEqual((kind.schema as Json).enum, ids);
    const schemas = (document.components as { schemas: Record<string, { properties: Record<string, Json> }> }).schemas;
    assert.deepEqual(schemas.Upload.properties.kind.enum, ids);
    for (const k of allKinds()) {
      assert.ok(k.apiDescription, `${k.id} has a description for the API`);
      assert.ok(String(template.description).includes(k.apiDescription), `${k.id}'s description is in the document`);
    }
  });

  it('names no kind in the API’s code or its page: they come from the registry', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const files = ['src/api', 'src/web/api-docs'].flatMap((folder) =>
      readdirSync(path.join(root, folder), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.join(entry.parentPath, entry.name)),
    );
    assert.ok(files.length > 5);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const { id } of allKinds()) {
        // A record's own resource (/learners/:upn/school-data) names the record's data, not the kind;
        // so does a path that is the records themselves ('/trainees', the records API's trainees).
        assert.doesNotMatch(
          text,
          new RegExp(`(?<!/:\\w+|['"\`])['"\`/]${id}['"\`]`),
          `${path.relative(root, file)} names ${id}`,
        );
      }
    }
  });

  it('checks queries and bodies by the route schemas, saying what each parameter takes', async () => {
    const page = await api('GET', `${API}/uploads?page=abc`);
    assert.equal(page.statusCode, 422);
    assert.deepEqual(page.json(), { errors: [{ message: 'page must be a whole number from 1 to 100000' }] });
    const twice = await api('GET', `${API}/uploads?kind=placements&kind=placements`);
    assert.deepEqual([twice.statusCode, twice.json()], [422, { errors: [{ message: 'Give kind once' }] }]);
    const kind = await api('GET', `${API}/uploads?kind=no-such-kind`);
    assert.equal(kind.statusCode, 422);
    assert.match(kind.json().errors[0].message, /^kind must be one of /);
    assert.equal((await api('GET', `${API}/uploads?kind=&state=&page=`)).statusCode, 200, 'empty is not given');

    const missing = '00000000-0000-4000-8000-000000000000';
    const notObject = await api('POST', `${API}/uploads/${missing}/submit`, {
      payload: '[]',
      type: 'application/json',
    });
    assert.equal(notObject.statusCode, 422);
    assert.deepEqual(notObject.json(), { errors: [{ message: 'Send a JSON object, like { "skipErrors": false }' }] });
  });

  it('answers a path parameter that matches no record with the lookup’s own 404, whatever the query', async () => {
    const template = await api('GET', `${API}/templates/no-such-kind?format=pdf`);
    assert.equal(template.statusCode, 404);
    assert.match(template.json().errors[0].message, /^There is no upload kind "no-such-kind" for your organisation/);
    const submitted = await api('POST', `${API}/uploads/not-a-uuid/submit`, {
      payload: '{"skipErrors": "yes"}',
      type: 'application/json',
    });
    assert.deepEqual([submitted.statusCode, submitted.json()], [404, { errors: [{ message: 'Upload not found' }] }]);
  });

  it('is the page at /api/docs: each operation, its parameters and answers, and each kind', async () => {
    const page = await context.app.inject({ method: 'GET', url: '/api/docs' });
    assert.equal(page.statusCode, 200);
    for (const item of Object.values(paths)) {
      for (const operation of Object.values(item)) {
        assert.ok(page.body.includes(`id="${operation.operationId}"`), String(operation.operationId));
      }
    }
    for (const text of ['Parameters (multipart/form-data)', '<code>file</code>', '<code>skipErrors</code>']) {
      assert.ok(page.body.includes(text), text);
    }
    for (const k of allKinds()) assert.ok(page.body.includes(`<code>${k.id}</code>`), k.id);
  });

  it('answered every request above as it describes', () => answers.check());
});
