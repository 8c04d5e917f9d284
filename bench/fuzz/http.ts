// HTTP for the fuzzer, over node:http so that any body can be sent as it is (chunked, cut short,
// abandoned half-way), and a session as a browser keeps one: cookies and the page's CSRF token.
import http, { type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The start of the body (up to `keepBytes`). */
  body: Buffer;
  ms: number;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  agent?: http.Agent | false;
  timeoutMs?: number;
  /** Send the body with Transfer-Encoding: chunked, in pieces of this size. */
  chunkSize?: number;
  /** Send this many bytes of the body, then close the connection. */
  abortAfter?: number;
  keepBytes?: number;
  /** What this request is, remembered with its socket, so that a failure on a reused connection can name the request before it. */
  label?: string;
}

/** No answer: the connection failed, was reset, or the time ran out. */
export class ConnectionError extends Error {
  readonly code: string;
  /** Whether the whole body had been written when it happened. */
  readonly bodySent: boolean;
  /** The request before this one on the same kept-alive connection, if it was reused. */
  readonly previous: string | undefined;
  constructor(message: string, code: string, bodySent: boolean, previous: string | undefined) {
    super(message);
    this.name = 'ConnectionError';
    this.code = code;
    this.bodySent = bodySent;
    this.previous = previous;
  }
}

/** The last request sent on each connection, and what it got. */
const lastOnSocket = new WeakMap<Socket, string>();

/** At most this many pieces of a chunked body, whatever the chunk size asked for. */
const MAX_CHUNKS = 2_000;

export function send(url: string, options: SendOptions = {}): Promise<Answer | 'aborted'> {
  const { method = 'GET', body, timeoutMs = 120_000, keepBytes = 256 * 1024 } = options;
  const target = new URL(url);
  const chunked = options.chunkSize !== undefined && body !== undefined;
  const headers: Record<string, string | number> = { ...options.headers };
  if (body !== undefined && !chunked && options.abortAfter === undefined) headers['content-length'] = body.length;
  if (body !== undefined && options.abortAfter !== undefined) headers['content-length'] = body.length;
  if (chunked) headers['transfer-encoding'] = 'chunked';
  const started = performance.now();

  return new Promise((resolve, reject) => {
    let settled = false;
    let bodySent = body === undefined;
    let aborting = false;
    let previous: string | undefined;
    let socket: Socket | undefined;
    const label = options.label ?? `${method} ${target.pathname}`;
    const request = http.request({
      host: target.hostname,
      port: target.port,
      path: `${target.pathname}${target.search}`,
      method,
      headers,
      agent: options.agent ?? false,
    });
    const fail = (error: NodeJS.ErrnoException) => {
      if (settled) return;
      settled = true;
      if (aborting) resolve('aborted');
      else reject(new ConnectionError(error.message, error.code ?? error.message, bodySent, previous));
    };
    request.on('socket', (assigned) => {
      socket = assigned;
      previous = request.reusedSocket ? (lastOnSocket.get(assigned) ?? 'unknown') : undefined;
      lastOnSocket.set(assigned, `${label} → (no answer yet)`);
    });
    request.setTimeout(timeoutMs, () =>
      request.destroy(Object.assign(new Error(`No answer in ${timeoutMs} ms`), { code: 'TIMEOUT' })),
    );
    request.on('error', fail);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      response.on('data', (chunk: Buffer) => {
        if (kept < keepBytes) {
          chunks.push(chunk);
          kept += chunk.length;
        }
      });
      response.on('error', fail);
      response.on('end', () => {
        if (settled) return;
        settled = true;
        if (socket) {
          const closing = /close/i.test(String(response.headers.connection ?? ''));
          lastOnSocket.set(
            socket,
            `${label} → ${response.statusCode}${closing ? ' (Connection: close)' : ''}${bodySent ? '' : ' before its body was all sent'}`,
          );
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: Buffer.concat(chunks).subarray(0, keepBytes),
          ms: performance.now() - started,
        });
      });
    });

    if (body === undefined) {
      request.end();
      return;
    }
    if (options.abortAfter !== undefined) {
      request.write(body.subarray(0, options.abortAfter), () => {
        aborting = true;
        request.destroy();
        if (!settled) {
          settled = true;
          resolve('aborted');
        }
      });
      return;
    }
    if (!chunked) {
      request.end(body, () => {
        bodySent = true;
      });
      return;
    }
    const size = Math.max(options.chunkSize ?? 1, Math.ceil(body.length / MAX_CHUNKS));
    (async () => {
      for (let at = 0; at < body.length && !settled; at += size) {
        if (!request.write(body.subarray(at, at + size))) {
          await new Promise<void>((done) => {
            request.once('drain', done);
            request.once('close', done);
          });
        }
      }
      request.end(() => {
        bodySent = true;
      });
    })().catch(fail);
  });
}

/** What a browser keeps for one person: cookies, and the CSRF token from the last form. */
export class Session {
  readonly baseUrl: string;
  readonly cookies = new Map<string, string>();
  csrf = '';

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  cookieHeader(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  remember(headers: IncomingHttpHeaders): void {
    for (const line of headers['set-cookie'] ?? []) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      if (at > 0) this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }

  /** GET or POST a form as the browser would; picks up cookies and any `_csrf` on the page. */
  async request(path: string, options: SendOptions = {}): Promise<Answer> {
    const answer = await send(`${this.baseUrl}${path}`, {
      keepBytes: 8 * 1024 * 1024,
      ...options,
      headers: { cookie: this.cookieHeader(), ...options.headers },
    });
    if (answer === 'aborted') throw new Error(`${path}: aborted`);
    this.remember(answer.headers);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(answer.body.toString('utf8'))?.[1];
    if (csrf) this.csrf = csrf;
    return answer;
  }

  async postForm(path: string, fields: Record<string, string>): Promise<Answer> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(new URLSearchParams({ _csrf: this.csrf, ...fields }).toString()),
    });
  }
}

export async function signIn(baseUrl: string, email: string, password: string): Promise<Session> {
  const session = new Session(baseUrl);
  await session.request('/sign-in');
  const answer = await session.postForm('/sign-in', { email, password, returnTo: '/' });
  if (answer.status !== 303) throw new Error(`Signing in as ${email} answered ${answer.status}`);
  // The token is bound to the session: read it again from a page of the signed-in session.
  await session.request('/');
  if (!session.csrf) throw new Error(`No CSRF token on the home page for ${email}`);
  return session;
}

/** A new API token of the session's organisation, made on the "API tokens" page. */
export async function createToken(session: Session, name: string): Promise<string> {
  await session.request('/organisation/api-tokens/new');
  const answer = await session.postForm('/organisation/api-tokens/new', { name });
  const token = /value="(rbk_[^"]+)"/.exec(answer.body.toString('utf8'))?.[1];
  if (answer.status !== 200 || !token) throw new Error(`Creating an API token answered ${answer.status}`);
  return token;
}
