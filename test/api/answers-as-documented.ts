// Every answer an API test receives, checked against the OpenAPI document the API generates: its
// route and status are listed, its content type is one the document gives for them, and a JSON
// body validates against the document's schema, compiled by Fastify's own Ajv (without the
// coercion, defaults and removal Fastify uses for requests, so that nothing is let pass).
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance, type InjectOptions, type LightMyRequestResponse } from 'fastify';
import { apiDocumentFor } from '../../src/api/openapi.ts';

type Json = Record<string, unknown>;

interface Answer {
  method: string;
  url: string;
  response: LightMyRequestResponse;
}

export interface DocumentedAnswers {
  /** Fails, listing them, when any answer received so far is not as the document describes. */
  check(): Promise<void>;
}

/** Fastify's validator compiler, strict: Ajv as Fastify sets it up, less what it does to requests. */
async function strictCompiler() {
  const checker = Fastify({
    ajv: { customOptions: { coerceTypes: false, useDefaults: false, removeAdditional: false, allErrors: true } },
  });
  // Fastify makes its compiler for the first route that has a schema.
  checker.get('/', { schema: { querystring: { type: 'object' } } }, async () => '');
  await checker.ready();
  const compile = checker.validatorCompiler;
  assert.ok(compile);
  return compile;
}

/** The document's schemas as draft-07 definitions, which Ajv resolves: #/components/schemas/X → #/definitions/X. */
const asDefinitions = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replaceAll('"#/components/schemas/', '"#/definitions/'));

/** Records the answers of app.inject to the API, to check them against the document when asked. */
export function recordAnswers(app: FastifyInstance): DocumentedAnswers {
  const answers: Answer[] = [];
  const inject = app.inject.bind(app) as (options: InjectOptions) => Promise<LightMyRequestResponse>;
  app.inject = ((options: InjectOptions) =>
    inject(options).then((response) => {
      answers.push({ method: String(options.method ?? 'GET'), url: String(options.url), response });
      return response;
    })) as FastifyInstance['inject'];

  return {
    async check() {
      const document = apiDocumentFor(app);
      const base = new URL((document.servers as { url: string }[])[0].url).pathname;
      const paths = document.paths as Record<string, Record<string, Json>>;
      const definitions = asDefinitions((document.components as { schemas: Json }).schemas);
      const compile = await strictCompiler();
      const validators = new Map<string, ReturnType<typeof compile>>();
      const validate = (key: string, schema: unknown, body: unknown) => {
        let validator = validators.get(key);
        if (!validator) {
          validator = compile({ schema: { definitions, ...asDefinitions(schema as Json) }, url: key, method: 'GET' });
          validators.set(key, validator);
        }
        return validator(body) === true ? undefined : JSON.stringify(validator.errors);
      };
      const templates = Object.keys(paths).map((path) => ({
        path,
        pattern: new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      }));

      const problems: string[] = [];
      const api = answers.filter((answer) => answer.url.startsWith(`${base}/`));
      for (const { method, url, response } of api) {
        const local = url.split('?')[0].slice(base.length);
        const path = templates.find((t) => t.pattern.test(local))?.path;
        const operation = path ? paths[path][method.toLowerCase()] : undefined;
        const said = `${method} ${url} answered ${response.statusCode}`;
        const mediaType = String(response.headers['content-type'] ?? '')
          .split(';')[0]
          .trim();
        if (!operation || !path) {
          // No such operation: the API's "not found", an error like any other.
          const invalid = validate('not found', { $ref: '#/definitions/Errors' }, response.json());
          if (response.statusCode !== 404 || invalid) problems.push(`${said}, not a documented operation`);
          continue;
        }
        const documented = (operation.responses as Record<string, Json>)[String(response.statusCode)];
        if (!documented) {
          problems.push(`${said}: the document lists no ${response.statusCode} for ${method} ${path}`);
          continue;
        }
        const content = documented.content as Record<string, Json> | undefined;
        if (!content) {
          if (response.body !== '') problems.push(`${said} with a body, where the document has none`);
          continue;
        }
        const media = content[mediaType];
        if (!media) {
          problems.push(`${said} with ${mediaType}, where the document has ${Object.keys(content).join(', ')}`);
          continue;
        }
        if (mediaType === 'application/json') {
          const key = `${method} ${path} ${response.statusCode}`;
          const invalid = validate(key, media.schema, response.json());
          if (invalid) problems.push(`${said} with a body its schema refuses: ${invalid}\n${response.body}`);
        }
      }
      assert.ok(api.length > 0, 'the tests made requests to the API');
      assert.deepEqual(problems, [], `${problems.length} of ${api.length} answers are not as documented`);
    },
  };
}
