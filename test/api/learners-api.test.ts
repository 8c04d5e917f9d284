// API v1 for school data: GET /learners/{upn}/school-data for a school's token allowed to read
// learners' data (fields in column order, blanks left out, the view recorded), 404 for a token
// without the permission, another school's learner or a provider; and the upload round trip with
// the header block sent as form fields and publishAt on the submit.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inTransaction } from '../../src/db/transaction.ts';
import type { Actor } from '../../src/domain/organisations/actor.ts';
import { createApiToken } from '../../src/domain/organisations/api-tokens.ts';
import { findLearnerByUpn } from '../../src/domain/school-data/learners.ts';
import { learnerDataPage, submitSchoolData } from '../../src/domain/school-data/school-data.ts';
import { actorFor } from '../support/actors.ts';
import { startTestApp, type TestContext } from '../support/app.ts';
import { csvFile } from '../support/csv.ts';
import { createSchoolOrganisation, testUpn } from '../support/factories.ts';
import { type DocumentedAnswers, recordAnswers } from './answers-as-documented.ts';

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

describe('API v1: learners’ school data', () => {
  let context: TestContext;
  let answers: DocumentedAnswers;
  let school: Actor;
  let allowed: string;
  let notAllowed: string;
  let otherSchool: string;
  let provider: string;

  before(async () => {
    context = await startTestApp();
    answers = recordAnswers(context.app);
    const db = context.database.db;
    school = await actorFor(db, 'school@example.com', '100001');
    const other = await createSchoolOrganisation(db);
    allowed = (await createApiToken(db, school, school.organisation.id, 'Portal', 'page', { allowLearnerData: true }))
      .token;
    notAllowed = (await createApiToken(db, school, school.organisation.id, 'MIS')).token;
    otherSchool = (await createApiToken(db, other, other.organisation.id, 'Portal', 'page', { allowLearnerData: true }))
      .token;
    const scitt = await actorFor(db, 'provider@example.com', '10000001');
    provider = (await createApiToken(db, scitt, scitt.organisation.id, 'SRS')).token;
    await assert.rejects(
      createApiToken(db, scitt, scitt.organisation.id, 'X', 'page', { allowLearnerData: true }),
      /Only a school’s token can read learners’ data/,
    );
    await inTransaction(db, (tx) =>
      submitSchoolData(
        tx,
        school,
        {
          items: [
            {
              upn: testUpn(1),
              admissionNumber: 'A1',
              firstName: 'Ada',
              surname: 'Lovelace',
              dateOfBirth: '2012-01-01',
              yearGroup: 'Year 9',
              fields: [
                ['Maths', '9'],
                ['Art', ''],
                ['English', '7'],
              ],
            },
          ],
        },
        { introduction: ['Your grades.'], publishAt: new Date(), submittedByName: 'Head', dateSubmitted: null },
        { via: 'test' },
      ),
    );
  });
  after(async () => {
    await answers.check();
    await context.close();
  });

  const get = (url: string, token: string) =>
    context.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('gives a learner’s data in column order without blanks, and records the view', async () => {
    const response = await get(`/api/v1/learners/${testUpn(1).toLowerCase()}/school-data`, allowed);
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    assert.deepEqual(
      { ...body, publishedAt: typeof body.publishedAt },
      {
        upn: testUpn(1),
        firstName: 'Ada',
        surname: 'Lovelace',
        yearGroup: 'Year 9',
        publishedAt: 'string',
        introduction: ['Your grades.'],
        fields: [
          { name: 'Maths', value: '9' },
          { name: 'English', value: '7' },
        ],
      },
    );
    const view = await context.database.db
      .selectFrom('events')
      .select(['via'])
      .where('action', '=', 'school data viewed')
      .executeTakeFirstOrThrow();
    assert.equal(view.via, 'api token Portal');
  });

  it('answers 404 to a token without the permission, another school’s token, a provider and an unknown UPN', async () => {
    for (const token of [notAllowed, otherSchool, provider]) {
      const response = await get(`/api/v1/learners/${testUpn(1)}/school-data`, token);
      assert.equal(response.statusCode, 404);
      assert.doesNotMatch(response.body, /Lovelace/);
    }
    assert.equal((await get(`/api/v1/learners/${testUpn(2)}/school-data`, allowed)).statusCode, 404);
    assert.equal((await get('/api/v1/learners/x/school-data', allowed)).statusCode, 404);
  });

  it('takes an upload with the header block as form fields, and publishes at the time given', async () => {
    const rows = [
      ['First name', 'Surname', 'UPN', 'Admission number', 'Date of birth', 'Year group', 'Maths'],
      ['Ada', 'Lovelace', testUpn(1), 'A1', '1/1/2012', 'Year 9', '8'],
    ];
    const body = await multipart({
      kind: 'school-data',
      'Introductory text paragraph 1': 'Sent through the API.',
      'Import spreadsheet submitted by': 'MIS export',
      file: { name: 'data.csv', bytes: csvFile(rows) },
    });
    const created = await context.app.inject({
      method: 'POST',
      url: '/api/v1/uploads',
      headers: { authorization: `Bearer ${notAllowed}`, ...body.headers },
      payload: body.payload,
    });
    assert.equal(created.statusCode, 201, created.body);
    const upload = created.json();
    const bad = await context.app.inject({
      method: 'POST',
      url: `/api/v1/uploads/${upload.id}/submit`,
      headers: { authorization: `Bearer ${notAllowed}` },
      payload: { publishAt: 'next week' },
    });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.json().errors[0].message, /publishAt must be a date and time with its offset/);
    const at = new Date(Date.now() + 2 * 86_400_000);
    const submitted = await context.app.inject({
      method: 'POST',
      url: `/api/v1/uploads/${upload.id}/submit`,
      headers: { authorization: `Bearer ${notAllowed}` },
      payload: { publishAt: at.toISOString() },
    });
    assert.equal(submitted.statusCode, 200, submitted.body);
    const learner = await findLearnerByUpn(context.database.db, school.organisation.id, testUpn(1));
    assert.ok(learner);
    const now = await learnerDataPage(context.database.db, learner);
    assert.equal(now.data?.fields[0].value, '9', 'until then, the previous data');
    const then = await learnerDataPage(context.database.db, learner, new Date(at.getTime() + 1000));
    assert.deepEqual(then.data?.fields, [{ name: 'Maths', value: '8' }]);
    assert.deepEqual(then.data?.introduction, ['Sent through the API.']);
    const set = await context.database.db
      .selectFrom('school_data_sets')
      .select('submitted_by_name')
      .where('upload_id', '=', upload.id)
      .executeTakeFirstOrThrow();
    assert.equal(set.submitted_by_name, 'MIS export');
  });
});
