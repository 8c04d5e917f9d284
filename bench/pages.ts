// Benchmark of the pages providers use most, at 100,000 trainees: seeds a provider with N
// trainees, signs in U users, and has them all request at once, for S seconds, the trainee list
// (plain, searched, filtered, sorted, a late page), a trainee's page and the uploads list. Prints
// p50/p95/p99 (milliseconds) overall and by page, and requests per second, as a JSON last line.
// The requests go through the real app (Fastify's inject: no network), on PostgreSQL by default.
//
//   npm run bench:pages -- [--trainees 100000] [--users 20] [--seconds 20] [--database postgres|pglite]
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { today as todayInEngland } from '../src/domain/dates.ts';
import { SYSTEM } from '../src/domain/organisations/actor.ts';
import { addUserToOrganisation } from '../src/domain/organisations/users.ts';
import { createServices } from '../src/services.ts';
import { seedProviderWithTrainees } from './bench-provider.ts';
import { openBenchDatabase } from './scratch-database.ts';

const USAGE =
  'Usage: npm run bench:pages -- [--trainees 100000] [--users 20] [--seconds 20] [--database postgres|pglite]';

/** A signed-in user: their cookies, kept between requests. */
class User {
  private cookies = new Map<string, string>();
  private readonly app: FastifyInstance;
  readonly address: string;
  constructor(app: FastifyInstance, address: string) {
    this.app = app;
    this.address = address;
  }

  private keep(response: { cookies: unknown }) {
    for (const cookie of response.cookies as { name: string; value: string }[]) {
      if (cookie.value === '') this.cookies.delete(cookie.name);
      else this.cookies.set(cookie.name, cookie.value);
    }
  }

  private header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string) {
    const response = await this.app.inject({
      method: 'GET',
      url,
      headers: { cookie: this.header() },
      remoteAddress: this.address,
    });
    this.keep(response);
    return response;
  }

  async signIn(email: string, password: string) {
    const page = await this.get('/sign-in');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const response = await this.app.inject({
      method: 'POST',
      url: '/sign-in',
      payload: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
      headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded' },
      remoteAddress: this.address,
    });
    this.keep(response);
    if (response.statusCode !== 303) throw new Error(`Sign-in failed: ${response.statusCode}`);
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10 : 0;

function summary(times: number[]) {
  const sorted = [...times].sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      trainees: { type: 'string', default: '100000' },
      users: { type: 'string', default: '20' },
      seconds: { type: 'string', default: '20' },
      database: { type: 'string', default: 'postgres' },
    },
  });
  const trainees = Number(values.trainees);
  const users = Number(values.users);
  const duration = Number(values.seconds) * 1000;
  const databaseKind = values.database;
  if (
    !Number.isInteger(trainees) ||
    trainees < 100 ||
    !Number.isInteger(users) ||
    users < 1 ||
    !(duration > 0) ||
    (databaseKind !== 'postgres' && databaseKind !== 'pglite')
  ) {
    console.error(USAGE);
    process.exit(2);
  }
  const today = todayInEngland();
  const { database, drop } = await openBenchDatabase(databaseKind);
  // Dropping the scratch database ends its connections: an idle one's error is expected then.
  database.pool?.on('error', () => {});
  try {
    const actor = await seedProviderWithTrainees(database, trainees, today, [
      'provider_led_postgrad',
      'early_years_postgrad',
      'school_direct_salaried',
      'assessment_only',
    ]);
    // What autovacuum does on PostgreSQL soon after a bulk insert: statistics, and the visibility
    // map that lets the list's counts read only an index (without it they read every row).
    await sql`vacuum analyze`.execute(database.db);
    const sample = await database.db
      .selectFrom('trainees')
      .select(['id', 'trn', 'last_name', 'hesa_id', 'itt_start_date'])
      .where('provider_id', '=', actor.organisation.id)
      .orderBy('id')
      .limit(500)
      .execute();
    const year =
      Number(sample[0].itt_start_date.slice(0, 4)) - (Number(sample[0].itt_start_date.slice(5, 7)) >= 8 ? 0 : 1);

    const config = loadConfig({
      SESSION_SECRET: 'benchmark-secret-that-is-long-enough-for-cookies',
      LOG_LEVEL: 'silent',
    });
    const services = await createServices(config, database, { jobs: 'inline' });
    const app = await buildApp(services);
    await app.ready();

    // Each user their own account: sign-in is throttled per account.
    const people: User[] = [];
    for (let i = 0; i < users; i++) {
      const email = `bench-user-${i + 1}@example.com`;
      await addUserToOrganisation(database.db, SYSTEM, actor.organisation.id, {
        email,
        firstName: 'Bench',
        lastName: `User ${i + 1}`,
        role: 'member',
        password: 'benchmark-password',
      });
      const user = new User(app, `198.51.100.${i + 1}`);
      await user.signIn(email, 'benchmark-password');
      people.push(user);
    }

    const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];
    /** The pages, by name: each a way to make its next address. */
    const pages: Record<string, () => string> = {
      list: () => '/trainees',
      'list searched by name': () => `/trainees?q=${encodeURIComponent(pick(sample).last_name.slice(0, 4))}`,
      'list searched by TRN': () => `/trainees?q=${pick(sample).trn}`,
      'list searched by HESA ID': () => `/trainees?q=${pick(sample).hesa_id}`,
      'list filtered': () =>
        pick([
          `/trainees?state=trn_received&sort=end-date`,
          `/trainees?route=early_years_postgrad&year=${year}`,
          `/trainees?subject=Mathematics`,
          `/trainees?state=withdrawn&route=provider_led_postgrad`,
          `/trainees?placements=fewer-than-2`,
        ]),
      'list page 40': () => '/trainees?page=40',
      trainee: () => `/trainees/${pick(sample).id}`,
      uploads: () => '/uploads',
    };
    const names = Object.keys(pages);
    const times: Record<string, number[]> = Object.fromEntries(names.map((name) => [name, []]));
    let failures = 0;

    // Warm up: each page once.
    for (const name of names) await people[0].get(pages[name]());

    const started = performance.now();
    const until = started + duration;
    await Promise.all(
      people.map(async (user, i) => {
        let n = i;
        while (performance.now() < until) {
          const name = names[n++ % names.length];
          const url = pages[name]();
          const start = performance.now();
          const response = await user.get(url);
          times[name].push(performance.now() - start);
          if (response.statusCode !== 200) failures++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    await app.close();

    const all = Object.values(times).flat();
    const figures = {
      bench: 'pages',
      database: databaseKind,
      trainees,
      users,
      seconds: Math.round(elapsed * 10) / 10,
      ...summary(all),
      requestsPerSecond: Math.round((all.length / elapsed) * 10) / 10,
      failures,
      pages: Object.fromEntries(names.map((name) => [name, summary(times[name])])),
    };
    console.log(JSON.stringify(figures));
  } finally {
    await drop();
  }
}

await main();
