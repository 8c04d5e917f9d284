// The upload fuzzer: starts a real server, signs in as two demo admins, makes API tokens, reads the
// templates, then sends `count` hostile requests (a few at a time) to the upload page and the API
// while a worker thread polls /health, and finally reads the server's log for errors. Request i
// of a seed is built from its own seeded random numbers, so `only: [i]` sends it again alone.
import http from 'node:http';
import Papa from 'papaparse';
import type { Bombs, FileContext, Template } from './files.ts';
import { makeBombs } from './files.ts';
import { startHealthPoller } from './health-poller.ts';
import { type Answer, ConnectionError, createToken, type Session, send, signIn } from './http.ts';
import {
  type IdentityView,
  KINDS,
  type KindId,
  type PlannedRequest,
  planRequest,
  type RequestContext,
} from './requests.ts';
import { type FuzzServer, type LogEntry, startFuzzServer } from './server.ts';
import { unzip } from './zip.ts';

export interface FuzzOptions {
  count: number;
  seed: number;
  /** Requests in flight at once. */
  concurrency?: number;
  database: 'pglite' | 'postgres';
  /** The PostgreSQL server to make the scratch database on (its database is only connected to). */
  postgresUrl?: string;
  /** Send only these request indices (to reproduce a finding). */
  only?: number[];
  /** Progress lines (to standard error). */
  log?: (line: string) => void;
  healthIntervalMs?: number;
  /** Log every answer with its message (with `only`, to see what a request got). */
  verbose?: boolean;
  /** Requests not to send, by generator (known findings not yet fixed); counted as skipped. */
  skip?: (generator: string) => boolean;
}

export interface Finding {
  index: number;
  generator: string;
  kind: string;
  /** The status (5xx), or the connection error's code. */
  outcome: string;
  ms: number;
  /** The error reference on the server's 500 page or JSON body, which is the request id in its log. */
  reference?: string;
  log: LogEntry[];
}

export interface FuzzResult {
  requests: number;
  statuses: Record<string, number>;
  '5xx': number;
  connectionErrors: number;
  worstHealthMs: number;
  healthChecks: number;
  database: 'pglite' | 'postgres';
  seconds: number;
  seed: number;
  /** Requests sent on purpose without finishing their body. */
  aborted: number;
  /** Requests not sent because `skip` said so. */
  skipped: number;
  /** Summary and error-report reads of accepted uploads (counted in requests and statuses). */
  followUps: number;
  /** /health checks that did not answer 200. */
  healthFailures: number;
  /** Server log entries of level 50 (error) or more. */
  serverErrors: number;
  serverAlive: boolean;
  /** Statuses by generator, like {"page file:zip-bomb": {"422": 12}}. */
  byGenerator: Record<string, Record<string, number>>;
  findings: Finding[];
  /** Server log errors not tied to a finding's reference. */
  otherServerErrors: LogEntry[];
  slowest: { index: number; generator: string; ms: number; status: string }[];
  /** The slowest /health check and any over 1 s: when (seconds into the run), how long, and the requests in flight then. */
  slowHealth: { atSeconds: number; ms: number; inFlight: string[] }[];
}

const DEMO_PASSWORD = 'rollbook-demo';
const IDENTITIES = ['provider@example.com', 'university@example.com'];
/** The API's limit is 100 requests a minute for each token: stay a little under it. */
const TOKEN_USES_PER_WINDOW = 90;
const TOKEN_WINDOW_MS = 62_000;
const MAX_TOKENS_PER_IDENTITY = 60;
const KEPT_ACCEPTED = 500;
/** The headings of the big (but not too big) worksheet: the recommendations template's. */
const QTS_HEADERS = [
  'TRN',
  'Provider trainee ID',
  'HESA ID',
  'Last name',
  'First names',
  'Route',
  'QTS or EYTS',
  'Subject',
  'ITT start date',
  'Expected end date',
  'Date QTS or EYTS standards met',
];

/** Today in England as dd/mm/yyyy. */
function todayInEngland(): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London' }).format(new Date());
}

/**
 * The server takes at most 3 uploads in progress from one person or API token
 * (src/web/uploads-in-flight.ts) and answers more with 429: the fuzzer keeps under that, so that its
 * requests reach the pipeline.
 */
const UPLOADS_IN_FLIGHT_PER_SENDER = 3;

/** At most `limit` at once; the rest wait their turn. */
class Gate {
  readonly #limit: number;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  async enter(): Promise<() => void> {
    while (this.#inFlight >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#inFlight++;
    return () => {
      this.#inFlight--;
      this.#waiting.shift()?.();
    };
  }
}

interface PooledToken {
  value: string;
  uses: number[];
  inFlight: number;
}

/**
 * The identity's API tokens, each used under the API's rate limit and with at most 3 uploads in
 * flight; a new token is made (on the API tokens page) when all are busy or spent.
 */
class TokenPool {
  readonly #session: Session;
  readonly #name: string;
  readonly #tokens: PooledToken[] = [];
  #making: Promise<void> | undefined;

  constructor(session: Session, name: string) {
    this.#session = session;
    this.#name = name;
  }

  /** A token for one request, and the function to call when its answer has come. */
  async acquire({ upload }: { upload: boolean }): Promise<{ value: string; release(): void }> {
    while (true) {
      const now = Date.now();
      let best: PooledToken | undefined;
      for (const token of this.#tokens) {
        while (token.uses.length && token.uses[0] < now - TOKEN_WINDOW_MS) token.uses.shift();
        if (token.uses.length >= TOKEN_USES_PER_WINDOW) continue;
        if (upload && token.inFlight >= UPLOADS_IN_FLIGHT_PER_SENDER) continue;
        if (!best || token.inFlight < best.inFlight) best = token;
      }
      if (!best && this.#tokens.length >= MAX_TOKENS_PER_IDENTITY) {
        // All spent: send anyway, and count the 429.
        best = this.#tokens.reduce((a, b) => (a.inFlight <= b.inFlight ? a : b));
      }
      if (best) {
        const token = best;
        token.uses.push(now);
        token.inFlight++;
        return { value: token.value, release: () => void token.inFlight-- };
      }
      this.#making ??= (async () => {
        const value = await createToken(this.#session, `${this.#name} ${this.#tokens.length + 1}`);
        this.#tokens.push({ value, uses: [], inFlight: 0 });
      })().finally(() => {
        this.#making = undefined;
      });
      await this.#making;
    }
  }
}

interface Identity {
  email: string;
  session: Session;
  tokens: TokenPool;
  /** The person's uploads through the pages in flight. */
  uploads: Gate;
  view: IdentityView;
}

function sheetNameOf(xlsx: Buffer): string {
  const workbook =
    unzip(xlsx)
      .find((part) => part.name === 'xl/workbook.xml')
      ?.data.toString('utf8') ?? '';
  return /<sheet [^>]*name="([^"]*)"/.exec(workbook)?.[1] ?? 'Sheet1';
}

async function readTemplate(session: Session, kind: KindId): Promise<Template> {
  const csvAnswer = await session.request(`/bulk/${kind}/template.csv`);
  const xlsxAnswer = await session.request(`/bulk/${kind}/template.xlsx`);
  if (csvAnswer.status !== 200 || xlsxAnswer.status !== 200) {
    throw new Error(`The ${kind} templates answered ${csvAnswer.status} and ${xlsxAnswer.status}`);
  }
  const [headers, ...rows] = Papa.parse<string[]>(csvAnswer.body.toString('utf8').replace(/^\uFEFF/, ''), {
    skipEmptyLines: true,
  }).data;
  return { headers, rows, xlsx: xlsxAnswer.body, sheetName: sheetNameOf(xlsxAnswer.body) };
}

async function signInIdentity(server: FuzzServer, email: string, bombs: Bombs, today: string): Promise<Identity> {
  const session = await signIn(server.baseUrl, email, DEMO_PASSWORD);
  const csrf = session.csrf;
  const templates = {} as Record<KindId, Template>;
  for (const kind of KINDS) templates[kind] = await readTemplate(session, kind);
  const placements = templates.placements;
  const hesaColumn = placements.headers.indexOf('HESA ID');
  const hesaIds = hesaColumn < 0 ? [] : placements.rows.map((row) => row[hesaColumn]).filter(Boolean);
  const files = {} as Record<KindId, FileContext>;
  for (const kind of KINDS) files[kind] = { kind, template: templates[kind], today, hesaIds, bombs };
  return {
    email,
    session,
    tokens: new TokenPool(session, `Fuzz ${email}`),
    uploads: new Gate(UPLOADS_IN_FLIGHT_PER_SENDER),
    view: { csrf, files },
  };
}

function tamper(cookie: string): string {
  return cookie.replace(
    /(rollbook_session=)([^;])/,
    (_, name: string, first: string) => `${name}${first === 'A' ? 'B' : 'A'}`,
  );
}

/** The message of an answer: the API's first error, or the page's error summary or title. */
function messageOf(answer: Answer): string {
  const text = answer.body.toString('utf8');
  try {
    return (JSON.parse(text) as { errors?: { message?: string }[] }).errors?.[0]?.message ?? text.slice(0, 200);
  } catch {
    const summary =
      /govuk-error-summary__list[^>]*>([\s\S]*?)<\/ul>/.exec(text)?.[1] ?? /<title>([\s\S]*?)<\/title>/.exec(text)?.[1];
    return (summary ?? text.slice(0, 200))
      .replace(/<[^>]+>/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }
}

/** The error's reference: "(reference …)" in the API's message, "reference: <strong>…</strong>" on the page. */
const referenceIn = (body: Buffer) => /reference:? (?:<strong>)?([0-9a-z]+)/i.exec(body.toString('utf8'))?.[1];
/** The generator without its variant, file or name: what the statuses are counted by. */
const family = (generator: string) =>
  generator
    .replace(/ \[file .*\]$/, '')
    .replace(/\/.*$/, '')
    .replace(/ name:.*$/, '');

export async function runUploadFuzz(options: FuzzOptions): Promise<FuzzResult> {
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 4;
  const started = performance.now();
  log(`Starting a server on ${options.database}…`);
  const server = await startFuzzServer({ database: options.database, postgresUrl: options.postgresUrl });
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency * 2 });
  try {
    const today = todayInEngland();
    const bombs = await makeBombs(QTS_HEADERS);
    const identities: Identity[] = [];
    for (const email of IDENTITIES) identities.push(await signInIdentity(server, email, bombs, today));
    for (const identity of identities) (await identity.tokens.acquire({ upload: false })).release();
    log(
      `Server at ${server.baseUrl} ready in ${((performance.now() - started) / 1000).toFixed(1)}s; signed in as ${IDENTITIES.join(' and ')}`,
    );

    const ctx: RequestContext = { identities: identities.map((identity) => identity.view), acceptedUploads: [] };
    const statuses: Record<string, number> = {};
    const byGenerator: Record<string, Record<string, number>> = {};
    const findings: Finding[] = [];
    const slowest: FuzzResult['slowest'] = [];
    let requests = 0;
    let aborted = 0;
    let skipped = 0;
    let followUps = 0;
    let serverErrors5xx = 0;
    let connectionErrors = 0;

    const tally = (generator: string, outcome: string) => {
      statuses[outcome] = (statuses[outcome] ?? 0) + 1;
      const name = family(generator);
      byGenerator[name] ??= {};
      byGenerator[name][outcome] = (byGenerator[name][outcome] ?? 0) + 1;
    };
    const noteSlow = (index: number, generator: string, ms: number, status: string) => {
      slowest.push({ index, generator, ms: Math.round(ms), status });
      slowest.sort((a, b) => b.ms - a.ms);
      slowest.length = Math.min(slowest.length, 10);
    };

    /** Every request's start and end (Date.now()), to name those in flight during a slow /health. */
    const timeline: { index: number; generator: string; from: number; to: number }[] = [];
    /** Sends one request; a 5xx or a failed connection becomes a finding. */
    const exchange = async (
      planned: Pick<PlannedRequest, 'index' | 'generator' | 'kind'>,
      url: string,
      sendOptions: Parameters<typeof send>[1],
    ): Promise<Answer | undefined> => {
      const at = performance.now();
      const span = {
        index: planned.index,
        generator: planned.generator,
        from: Date.now(),
        to: Number.POSITIVE_INFINITY,
      };
      timeline.push(span);
      requests++;
      try {
        const answer = await send(url, { agent, label: `#${planned.index} ${planned.generator}`, ...sendOptions });
        if (answer === 'aborted') {
          requests--;
          aborted++;
          return undefined;
        }
        tally(planned.generator, String(answer.status));
        if (options.verbose) {
          log(
            `#${planned.index} ${planned.generator} → ${answer.status} in ${Math.round(answer.ms)} ms: ${answer.headers.location ?? messageOf(answer)}`,
          );
        }
        noteSlow(planned.index, planned.generator, answer.ms, String(answer.status));
        if (answer.status >= 500) {
          serverErrors5xx++;
          findings.push({
            index: planned.index,
            generator: planned.generator,
            kind: planned.kind,
            outcome: String(answer.status),
            ms: Math.round(answer.ms),
            reference: referenceIn(answer.body),
            log: [],
          });
        }
        return answer;
      } catch (error) {
        const code = error instanceof ConnectionError ? error.code : (error as Error).message;
        connectionErrors++;
        tally(planned.generator, `connection:${code}`);
        findings.push({
          index: planned.index,
          generator: planned.generator,
          kind: planned.kind,
          outcome: `connection error ${code}${error instanceof ConnectionError && !error.bodySent ? ' (while sending)' : ''}${error instanceof ConnectionError && error.previous ? `, on a reused connection whose last request was ${error.previous}` : ''}`,
          ms: Math.round(performance.now() - at),
          log: [],
        });
        return undefined;
      } finally {
        span.to = Date.now();
      }
    };

    /** The request's Authorization header (API) or its turn among the person's uploads (pages). */
    const credentials = async (
      planned: PlannedRequest,
      identity: Identity,
    ): Promise<{ headers: Record<string, string>; release(): void }> => {
      const none = () => {};
      if (planned.target === 'page') {
        if (planned.cookie !== 'session') return { headers: {}, release: none };
        return { headers: {}, release: await identity.uploads.enter() };
      }
      if (planned.authorization === 'none') return { headers: {}, release: none };
      if (planned.authorization === 'token') {
        const token = await identity.tokens.acquire({ upload: true });
        return { headers: { authorization: `Bearer ${token.value}` }, release: token.release };
      }
      return { headers: { authorization: planned.authorization.header }, release: none };
    };
    const cookie = (planned: PlannedRequest, identity: Identity): Record<string, string> => {
      if (planned.target !== 'page') return {};
      switch (planned.cookie) {
        case 'none':
          return {};
        case 'other':
          return { cookie: identities[(planned.identity + 1) % identities.length].session.cookieHeader() };
        case 'tampered':
          return { cookie: tamper(identity.session.cookieHeader()) };
        default:
          return { cookie: identity.session.cookieHeader() };
      }
    };

    /** The summary and error report of an accepted upload, as its uploader would read them. */
    const followUp = async (planned: PlannedRequest, identity: Identity, answer: Answer) => {
      let id: string | undefined;
      if (planned.target === 'page')
        id = /^\/uploads\/([0-9a-f-]{36})$/.exec(String(answer.headers.location ?? ''))?.[1];
      else {
        try {
          id = (JSON.parse(answer.body.toString('utf8')) as { id?: string }).id;
        } catch {
          id = undefined;
        }
      }
      if (!id) return;
      if (ctx.acceptedUploads.length < KEPT_ACCEPTED) ctx.acceptedUploads.push(id);
      if (!planned.followUp) return;
      const follow = { ...planned, generator: `${planned.target} follow-up` };
      const paths =
        planned.target === 'page'
          ? [`/uploads/${id}`, `/uploads/${id}/report`]
          : [`/api/v1/uploads/${id}`, `/api/v1/uploads/${id}/report`];
      for (const path of paths) {
        followUps++;
        if (planned.target === 'page') {
          await exchange(follow, `${server.baseUrl}${path}`, { headers: { cookie: identity.session.cookieHeader() } });
        } else {
          const token = await identity.tokens.acquire({ upload: false });
          await exchange(follow, `${server.baseUrl}${path}`, {
            headers: { authorization: `Bearer ${token.value}` },
          }).finally(token.release);
        }
      }
    };

    const indices = options.only ?? Array.from({ length: options.count }, (_, i) => i);
    const health = startHealthPoller(server.baseUrl, options.healthIntervalMs ?? 200);
    let next = 0;
    let done = 0;
    let lastProgress = performance.now();
    const fuzzStarted = performance.now();
    const fuzzStartedAt = Date.now();
    const progress = async (force = false) => {
      if (!force && performance.now() - lastProgress < 5_000) return;
      lastProgress = performance.now();
      const figures = await health.figures();
      const rate = done / ((performance.now() - fuzzStarted) / 1000);
      log(
        `[fuzz] ${done}/${indices.length} (${rate.toFixed(1)}/s) 5xx=${serverErrors5xx} connectionErrors=${connectionErrors} health worst=${Math.round(figures.worstMs)}ms of ${figures.checks} statuses=${JSON.stringify(statuses)}`,
      );
    };

    const runner = async () => {
      while (next < indices.length && server.alive()) {
        const index = indices[next++];
        const planned = planRequest(options.seed, index, ctx);
        if (options.skip?.(planned.generator)) {
          skipped++;
          done++;
          continue;
        }
        const identity = identities[planned.identity];
        const sender = await credentials(planned, identity);
        const headers = { ...planned.headers, ...sender.headers, ...cookie(planned, identity) };
        const answer = await exchange(planned, `${server.baseUrl}${planned.path}`, {
          method: 'POST',
          headers,
          body: planned.body,
          chunkSize: planned.chunkSize,
          abortAfter: planned.abortAfter,
        }).finally(sender.release);
        if (answer && (answer.status === 303 || answer.status === 201)) await followUp(planned, identity, answer);
        done++;
        await progress();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, runner));
    await progress(true);
    const figures = await health.stop();
    // Let the last log lines arrive, then check the server is still there and answering.
    await new Promise((resolve) => setTimeout(resolve, 500));
    let serverAlive = server.alive();
    if (serverAlive) {
      try {
        const last = await send(`${server.baseUrl}/health`, { timeoutMs: 10_000 });
        serverAlive = last !== 'aborted' && last.status === 200;
      } catch {
        serverAlive = false;
      }
    }
    const logged = server.errors();
    for (const finding of findings) {
      if (finding.reference)
        finding.log = logged.entries.filter(
          (entry) => entry.reqId === finding.reference || entry.reference === finding.reference,
        );
    }
    const tied = new Set(findings.flatMap((finding) => finding.log));
    const slowChecks = [
      { at: figures.worstAt, ms: Math.round(figures.worstMs) },
      ...figures.slow.filter((check) => check.at !== figures.worstAt),
    ];
    const slowHealth = slowChecks.map(({ at, ms }) => ({
      atSeconds: Math.round((at - fuzzStartedAt) / 100) / 10,
      ms,
      inFlight: timeline
        .filter((span) => span.from <= at + ms && span.to >= at)
        .slice(0, 12)
        .map(
          (span) =>
            `#${span.index} ${span.generator} (${Math.round(((Number.isFinite(span.to) ? span.to : Date.now()) - span.from) / 100) / 10}s)`,
        ),
    }));
    return {
      requests,
      statuses,
      '5xx': serverErrors5xx,
      connectionErrors,
      worstHealthMs: Math.round(figures.worstMs),
      healthChecks: figures.checks,
      database: options.database,
      seconds: Math.round((performance.now() - started) / 100) / 10,
      seed: options.seed,
      aborted,
      skipped,
      followUps,
      healthFailures: figures.failures.length,
      serverErrors: logged.count,
      serverAlive,
      byGenerator,
      findings,
      otherServerErrors: logged.entries.filter((entry) => !tied.has(entry)),
      slowest,
      slowHealth,
    };
  } finally {
    agent.destroy();
    if (!server.alive()) log(`The server exited (${server.exit()}). Its other output:\n${server.otherOutput()}`);
    await server.stop();
  }
}

/** The figures the last line of the fuzzer's output gives, as one JSON object. */
export function summaryLine(result: FuzzResult): string {
  const { byGenerator, findings, otherServerErrors, slowest, slowHealth, ...figures } = result;
  return JSON.stringify({ ...figures, findings: findings.length });
}

/** Whether the run met its targets: no 5xx, no failed connection, no server error, /health under the bound. */
/** What went wrong in a run; `/health` answering slower than `worstHealthMs` too, when given. */
export function problems(result: FuzzResult, worstHealthMs?: number): string[] {
  const found: string[] = [];
  if (result['5xx']) found.push(`${result['5xx']} answers of 5xx`);
  if (result.connectionErrors) found.push(`${result.connectionErrors} connection errors`);
  if (result.serverErrors) found.push(`${result.serverErrors} errors in the server's log`);
  if (!result.serverAlive) found.push('the server did not survive');
  if (result.healthFailures) found.push(`${result.healthFailures} /health checks failed`);
  if (worstHealthMs !== undefined && result.worstHealthMs > worstHealthMs)
    found.push(`/health took ${result.worstHealthMs} ms (over ${worstHealthMs} ms)`);
  return found;
}

/** A readable account of the run for standard error: statuses by generator, findings, log errors. */
export function describe(result: FuzzResult): string {
  const lines: string[] = ['', 'Statuses by generator:'];
  for (const [generator, counts] of Object.entries(result.byGenerator).sort()) {
    lines.push(
      `  ${generator.padEnd(44)} ${Object.entries(counts)
        .map(([status, n]) => `${status}×${n}`)
        .join(' ')}`,
    );
  }
  lines.push('', 'Slowest answers:');
  for (const slow of result.slowest) lines.push(`  #${slow.index} ${slow.generator}: ${slow.status} in ${slow.ms} ms`);
  for (const check of result.slowHealth) {
    lines.push(
      '',
      `/health took ${check.ms} ms at ${check.atSeconds}s; in flight then:`,
      ...check.inFlight.map((line) => `  ${line}`),
    );
  }
  for (const finding of result.findings) {
    lines.push(
      '',
      `FINDING #${finding.index} (seed ${result.seed}): ${finding.generator} [${finding.kind}] → ${finding.outcome} in ${finding.ms} ms${finding.reference ? `, reference ${finding.reference}` : ''}`,
    );
    for (const entry of finding.log) {
      const { stack, ...details } = entry.err ?? {};
      lines.push(`  log: ${entry.msg ?? ''} ${JSON.stringify(details).slice(0, 1_000)}`, `  ${stack ?? ''}`);
    }
  }
  for (const entry of result.otherServerErrors) {
    lines.push(
      '',
      `SERVER LOG ERROR (level ${entry.level}): ${entry.msg ?? ''}`,
      `  ${JSON.stringify(entry).slice(0, 4_000)}`,
    );
  }
  return lines.join('\n');
}
