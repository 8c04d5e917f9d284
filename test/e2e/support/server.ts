// Browser journeys: the real server as a child process on a free port with its own fresh data
// directory (embedded PGlite with the demo data, or PostgreSQL when E2E_DATABASE_URL is set),
// Debian's Chromium driven by playwright-core, and an axe check for every page.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const OUTPUT_KEPT = 20_000;

export interface RunningServer {
  baseUrl: string;
  stop(): Promise<void>;
}

/** Asks the operating system for a free port on loopback, then lets it go for the server to take. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      if (!address || typeof address === 'string') {
        probe.close();
        reject(new Error('Could not find a free port'));
        return;
      }
      probe.close(() => resolve(address.port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `node src/main.ts` and resolves once GET /health answers 200. */
export async function startServer(): Promise<RunningServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-e2e-'));
  const databaseUrl = process.env.E2E_DATABASE_URL || undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: baseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // On by default for PGlite; on PostgreSQL it loads only into a database with no organisations.
    DEMO_DATA: 'true',
  };
  delete env.DATABASE_URL;
  delete env.SESSION_SECRET;
  if (databaseUrl) {
    env.DATABASE_URL = databaseUrl;
    env.SESSION_SECRET = randomBytes(32).toString('base64url');
  }

  const child = spawn(process.execPath, ['src/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitedWith: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitedWith = signal ?? String(code);
      resolve();
    });
    child.once('error', (error) => {
      exitedWith ??= error.message;
      resolve();
    });
  });
  // If the test process ends without stopping the server, do not leave it running.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (exitedWith === undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  try {
    while (true) {
      if (exitedWith !== undefined) {
        throw new Error(`The server exited (${exitedWith}) before it was ready. Its output:\n${output}`);
      }
      if (Date.now() > deadline) {
        throw new Error(
          `The server was not ready after ${START_TIMEOUT_MS / 1000}s (${lastProblem}). Its output:\n${output}`,
        );
      }
      try {
        const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) });
        if (response.status === 200) break;
        lastProblem = `GET /health answered ${response.status}`;
      } catch (error) {
        lastProblem = `GET /health: ${(error as Error).message}`;
      }
      await Promise.race([sleep(250), exited]);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { baseUrl, stop };
}

export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless. Each launch gets a fresh profile: Playwright makes a temporary
 * user-data directory for every `launch()` (it refuses a --user-data-dir argument) and removes it on close.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;
const withoutJavaScript = new WeakSet<BrowserContext>();

/**
 * A browser context with JavaScript turned off, to show a journey needs none. axe cannot run in such
 * a page (its promises never settle), so expectNoAxeViolations checks a copy of it instead.
 */
export async function newContextWithoutJavaScript(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ ...options, javaScriptEnabled: false });
  withoutJavaScript.add(context);
  return context;
}

/**
 * The page as rendered without JavaScript, in a JavaScript-enabled page where axe can run: the same
 * URL (so its styles load from the server) answered with the page's HTML minus its scripts.
 */
async function analyzeWithoutJavaScript(page: Page): Promise<AxeResults> {
  const browser = page.context().browser();
  if (!browser) throw new Error('The page has no browser to check it in');
  const url = page.url();
  const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '').replace(/<\/?noscript>/gi, '');
  const checker = await browser.newContext({ viewport: page.viewportSize() });
  try {
    await checker.route('**/*', (route) => {
      const request = route.request();
      if (request.url() === url && request.isNavigationRequest()) {
        return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html });
      }
      return request.resourceType() === 'script' ? route.abort() : route.continue();
    });
    const copy = await checker.newPage();
    await copy.goto(url);
    return await new AxeBuilder({ page: copy }).withTags(AXE_TAGS).analyze();
  } finally {
    await checker.close();
  }
}

/** Runs axe on the page as it is now and fails with a readable list of every violation. */
export async function expectNoAxeViolations(page: Page): Promise<void> {
  const results = withoutJavaScript.has(page.context())
    ? await analyzeWithoutJavaScript(page)
    : await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  if (results.violations.length === 0) return;
  const lines = results.violations.flatMap((violation) => [
    `- ${violation.id} (${violation.impact ?? 'no impact given'}): ${violation.help}`,
    `  ${violation.helpUrl}`,
    ...violation.nodes.map(
      (node) => `  at ${node.target.map((t) => JSON.stringify(t)).join(' > ')}: ${node.html.slice(0, 160)}`,
    ),
  ]);
  throw new Error(
    `${results.violations.length} accessibility violation(s) on ${page.url()} (“${await page.title()}”):\n${lines.join('\n')}`,
  );
}
