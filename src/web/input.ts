// Text that reaches the database never holds a NUL character: PostgreSQL cannot store one in text,
// and no form field or search means one. Removed from every query, form field and route parameter
// before any route sees it (uploaded files are read by the pipeline, which refuses such bytes).
import type { FastifyInstance } from 'fastify';

const NUL = '\u0000';

function withoutNul(value: unknown): unknown {
  if (typeof value === 'string') return value.includes(NUL) ? value.replaceAll(NUL, '') : value;
  if (Array.isArray(value)) return value.map(withoutNul);
  return value;
}

/** Cleans a parsed form, query or parameters in place (their text fields; never a file's bytes). */
function clean(fields: unknown): void {
  if (!fields || typeof fields !== 'object' || Array.isArray(fields) || ArrayBuffer.isView(fields)) return;
  const record = fields as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) record[key] = withoutNul(value);
}

export function registerInputCleaning(app: FastifyInstance) {
  app.addHook('preValidation', async (request) => {
    clean(request.query);
    clean(request.params);
    clean(request.body);
  });
}
