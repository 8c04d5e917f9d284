// The records API as a student record system uses it: create 50 trainees, retry a create with the
// same idempotency key, page through the list with updatedSince, update one, withdraw one, defer
// one; errors by field, duplicates, locked records, reference lists, and nothing of another
// provider's. Every answer is checked against the OpenAPI document.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { addMonths, today } from '../../src/domain/dates.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { startTestApp, type TestContext } from '../support/app.ts';
import { readCsv } from '../support/csv.ts';
import { traineeInput } from '../support/trainee-input.ts';
import { type DocumentedAnswers, recordAnswers } from './answers-as-documented.ts';

const TODAY = today();

/** Test details in the API's shape: the degree as an object. */
function body(overrides: Record<string, unknown> = {}) {
  const {
    degreeType,
    degreeSubject,
    degreeGrade,
    degreeGraduationYear,
    degreeInstitution,
    degreeCountry: _country,
    courseYear,
    ...rest
  } = traineeInput();
  return {
    ...rest,
    courseYear: Number(courseYear),
    degree: {
      type: degreeType,
      subject: degreeSubject,
      grade: degreeGrade,
      graduationYear: Number(degreeGraduationYear),
      institution: degreeInstitution,
      country: null,
    },
    ...overrides,
  };
}

describe('records API: trainees', () => {
  let context: TestContext;
  let answers: DocumentedAnswers;
  let scittToken: string;
  let universityToken: string;

  before(async () => {
    context = await startTestApp();
    answers = recordAnswers(context.app);
    const db = context.database.db;
    const scitt = await findOrganisationByReference(db, '10000001');
    const university = await findOrganisationByReference(db, '10000002');
    scittToken = (await createApiToken(db, SYSTEM, scitt.id, 'Student record system', 'cli')).token;
    universityToken = (await createApiToken(db, SYSTEM, university.id, 'Other system', 'cli')).token;
  });
  after(() => context.close());

  function api(
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    {
      token = scittToken,
      payload,
      headers = {},
    }: { token?: string; payload?: unknown; headers?: Record<string, string> } = {},
  ) {
    return context.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...headers },
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });
  }

  it('does the round trip of a student record system', async () => {
    // Everything changed after the last change so far.
    const latest = await context.database.db
      .selectFrom('trainees')
      .select((eb) => eb.fn.max('updated_at').as('at'))
      .executeTakeFirstOrThrow();
    const since = new Date(new Date(latest.at as Date).getTime() + 1).toISOString();
    const created: string[] = [];
    for (let i = 0; i < 50; i++) {
      const response = await api('POST', '/api/v1/trainees', {
        payload: body(),
        headers: { 'idempotency-key': `create-${i}` },
      });
      assert.equal(response.statusCode, 201, response.body);
      const { data } = response.json();
      // The local teaching record gives the TRN at once.
      assert.equal(data.state, 'trn_received');
      assert.match(data.trn, /^\d{7}$/);
      assert.equal(data.recordSource, 'api');
      created.push(data.id);
    }

    // A retried create gives the first answer, and no second trainee.
    const count = async () =>
      Number(
        (
          await context.database.db
            .selectFrom('trainees')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const retried = await api('POST', '/api/v1/trainees', {
      payload: body(),
      headers: { 'idempotency-key': 'create-7' },
    });
    assert.equal(retried.statusCode, 422, 'the same key with other details is refused');
    const first = await api('POST', '/api/v1/trainees', {
      payload: { ...body(), lastName: 'Retry', email: 'retry@example.com', providerTraineeId: 'RETRY-1' },
      headers: { 'idempotency-key': 'retry-me' },
    });
    const again = await api('POST', '/api/v1/trainees', {
      payload: { ...body(), lastName: 'Retry', email: 'retry@example.com', providerTraineeId: 'RETRY-1' },
      headers: { 'idempotency-key': 'retry-me' },
    });
    assert.equal(again.statusCode, 201);
    assert.equal(again.json().data.id, first.json().data.id);
    assert.equal(await count(), before + 1);
    created.push(first.json().data.id);

    // Page through everything changed since the start, 20 a page.
    const seen: string[] = [];
    let next: string | null = `/api/v1/trainees?updatedSince=${encodeURIComponent(since)}&limit=20`;
    let pages = 0;
    while (next) {
      const page = await api('GET', next);
      assert.equal(page.statusCode, 200, page.body);
      const json = page.json();
      assert.ok(json.data.length <= 20);
      seen.push(...json.data.map((t: { id: string }) => t.id));
      next = json.links.next;
      pages += 1;
    }
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), [...created].sort(), 'each created trainee once, and none of before');

    // Update one: only the fields sent change.
    const [one, two, three] = created;
    const changed = await api('PATCH', `/api/v1/trainees/${one}`, { payload: { lastName: 'Byron' } });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal(changed.json().data.lastName, 'Byron');
    assert.equal(changed.json().data.firstNames, 'Ada');
    const bad = await api('PATCH', `/api/v1/trainees/${one}`, {
      payload: { hesaId: '123', degree: { ...body().degree, grade: 'best' } },
    });
    assert.equal(bad.statusCode, 422);
    assert.deepEqual(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
      ['degree.grade', 'hesaId'],
    );

    // Withdraw one; it can no longer be changed.
    const startDate = changed.json().data.ittStartDate as string;
    const date = startDate > TODAY ? null : TODAY;
    if (date) {
      const withdrawn = await api('POST', `/api/v1/trainees/${two}/withdraw`, {
        payload: { date, reasons: ['financial_reasons'] },
      });
      assert.equal(withdrawn.statusCode, 200, withdrawn.body);
      assert.equal(withdrawn.json().data.state, 'withdrawn');
      assert.deepEqual(withdrawn.json().data.withdrawalReasons, ['financial_reasons']);
      const locked = await api('PATCH', `/api/v1/trainees/${two}`, { payload: { lastName: 'X' } });
      assert.equal(locked.statusCode, 409);
      assert.match(locked.json().errors[0].message, /has withdrawn/);
      const deferred = await api('POST', `/api/v1/trainees/${three}/defer`, { payload: { date } });
      assert.equal(deferred.json().data.state, 'deferred');
      const noReason = await api('POST', `/api/v1/trainees/${three}/withdraw`, { payload: { date, reasons: [] } });
      assert.equal(noReason.statusCode, 422);
      assert.equal(noReason.json().errors[0].field, 'reasons');
    }

    // The changes are audited as the token.
    const events = await context.database.db
      .selectFrom('events')
      .select(['action', 'via'])
      .where('subject_id', '=', one)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      events.map((e) => `${e.action} via ${e.via}`),
      [
        'registered via api token Student record system',
        'trn received via teaching record system',
        'details changed via api token Student record system',
      ],
    );
  });

  it('names the field of each broken rule, and refuses a duplicate with 409 naming the existing record', async () => {
    const missing = await api('POST', '/api/v1/trainees', { payload: { firstNames: 'Ada' } });
    assert.equal(missing.statusCode, 422);
    const fields = missing.json().errors.map((e: { field: string }) => e.field);
    for (const f of ['lastName', 'dateOfBirth', 'email', 'trainingRoute', 'ittStartDate'])
      assert.ok(fields.includes(f), f);
    const future = await api('POST', '/api/v1/trainees', { payload: body({ dateOfBirth: addMonths(TODAY, 2) }) });
    assert.deepEqual(future.json().errors, [{ field: 'dateOfBirth', message: 'Date of birth must be in the past' }]);

    const original = await api('POST', '/api/v1/trainees', {
      payload: body({ firstNames: 'Edith', lastName: 'Clarke' }),
    });
    const duplicate = await api('POST', '/api/v1/trainees', {
      payload: body({ firstNames: 'edith anne', lastName: 'CLARKE', email: 'another@example.com' }),
    });
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json().existing.id, original.json().data.id);
  });

  it('gives the reference lists, and says which lists there are', async () => {
    const sexes = await api('GET', '/api/v1/reference/sexes');
    assert.deepEqual(sexes.json().data[0], { code: 'female', name: 'Female' });
    for (const list of ['training-routes', 'subjects', 'age-ranges', 'study-modes', 'withdrawal-reasons']) {
      const response = await api('GET', `/api/v1/reference/${list}`);
      assert.equal(response.statusCode, 200);
      assert.ok(response.json().data.length > 1);
    }
    const unknown = await api('GET', '/api/v1/reference/colours');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json().errors[0].message, /Use one of: training-routes/);
  });

  it('finds no trainee of another provider, and lists only the token’s own', async () => {
    const mine = (await api('POST', '/api/v1/trainees', { payload: body() })).json().data.id;
    const other = { token: universityToken };
    assert.equal((await api('GET', `/api/v1/trainees/${mine}`, other)).statusCode, 404);
    assert.equal(
      (await api('PATCH', `/api/v1/trainees/${mine}`, { ...other, payload: { lastName: 'X' } })).statusCode,
      404,
    );
    assert.equal(
      (
        await api('POST', `/api/v1/trainees/${mine}/withdraw`, {
          ...other,
          payload: { date: TODAY, reasons: ['health_reasons'] },
        })
      ).statusCode,
      404,
    );
    assert.equal(
      (await api('POST', `/api/v1/trainees/${mine}/defer`, { ...other, payload: { date: TODAY } })).statusCode,
      404,
    );
    const university = await findOrganisationByReference(context.database.db, '10000002');
    let next: string | null = '/api/v1/trainees?limit=500';
    while (next) {
      const page = await api('GET', next, other);
      for (const t of page.json().data) assert.notEqual(t.id, mine);
      next = page.json().links.next;
    }
    assert.ok(university.id);
    // A cursor the API did not give is refused, whatever it holds, and reaches no query.
    for (const made of [`2020|${mine}`, `2026-01-01T00:00:00.000000Z|${'f'.repeat(36)}`, 'x|y']) {
      const cursor = Buffer.from(made).toString('base64url');
      const refused = await api('GET', `/api/v1/trainees?cursor=${cursor}`);
      assert.equal(refused.statusCode, 422, made);
      assert.match(refused.json().errors[0].message, /cursor is not one this API gave/);
    }
  });

  it('gives the bulk sheet empty, or listing the token’s own trainees who can still be changed', async () => {
    const db = context.database.db;
    const empty = await api('GET', '/api/v1/templates/trainees?format=csv');
    assert.equal(empty.statusCode, 200);
    assert.equal(readCsv(empty.body).length, 1, 'the headings only, unless told');

    const listed = await api('GET', '/api/v1/templates/trainees?format=csv&trainees=changeable');
    assert.equal(listed.statusCode, 200);
    const [headers, ...rows] = readCsv(listed.body);
    const ids = rows.map((row) => row[headers.indexOf('Provider trainee ID')]).filter(Boolean);
    const scitt = await findOrganisationByReference(db, '10000001');
    const changeable = await db
      .selectFrom('trainees')
      .select(['provider_id', 'provider_trainee_id'])
      .where('state', 'not in', ['recommended', 'awarded', 'withdrawn'])
      .where('provider_trainee_id', 'is not', null)
      .execute();
    const own = changeable.filter((t) => t.provider_id === scitt.id).map((t) => t.provider_trainee_id);
    assert.equal(rows.length, own.length);
    assert.deepEqual(new Set(ids), new Set(own), 'every changeable trainee of the SCITT, and only those');

    const wrong = await api('GET', '/api/v1/templates/trainees?format=csv&trainees=everyone');
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.json().errors[0].message, /trainees must be one of: none, changeable/);
  });

  it('sends the RateLimit headers on every answer', async () => {
    const response = await api('GET', '/api/v1/trainees?limit=1');
    assert.match(String(response.headers['ratelimit-limit']), /^\d+$/);
    assert.match(String(response.headers['ratelimit-remaining']), /^\d+$/);
    assert.match(String(response.headers['ratelimit-reset']), /^\d+$/);
  });

  it('answered every request above as the OpenAPI document describes', () => answers.check());
});
