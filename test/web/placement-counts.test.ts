// "Missing placements" counts the same trainees everywhere: the trainee list's filter, each trainee's
// page, the sign-off and the bulk placements template. A provider made for the test holds one
// trainee of each kind that matters: on an assessment-only route, withdrawn, deferred, awarded last
// year, with 0, 1 or 2 placements.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_PASSWORD } from '../../src/demo/index.ts';
import { addMonths, today, traineeAcademicYearDates } from '../../src/domain/dates.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { signOffYear } from '../../src/domain/placements/sign-off.ts';
import { insertTrainees, isMissingPlacements, type NewTrainee } from '../../src/domain/trainees/trainees.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';
import { readCsv } from '../support/csv.ts';

interface Made {
  lastName: string;
  route: string;
  state: NewTrainee['state'];
  placements: number;
  /** Awarded or withdrawn last academic year: in the sign-off. */
  lastYear?: boolean;
}

// Which of these still need placements follows from the rule; the test checks every page agrees.
const TRAINEES: Made[] = [
  { lastName: 'Ashby', route: 'provider_led_postgrad', state: 'trn_received', placements: 0 },
  { lastName: 'Baines', route: 'provider_led_postgrad', state: 'trn_received', placements: 1 },
  { lastName: 'Carver', route: 'school_direct_salaried', state: 'trn_received', placements: 2 },
  { lastName: 'Dunmore', route: 'assessment_only', state: 'trn_received', placements: 0 },
  { lastName: 'Ellery', route: 'early_years_assessment_only', state: 'trn_received', placements: 1 },
  { lastName: 'Fenwick', route: 'provider_led_postgrad', state: 'withdrawn', placements: 0, lastYear: true },
  { lastName: 'Garside', route: 'early_years_postgrad', state: 'awarded', placements: 0, lastYear: true },
  { lastName: 'Hollins', route: 'assessment_only', state: 'awarded', placements: 0, lastYear: true },
  { lastName: 'Ingram', route: 'provider_led_undergrad', state: 'awarded', placements: 2, lastYear: true },
  { lastName: 'Jessop', route: 'provider_led_postgrad', state: 'deferred', placements: 1 },
  { lastName: 'Kettle', route: 'provider_led_postgrad', state: 'withdrawn', placements: 1 },
];
const MISSING = TRAINEES.filter((t) => isMissingPlacements(t, t.placements)).map((t) => t.lastName);

describe('trainees missing placements are counted the same everywhere', () => {
  let t: TestContext;
  let agent: Agent;
  const ids = new Map<string, string>();

  before(async () => {
    t = await startTestApp();
    const db = t.database.db;
    const provider = await createOrganisation(db, SYSTEM, {
      type: 'provider',
      providerType: 'hei',
      name: 'Counting Test University',
      ukprn: '10000098',
      providerCode: '9CU',
    });
    await addUserToOrganisation(db, SYSTEM, provider.id, {
      email: 'counter@example.com',
      firstName: 'Nia',
      lastName: 'Counter',
      role: 'admin',
      password: DEMO_PASSWORD,
    });
    const { from } = traineeAcademicYearDates(signOffYear(today()));
    const outcomeDate = addMonths(from, 6);
    await insertTrainees(
      db,
      TRAINEES.map(
        (made, index): NewTrainee => ({
          provider_id: provider.id,
          first_names: 'Pat',
          last_name: made.lastName,
          date_of_birth: '1995-03-01',
          trn: String(3100000 + index),
          hesa_id: null,
          provider_trainee_id: `CT-${index}`,
          route: made.route,
          subject: 'Primary',
          age_range: '5 to 11',
          study_mode: 'full_time',
          itt_start_date: made.lastYear ? addMonths(from, -6) : addMonths(from, 12),
          expected_end_date: made.lastYear ? addMonths(from, 8) : addMonths(from, 24),
          state: made.state,
          withdrawal_reason: made.state === 'withdrawn' ? 'Personal reasons' : null,
          withdrawal_date: made.state === 'withdrawn' ? (made.lastYear ? outcomeDate : addMonths(from, 13)) : null,
          standards_met_date: made.state === 'awarded' ? addMonths(outcomeDate, -1) : null,
          recommended_at: made.state === 'awarded' ? new Date(`${addMonths(outcomeDate, -1)}T12:00:00Z`) : null,
          awarded_date: made.state === 'awarded' ? outcomeDate : null,
        }),
      ),
    );
    const rows = await db
      .selectFrom('trainees')
      .select(['id', 'last_name'])
      .where('provider_id', '=', provider.id)
      .execute();
    for (const row of rows) ids.set(row.last_name, row.id);
    const urns = ['100002', '100003'];
    const placements = TRAINEES.flatMap((made) =>
      urns.slice(0, made.placements).map((urn) => ({
        trainee_id: ids.get(made.lastName) as string,
        provider_id: provider.id,
        school_urn: urn,
      })),
    );
    await db.insertInto('placements').values(placements).execute();
    agent = await signedIn(t.app, 'counter@example.com');
  });
  after(() => t.close());

  const listed = (body: string) =>
    [...body.matchAll(/href="\/trainees\/([0-9a-f-]{36})[^"]*">([^,<]+),/g)].map((match) => match[2]).sort();

  it('the rule: assessment-only and withdrawn trainees need none; the others need 2', () => {
    assert.deepEqual(MISSING, ['Ashby', 'Baines', 'Garside', 'Jessop']);
  });

  it('the trainee list’s “fewer than 2 placements” filter lists exactly them', async () => {
    const page = await agent.get('/trainees?placements=fewer-than-2');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`<strong>${MISSING.length}</strong> trainees match your filters`));
    assert.deepEqual(listed(page.body), MISSING);
    // Assessment-only trainees' placements column says they need none.
    const all = await agent.get('/trainees');
    assert.match(all.body, /Not needed/);
  });

  it('each trainee’s page says they need placements exactly when the list does', async () => {
    for (const made of TRAINEES) {
      const page = await agent.get(`/trainees/${ids.get(made.lastName)}`);
      assert.equal(page.statusCode, 200, made.lastName);
      const note = /id="placements-note">([^<]*)</.exec(page.body)?.[1] ?? '';
      assert.equal(/Trainees need at least 2/.test(note), MISSING.includes(made.lastName), `${made.lastName}: ${note}`);
      if (made.route.endsWith('assessment_only')) assert.match(note, /does not need placements/);
    }
  });

  it('the sign-off counts the trainees awarded last year among them', async () => {
    const awardedMissing = TRAINEES.filter((made) => made.lastYear && made.state === 'awarded')
      .map((made) => made.lastName)
      .filter((name) => MISSING.includes(name));
    const page = await agent.get('/sign-off');
    assert.equal(page.statusCode, 200);
    assert.match(
      page.body,
      new RegExp(`${awardedMissing.length} trainees? awarded QTS or EYTS (has|have) fewer than 2 placements`),
    );
    assert.deepEqual(listed(page.body), awardedMissing);
  });

  it('the bulk placements template lists exactly them, and its choice counts them', async () => {
    const start = await agent.get('/bulk/placements');
    assert.match(start.body, new RegExp(`${MISSING.length} trainees, not counting`));
    const sheet = await agent.get('/bulk/placements/template.csv?trainees=fewer-than-2');
    assert.equal(sheet.statusCode, 200);
    const [headers, ...rows] = readCsv(sheet.body);
    const lastName = headers.indexOf('Last name');
    assert.deepEqual(rows.map((row) => row[lastName]).sort(), MISSING);
  });
});
