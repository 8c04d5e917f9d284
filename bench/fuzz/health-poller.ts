// Polls GET /health every interval from a worker thread of its own, so the time it measures is the
// server's and not the fuzzer's own event loop (which is busy making files). A check starts every
// interval unless the last one has not answered yet; a check that does not answer within the
// timeout counts as a failure lasting that long.
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { ConnectionError, send } from './http.ts';

export interface HealthFigures {
  checks: number;
  worstMs: number;
  /** When the worst check started (Date.now()). */
  worstAt: number;
  /** Checks that took over a second: when each started (Date.now()) and how long it took (the first 50). */
  slow: { at: number; ms: number }[];
  /** Checks that did not answer 200, or not at all: what they got. */
  failures: string[];
}

const TIMEOUT_MS = 30_000;

interface PollerData {
  url: string;
  intervalMs: number;
}

function poll({ url, intervalMs }: PollerData): void {
  const port = parentPort;
  if (!port) return;
  const figures: HealthFigures = { checks: 0, worstMs: 0, worstAt: 0, slow: [], failures: [] };
  let inFlight = false;
  const check = async () => {
    if (inFlight) return;
    inFlight = true;
    const at = performance.now();
    const wallClock = Date.now();
    let outcome: string | undefined;
    try {
      const answer = await send(url, { timeoutMs: TIMEOUT_MS, agent: false });
      if (answer === 'aborted' || answer.status !== 200)
        outcome = answer === 'aborted' ? 'aborted' : String(answer.status);
    } catch (error) {
      outcome = error instanceof ConnectionError ? error.code : (error as Error).message;
    }
    const ms = performance.now() - at;
    figures.checks++;
    if (ms > figures.worstMs) {
      figures.worstMs = ms;
      figures.worstAt = wallClock;
    }
    if (ms > 1_000 && figures.slow.length < 50) figures.slow.push({ at: wallClock, ms: Math.round(ms) });
    if (outcome && figures.failures.length < 100) figures.failures.push(outcome);
    inFlight = false;
  };
  const timer = setInterval(() => void check(), intervalMs);
  void check();
  port.on('message', (message: string) => {
    if (message === 'figures') port.postMessage(figures);
    if (message === 'stop') {
      clearInterval(timer);
      const finish = () => (inFlight ? setTimeout(finish, 20) : port.postMessage(figures));
      finish();
    }
  });
}

if (parentPort && workerData?.healthPoller) poll(workerData as PollerData);

/** Starts polling; `figures()` reads the figures so far, `stop()` the final ones. */
export function startHealthPoller(
  baseUrl: string,
  intervalMs = 200,
): { figures(): Promise<HealthFigures>; stop(): Promise<HealthFigures> } {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { healthPoller: true, url: `${baseUrl}/health`, intervalMs },
  });
  const ask = (message: string) =>
    new Promise<HealthFigures>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.postMessage(message);
    });
  return {
    figures: () => ask('figures'),
    async stop() {
      const figures = await ask('stop');
      await worker.terminate();
      return figures;
    },
  };
}
