// What the documentation page shows of each operation, read from the OpenAPI document the API
// generates from its routes' schemas.
import type { OpenApiDocument } from '../../api/openapi.ts';

type Json = Record<string, unknown>;

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

/** The schema or object a $ref (#/components/…) points to, or the value itself. */
function resolve(document: OpenApiDocument, value: unknown): Json {
  let current = value as Json;
  while (current && typeof current.$ref === 'string') {
    const path = (current.$ref as string).replace(/^#\//, '').split('/');
    current = path.reduce<Json>((node, key) => node[key] as Json, document);
  }
  return current;
}

function typeOf(document: OpenApiDocument, schema: unknown): string {
  const s = resolve(document, schema);
  if (!s) return '';
  if (Array.isArray(s.enum)) return `one of ${(s.enum as string[]).join(', ')}`;
  if (s.format === 'uuid') return 'uuid';
  if (s.contentMediaType) return 'file';
  return Array.isArray(s.type) ? (s.type as string[]).join(' or ') : String(s.type ?? 'object');
}

/** A media type's example: its own, or its schema's. */
function exampleOf(document: OpenApiDocument, media: Json | undefined): unknown {
  if (!media) return undefined;
  if (media.example !== undefined) return media.example;
  const [first] = Object.values((media.examples as Record<string, { value: unknown }>) ?? {});
  if (first) return first.value;
  return (resolve(document, media.schema)?.examples as unknown[] | undefined)?.[0];
}

// Within a path, the order of the journey: send, then read, then take back.
const METHODS = ['post', 'get', 'put', 'patch', 'delete'];

export function documentedOperations(document: OpenApiDocument): DocumentedOperation[] {
  const operations: DocumentedOperation[] = [];
  const paths = document.paths as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const fields: DocumentedField[] = ((operation.parameters as unknown[]) ?? [])
        .map((p) => {
          const parameter = resolve(document, p);
          return {
            name: String(parameter.name),
            where: parameter.in === 'path' ? 'path' : 'query',
            required: Boolean(parameter.required),
            type: typeOf(document, parameter.schema),
            description: String(parameter.description ?? ''),
          };
        })
        // As the address reads: the path, then the query.
        .sort((a, b) => Number(b.where === 'path') - Number(a.where === 'path'));
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
      const requestExample = exampleOf(document, media);
      // Any other status ("default") is the page's own section on errors.
      const responses = Object.entries(operation.responses as Record<string, unknown>)
        .filter(([status]) => status !== 'default')
        .map(([status, r]) => {
          const response = resolve(document, r);
          const content = (response.content as Record<string, Json>) ?? {};
          const example = Object.values(content)
            .map((media) => exampleOf(document, media))
            .find((e) => e !== undefined);
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
        requestExample: requestExample === undefined ? undefined : JSON.stringify(requestExample),
        responses,
      });
    }
  }
  return operations;
}
