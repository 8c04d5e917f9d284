// The set-up every browser journey shares: called once inside a `describe`, it starts the real
// server (PGlite, or PostgreSQL with E2E_DATABASE_URL) and Chromium before the journeys, hands out
// pages with or without JavaScript, each in a browser context of its own, collects the console's
// errors, and closes everything after. See docs/testing.md.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchBrowser, newContextWithoutJavaScript, type RunningServer, startServer } from './server.ts';

/** How long one journey (an `it`) may take: pass as `{ timeout: JOURNEY_TIMEOUT_MS }`. */
export const JOURNEY_TIMEOUT_MS = 120_000;
/** How long one action (a click, a wait for a page) may take. */
export const ACTION_TIMEOUT_MS = 15_000;

/** The console error a page answered 404 logs, as `expectNoConsoleErrors` lists it. */
export const notFoundLogged = (url: string) =>
  `${url}: Failed to load resource: the server responded with a status of 404 (Not Found)`;

export interface NewPageOptions extends BrowserContextOptions {
  /** Whether the page runs JavaScript: without it, axe checks a copy of each page (server.ts). */
  javaScript: boolean;
  /** The server to browse: the shared one unless given (one from `newServer()`). */
  server?: RunningServer;
}

export interface BrowserJourneys {
  /** The server started for the whole `describe` (only with `server: 'shared'`, the default). */
  readonly server: RunningServer;
  /** A page in a new browser context (downloads accepted), on the shared server unless told. */
  newPage(options: NewPageOptions): Promise<Page>;
  /** A server of the journey's own, with fresh demo data; stopped after the `describe` if not before. */
  newServer(): Promise<RunningServer>;
  /**
   * Errors written to any page's console and uncaught script errors, as "url: message": a script or
   * style refused by the Content-Security-Policy, or a script failing, shows here.
   */
  readonly consoleErrors: string[];
  /**
   * Fails, listing them, if any page logged an error so far, apart from those `allowed` (a page
   * the journey expected to be refused logs its 404 as an error: pass `notFoundLogged(url)`).
   */
  expectNoConsoleErrors(options?: { allowed?: string[] }): void;
}

/**
 * Sets up browser journeys for the `describe` it is called in. With `server: 'shared'` (the
 * default) one server runs for all of its journeys; with `'own'` there is none, and each journey
 * starts its own with `newServer()` (for one that changes something for good, like signing off a year).
 */
export function useBrowser({ server: serverChoice = 'shared' }: { server?: 'shared' | 'own' } = {}): BrowserJourneys {
  let shared: RunningServer | undefined;
  let browser: Browser | undefined;
  const servers: RunningServer[] = [];
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];

  /** A server whose stop() can be called by the journey and again after the `describe`. */
  async function newServer(): Promise<RunningServer> {
    const started = await startServer();
    let stopping: Promise<void> | undefined;
    const server = { baseUrl: started.baseUrl, stop: () => (stopping ??= started.stop()) };
    servers.push(server);
    return server;
  }

  before(async () => {
    [browser, shared] = await Promise.all([
      launchBrowser(),
      serverChoice === 'shared' ? newServer() : Promise.resolve(undefined),
    ]);
  });

  after(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    for (const server of servers) await server.stop();
  });

  const journeys: BrowserJourneys = {
    get server() {
      assert.ok(shared, "this describe's servers are its journeys' own: use newServer()");
      return shared;
    },
    newServer,
    consoleErrors,
    expectNoConsoleErrors({ allowed = [] }: { allowed?: string[] } = {}) {
      assert.deepEqual(
        consoleErrors.filter((error) => !allowed.includes(error)),
        [],
        'no page logged an error',
      );
    },
    async newPage({ javaScript, server, ...options }: NewPageOptions): Promise<Page> {
      assert.ok(browser, 'the browser has started (call newPage in a journey, not while declaring it)');
      const baseUrl = (server ?? journeys.server).baseUrl;
      const contextOptions = { baseURL: baseUrl, acceptDownloads: true, ...options };
      const context = javaScript
        ? await browser.newContext(contextOptions)
        : await newContextWithoutJavaScript(browser, contextOptions);
      context.setDefaultTimeout(ACTION_TIMEOUT_MS);
      contexts.push(context);
      const page = await context.newPage();
      page.on('console', (message) => {
        // A form answered 400 with its errors is expected: the browser logs that as an error too.
        if (message.type() === 'error' && !/status of 400/.test(message.text())) {
          consoleErrors.push(`${page.url()}: ${message.text()}`);
        }
      });
      page.on('pageerror', (error) => consoleErrors.push(`${page.url()}: ${error.message}`));
      return page;
    },
  };
  return journeys;
}
