// The worker thread that reads uploaded files (read-sheet-in-worker.ts starts it): each message is
// a file to read; the answer is the sheet, its rows' buffers moved rather than copied, or the
// refusal's message.
import { parentPort } from 'node:worker_threads';
import { readSheet } from './read-sheet.ts';
import { FileRefusal, type ReadLimits } from './sheet.ts';

export interface ReadRequest {
  id: number;
  bytes: Uint8Array;
  limits: ReadLimits;
  /** The bytes were lent (moved here): move them back with the answer. */
  giveBack?: boolean;
}

if (!parentPort) throw new Error('sheet-worker.ts runs only as a worker thread');
const port = parentPort;

port.on('message', async ({ id, bytes, limits, giveBack }: ReadRequest) => {
  try {
    const { rows, ...sheet } = await readSheet(bytes, limits);
    const parts = rows.parts();
    const transfer = [...parts.blocks, parts.numbers, parts.blockOf, parts.starts, parts.ends].map(
      (array) => array.buffer as ArrayBuffer,
    );
    if (giveBack) transfer.push(bytes.buffer as ArrayBuffer);
    port.postMessage({ id, sheet: { ...sheet, rows: parts }, ...(giveBack ? { lent: bytes } : {}) }, transfer);
  } catch (error) {
    const refusal = error instanceof FileRefusal;
    port.postMessage({
      id,
      error: {
        refusal,
        message: error instanceof Error ? error.message : String(error),
        // What went wrong underneath, for the log only.
        cause: refusal && error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : undefined,
        stack: error instanceof Error ? error.stack : undefined,
      },
    });
  }
});
