// The API's documentation page, /api/docs: made from the same OpenAPI document that
// /api/v1/openapi.json serves (generated from the API's route schemas), so the page, the document
// and the API cannot disagree. No sign-in needed.
import type { FastifyInstance } from 'fastify';
import { apiDocumentFor } from '../../api/openapi.ts';
import { DEFAULT_RATE_LIMIT, type RateLimit } from '../../api/routes.ts';
import { allKinds } from '../../uploads/kinds/index.ts';
import { documentedOperations } from './operations.ts';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** Paragraphs of the document's text, with `code` marked up; everything else escaped. */
function paragraphs(text: string | undefined): string[] {
  return (text ?? '')
    .split(/\n\n+/)
    .filter(Boolean)
    .map((p) => escapeHtml(p).replace(/`([^`]+)`/g, '<code>$1</code>'));
}

function roundTrip(baseUrl: string, kind: string): { title: string; command: string }[] {
  const api = `${baseUrl}/api/v1`;
  const auth = '-H "Authorization: Bearer $ROLLBOOK_TOKEN"';
  return [
    { title: 'Keep the token in a variable (it starts rbk_)', command: 'export ROLLBOOK_TOKEN=rbk_…' },
    {
      title: '1. Download the template, prefilled with your records',
      command: `curl -f ${auth} \\\n  -o ${kind}.csv \\\n  "${api}/templates/${kind}?format=csv"`,
    },
    {
      title: '2. Fill it in, then upload it: it is checked at once. Note the "id" in the answer',
      command: `curl -f ${auth} \\\n  -F kind=${kind} \\\n  -F file=@${kind}.csv \\\n  ${api}/uploads`,
    },
    {
      title: '3. See its state and counts again at any time',
      command: `curl -f ${auth} \\\n  ${api}/uploads/$UPLOAD_ID`,
    },
    {
      title: '4. When counts.errors is more than 0, download the error report, fix the rows and upload it again',
      command: `curl -f ${auth} \\\n  -o ${kind}-checked.csv \\\n  ${api}/uploads/$UPLOAD_ID/report`,
    },
    {
      title: '5. Submit it (add "skipErrors": true to leave out the rows with errors)',
      command: `curl ${auth} \\\n  -H "Content-Type: application/json" \\\n  -d '{"skipErrors": false}' \\\n  ${api}/uploads/$UPLOAD_ID/submit`,
    },
    { title: 'Or cancel it', command: `curl ${auth} -X DELETE \\\n  ${api}/uploads/$UPLOAD_ID` },
  ];
}

export async function apiDocsRoutes(
  app: FastifyInstance,
  { baseUrl, rateLimit = DEFAULT_RATE_LIMIT }: { baseUrl: string; rateLimit?: RateLimit },
) {
  app.get('/api/docs', async (_request, reply) => {
    const document = apiDocumentFor(app);
    const info = document.info as { title: string; version: string; summary: string; description: string };
    const operations = documentedOperations(document);
    const tags = (document.tags as { name: string; description: string }[]).map((tag) => ({
      ...tag,
      operations: operations.filter((operation) => operation.tag === tag.name),
    }));
    const kinds = allKinds();
    return reply.viewAsync('api-docs/views/api-docs.njk', {
      title: info.title,
      info: { ...info, paragraphs: paragraphs(info.description) },
      operations: operations.map((o) => ({ ...o, paragraphs: paragraphs(o.description) })),
      tags: tags.map((tag) => ({
        ...tag,
        operations: tag.operations.map((o) => ({ ...o, paragraphs: paragraphs(o.description) })),
      })),
      apiBase: `${baseUrl}/api/v1`,
      rateLimit: {
        max: rateLimit.max,
        window: rateLimit.timeWindow === 60_000 ? 'minute' : `${rateLimit.timeWindow / 1000} seconds`,
      },
      kinds,
      roundTrip: roundTrip(baseUrl, kinds[0]?.id ?? 'a-kind'),
      // The layout's shared locals are not set under /api/: give the page what it needs.
      cspNonce: reply.cspNonce?.script,
    });
  });
}
