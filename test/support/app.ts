// The real app on a fresh database, driven through Fastify's inject (no network), with a small
// agent that keeps cookies and sends the CSRF token as a browser form would.
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { DEMO_PASSWORD, loadDemoData } from '../../src/demo/index.ts';
import { createServices, type Services } from '../../src/services.ts';
import { SESSION_COOKIE } from '../../src/web/sessions.ts';
import { testDatabase } from './database.ts';

export interface TestContext {
  app: FastifyInstance;
  database: Database;
  close(): Promise<void>;
}

export async function startTestApp({
  demoData = true,
  logStream,
  httpTimeouts,
}: {
  demoData?: boolean;
  logStream?: NodeJS.WritableStream;
  httpTimeouts?: Services['httpTimeouts'];
} = {}): Promise<TestContext> {
  const database = await testDatabase();
  if (demoData) await loadDemoData(database.db);
  const config = loadConfig({
    SESSION_SECRET: 'test-secret-that-is-long-enough-for-cookies',
    LOG_LEVEL: logStream ? 'info' : 'silent',
  });
  const services = await createServices(config, database, { jobs: 'inline' });
  const app = await buildApp({ ...services, logStream, httpTimeouts });
  await app.ready();
  return {
    app,
    database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export class Agent {
  private cookies = new Map<string, string>();
  private csrfToken: string | undefined;
  private readonly app: FastifyInstance;
  /** Each agent comes from its own address, as separate people would. */
  readonly address: string;

  /** Sent with every request, as a proxy in front of the service might add them. */
  readonly headers: Record<string, string>;

  constructor(app: FastifyInstance, address = '192.0.2.10', headers: Record<string, string> = {}) {
    this.app = app;
    this.address = address;
    this.headers = headers;
  }

  private remember(response: LightMyRequestResponse) {
    for (const cookie of response.cookies as { name: string; value: string }[]) {
      // A CSRF token belongs to its session: a browser posts its next form from a page it loaded
      // after signing in or out, so a new session means fetching a new token.
      if (cookie.name === SESSION_COOKIE) this.csrfToken = undefined;
      if (cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token) this.csrfToken = token;
    return response;
  }

  private cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string) {
    return this.remember(
      await this.app.inject({
        method: 'GET',
        url,
        headers: { ...this.headers, cookie: this.cookieHeader() },
        remoteAddress: this.address,
      }),
    );
  }

  /**
   * Posts a form with the CSRF token from the last page seen (fetching one if none yet). Fields as
   * pairs when a name repeats, as ticked checkboxes send it.
   */
  async post(url: string, form: Record<string, string> | [string, string][] = {}, { csrf = true } = {}) {
    if (csrf && !this.csrfToken) await this.get('/cookies');
    const fields: [string, string][] = Array.isArray(form) ? [...form] : Object.entries(form);
    if (csrf) fields.unshift(['_csrf', this.csrfToken ?? '']);
    const body = new URLSearchParams(fields).toString();
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: body,
        headers: { ...this.headers, cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
        remoteAddress: this.address,
      }),
    );
  }

  /**
   * Posts a multipart/form-data form as a browser would: the CSRF token and fields first, then
   * the file (name '' and no bytes, as a browser sends when no file was chosen).
   */
  async postFile(
    url: string,
    file: { name: string; content: string | Uint8Array; type?: string } | undefined,
    fields: Record<string, string> = {},
    { csrf = true, fileField = 'file' } = {},
  ) {
    if (csrf && !this.csrfToken) await this.get('/cookies');
    const boundary = `----RollbookTest${Math.random().toString(16).slice(2)}`;
    const parts: Buffer[] = [];
    const values = { ...(csrf ? { _csrf: this.csrfToken ?? '' } : {}), ...fields };
    for (const [name, value] of Object.entries(values)) {
      parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    }
    const chosen = file ?? { name: '', content: '', type: 'application/octet-stream' };
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${fileField}"; filename="${chosen.name}"\r\nContent-Type: ${chosen.type ?? 'application/octet-stream'}\r\n\r\n`,
      ),
      Buffer.from(chosen.content),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    );
    return this.remember(
      await this.app.inject({
        method: 'POST',
        url,
        payload: Buffer.concat(parts),
        headers: {
          ...this.headers,
          cookie: this.cookieHeader(),
          'content-type': `multipart/form-data; boundary=${boundary}`,
        },
        remoteAddress: this.address,
      }),
    );
  }

  /** Sends a request built by hand (a broken body, say) with this agent's cookies and address. */
  async inject({ headers = {}, ...options }: InjectOptions & { method: 'GET' | 'POST'; url: string }) {
    return this.remember(
      await this.app.inject({
        ...options,
        headers: { ...this.headers, cookie: this.cookieHeader(), ...headers },
        remoteAddress: this.address,
      }),
    );
  }

  async signIn(email: string, password = DEMO_PASSWORD) {
    await this.get('/sign-in');
    return this.post('/sign-in', { email, password });
  }
}

/** Signs in as a demo user and, for a user of several organisations, picks one by name. */
export async function signedIn(app: FastifyInstance, email: string, organisationName?: string): Promise<Agent> {
  const agent = new Agent(app, `192.0.2.${Math.floor(Math.random() * 200) + 20}`);
  const response = await agent.signIn(email);
  if (response.statusCode !== 303) throw new Error(`Sign-in as ${email} failed with ${response.statusCode}`);
  if (organisationName) {
    const page = await agent.get('/organisations');
    const id = new RegExp(`value="([^"]+)"[^>]*>\\s*<label[^>]*>\\s*${organisationName}`).exec(page.body)?.[1];
    if (!id) throw new Error(`${email} cannot act for ${organisationName}`);
    await agent.post('/organisations', { organisationId: id });
  }
  return agent;
}
