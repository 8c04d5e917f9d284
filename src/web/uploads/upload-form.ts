// Reading the upload form (multipart/form-data): one file, held in memory because the pipeline
// reads the whole file, and the text fields as plain strings, so the global CSRF check finds
// body._csrf as it does on every other form. Only the plugin that registers this parses multipart.
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { MAX_FILE_BYTES } from '../../uploads/pipeline.ts';

export interface ChosenFile {
  /** The name the browser sent: '' when no file was chosen. */
  name: string;
  bytes: Buffer;
}

/**
 * A little over the pipeline's limit: a larger file is cut off here (not kept whole in memory)
 * and, being over the limit still, refused by the pipeline with its own message.
 */
const READ_LIMIT = MAX_FILE_BYTES + 64 * 1024;

export async function registerUploadForm(app: FastifyInstance): Promise<void> {
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    // fieldSize: a header block's paragraph is up to 1,000 characters, some of them several bytes.
    limits: { fileSize: READ_LIMIT, files: 1, fields: 10, fieldSize: 4096, parts: 11 },
    async onFile(part) {
      const file: ChosenFile = { name: part.filename ?? '', bytes: await part.toBuffer() };
      part.value = file;
    },
  });
}

/** The chosen file from a parsed upload form, or undefined when none was chosen. */
export function chosenFile(body: unknown): ChosenFile | undefined {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>).file : undefined;
  if (!value || typeof value !== 'object') return undefined;
  const { name, bytes } = value as Partial<ChosenFile>;
  if (!Buffer.isBuffer(bytes) || typeof name !== 'string') return undefined;
  if (name === '' && bytes.length === 0) return undefined;
  return { name, bytes };
}
