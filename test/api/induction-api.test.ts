// API v1 round trips for the induction kinds: the claims template prefilled with the ECTs schools
// reported (40 of them claimed, two rows with errors fixed through the error report and uploaded
// again), outcomes (passes and releases; a fail refused), undo of both, 404 for another body; and a
// claims upload that waits while the teaching record does not answer, then is checked.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { DEMO } from '../../src/demo/index.ts';
import { today } from '../../src/domain/dates.ts';
import { claimEcts } from '../../src/domain/induction/periods.ts';
import { type Actor, SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { TeachingRecordUnavailable } from '../../src/domain/ports/teaching-record.ts';
import { localTeachingRecordInduction } from '../../src/integrations/teaching-record/local-induction.ts';
import { checkUpload, receiveUpload } from '../../src/uploads/pipeline.ts';
import { sweepStalledChecks } from '../../src/uploads/stalled-checks.ts';
import { actorFor } from '../support/actors.ts';
import { startTestApp, type TestContext } from '../support/app.ts';
import { csvFile, readCsv } from '../support/csv.ts';

async function multipart(fields: Record<string, string | { name: string; bytes: Uint8Array }>) {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(name, value);
    else form.append(name, new Blob([value.bytes], { type: 'text/csv' }), value.name);
  }
  const response = new Response(form);
  return {
    payload: Buffer.from(await response.arrayBuffer()),
    headers: { 'content-type': response.headers.get('content-type') ?? '' },
  };
}

/** The induction status the (local) teaching record holds for each of these TRNs. */
async function recordStatuses(context: TestContext, trns: string[]) {
  const rows = await context.database.db
    .selectFrom('teaching_record_teachers')
    .select(['trn', 'induction_status'])
    .where('trn', 'in', trns)
    .orderBy('trn')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.trn, r.induction_status]));
}

/** Status changes written but not yet sent to the teaching record. */
async function pendingStatusChanges(context: TestContext) {
  const { n } = await context.database.db
    .selectFrom('induction_status_updates')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('state', '<>', 'sent')
    .executeTakeFirstOrThrow();
  return Number(n);
}
const dmy = (iso: string) => iso.split('-').reverse().join('/');

describe('API v1: induction claims and outcomes', () => {
  let context: TestContext;
  let token: string;
  let otherToken: string;
  let otherActor: Actor;

  before(async () => {
    context = await startTestApp();
    const db = context.database.db;
    const ab = await actorFor(db, 'ab@example.com', DEMO.appropriateBody.name);
    token = (await createApiToken(db, ab, ab.organisation.id, 'Caseload system')).token;
    const other = await createOrganisation(db, SYSTEM, {
      type: 'appropriate_body',
      appropriateBodyType: 'teaching_school_hub',
      name: 'Elsewhere Hub',
    });
    const { user } = await addUserToOrganisation(db, SYSTEM, other.id, {
      email: 'elsewhere@example.com',
      firstName: 'Eli',
      lastName: 'Where',
      role: 'admin',
      password: 'rollbook-demo',
    });
    otherActor = {
      userId: user.id,
      email: user.email,
      firstName: 'Eli',
      lastName: 'Where',
      organisation: { id: other.id, type: 'appropriate_body', name: other.name },
      role: 'admin',
    };
    otherToken = (await createApiToken(db, otherActor, other.id, 'Other')).token;
  });
  after(() => context.close());

  const api = (
    method: 'GET' | 'POST',
    url: string,
    bearer: string,
    body?: { payload: Buffer; headers: Record<string, string> },
  ) =>
    context.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${bearer}`, ...(body?.headers ?? {}) },
      ...(body ? { payload: body.payload } : {}),
    });

  async function upload(kind: string, rows: string[][], bearer = token) {
    const created = await api(
      'POST',
      '/api/v1/uploads',
      bearer,
      await multipart({ kind, file: { name: `${kind}.csv`, bytes: csvFile(rows) } }),
    );
    assert.equal(created.statusCode, 201, created.body);
    const shown = await api('GET', `/api/v1/uploads/${created.json().id}`, bearer);
    return shown.json();
  }

  const submit = (id: string, bearer = token) =>
    context.app.inject({
      method: 'POST',
      url: `/api/v1/uploads/${id}/submit`,
      headers: { authorization: `Bearer ${bearer}` },
      payload: { skipErrors: true },
    });

  let claimsUpload: string;
  let claimedTrns: string[];

  it('offers an empty claims sheet too, and prefills another body’s sheets with none of this body’s ECTs', async () => {
    const empty = await api('GET', '/api/v1/templates/induction-claims?format=csv&ects=none', token);
    assert.equal(empty.statusCode, 200, empty.body);
    assert.deepEqual(readCsv(empty.body), [
      ['TRN', 'Date of birth', 'Induction programme', 'Induction period start date'],
    ]);
    for (const kind of ['induction-claims', 'induction-outcomes']) {
      const other = await api('GET', `/api/v1/templates/${kind}?format=csv`, otherToken);
      assert.equal(other.statusCode, 200, other.body);
      assert.equal(readCsv(other.body).length, 1, `${kind}: headings only for a body nobody reported to`);
    }
  });

  it('claims 40 prefilled ECTs, two of them after fixing their rows from the error report', async () => {
    const template = await api('GET', '/api/v1/templates/induction-claims?format=csv', token);
    assert.equal(template.statusCode, 200, template.body);
    const [headers, ...rows] = readCsv(template.body);
    assert.deepEqual(headers, ['TRN', 'Date of birth', 'Induction programme', 'Induction period start date']);
    assert.ok(rows.length >= 45, `${rows.length} rows prefilled`);
    const picked = rows.slice(0, 40).map((row) => [...row]);
    const [goodDob, goodStart] = [picked[0][1], picked[1][3]];
    picked[0][1] = '01/01/1970';
    picked[1][3] = dmy(`${Number(today().slice(0, 4)) + 1}${today().slice(4)}`);
    const first = await upload('induction-claims', [headers, ...picked]);
    assert.equal(first.state, 'checked');
    assert.deepEqual([first.counts.changes, first.counts.errors], [38, 2]);

    const report = await api('GET', `/api/v1/uploads/${first.id}/report?format=csv`, token);
    assert.equal(report.statusCode, 200, report.body);
    const reported = readCsv(report.body);
    const errorsColumn = reported[0].length - 1;
    const withErrors = reported.slice(1).filter((row) => row[errorsColumn]);
    assert.equal(withErrors.length, 2);
    assert.match(withErrors[0][errorsColumn], /do not match a teacher in the Teaching Record System/);
    assert.match(withErrors[1][errorsColumn], /cannot be in the future/);

    // Fixed in the report itself, which uploads again as it is.
    const fixed = reported.map((row) => [...row]);
    const at = (row: string[]) => fixed.findIndex((r) => r[0] === row[0]);
    fixed[at(withErrors[0])][1] = goodDob;
    fixed[at(withErrors[1])][3] = goodStart;
    const second = await upload('induction-claims', fixed);
    assert.deepEqual([second.counts.changes, second.counts.errors], [40, 0]);
    assert.equal((await api('GET', `/api/v1/uploads/${second.id}`, otherToken)).statusCode, 404);
    assert.equal((await submit(second.id, otherToken)).statusCode, 404);
    const submitted = await submit(second.id);
    assert.equal(submitted.statusCode, 200, submitted.body);
    assert.deepEqual(submitted.json(), { state: 'submitted', submitted: 40 });
    claimsUpload = second.id;
    claimedTrns = fixed.slice(1).map((r) => r[0]);
    const claimed = await context.database.db
      .selectFrom('induction_periods')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('claimed_by_upload', '=', second.id)
      .executeTakeFirstOrThrow();
    assert.equal(Number(claimed.n), 40);
    const sentToRecord = await context.database.db
      .selectFrom('teaching_record_teachers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where(
        'trn',
        'in',
        fixed.slice(1).map((r) => r[0]),
      )
      .where('induction_status', '=', 'InProgress')
      .executeTakeFirstOrThrow();
    assert.equal(Number(sentToRecord.n), 40, 'the teaching record heard of every claim');
  });

  it('refuses at submission a claim whose teacher another body claimed after the check, and claims the rest', async () => {
    const db = context.database.db;
    const template = await api('GET', '/api/v1/templates/induction-claims?format=csv', token);
    const [headers, ...rows] = readCsv(template.body);
    const picked = rows.slice(0, 3);
    const checked = await upload('induction-claims', [headers, ...picked]);
    assert.deepEqual([checked.state, checked.counts.changes], ['checked', 3]);
    // Meanwhile another body claims the second teacher.
    const [trn, dob] = picked[1];
    const [record] = await localTeachingRecordInduction(db).findTeachers([
      { trn, dateOfBirth: dob.split('/').reverse().join('-') },
    ]);
    assert.ok(record);
    await claimEcts(db, otherActor, [{ record, startedOn: today(), programme: 'provider_led' }], {
      via: 'page',
      today: today(),
    });

    const refused = await submit(checked.id);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.deepEqual([refused.json().state, refused.json().stale], ['checked', 1]);
    const report = readCsv((await api('GET', `/api/v1/uploads/${checked.id}/report?format=csv`, token)).body);
    const errors = report.slice(1).map((row) => row.at(-1));
    assert.equal(errors[0], '');
    assert.match(
      errors[1] ?? '',
      /completing their induction with another appropriate body \(Elsewhere Hub\).*\(this changed after the file was checked\)/,
    );
    assert.equal(errors[2], '');

    const submitted = await submit(checked.id);
    assert.deepEqual(submitted.json(), { state: 'submitted', submitted: 2 });
    const { rows: claimed } = await sql<{ trn: string; body: string; events: number; statuses: number }>`
      select t.trn, o.name as body,
        (select count(*) from events e where e.subject_id = t.id::text and e.action = 'induction claimed'
          and e.via = ${`upload ${checked.id}`})::int as events,
        (select count(*) from induction_status_updates s where s.teacher_id = t.id and s.status = 'InProgress')::int as statuses
      from induction_periods p join teachers t on t.id = p.teacher_id join organisations o on o.id = p.appropriate_body_id
      where p.claimed_by_upload = ${checked.id}::uuid order by t.trn
    `.execute(db);
    assert.deepEqual(
      claimed,
      [picked[0][0], picked[2][0]]
        .sort()
        .map((t) => ({ trn: t, body: DEMO.appropriateBody.name, events: 1, statuses: 1 })),
    );
  });

  it('records passes and releases in bulk, refuses a fail, and undoes them', async () => {
    const template = await api('GET', '/api/v1/templates/induction-outcomes?format=csv', token);
    const [headers, ...rows] = readCsv(template.body);
    assert.deepEqual(headers, ['TRN', 'Date of birth', 'Induction period end date', 'Number of terms', 'Outcome']);
    assert.ok(rows.length >= 40);
    const end = dmy(today());
    const filled = rows.map((row) => [...row]);
    filled[0].splice(2, 3, end, '6', 'pass');
    filled[1].splice(2, 3, end, '2.5', 'Release');
    filled[2].splice(2, 3, end, '6', 'fail');
    filled[3].splice(2, 3, end, '6.25', 'pass');
    const checked = await upload('induction-outcomes', [headers, ...filled]);
    assert.deepEqual([checked.counts.changes, checked.counts.skipped, checked.counts.errors], [2, rows.length - 4, 2]);
    const report = readCsv((await api('GET', `/api/v1/uploads/${checked.id}/report?format=csv`, token)).body);
    const messages = report.map((row) => row.at(-1)).join('\n');
    assert.match(messages, /a fail cannot be recorded in bulk/);
    assert.match(messages, /up to 1 decimal place/);
    const submitted = await submit(checked.id);
    assert.deepEqual(submitted.json(), { state: 'submitted', submitted: 2 });
    const closed = await context.database.db
      .selectFrom('induction_periods')
      .select(['outcome', sql<string>`number_of_terms::text`.as('terms')])
      .where('closed_by_upload', '=', checked.id)
      .orderBy('outcome')
      .execute();
    assert.deepEqual(closed, [
      { outcome: 'pass', terms: '6' },
      { outcome: null, terms: '2.5' },
    ]);
    assert.equal((await recordStatuses(context, [filled[0][0]]))[filled[0][0]], 'Passed', 'the pass was sent');
    assert.equal((await api('POST', `/api/v1/uploads/${checked.id}/undo`, otherToken)).statusCode, 404);
    const undone = await api('POST', `/api/v1/uploads/${checked.id}/undo`, token);
    assert.equal(undone.statusCode, 200, undone.body);
    const reopened = await context.database.db
      .selectFrom('induction_periods')
      .select('id')
      .where('teacher_id', 'in', (eb) =>
        eb.selectFrom('teachers').select('id').where('trn', 'in', [filled[0][0], filled[1][0]]),
      )
      .where('finished_on', 'is', null)
      .execute();
    assert.equal(reopened.length, 2);
    // The undone pass is sent at once, as a submission's changes are, not left for the next sweep.
    assert.equal((await recordStatuses(context, [filled[0][0]]))[filled[0][0]], 'InProgress');
    assert.equal(await pendingStatusChanges(context), 0);
  });

  it('undoes the claims, unless one has changed since', async () => {
    await sql`update induction_periods set version = version + 1 where id = (
      select id from induction_periods where claimed_by_upload = ${claimsUpload} limit 1)`.execute(context.database.db);
    const refused = await api('POST', `/api/v1/uploads/${claimsUpload}/undo`, token);
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /has changed since it was claimed/);
    await sql`update induction_periods set version = 1 where claimed_by_upload = ${claimsUpload}`.execute(
      context.database.db,
    );
    const undone = await api('POST', `/api/v1/uploads/${claimsUpload}/undo`, token);
    assert.equal(undone.statusCode, 200, undone.body);
    const left = await context.database.db
      .selectFrom('induction_periods')
      .select('id')
      .where('claimed_by_upload', '=', claimsUpload)
      .execute();
    assert.deepEqual(left, []);
    // The teachers left with no period are sent back to "required to complete" at once.
    assert.equal(await pendingStatusChanges(context), 0);
    const statuses = Object.values(await recordStatuses(context, claimedTrns));
    assert.equal(statuses.length, 40);
    assert.ok(
      statuses.every((s) => s === 'RequiredToComplete'),
      statuses.join(', '),
    );
  });

  it('waits while the teaching record does not answer, then checks the whole file', async () => {
    const db = context.database.db;
    const actor = await actorFor(db, 'ab@example.com', DEMO.appropriateBody.name);
    const template = await api('GET', '/api/v1/templates/induction-claims?format=csv', token);
    const rows = readCsv(template.body).slice(0, 4);
    const received = await receiveUpload(
      context.database,
      actor,
      'induction-claims',
      { name: 'claims.csv', bytes: csvFile(rows) },
      today(),
      { checkLater: async () => {} },
    );
    let calls = 0;
    const local = localTeachingRecordInduction(db);
    const flaky = {
      ...local,
      async findTeachers(lookups: Parameters<typeof local.findTeachers>[0]) {
        calls++;
        if (calls === 1) throw new TeachingRecordUnavailable('503');
        assert.equal(lookups.length, 3, 'the whole file at once');
        return local.findTeachers(lookups);
      },
      requestAwards: async () => [],
      requestTrns: async () => [],
    };
    const waiting = await checkUpload(context.database, actor, received.id, today(), undefined, {
      adapters: { teachingRecord: flaky },
    });
    assert.equal(waiting.state, 'waiting');
    assert.match(waiting.failure_message ?? '', /The Teaching Record System did not answer/);
    assert.equal(waiting.change_count, 0, 'never half-checked');
    await sql`update uploads set retry_at = now() - interval '1 second' where id = ${received.id}`.execute(db);
    const { resume } = await sweepStalledChecks(db);
    assert.ok(resume.includes(received.id), 'checked again once its wait is over');
    const checked = await checkUpload(context.database, actor, received.id, today(), undefined, {
      adapters: { teachingRecord: flaky },
    });
    assert.equal(checked.state, 'checked');
    assert.equal(checked.change_count, 3);
  });
});
