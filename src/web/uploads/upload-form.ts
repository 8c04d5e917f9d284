// Reading the upload form (multipart/form-data): one file, held in memory because the pipeline
// reads the whole file, and the text fields as plain strings, so the global CSRF check finds
// body._csrf as it does on every other form. Only the plugin that registers this parses multipart.
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import { findKind, largestFileBytes } from '../../uploads/kinds/index.ts';
import { DEFAULT_MAX_FILE_BYTES, maxFileBytesOf, type UploadKind } from '../../uploads/kinds/kind.ts';

export interface ChosenFile {
  /** The name the browser sent: '' when no file was chosen. */
  name: string;
  bytes: Buffer;
}

/**
 * Read beyond a kind's limit: a larger file is cut off here (not kept whole in memory) and, being
 * over the limit still, refused by the pipeline with its own message.
 */
export const OVER_LIMIT = 64 * 1024;

export async function registerUploadForm(app: FastifyInstance): Promise<void> {
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    throwFileSizeLimit: false,
    // fieldSize: a header block's paragraph is up to 1,000 characters, some of them several bytes.
    limits: { fileSize: largestFileBytes() + OVER_LIMIT, files: 1, fields: 10, fieldSize: 4096, parts: 11 },
    async onFile(part) {
      // The form is posted to /bulk/<kind>: a file is kept up to that kind's limit (and a little
      // more), the rest read and let go.
      const kindId = (this.params as { kind?: unknown } | undefined)?.kind;
      const kind = typeof kindId === 'string' ? findKind(kindId) : undefined;
      const { bytes } = await readUpTo(part.file, bytesToKeep(kind));
      const file: ChosenFile = { name: part.filename ?? '', bytes };
      part.value = file;
    },
  });
}

/** How much of a file to keep for a kind (its limit and a little more), or for a kind not yet known. */
export function bytesToKeep(kind: UploadKind | undefined): number {
  return (kind ? maxFileBytesOf(kind) : DEFAULT_MAX_FILE_BYTES) + OVER_LIMIT;
}

/** Reads a file part, keeping its first `keep` bytes; the rest is read and let go. */
export async function readUpTo(
  stream: AsyncIterable<Buffer>,
  keep: number,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let read = 0;
  for await (const chunk of stream) {
    if (read < keep) chunks.push(chunk);
    read += chunk.length;
  }
  return { bytes: Buffer.concat(chunks, Math.min(read, keep)), truncated: read > keep };
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
