// The Teaching Record System's HTTP client against a small fake of its API on loopback: finding
// teachers by TRN and date of birth (with the key it was given), not found for 404, 410 and 308,
// tries again after 5xx answers and timeouts, and says the record is unavailable when it never
// answers; induction status changes sent from Rollbook's queue arrive as the API expects them.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import {
  changeInductionPeriod,
  claimEcts,
  closeInductions,
  deleteInductionPeriod,
  failEct,
  reopenInduction,
} from '../../src/domain/induction/periods.ts';
import { sendAllInductionStatusUpdates } from '../../src/domain/induction/status-updates.ts';
import { TeachingRecordUnavailable } from '../../src/domain/ports/teaching-record.ts';
import { httpTeachingRecordInduction } from '../../src/integrations/teaching-record/http.ts';
import { testDatabase } from '../support/database.ts';
import { createAppropriateBody, createOrganisationWithAdmin } from '../support/factories.ts';

const KEY = 'test-api-key';

interface FakeRecord {
  /** Answers to give before the real one: a status code, or 'hang' to never answer in time. */
  failures: (number | 'hang')[];
  requests: { method: string; url: string; authorization?: string; version?: string; body?: unknown }[];
}

function startFake(): Promise<{ server: Server; url: string; fake: FakeRecord }> {
  const fake: FakeRecord = { failures: [], requests: [] };
  const persons: Record<string, unknown> = {
    '1234567': {
      trn: '1234567',
      firstName: 'Ada',
      lastName: 'Lovelace',
      dateOfBirth: '1995-12-10',
      qts: { holdsFrom: '2024-07-20' },
      induction: { status: 'RequiredToComplete', startDate: null, completedDate: null },
      alerts: [],
    },
    '3141592': {
      trn: '3141592',
      firstName: 'Grace',
      lastName: 'Hopper',
      dateOfBirth: '1994-12-09',
      qts: { holdsFrom: '2024-07-20' },
      induction: { status: 'RequiredToComplete', startDate: null, completedDate: null },
      alerts: [],
    },
    '7654321': {
      trn: '7654321',
      firstName: 'Barred',
      lastName: 'Teacher',
      dateOfBirth: '1990-01-01',
      qts: { holdsFrom: '2015-07-20' },
      induction: { status: 'Passed', startDate: '2015-09-01', completedDate: '2017-07-20' },
      alerts: [{ alertType: { alertCategory: { alertCategoryId: 'b2b19019-b165-47a3-8745-3297ff152581' } } }],
    },
  };
  const readBody = async (request: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  };
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    fake.requests.push({
      method: request.method ?? '',
      url: request.url ?? '',
      authorization: request.headers.authorization,
      version: request.headers['x-api-version'] as string | undefined,
      body,
    });
    const failure = fake.failures.shift();
    if (failure === 'hang') return; // never answers: the client's timeout ends it
    if (failure) {
      response.writeHead(failure).end();
      return;
    }
    if (request.headers.authorization !== `Bearer ${KEY}`) {
      response.writeHead(401).end();
      return;
    }
    const url = new URL(request.url ?? '/', 'http://fake');
    const put = /^\/v3\/persons\/(\d+)\/cpd-induction$/.exec(url.pathname);
    if (put && request.method === 'PUT') {
      response.writeHead(persons[put[1]] ? 204 : 404).end();
      return;
    }
    const get = /^\/v3\/persons\/(\d+)$/.exec(url.pathname);
    if (get?.[1] === '1111111') {
      response.writeHead(410).end();
      return;
    }
    if (get?.[1] === '2222222') {
      response.writeHead(308, { Location: '/v3/persons/1234567' }).end();
      return;
    }
    const person = get ? (persons[get[1]] as { dateOfBirth: string } | undefined) : undefined;
    if (!person || person.dateOfBirth !== url.searchParams.get('dateOfBirth')) {
      response.writeHead(404, { 'Content-Type': 'application/json' }).end('{"title":"Person not found"}');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(person));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, fake });
    });
  });
}

describe('the Teaching Record System over HTTP', () => {
  let server: Server;
  let url: string;
  let fake: FakeRecord;
  const client = () =>
    httpTeachingRecordInduction({ baseUrl: url, apiKey: KEY, backoffMs: 5, timeoutMs: 300, retries: 2 });

  before(async () => {
    ({ server, url, fake } = await startFake());
  });
  beforeEach(() => {
    fake.failures = [];
    fake.requests = [];
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('finds a teacher by TRN and date of birth, sending its key and API version', async () => {
    const [ada, barred] = await client().findTeachers([
      { trn: '1234567', dateOfBirth: '1995-12-10' },
      { trn: '7654321', dateOfBirth: '1990-01-01' },
    ]);
    assert.deepEqual(ada, {
      trn: '1234567',
      dateOfBirth: '1995-12-10',
      firstName: 'Ada',
      lastName: 'Lovelace',
      qtsDate: '2024-07-20',
      inductionStatus: 'RequiredToComplete',
      inductionStartDate: null,
      inductionCompletedDate: null,
      prohibited: false,
    });
    assert.equal(barred?.prohibited, true);
    assert.equal(barred?.inductionStatus, 'Passed');
    assert.equal(fake.requests[0].authorization, `Bearer ${KEY}`);
    assert.ok(fake.requests[0].version);
    assert.match(fake.requests[0].url, /^\/v3\/persons\/1234567\?dateOfBirth=1995-12-10&include=/);
  });

  it('finds no one for a wrong date of birth, an unknown TRN (404), a deactivated record (410) or a merged one (308)', async () => {
    const answers = await client().findTeachers([
      { trn: '1234567', dateOfBirth: '1995-12-11' },
      { trn: '9999999', dateOfBirth: '1995-12-10' },
      { trn: '1111111', dateOfBirth: '1995-12-10' },
      { trn: '2222222', dateOfBirth: '1995-12-10' },
    ]);
    assert.deepEqual(answers, [undefined, undefined, undefined, undefined]);
  });

  it('tries again after 5xx answers and a timeout, and answers once the record does', async () => {
    fake.failures = [503, 'hang'];
    const [ada] = await client().findTeachers([{ trn: '1234567', dateOfBirth: '1995-12-10' }]);
    assert.equal(ada?.lastName, 'Lovelace');
    assert.equal(fake.requests.length, 3);
  });

  it('says the record is unavailable when it never answers', async () => {
    fake.failures = [500, 502, 503];
    await assert.rejects(
      client().findTeachers([{ trn: '1234567', dateOfBirth: '1995-12-10' }]),
      TeachingRecordUnavailable,
    );
    const closed = httpTeachingRecordInduction({
      baseUrl: 'http://127.0.0.1:1',
      apiKey: KEY,
      backoffMs: 1,
      retries: 1,
    });
    await assert.rejects(
      closed.findTeachers([{ trn: '1234567', dateOfBirth: '1995-12-10' }]),
      TeachingRecordUnavailable,
    );
  });

  describe('status changes from Rollbook', () => {
    let database: Database;
    before(async () => {
      database = await testDatabase();
    });
    after(() => database.close());

    it('sends a claim and a pass as the API expects, and sends again one the record did not answer', async () => {
      const hub = await createAppropriateBody(database.db);
      const [record] = await client().findTeachers([{ trn: '1234567', dateOfBirth: '1995-12-10' }]);
      assert.ok(record);
      const options = { via: 'test', today: '2026-06-15' };
      const { teacherIds } = await claimEcts(
        database.db,
        hub,
        [{ record, startedOn: '2024-09-02', programme: 'school_led' }],
        options,
      );
      await closeInductions(
        database.db,
        hub,
        [{ teacherId: teacherIds[0], finishedOn: '2026-05-01', terms: 6, outcome: 'pass' }],
        options,
      );
      fake.requests = [];
      fake.failures = [503, 503, 503];
      await assert.rejects(sendAllInductionStatusUpdates(database.db, client()), TeachingRecordUnavailable);
      const pending = await database.db
        .selectFrom('induction_status_updates')
        .select(['status', 'attempts', 'state'])
        .orderBy('id')
        .execute();
      assert.deepEqual(pending, [
        { status: 'InProgress', attempts: 1, state: 'pending' },
        { status: 'Passed', attempts: 0, state: 'pending' },
      ]);
      fake.requests = [];
      assert.equal(await sendAllInductionStatusUpdates(database.db, client()), 2);
      assert.deepEqual(
        fake.requests.map((r) => [
          r.method,
          r.url,
          (r.body as Record<string, unknown>).status,
          (r.body as Record<string, unknown>).startDate,
          (r.body as Record<string, unknown>).completedDate,
        ]),
        [
          ['PUT', '/v3/persons/1234567/cpd-induction', 'InProgress', '2024-09-02', null],
          ['PUT', '/v3/persons/1234567/cpd-induction', 'Passed', '2024-09-02', '2026-05-01'],
        ],
      );
    });

    it('sends a fail, then support’s reopening, moved start and deleted period, in order', async () => {
      const hub = await createAppropriateBody(database.db);
      const support = await createOrganisationWithAdmin(database.db, { type: 'support', name: 'Support' });
      const [record] = await client().findTeachers([{ trn: '3141592', dateOfBirth: '1994-12-09' }]);
      assert.ok(record);
      const options = { via: 'test', today: '2026-06-15' };
      const {
        teacherIds: [id],
      } = await claimEcts(database.db, hub, [{ record, startedOn: '2024-09-02', programme: 'school_led' }], options);
      await failEct(
        database.db,
        hub,
        { teacherId: id, finishedOn: '2026-05-01', terms: 6, confirmationSentOn: '2026-05-02' },
        { ...options, notice: { to: 'regulator@example.com', send: async () => {} } },
      );
      await reopenInduction(database.db, support, id, 'Ticket 1: fail recorded in error', options);
      const period = await database.db
        .selectFrom('induction_periods')
        .select('id')
        .where('teacher_id', '=', id)
        .executeTakeFirstOrThrow();
      await changeInductionPeriod(
        database.db,
        support,
        period.id,
        {
          appropriateBodyId: hub.organisation.id,
          startedOn: '2024-09-09',
          finishedOn: null,
          terms: '',
          programme: 'school_led',
        },
        'Ticket 2: started a week later',
        options,
      );
      await deleteInductionPeriod(database.db, support, period.id, 'Ticket 3: claimed in error', options);
      fake.requests = [];
      fake.failures = [];
      assert.equal(await sendAllInductionStatusUpdates(database.db, client()), 5);
      assert.deepEqual(
        fake.requests.map((r) => {
          const body = r.body as Record<string, unknown>;
          return [r.method, r.url, body.status, body.startDate, body.completedDate];
        }),
        [
          ['PUT', '/v3/persons/3141592/cpd-induction', 'InProgress', '2024-09-02', null],
          ['PUT', '/v3/persons/3141592/cpd-induction', 'Failed', '2024-09-02', '2026-05-01'],
          ['PUT', '/v3/persons/3141592/cpd-induction', 'InProgress', '2024-09-02', null],
          ['PUT', '/v3/persons/3141592/cpd-induction', 'InProgress', '2024-09-09', null],
          ['PUT', '/v3/persons/3141592/cpd-induction', 'RequiredToComplete', null, null],
        ],
      );
    });
  });
});
