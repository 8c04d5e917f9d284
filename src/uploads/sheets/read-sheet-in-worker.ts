// Reads uploaded files in worker threads, so that parsing a large or hostile file never holds the
// web process's event loop: other people's pages (and /health) are answered while it is read.
// Each read has a time limit and each worker a memory limit; a worker that overruns either is
// ended and the file refused, and the next read starts a fresh one.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { FileRefusal, type ReadLimits, type Sheet, SheetRows, type SheetRowsParts } from './sheet.ts';
import type { ReadRequest } from './sheet-worker.ts';

/** Files read at once; more wait their turn. One core is left for the web process. */
const WORKERS = Math.max(1, Math.min(4, availableParallelism() - 1));
/**
 * How long one file of up to 50 MB may take to read (a 50 MB file takes about 5 s on these
 * machines); a larger one (a kind may take up to 250 MB) is given as long again for each 50 MB.
 */
export const READ_TIME_LIMIT_MS = 60_000;
const READ_TIME_LIMIT_BYTES = 50 * 1024 * 1024;

/** The time limit for reading a file of this size. */
export function readTimeLimitMs(size: number): number {
  return Math.max(READ_TIME_LIMIT_MS, Math.ceil((READ_TIME_LIMIT_MS * size) / READ_TIME_LIMIT_BYTES));
}
/** A worker's heap: a 50 MB file read into compact rows needs well under this. */
const WORKER_HEAP_MB = 768;
/** An idle worker is ended after this long, giving its memory back. */
const IDLE_MS = 30_000;
/**
 * A worker that has read a file this large is ended at once: its heap grew with the file, and a
 * large file's memory is better given back than kept for the next (a new worker starts in tens
 * of milliseconds).
 */
const END_AFTER_BYTES = 8 * 1024 * 1024;
/** Bytes lent to the worker (moved, not copied) from this size: below it a copy costs little. */
const LEND_FROM_BYTES = 8 * 1024 * 1024;

const TOO_SLOW =
  'The file took too long to read. Check it is a spreadsheet saved as CSV or Excel workbook (.xlsx), or split it into smaller files and upload each one';
const COULD_NOT_READ =
  'The file could not be read. Check it is a spreadsheet saved as CSV or Excel workbook (.xlsx), or split it into smaller files and upload each one';

interface Task {
  bytes: Uint8Array;
  limits: ReadLimits;
  timeLimitMs: number;
  /** Move the bytes to the worker and back rather than copy them. */
  lend: boolean;
  /** The file's size (lent bytes read as empty until they come back). */
  size: number;
  resolve(read: { sheet: Sheet; bytes: Uint8Array }): void;
  reject(error: Error): void;
}

type Answer =
  | { id: number; sheet: Omit<Sheet, 'rows'> & { rows: SheetRowsParts }; lent?: Uint8Array }
  | { id: number; error: { refusal: boolean; message: string; cause?: string; stack?: string } };

class SheetWorker {
  readonly #worker = new Worker(new URL('./sheet-worker.ts', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  #task: { id: number; task: Task; timer: NodeJS.Timeout } | undefined;
  #idle: NodeJS.Timeout | undefined;
  #nextId = 1;
  #ended = false;

  readonly onFree: (worker: SheetWorker) => void;

  constructor(onFree: (worker: SheetWorker) => void) {
    this.onFree = onFree;
    this.#worker.on('message', (answer: Answer) => this.#answered(answer));
    // A worker that stops (out of memory, say) fails its file; a new worker takes the next.
    this.#worker.on('error', (error) => this.#end(couldNotRead(error)));
    this.#worker.on('exit', () => this.#end(new FileRefusal(COULD_NOT_READ)));
    // After the listeners, which would otherwise hold the process open: an idle worker must not.
    this.#worker.unref();
  }

  get ended(): boolean {
    return this.#ended;
  }

  read(task: Task): void {
    clearTimeout(this.#idle);
    const id = this.#nextId++;
    const timer = setTimeout(() => this.#end(new FileRefusal(TOO_SLOW)), task.timeLimitMs);
    this.#task = { id, task, timer };
    // The bytes are copied, unless lent: then they are moved there and back, so that a large file
    // is never in memory twice (the caller keeps the answer's bytes to store).
    const request: ReadRequest = { id, bytes: task.bytes, limits: task.limits, giveBack: task.lend };
    this.#worker.postMessage(request, task.lend ? [task.bytes.buffer as ArrayBuffer] : []);
  }

  #answered(answer: Answer): void {
    const current = this.#task;
    if (!current || current.id !== answer.id) return;
    clearTimeout(current.timer);
    this.#task = undefined;
    if ('sheet' in answer) {
      const sheet = { ...answer.sheet, rows: SheetRows.from(answer.sheet.rows) };
      current.task.resolve({ sheet, bytes: answer.lent ?? current.task.bytes });
    } else current.task.reject(rebuilt(answer.error));
    if (current.task.size >= END_AFTER_BYTES) {
      this.#end();
      return;
    }
    this.#idle = setTimeout(() => this.#end(), IDLE_MS);
    this.#idle.unref();
    this.onFree(this);
  }

  /** Ends the worker, failing its file if it had one. */
  #end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#idle);
    const current = this.#task;
    this.#task = undefined;
    if (current) {
      clearTimeout(current.timer);
      current.task.reject(error ?? new FileRefusal(COULD_NOT_READ));
    }
    void this.#worker.terminate();
    this.onFree(this);
  }
}

function couldNotRead(cause: unknown): FileRefusal {
  const refusal = new FileRefusal(COULD_NOT_READ);
  refusal.cause = cause;
  return refusal;
}

/** The worker's error, as the same kind of error on this side. */
function rebuilt({
  refusal,
  message,
  cause,
  stack,
}: {
  refusal: boolean;
  message: string;
  cause?: string;
  stack?: string;
}) {
  const error = refusal ? new FileRefusal(message) : new Error(message);
  if (stack) error.stack = stack;
  if (cause) error.cause = cause;
  return error;
}

const idle: SheetWorker[] = [];
const busy = new Set<SheetWorker>();
const waiting: Task[] = [];

/** A worker finished a file (it waits for the next) or ended (it is forgotten). */
function freed(worker: SheetWorker): void {
  busy.delete(worker);
  const at = idle.indexOf(worker);
  if (worker.ended && at >= 0) idle.splice(at, 1);
  if (!worker.ended && at < 0) idle.push(worker);
  next();
}

function next(): void {
  while (waiting.length > 0) {
    let worker = idle.pop();
    if (!worker) {
      if (busy.size >= WORKERS) return;
      worker = new SheetWorker(freed);
    }
    const task = waiting.shift() as Task;
    busy.add(worker);
    worker.read(task);
  }
}

/** Whether the bytes can be moved to another thread: a large array that is its whole buffer. */
function lendable(bytes: Uint8Array): boolean {
  return (
    bytes.byteLength >= LEND_FROM_BYTES &&
    bytes.byteOffset === 0 &&
    bytes.buffer instanceof ArrayBuffer &&
    bytes.byteLength === bytes.buffer.byteLength
  );
}

/**
 * Reads a CSV or XLSX file in a worker thread: the same answer as readSheet, and the same
 * FileRefusal when the file cannot be used, or when it takes longer than the time limit.
 */
export async function readSheetInWorker(
  bytes: Uint8Array,
  limits: ReadLimits,
  { timeLimitMs = readTimeLimitMs(bytes.byteLength) }: { timeLimitMs?: number } = {},
): Promise<Sheet> {
  const { sheet } = await readSheetLendingBytes(bytes, limits, { timeLimitMs, lend: false });
  return sheet;
}

/**
 * As readSheetInWorker, but a large file's bytes may be lent to the worker rather than copied
 * (lend): they are then unusable (detached) until it answers, and the answer's `bytes` are the
 * file's bytes to use from then on. A refused file's bytes are not given back.
 */
export function readSheetLendingBytes(
  bytes: Uint8Array,
  limits: ReadLimits,
  { timeLimitMs = readTimeLimitMs(bytes.byteLength), lend = true }: { timeLimitMs?: number; lend?: boolean } = {},
): Promise<{ sheet: Sheet; bytes: Uint8Array }> {
  return new Promise((resolve, reject) => {
    const size = bytes.byteLength;
    waiting.push({ bytes, limits, timeLimitMs, lend: lend && lendable(bytes), size, resolve, reject });
    next();
  });
}
