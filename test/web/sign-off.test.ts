import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { DEMO_PASSWORD } from '../../src/demo/index.ts';
import { addMonths, today, traineeAcademicYearDates } from '../../src/domain/dates.ts';
import { SYSTEM } from '../../src/domain/organisations/actor.ts';
import { createOrganisation, findOrganisationByReference } from '../../src/domain/organisations/organisations.ts';
import { addUserToOrganisation } from '../../src/domain/organisations/users.ts';
import { signOffYear } from '../../src/domain/placements/sign-off.ts';
import { insertTrainees, type NewTrainee } from '../../src/domain/trainees/trainees.ts';
import { type Agent, signedIn, startTestApp, type TestContext } from '../support/app.ts';
import { readCsv } from '../support/csv.ts';

const FORMULA_NAME = '=HYPERLINK("http://example.com","Open me")';

describe('performance profile sign-off', () => {
  let t: TestContext;
  let provider: Agent;
  let providerId: string;
  const year = signOffYear(today());
  const { from, to } = traineeAcademicYearDates(year);
  const yearName = `${year} to ${year + 1}`;
  const dayAfter = (date: string) => new Date(Date.parse(date) + 86_400_000).toISOString().slice(0, 10);
  const dayBefore = (date: string) => new Date(Date.parse(date) - 86_400_000).toISOString().slice(0, 10);

  /** One trainee of the test provider, with an outcome given by state and date. */
  function trainee(lastName: string, overrides: Partial<NewTrainee>, route = 'provider_led_postgrad'): NewTrainee {
    return {
      provider_id: providerId,
      first_names: 'Test',
      last_name: lastName,
      date_of_birth: '1990-01-01',
      trn: null,
      hesa_id: null,
      provider_trainee_id: `T-${lastName.slice(0, 12)}`,
      route,
      subject: 'Primary',
      age_range: '5 to 11',
      study_mode: 'full_time',
      itt_start_date: addMonths(from, -12),
      expected_end_date: addMonths(from, 10),
      state: 'trn_received',
      withdrawal_reason: null,
      withdrawal_date: null,
      standards_met_date: null,
      recommended_at: null,
      awarded_date: null,
      ...overrides,
    };
  }
  let lastTrn = 4000000;
  const awarded = (date: string) => ({
    state: 'awarded' as const,
    trn: String(++lastTrn),
    standards_met_date: dayBefore(date),
    recommended_at: new Date(`${dayBefore(date)}T12:00:00Z`),
    awarded_date: date,
  });
  const withdrawn = (date: string) => ({
    state: 'withdrawn' as const,
    trn: String(++lastTrn),
    withdrawal_date: date,
    withdrawal_reason: 'Personal reasons',
  });

  before(async () => {
    t = await startTestApp();
    const db = t.database.db;
    const organisation = await createOrganisation(db, SYSTEM, {
      type: 'provider',
      providerType: 'scitt',
      name: 'Sign-off Test SCITT',
      ukprn: '10000099',
      providerCode: '9TS',
    });
    providerId = organisation.id;
    await addUserToOrganisation(db, SYSTEM, providerId, {
      email: 'signer@example.com',
      firstName: 'Rosa',
      lastName: 'Quint',
      role: 'admin',
      password: DEMO_PASSWORD,
    });
    await addUserToOrganisation(db, SYSTEM, providerId, {
      email: 'colleague@example.com',
      firstName: 'Olu',
      lastName: 'Adeyemi',
      role: 'member',
      password: DEMO_PASSWORD,
    });
    await insertTrainees(db, [
      trainee('AwardedLastDay', awarded(to)),
      trainee('AwardedTooLate', awarded(dayAfter(to))),
      trainee('WithdrawnFirstDay', withdrawn(from)),
      trainee('WithdrawnTooEarly', withdrawn(dayBefore(from))),
      trainee('AwardedWithTwo', awarded(addMonths(from, 6))),
      trainee('AssessedOnly', awarded(addMonths(from, 6)), 'assessment_only'),
      trainee('Deferred', { state: 'deferred', trn: '5999999' }),
      trainee(FORMULA_NAME, { ...awarded(addMonths(from, 3)), first_names: '@SUM(1+1)' }),
    ]);
    // Placements: two for one trainee, one for the trainee whose name looks like a formula.
    const ids = Object.fromEntries(
      (await db.selectFrom('trainees').select(['id', 'last_name']).where('provider_id', '=', providerId).execute()).map(
        (row) => [row.last_name, row.id],
      ),
    );
    await db
      .insertInto('placements')
      .values([
        { trainee_id: ids.AwardedWithTwo, provider_id: providerId, school_urn: '100002' },
        {
          trainee_id: ids.AwardedWithTwo,
          provider_id: providerId,
          school_name: 'Hill Farm Nursery',
          school_postcode: 'LS6 2AA',
        },
        { trainee_id: ids[FORMULA_NAME], provider_id: providerId, school_urn: '100003' },
      ])
      .execute();
    provider = await signedIn(t.app, 'signer@example.com');
  });
  after(() => t.close());

  it('counts trainees awarded or withdrawn between 1 August and 31 July of last year, and no others', async () => {
    const page = await provider.get('/sign-off');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, new RegExp(`${yearName} academic year`));
    assert.match(page.body, /5 trainees had a course outcome in [\d to]+: 4 awarded QTS or EYTS and 1 withdrawn/);
    const all = await provider.get('/sign-off?show=all');
    for (const name of ['AwardedLastDay', 'WithdrawnFirstDay', 'AwardedWithTwo', 'AssessedOnly', 'HYPERLINK']) {
      assert.match(all.body, new RegExp(name), `${name} is listed`);
    }
    for (const name of ['AwardedTooLate', 'WithdrawnTooEarly', 'Deferred']) {
      assert.doesNotMatch(all.body, new RegExp(name), `${name} is not listed`);
    }
  });

  it('shows which awarded trainees have fewer than 2 placements, with links to fix them', async () => {
    const page = await provider.get('/sign-off');
    assert.match(page.body, /2 trainees awarded QTS or EYTS have fewer than 2 placements/);
    assert.match(page.body, /AwardedLastDay/);
    assert.match(page.body, /HYPERLINK/);
    // Two placements, or an assessment-only route, is enough; withdrawn trainees need none.
    assert.doesNotMatch(page.body, /AwardedWithTwo|AssessedOnly|WithdrawnFirstDay/);
    assert.match(page.body, />\s*0 of 2\s*</);
    assert.match(page.body, />\s*1 of 2\s*</);
    const id = await t.database.db
      .selectFrom('trainees')
      .select('id')
      .where('last_name', '=', 'AwardedLastDay')
      .executeTakeFirstOrThrow();
    assert.match(page.body, new RegExp(`href="/trainees/${id.id}"`));
    assert.match(page.body, /href="\/bulk\/placements"/);
    // The formula-looking name is shown as text, not markup.
    assert.match(page.body, /=HYPERLINK\(&quot;http/);
  });

  it('exports the year’s trainees as CSV, formula-safe, and only the provider’s own', async () => {
    const response = await provider.get('/sign-off/export.csv');
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /text\/csv/);
    assert.match(
      String(response.headers['content-disposition']),
      new RegExp(`attachment; filename="sign-off-test-scitt-performance-profile-${year}-to-${year + 1}\\.csv"`),
    );
    const [headers, ...rows] = readCsv(response.body);
    assert.equal(rows.length, 5);
    const cell = (row: string[], header: string) => row[headers.indexOf(header)];
    const formula = rows.find((row) => cell(row, 'Last name').includes('HYPERLINK'));
    assert.ok(formula);
    assert.equal(cell(formula, 'Last name'), `'${FORMULA_NAME}`);
    assert.equal(cell(formula, 'First names'), "'@SUM(1+1)");
    assert.equal(cell(formula, 'Number of placements'), '1');
    const withTwo = rows.find((row) => cell(row, 'Last name') === 'AwardedWithTwo');
    assert.ok(withTwo);
    assert.equal(cell(withTwo, 'Number of placements'), '2');
    assert.deepEqual(cell(withTwo, 'Placement schools').split('; ').sort(), [
      '100002 Thornbury Church of England Primary School',
      'Hill Farm Nursery, LS6 2AA',
    ]);
    assert.equal(cell(withTwo, 'Course outcome'), 'Holds QTS');
    // The demo SCITT's trainees are not in this provider's export.
    assert.ok(rows.every((row) => !cell(row, 'Provider trainee ID').startsWith('DS-')));
  });

  it('exports the same as an Excel workbook, with no formulas', async () => {
    const response = await provider.get('/sign-off/export.xlsx');
    assert.equal(response.statusCode, 200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0];
    assert.equal(sheet.rowCount, 6);
    const values: unknown[] = [];
    sheet.eachRow((row) => row.eachCell((c) => values.push(c.value)));
    assert.ok(
      values.every((v) => typeof v === 'string' || v === null),
      'every cell is text, none a formula',
    );
    assert.ok(values.includes(`'${FORMULA_NAME}`));
  });

  it('refuses a declaration without the confirmation, name and role, saying how to fix each', async () => {
    const form = await provider.get('/sign-off/declaration');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /The data is accurate to the best of my knowledge/);
    const refused = await provider.post('/sign-off/declaration', { name: '  ', role: '' });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /There is a problem/);
    assert.match(refused.body, /href="#confirmed">Confirm the data is accurate to the best of your knowledge/);
    assert.match(refused.body, /href="#name">Enter your full name/);
    assert.match(refused.body, /href="#role">Enter your job title or role/);
    const noRole = await provider.post('/sign-off/declaration', { confirmed: 'yes', name: 'Rosa Quint' });
    assert.equal(noRole.statusCode, 400);
    assert.doesNotMatch(noRole.body, /Enter your full name/);
    assert.match(noRole.body, /Enter your job title or role/);
    const rows = await t.database.db.selectFrom('performance_sign_offs').selectAll().execute();
    assert.equal(rows.length, 0);
  });

  it('records who signed off and when, shows the year as signed off, and refuses a second sign-off', async () => {
    const signed = await provider.post('/sign-off/declaration', {
      confirmed: 'yes',
      name: 'Rosa Quint',
      role: 'Head of ITT',
    });
    assert.equal(signed.statusCode, 303);
    assert.equal(signed.headers.location, '/sign-off');
    const page = await provider.get('/sign-off');
    assert.match(page.body, new RegExp(`You have signed off your trainee data for the ${yearName} academic year`));
    assert.match(page.body, /Rosa Quint \(Head of ITT\) signed off the/);
    assert.match(page.body, /signer@example\.com/);
    assert.doesNotMatch(page.body, /href="\/sign-off\/declaration"/);

    const db = t.database.db;
    const user = await db
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'signer@example.com')
      .executeTakeFirstOrThrow();
    const row = await db.selectFrom('performance_sign_offs').selectAll().executeTakeFirstOrThrow();
    assert.equal(row.provider_id, providerId);
    assert.equal(row.academic_year, year);
    assert.equal(row.signed_by, user.id);
    assert.equal(row.declarant_role, 'Head of ITT');
    assert.ok(Date.now() - new Date(row.signed_at).getTime() < 60 * 60 * 1000, 'signed now');
    const event = await db
      .selectFrom('events')
      .selectAll()
      .where('subject_type', '=', 'performance_sign_off')
      .where('action', '=', 'signed_off')
      .executeTakeFirstOrThrow();
    assert.equal(event.organisation_id, providerId);
    assert.equal(event.actor_user_id, user.id);

    // A colleague tries again: refused, and the first declaration stands.
    const colleague = await signedIn(t.app, 'colleague@example.com');
    const again = await colleague.post('/sign-off/declaration', {
      confirmed: 'yes',
      name: 'Olu Adeyemi',
      role: 'Tutor',
    });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, new RegExp(`The ${yearName} data has already been signed off`));
    assert.match(again.body, /Rosa Quint \(Head of ITT\)/);
    const form = await colleague.get('/sign-off/declaration');
    assert.match(form.body, /already been signed off/);
    const rows = await db.selectFrom('performance_sign_offs').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0].declarant_name, 'Rosa Quint');
  });

  it('keeps each provider to its own trainees and its own sign-off', async () => {
    const scitt = await signedIn(t.app, 'provider@example.com');
    const page = await scitt.get('/sign-off?show=all');
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /AwardedLastDay|HYPERLINK/);
    assert.match(
      page.body,
      /href="\/sign-off\/declaration"/,
      'the SCITT has not signed off: another’s sign-off is not its own',
    );
    const csv = readCsv((await scitt.get('/sign-off/export.csv')).body);
    assert.ok(csv.length > 1, 'the demo SCITT has trainees with an outcome last year');
    assert.ok(csv.every((row) => !row.join(',').includes('AwardedLastDay')));
    // The SCITT's sign-off is its own row; the test provider's stays as it was.
    const signed = await scitt.post('/sign-off/declaration', {
      confirmed: 'yes',
      name: 'Priya Shah',
      role: 'Director',
    });
    assert.equal(signed.statusCode, 303);
    const scittOrganisation = await findOrganisationByReference(t.database.db, '10000001');
    const rows = await t.database.db
      .selectFrom('performance_sign_offs')
      .select(['provider_id', 'declarant_name'])
      .orderBy('declarant_name')
      .execute();
    assert.deepEqual(rows, [
      { provider_id: scittOrganisation.id, declarant_name: 'Priya Shah' },
      { provider_id: providerId, declarant_name: 'Rosa Quint' },
    ]);
  });

  it('is not there for schools, appropriate bodies or support users', async () => {
    for (const email of ['school@example.com', 'ab@example.com', 'support@example.com']) {
      const other = await signedIn(t.app, email);
      for (const url of ['/sign-off', '/sign-off/export.csv', '/sign-off/export.xlsx', '/sign-off/declaration']) {
        assert.equal((await other.get(url)).statusCode, 404, `${email} ${url}`);
      }
      const post = await other.post('/sign-off/declaration', { confirmed: 'yes', name: 'X', role: 'Y' });
      assert.equal(post.statusCode, 404, email);
    }
    assert.equal(
      (await t.database.db.selectFrom('performance_sign_offs').select('provider_id').execute()).length,
      2,
      'nothing more was signed',
    );
  });

  it('shows support users which providers have signed off, by whom and when', async () => {
    const support = await signedIn(t.app, 'support@example.com');
    const page = await support.get('/support/sign-offs');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<strong>2<\/strong> of 3 providers have signed off/);
    const rowOf = (name: string) => {
      const match = new RegExp(`${name}</a>.*?</tr>`, 's').exec(page.body);
      assert.ok(match, `a row for ${name}`);
      return match[0];
    };
    assert.match(rowOf('Sign-off Test SCITT'), /Signed off.*Rosa Quint \(Head of ITT\), signed in as Rosa Quint/s);
    assert.match(rowOf('Rollbook Demo University'), /Not signed off/);
  });

  it('checks a reminder: an empty subject, an unknown placeholder or no deadline are clear errors', async () => {
    const support = await signedIn(t.app, 'support@example.com');
    const form = await support.get('/support/sign-offs/reminders');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /\(\(first_name\)\)/);
    assert.match(form.body, /http:\/\/localhost:\d+\/sign-off/, 'the message links to the sign-off page');
    const refused = await support.post('/support/sign-offs/reminders', {
      action: 'preview',
      subject: '',
      body: 'Dear ((first_name)), ((name)) of ((provider_name)) must sign off',
      'deadline-day': '',
      'deadline-month': '',
      'deadline-year': '',
    });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /href="#subject">Enter the subject of the email/);
    assert.match(refused.body, /href="#body">The message uses \(\(name\)\), which Rollbook cannot fill in/);
    assert.match(refused.body, /href="#deadline-day">Enter the deadline for signing off/);
    const badDate = await support.post('/support/sign-offs/reminders', {
      action: 'send',
      subject: 'Sign off',
      body: '',
      'deadline-day': '31',
      'deadline-month': '2',
      'deadline-year': String(year + 2),
    });
    assert.equal(badDate.statusCode, 400);
    assert.match(badDate.body, /Enter the message of the email/);
    assert.match(badDate.body, /The deadline must be a real date/);
    assert.equal((await t.database.db.selectFrom('outbox').select('id').execute()).length, 0, 'nothing sent');
  });

  it('previews one personalised email, then sends one to each user of a provider not signed off', async () => {
    const db = t.database.db;
    // The SCITT signed off above; leave only the university (and the multi-provider user) to remind.
    const support = await signedIn(t.app, 'support@example.com');
    const template = {
      subject: 'Sign-off for ((provider_name)) is due by ((deadline))',
      body: 'Dear ((first_name))\n\nPlease sign off ((provider_name)) by ((deadline)).',
      'deadline-day': '31',
      'deadline-month': '1',
      'deadline-year': String(year + 2),
    };
    const preview = await support.post('/support/sign-offs/reminders', { ...template, action: 'preview' });
    assert.equal(preview.statusCode, 200);
    assert.match(preview.body, new RegExp(`Sign-off for Rollbook Demo University is due by 31 January ${year + 2}`));
    assert.match(preview.body, /Dear (Morgan|Tom)/);
    assert.match(preview.body, /Send 2 emails/);
    assert.equal((await db.selectFrom('outbox').select('id').execute()).length, 0, 'a preview sends nothing');

    const sent = await support.post('/support/sign-offs/reminders', { ...template, action: 'send' });
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, '/support/sign-offs');
    const list = await support.get('/support/sign-offs');
    assert.match(list.body, /Reminder sent: 2 emails to users of 1 provider that has not signed off/);

    const emails = await db.selectFrom('outbox').selectAll().orderBy('to_address').execute();
    assert.deepEqual(
      emails.map((e) => e.to_address),
      ['multi@example.com', 'university@example.com'],
    );
    const tom = emails[1];
    assert.equal(tom.subject, `Sign-off for Rollbook Demo University is due by 31 January ${year + 2}`);
    assert.equal(tom.body, `Dear Tom\n\nPlease sign off Rollbook Demo University by 31 January ${year + 2}.`);
    assert.match(emails[0].body, /^Dear Morgan/);
    assert.ok(emails.every((e) => !e.body.includes('((') && !e.subject.includes('((')));
    const university = await findOrganisationByReference(db, '10000002');
    const events = await db.selectFrom('events').selectAll().where('action', '=', 'reminder_sent').execute();
    assert.deepEqual(
      events.map((e) => e.organisation_id),
      [university.id],
    );
  });

  it('names both providers in one email to a user of two that have not signed off', async () => {
    const db = t.database.db;
    await db.deleteFrom('outbox').execute();
    const scitt = await findOrganisationByReference(db, '10000001');
    await db.deleteFrom('performance_sign_offs').where('provider_id', '=', scitt.id).execute();
    const support = await signedIn(t.app, 'support@example.com');
    await support.get('/support/sign-offs/reminders');
    const sent = await support.post('/support/sign-offs/reminders', {
      action: 'send',
      subject: 'Reminder',
      body: '((first_name)): ((provider_name))',
      'deadline-day': '1',
      'deadline-month': '3',
      'deadline-year': String(year + 2),
    });
    assert.equal(sent.statusCode, 303);
    const emails = await db.selectFrom('outbox').selectAll().orderBy('to_address').execute();
    assert.deepEqual(
      emails.map((e) => [e.to_address, e.body]),
      [
        ['multi@example.com', 'Morgan: Rollbook Demo SCITT and Rollbook Demo University'],
        ['provider@example.com', 'Priya: Rollbook Demo SCITT'],
        ['university@example.com', 'Tom: Rollbook Demo University'],
      ],
    );
  });

  it('is support only: providers and others get 404 and send nothing', async () => {
    const db = t.database.db;
    const before = (await db.selectFrom('outbox').select('id').execute()).length;
    for (const email of ['provider@example.com', 'school@example.com', 'ab@example.com']) {
      const other = await signedIn(t.app, email);
      assert.equal((await other.get('/support/sign-offs')).statusCode, 404, email);
      assert.equal((await other.get('/support/sign-offs/reminders')).statusCode, 404, email);
      const post = await other.post('/support/sign-offs/reminders', {
        action: 'send',
        subject: 'Hello',
        body: 'Hello',
        'deadline-day': '1',
        'deadline-month': '3',
        'deadline-year': String(year + 2),
      });
      assert.equal(post.statusCode, 404, email);
    }
    assert.equal((await db.selectFrom('outbox').select('id').execute()).length, before);
  });
});
