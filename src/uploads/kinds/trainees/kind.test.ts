// Bulk add and update of trainees (upload kind trainees): the template, adds and updates by
// provider trainee ID or HESA ID, every rule of the pages per row with its column named,
// duplicates within the file and of existing trainees, the review's old and new values, the
// counts, submission through the domain operations (then TRNs), and undo.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { csvFile, readCsv } from '../../../../test/support/csv.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { createProvider } from '../../../../test/support/factories.ts';
import type { Database } from '../../../db/database.ts';
import { addMonths, today as todayInEngland } from '../../../domain/dates.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import { sendAllTrnRequests } from '../../../domain/trainees/trn-requests.ts';
import { localTeachingRecord } from '../../../integrations/teaching-record/teaching-record.ts';
import { receiveUpload, submitUpload } from '../../../uploads/pipeline.ts';
import { errorReport } from '../../../uploads/report.ts';
import { reviewChanges } from '../../../uploads/review.ts';
import { templateFile } from '../../../uploads/template.ts';
import { undoUpload } from '../../../uploads/undo.ts';

const KIND = 'trainees';
const today = todayInEngland();
const startYear = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) >= 8 ? 0 : 1);
const csv = (rows: string[][]) => csvFile(rows);

const HEADERS = [
  'Provider trainee ID',
  'HESA ID',
  'First names',
  'Last name',
  'Date of birth',
  'Sex',
  'Email address',
  'Training route',
  'Course subject 1',
  'Age range',
  'Study mode',
  'ITT start date',
  'Expected end date',
  'Degree type',
  'Degree subject',
  'Degree grade',
  'Degree graduation year',
  'Awarding institution',
];

/** A row of HEADERS for a valid postgraduate trainee, HESA codes where the student return has them. */
function row(n: number, overrides: Partial<Record<(typeof HEADERS)[number], string>> = {}): string[] {
  const values: Record<string, string> = {
    'Provider trainee ID': `BULK-${n}`,
    'HESA ID': String(2500000000000 + n),
    'First names': `Name${n}`,
    'Last name': `Bulk${n}`,
    'Date of birth': '14/02/1997',
    Sex: '10',
    'Email address': `bulk${n}@example.com`,
    'Training route': '12',
    'Course subject 1': '100403',
    'Age range': '11 to 16',
    'Study mode': '01',
    'ITT start date': `1/9/${startYear}`,
    'Expected end date': `${startYear + 1}-07-15`,
    'Degree type': 'uk',
    'Degree subject': 'Mathematics',
    'Degree grade': '2:1',
    'Degree graduation year': '2019',
    'Awarding institution': 'University of Hull',
    ...overrides,
  };
  return HEADERS.map((h) => values[h] ?? '');
}

describe('bulk trainees upload', () => {
  let database: Database;
  let provider: Actor;
  let other: Actor;

  before(async () => {
    database = await testDatabase();
    provider = await createProvider(database.db, { providerType: 'hei' });
    other = await createProvider(database.db);
  });
  after(() => database.close());

  const upload = (rows: string[][], actor = provider, name = 'trainees.csv') =>
    receiveUpload(database, actor, KIND, { name, bytes: csv([HEADERS, ...rows]) }, today);

  it('offers an empty template with the readable headers in order', async () => {
    const file = await templateFile(database.db, provider, KIND, 'csv', today, {});
    const [headers, ...rows] = readCsv(file.body);
    assert.deepEqual(headers.slice(0, 4), ['Provider trainee ID', 'HESA ID', 'First names', 'Last name']);
    assert.ok(headers.includes('Degree graduation year'));
    assert.equal(rows.length, 0);
  });

  it('adds trainees, failing each broken rule by its column and duplicates within the file in both rows', async () => {
    const checked = await upload([
      row(1),
      row(2, { 'Training route': 'early_years_postgrad', 'Course subject 1': '', 'Age range': '' }),
      row(3, { 'Date of birth': '1/1/2099' }),
      row(4, { 'HESA ID': '123', Sex: 'x' }),
      row(5, { 'First names': 'Twin', 'Last name': 'Same', 'Email address': 'twin@example.com' }),
      row(6, { 'First names': 'Twin', 'Last name': 'Same', 'Email address': 'other@example.com' }),
    ]);
    assert.equal(checked.state, 'checked');
    assert.deepEqual([checked.change_count, checked.skip_count, checked.error_count], [2, 0, 4]);
    const report = readCsv((await errorReport(database.db, provider, checked.id)).body);
    const errorsOf = (rowNumber: number) => report[rowNumber - 1].at(-1) ?? '';
    assert.match(errorsOf(4), /Date of birth: Date of birth must be in the past/);
    assert.match(errorsOf(5), /HESA ID: HESA ID "123" must be 13 or 17 digits/);
    assert.match(errorsOf(5), /Sex: Sex "x" is not one Rollbook knows/);
    assert.match(errorsOf(6), /The same trainee is in row 7 too/);
    assert.match(errorsOf(7), /The same trainee is in row 6 too/);

    const result = await submitUpload(database, provider, checked.id, { skipErrors: true, today });
    assert.equal(result.state, 'submitted');
    const added = await database.db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', provider.organisation.id)
      .orderBy('provider_trainee_id')
      .execute();
    assert.deepEqual(
      added.map((t) => [t.provider_trainee_id, t.state, t.route, t.subject, t.record_source]),
      [
        ['BULK-1', 'submitted_for_trn', 'provider_led_postgrad', 'Mathematics', 'csv'],
        ['BULK-2', 'submitted_for_trn', 'early_years_postgrad', 'Early years teaching', 'csv'],
      ],
    );
    await sendAllTrnRequests(
      database.db,
      localTeachingRecord(() => today, database.db),
    );
    const withTrns = await database.db
      .selectFrom('trainees')
      .select(['trn', 'state'])
      .where('provider_id', '=', provider.organisation.id)
      .execute();
    assert.ok(withTrns.every((t) => t.state === 'trn_received' && /^\d{7}$/.test(t.trn ?? '')));
  });

  it('updates by provider trainee ID or HESA ID only the cells that differ, with old and new values in the review', async () => {
    const blank = Object.fromEntries(HEADERS.map((h) => [h, ''])) as Record<string, string>;
    const checked = await upload([
      // By provider trainee ID: a new last name; the empty cells change nothing.
      HEADERS.map((h) => ({ ...blank, 'Provider trainee ID': 'bulk-1', 'Last name': 'Renamed' })[h] ?? ''),
      // By HESA ID: the same values as now: unchanged.
      HEADERS.map((h) => ({ ...blank, 'HESA ID': String(2500000000002), 'Study mode': 'full_time' })[h] ?? ''),
      // Not a duplicate: the duplicates rule compares with the records as they are (Bulk1).
      row(9, { 'First names': 'Name1 Extra', 'Last name': 'Renamed', 'Email address': 'x9@example.com' }),
    ]);
    assert.deepEqual(
      [checked.change_count, checked.skip_count, checked.error_count],
      [2, 1, 0],
      checked.failure_message ?? '',
    );
    const { groups } = await reviewChanges(database.db, provider, checked.id);
    const update = groups.find((g) => g.name === 'Trainees to update');
    assert.deepEqual(update?.lines[0].details, ['Last name: Bulk1 → Renamed']);
    assert.equal(groups.find((g) => g.name === 'Trainees to add')?.total, 1);

    await submitUpload(database, provider, checked.id, { skipErrors: true, today });
    const renamed = await database.db
      .selectFrom('trainees')
      .selectAll()
      .where('provider_id', '=', provider.organisation.id)
      .where('provider_trainee_id', '=', 'BULK-1')
      .executeTakeFirstOrThrow();
    assert.equal(renamed.last_name, 'Renamed');
    assert.equal(renamed.first_names, 'Name1');

    // Now a row like BULK-1 under another ID is a duplicate of an existing trainee.
    const again = await upload([
      row(10, { 'First names': 'Name1', 'Last name': 'RENAMED', 'Email address': 'new@example.com' }),
    ]);
    const errors = readCsv((await errorReport(database.db, provider, again.id)).body)[1].at(-1) ?? '';
    assert.match(errors, /This trainee is already registered: Name1 Renamed/);

    // Undo the update: the name comes back.
    await undoUpload(database, provider, checked.id);
    const back = await database.db
      .selectFrom('trainees')
      .select('last_name')
      .where('id', '=', renamed.id)
      .executeTakeFirstOrThrow();
    assert.equal(back.last_name, 'Bulk1');
  });

  it('undoes an upload of new trainees, unless one changed since', async () => {
    const checked = await upload([row(20), row(21)]);
    await submitUpload(database, provider, checked.id, { skipErrors: false, today });
    const ids = await database.db
      .selectFrom('trainees')
      .select('id')
      .where('added_by_upload', '=', checked.id)
      .execute();
    assert.equal(ids.length, 2);
    await undoUpload(database, provider, checked.id);
    assert.equal(
      (await database.db.selectFrom('trainees').select('id').where('added_by_upload', '=', checked.id).execute())
        .length,
      0,
    );

    const second = await upload([row(22)]);
    await submitUpload(database, provider, second.id, { skipErrors: false, today });
    const [added] = await database.db
      .selectFrom('trainees')
      .select('id')
      .where('added_by_upload', '=', second.id)
      .execute();
    await database.db
      .insertInto('events')
      .values({
        actor_user_id: provider.userId,
        actor_organisation_id: provider.organisation.id,
        organisation_id: provider.organisation.id,
        subject_type: 'trainee',
        subject_id: added.id,
        action: 'details changed',
        changes: JSON.stringify({ email: { from: 'a', to: 'b' } }),
        via: 'page',
        occurred_at: new Date(Date.now() + 1000),
      })
      .execute();
    await assert.rejects(undoUpload(database, provider, second.id), /changed since/);
  });

  it('finds only the uploading provider’s trainees to update: another provider’s row adds its own', async () => {
    const checked = await upload([row(1, { 'Date of birth': addMonths(today, -12 * 30) })], other);
    assert.deepEqual([checked.change_count, checked.error_count], [1, 0]);
    const { groups } = await reviewChanges(database.db, other, checked.id);
    assert.equal(groups[0].name, 'Trainees to add');
  });
});
