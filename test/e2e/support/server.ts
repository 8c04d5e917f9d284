// Browser journeys: the real server as a child process on a free port with its own fresh data
// directory and database with the demo data (embedded PGlite, or, when E2E_DATABASE_URL is set, a
// database of its own made on that PostgreSQL server and dropped when it stops), Debian's Chromium
// driven by playwright-core, and an axe check for every page.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import pg from 'pg';
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

/**
 * A new, empty database for one server, on the PostgreSQL server of `url` and named after its
 * database (`<name>_e2e_<random>`), so every server loads the demo data afresh and no journey sees
 * another's uploads. The database of `url` itself is only connected to, never changed. `drop`
 * forces out any connection left over. (.ci/run drops any left by a run that was killed.)
 */
async function scratchDatabase(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const parsed = new URL(url);
  const base = (decodeURIComponent(parsed.pathname.slice(1)) || 'postgres').replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const name = `${base.slice(0, 40)}_e2e_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  parsed.pathname = `/${name}`;
  return { url: parsed.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts `node src/main.ts` and resolves once GET /health answers 200. */
export async function startServer(): Promise<RunningServer> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-e2e-'));
  const serverDatabase = process.env.E2E_DATABASE_URL ? await scratchDatabase(process.env.E2E_DATABASE_URL) : undefined;
  const databaseUrl = serverDatabase?.url;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: baseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    // Loaded at start into a database with no organisations: this server's new one.
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
    await serverDatabase?.drop();
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
/** The page that checks copies of a JavaScript-free context's pages, and the copy it serves next. */
interface Checker {
  page: Page;
  copy: { url: string; html: string } | undefined;
}
const withoutJavaScript = new WeakMap<BrowserContext, Promise<Checker> | undefined>();

/**
 * A browser context with JavaScript turned off, to show a journey needs none. axe cannot run in such
 * a page (its promises never settle), so expectNoAxeViolations checks a copy of it instead.
 */
export async function newContextWithoutJavaScript(
  browser: Browser,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ ...options, javaScriptEnabled: false });
  withoutJavaScript.set(context, undefined);
  return context;
}

/**
 * One JavaScript-enabled context for all the copies of one JavaScript-free context's pages, made on
 * first use and closed with it: the styles, fonts and images stay in its cache from page to page.
 */
async function newChecker(context: BrowserContext, browser: Browser): Promise<Checker> {
  const checkerContext = await browser.newContext();
  context.once('close', () => {
    checkerContext.close().catch(() => {});
  });
  const checker: Checker = { page: await checkerContext.newPage(), copy: undefined };
  await checkerContext.route('**/*', (route) => {
    const request = route.request();
    const copy = checker.copy;
    if (copy && request.url() === copy.url && request.isNavigationRequest()) {
      return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: copy.html });
    }
    return request.resourceType() === 'script' ? route.abort() : route.continue();
  });
  return checker;
}

/**
 * The page as rendered without JavaScript, in a JavaScript-enabled page where axe can run: the same
 * URL (so its styles load from the server) answered with the page's HTML minus its scripts.
 */
async function analyzeWithoutJavaScript(page: Page): Promise<AxeResults> {
  const context = page.context();
  const browser = context.browser();
  if (!browser) throw new Error('The page has no browser to check it in');
  let pending = withoutJavaScript.get(context);
  if (!pending) {
    pending = newChecker(context, browser);
    withoutJavaScript.set(context, pending);
  }
  const checker = await pending;
  const url = page.url();
  const html = (await page.content()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '').replace(/<\/?noscript>/gi, '');
  const viewport = page.viewportSize();
  if (viewport) await checker.page.setViewportSize(viewport);
  checker.copy = { url, html };
  try {
    // about:blank first, so that a copy of the same URL as the last one is loaded afresh.
    await checker.page.goto('about:blank');
    await checker.page.goto(url);
    return await new AxeBuilder({ page: checker.page }).withTags(AXE_TAGS).analyze();
  } finally {
    checker.copy = undefined;
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
