// Support users acting for a provider: the HESA placements import run for the demo university by a
// support user, audited as the support user and their support organisation; the banner and stopping;
// who may act for whom; and a session that loses its support membership loses its actor.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { findUserByEmail } from '../../src/domain/organisations/users.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';
import { csvFile } from '../support/csv.ts';

const UNIVERSITY = 'Rollbook Demo University';

describe('support acting for a provider', () => {
  let t: TestContext;
  let universityId: string;
  let supportId: string;
  let schoolId: string;
  let hubId: string;

  before(async () => {
    t = await startTestApp();
    const db = t.database.db;
    universityId = (await findOrganisationByReference(db, '10000002')).id;
    schoolId = (await findOrganisationByReference(db, '100001')).id;
    const byType = async (type: 'support' | 'appropriate_body') =>
      (await db.selectFrom('organisations').select('id').where('type', '=', type).executeTakeFirstOrThrow()).id;
    supportId = await byType('support');
    hubId = await byType('appropriate_body');
  });
  after(() => t.close());

  async function actingForUniversity(): Promise<Agent> {
    const agent = await signedIn(t.app, 'support@example.com');
    const page = await agent.get(`/support/organisations/${universityId}`);
    assert.match(page.body, new RegExp(`<form method="post" action="/support/organisations/${universityId}/act-for"`));
    assert.match(page.body, />\s*Act for this provider\s*</);
    const acted = await agent.post(`/support/organisations/${universityId}/act-for`);
    assert.equal(acted.statusCode, 303);
    assert.equal(acted.headers.location, '/');
    return agent;
  }

  async function placementCount(): Promise<number> {
    const row = await t.database.db
      .selectFrom('placements')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('provider_id', '=', universityId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('imports HESA placements for the university, audited as the support user and organisation', async () => {
    const db = t.database.db;
    const agent = await actingForUniversity();
    const home = await agent.get('/');
    assert.equal(home.statusCode, 200);
    assert.match(home.body, /You are now acting for Rollbook Demo University/);
    assert.match(home.body, /You are acting for Rollbook Demo University as Rollbook Support/);
    assert.match(home.body, /<form method="post" action="\/support\/stop-acting"/);
    assert.match(home.body, /Stop acting for Rollbook Demo University/);

    const trainees = await db
      .selectFrom('trainees')
      .leftJoin('placements', 'placements.trainee_id', 'trainees.id')
      .select(['trainees.id', 'trainees.hesa_id'])
      .where('trainees.provider_id', '=', universityId)
      .where('placements.id', 'is', null)
      .where('trainees.hesa_id', 'is not', null)
      .orderBy('trainees.hesa_id')
      .limit(2)
      .execute();
    assert.equal(trainees.length, 2);
    const before = await placementCount();

    const start = await agent.get('/bulk/hesa-placements');
    assert.equal(start.statusCode, 200);
    assert.match(start.body, /You are acting for Rollbook Demo University/);
    const csv = csvFile([
      ['HUSID', 'PLMNTSCH', 'PLMNTSTDATE'],
      [trainees[0].hesa_id ?? '', '100003', '2025-09-08'],
      [trainees[1].hesa_id ?? '', '100004', ''],
    ]);
    const posted = await agent.postFile('/bulk/hesa-placements', { name: 'hesa.csv', content: csv });
    assert.equal(posted.statusCode, 303, posted.body);
    const id = /\/uploads\/([0-9a-f-]{36})/.exec(String(posted.headers.location))?.[1];
    assert.ok(id);
    await agent.get(`/uploads/${id}/review`);
    const submitted = await agent.post(`/uploads/${id}/submit`, { skipErrors: 'false' });
    assert.equal(submitted.headers.location, `/uploads/${id}/done`);
    assert.equal(await placementCount(), before + 2);
    const added = await db
      .selectFrom('placements')
      .select(['trainee_id', 'school_urn'])
      .where('added_by_upload', '=', id)
      .orderBy('school_urn')
      .execute();
    assert.deepEqual(
      added.map((p) => [p.trainee_id, p.school_urn]),
      [
        [trainees[0].id, '100003'],
        [trainees[1].id, '100004'],
      ],
    );

    // The upload is the university's: its own users see it in their Uploads.
    const upload = await db
      .selectFrom('uploads')
      .select('organisation_id')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(upload.organisation_id, universityId);
    const staff = await signedIn(t.app, 'university@example.com');
    assert.match((await staff.get('/uploads')).body, new RegExp(`href="/uploads/${id}"`));
    assert.match((await agent.get('/uploads')).body, new RegExp(`href="/uploads/${id}"`));

    // Every event names who really acted: the support user, for the support organisation.
    const supportUser = await findUserByEmail(db, 'support@example.com');
    const events = await db
      .selectFrom('events')
      .select(['actor_user_id', 'actor_organisation_id', 'organisation_id', 'action'])
      .where('subject_id', '=', id)
      .execute();
    assert.deepEqual(events.map((e) => e.action).sort(), ['received', 'submitted']);
    const traineeEvents = await db
      .selectFrom('events')
      .select(['actor_user_id', 'actor_organisation_id', 'organisation_id'])
      .where('subject_id', 'in', [trainees[0].id, trainees[1].id])
      .where('action', '=', 'placements added')
      .execute();
    assert.equal(traineeEvents.length, 2);
    for (const event of [...events, ...traineeEvents]) {
      assert.equal(event.actor_user_id, supportUser?.id);
      assert.equal(event.actor_organisation_id, supportId);
      assert.equal(event.organisation_id, universityId);
    }
    const began = await db
      .selectFrom('events')
      .select(['actor_user_id', 'actor_organisation_id'])
      .where('organisation_id', '=', universityId)
      .where('action', '=', 'support began acting for')
      .execute();
    assert.equal(began.length, 1);
    assert.equal(began[0].actor_organisation_id, supportId);

    // Stopping returns to support; the university's audit log says who acted, for which organisation.
    const stop = await agent.post('/support/stop-acting');
    assert.equal(stop.statusCode, 303);
    assert.equal(stop.headers.location, '/');
    const back = await agent.get('/');
    assert.match(back.body, /You have stopped acting for Rollbook Demo University/);
    assert.doesNotMatch(back.body, /You are acting for/);
    assert.match(back.body, /href="\/support\/organisations"/);
    const log = await agent.get(`/support/organisations/${universityId}/events`);
    const text = log.body.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
    assert.match(
      text,
      /Sam Reid \(support, acting for Rollbook Demo University\) stopped acting for Rollbook Demo University/,
    );
    // Stopping again, when not acting, is not a page.
    assert.equal((await agent.post('/support/stop-acting')).statusCode, 404);
  });

  it('shows the banner on every page while acting, and the support pages are closed meanwhile', async () => {
    const agent = await actingForUniversity();
    for (const url of ['/trainees', '/uploads', '/organisation', '/placements', '/bulk/hesa-placements']) {
      const page = await agent.get(url);
      assert.equal(page.statusCode, 200, url);
      assert.match(page.body, /You are acting for Rollbook Demo University as Rollbook Support/, url);
    }
    assert.equal((await agent.get('/support/organisations')).statusCode, 404);
    // The organisation switcher still works, and choosing ends acting for the provider.
    const chosen = await agent.post('/organisations', { organisationId: supportId });
    assert.equal(chosen.statusCode, 303);
    const home = await agent.get('/');
    assert.doesNotMatch(home.body, /You are acting for/);
    assert.equal((await agent.get('/support/organisations')).statusCode, 200);
    assert.equal((await agent.get('/trainees')).statusCode, 404);
  });

  it('lets support check the sign-off data but not declare it for the provider', async () => {
    const agent = await actingForUniversity();
    const page = await agent.get('/sign-off');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Only the provider’s own users can sign off its data/);
    assert.doesNotMatch(page.body, /href="\/sign-off\/declaration"/);
    const declared = await agent.post('/sign-off/declaration', { confirmed: 'yes', name: 'Sam Reid', role: 'Support' });
    assert.equal(declared.statusCode, 400);
    assert.match(declared.body, /Only the provider’s own users can sign off its data/);
    const signOffs = await t.database.db
      .selectFrom('performance_sign_offs')
      .select('provider_id')
      .where('provider_id', '=', universityId)
      .execute();
    assert.equal(signOffs.length, 0, 'nothing was signed off');
    await agent.post('/support/stop-acting');
  });

  it('makes no API token for the provider while acting: a token would outlive the acting', async () => {
    const agent = await actingForUniversity();
    const organisation = await agent.get('/organisation');
    assert.doesNotMatch(organisation.body, /href="\/organisation\/api-tokens"/);
    assert.equal((await agent.get('/organisation/api-tokens/new')).statusCode, 404);
    assert.equal((await agent.post('/organisation/api-tokens/new', { name: 'Mine' })).statusCode, 404);
    const tokens = await t.database.db
      .selectFrom('api_tokens')
      .select('id')
      .where('organisation_id', '=', universityId)
      .execute();
    assert.equal(tokens.length, 0);
    await agent.post('/support/stop-acting');
  });

  it('audits the end of acting however it ends: choosing another organisation, or signing out', async () => {
    const stops = async () =>
      (
        await t.database.db
          .selectFrom('events')
          .select('id')
          .where('organisation_id', '=', universityId)
          .where('action', '=', 'support stopped acting for')
          .execute()
      ).length;
    const before = await stops();
    const switching = await actingForUniversity();
    assert.equal((await switching.post('/organisations', { organisationId: supportId })).statusCode, 303);
    assert.equal(await stops(), before + 1, 'choosing another organisation ends acting, audited');
    const leaving = await actingForUniversity();
    assert.equal((await leaving.post('/sign-out')).statusCode, 303);
    assert.equal(await stops(), before + 2, 'signing out ends acting, audited');
  });

  it('refuses anyone but support, and any organisation but a provider, with 404', async () => {
    const countBegan = async () =>
      Number(
        (
          await t.database.db
            .selectFrom('events')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('action', '=', 'support began acting for')
            .executeTakeFirstOrThrow()
        ).n,
      );
    const began = await countBegan();
    for (const email of ['provider@example.com', 'university@example.com', 'school@example.com', 'ab@example.com']) {
      const agent = await signedIn(t.app, email);
      const refused = await agent.post(`/support/organisations/${universityId}/act-for`);
      assert.equal(refused.statusCode, 404, email);
      assert.doesNotMatch((await agent.get('/')).body, /You are acting for/, email);
      assert.equal((await agent.post('/support/stop-acting')).statusCode, 404, email);
    }
    const support = await signedIn(t.app, 'support@example.com');
    for (const id of [schoolId, hubId, supportId]) {
      const page = await support.get(`/support/organisations/${id}`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /Act for this provider/);
      assert.equal((await support.post(`/support/organisations/${id}/act-for`)).statusCode, 404, id);
    }
    assert.equal(
      (await support.post('/support/organisations/00000000-0000-4000-8000-000000000000/act-for')).statusCode,
      404,
    );
    assert.doesNotMatch((await support.get('/')).body, /You are acting for/);
    assert.equal(await countBegan(), began);
  });

  it('gives no actor once the support membership is gone, never the provider', async () => {
    const db = t.database.db;
    const agent = await actingForUniversity();
    assert.equal((await agent.get('/trainees')).statusCode, 200);
    const supportUser = await findUserByEmail(db, 'support@example.com');
    await db
      .deleteFrom('memberships')
      .where('user_id', '=', supportUser?.id ?? '')
      .where('organisation_id', '=', supportId)
      .execute();
    const page = await agent.get('/trainees');
    assert.equal(page.statusCode, 303);
    assert.equal(page.headers.location, '/organisations');
    const choose = await agent.get('/organisations');
    assert.doesNotMatch(choose.body, new RegExp(UNIVERSITY));
    assert.doesNotMatch(choose.body, /You are acting for/);
    assert.equal((await agent.post('/support/stop-acting')).statusCode, 303);
  });
});
