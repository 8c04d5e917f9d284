// Bulk add and update of trainees (upload kind trainees): the template, adds and updates by
// provider trainee ID or HESA ID, every rule of the pages per row with its column named,
// duplicates within the file and of existing trainees, the review's old and new values, the
// counts, submission through the domain operations (then TRNs), and undo.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { csvFile, readCsv } from '../../../../test/support/csv.ts';
import { testDatabase } from '../../../../test/support/database.ts';
import { createProvider } from '../../../../test/support/factories.ts';
import { uploadFixture } from '../../../../test/support/fixtures.ts';
import type { Database } from '../../../db/database.ts';
import { addMonths, today as todayInEngland } from '../../../domain/dates.ts';
import type { Actor } from '../../../domain/organisations/actor.ts';
import { changeTraineeDetails, withdrawTrainee } from '../../../domain/trainees/trainee-records.ts';
import { sendAllTrnRequests } from '../../../domain/trainees/trn-requests.ts';
import { localTeachingRecord } from '../../../integrations/teaching-record/teaching-record.ts';
import { receiveUpload, submitUpload } from '../../../uploads/pipeline.ts';
import { errorReport } from '../../../uploads/report.ts';
import { reviewChanges } from '../../../uploads/review.ts';
import { FileRefusal } from '../../../uploads/sheets/sheet.ts';
import { templateFile } from '../../../uploads/template.ts';
import { UndoBlocked, undoUpload } from '../../../uploads/undo.ts';

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

  it('refuses a file with no column to find a trainee by, or with headings and no rows, and stores nothing', async () => {
    const before = await database.db.selectFrom('uploads').select('id').execute();
    const refusals: [string, RegExp][] = [
      ['no-identifier', /needs a "Last name" or "Provider trainee ID" or "HESA ID" column to find each record/],
      ['headers-only', /column headings but no rows/],
    ];
    for (const [name, message] of refusals) {
      await assert.rejects(
        receiveUpload(database, provider, KIND, uploadFixture(KIND, name), today),
        (error: Error) => {
          assert.ok(error instanceof FileRefusal, `${name}: ${error.message}`);
          assert.match(error.message, message, name);
          return true;
        },
      );
    }
    const after = await database.db.selectFrom('uploads').select('id').execute();
    assert.equal(after.length, before.length);
  });

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

  it('refuses at submission an update whose trainee changed after the check, and a row staged without what the submission reads', async () => {
    const blank = Object.fromEntries(HEADERS.map((h) => [h, ''])) as Record<string, string>;
    const checked = await upload([
      HEADERS.map(
        (h) => ({ ...blank, 'Provider trainee ID': 'BULK-22', 'Email address': 'moved@example.com' })[h] ?? '',
      ),
      row(30),
      row(31),
    ]);
    assert.deepEqual([checked.change_count, checked.error_count], [3, 0]);
    const trainee = await database.db
      .selectFrom('trainees')
      .select('id')
      .where('provider_id', '=', provider.organisation.id)
      .where('provider_trainee_id', '=', 'BULK-22')
      .executeTakeFirstOrThrow();
    await database.db
      .transaction()
      .execute((tx) => changeTraineeDetails(tx, provider, trainee.id, { lastName: 'Changed' }, { via: 'page', today }));
    // A row staged as an earlier version of Rollbook staged it.
    await sql`update upload_rows set change = change - 'duplicate' where upload_id = ${checked.id} and row_number = 4`.execute(
      database.db,
    );
    const refused = await submitUpload(database, provider, checked.id, { skipErrors: false, today });
    assert.deepEqual(refused, { state: 'checked', stale: 2 });
    const report = readCsv((await errorReport(database.db, provider, checked.id)).body);
    assert.match(report[1].at(-1) ?? '', /record changed after the file was checked/);
    assert.equal(report[2].at(-1), '');
    assert.match(report[3].at(-1) ?? '', /Upload the file again/);

    const submitted = await submitUpload(database, provider, checked.id, { skipErrors: true, today });
    assert.deepEqual(submitted, { state: 'submitted', submitted: 1 });
    const after = await database.db
      .selectFrom('trainees')
      .select(['provider_trainee_id', 'email', 'last_name'])
      .where('provider_id', '=', provider.organisation.id)
      .where('provider_trainee_id', 'in', ['BULK-22', 'BULK-30', 'BULK-31'])
      .orderBy('provider_trainee_id')
      .execute();
    assert.deepEqual(after, [
      { provider_trainee_id: 'BULK-22', email: 'bulk22@example.com', last_name: 'Changed' },
      { provider_trainee_id: 'BULK-30', email: 'bulk30@example.com', last_name: 'Bulk30' },
    ]);
  });

  it('finds only the uploading provider’s trainees to update: another provider’s row adds its own', async () => {
    const checked = await upload([row(1, { 'Date of birth': addMonths(today, -12 * 30) })], other);
    assert.deepEqual([checked.change_count, checked.error_count], [1, 0]);
    const { groups } = await reviewChanges(database.db, other, checked.id);
    assert.equal(groups[0].name, 'Trainees to add');
  });

  it('offers a sheet of the provider’s trainees that can still be changed, which uploaded as it is changes nothing', async () => {
    const own = await createProvider(database.db, { providerType: 'hei' });
    const added = await upload(
      [row(31), row(32, { 'HESA ID': '' }), row(33), row(34, { 'Provider trainee ID': '', 'HESA ID': '' })],
      own,
    );
    await submitUpload(database, own, added.id, { skipErrors: false, today });
    // Withdrawn: no longer changed, so not listed.
    const leaving = await database.db
      .selectFrom('trainees')
      .select('id')
      .where('provider_id', '=', own.organisation.id)
      .where('provider_trainee_id', '=', 'BULK-33')
      .executeTakeFirstOrThrow();
    await database.db
      .transaction()
      .execute((tx) =>
        withdrawTrainee(tx, own, leaving.id, { date: today, reasons: ['health_reasons'] }, { via: 'page', today }),
      );

    const empty = await templateFile(database.db, own, KIND, 'csv', today, {});
    assert.equal(readCsv(empty.body).length, 1, 'an empty sheet unless told');
    await assert.rejects(
      templateFile(database.db, own, KIND, 'csv', today, { trainees: 'everyone' }),
      /trainees must be one of: none, changeable/,
    );

    const file = await templateFile(database.db, own, KIND, 'csv', today, { trainees: 'changeable' });
    assert.equal(
      file.fileName,
      `${own.organisation.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-trainees-to-change.csv`,
    );
    const [headers, ...rows] = readCsv(file.body);
    const cell = (r: string[], header: string) => r[headers.indexOf(header)];
    assert.deepEqual(
      rows.map((r) => [cell(r, 'Provider trainee ID'), cell(r, 'Last name')]),
      [
        ['BULK-31', 'Bulk31'],
        ['BULK-32', 'Bulk32'],
      ],
      'the changeable trainees with an identifier, by last name; not another provider’s',
    );
    const [first] = rows;
    assert.deepEqual(
      [
        cell(first, 'HESA ID'),
        cell(first, 'Date of birth'),
        cell(first, 'Sex'),
        cell(first, 'Training route'),
        cell(first, 'Course subject 1'),
        cell(first, 'Study mode'),
        cell(first, 'ITT start date'),
        cell(first, 'Degree grade'),
      ],
      [
        '="2500000000031"',
        '14/02/1997',
        'female',
        'provider_led_postgrad',
        'Mathematics',
        'full_time',
        `01/09/${startYear}`,
        'upper_second',
      ],
    );

    const unchanged = await receiveUpload(database, own, KIND, { name: file.fileName, bytes: file.body }, today);
    assert.deepEqual(
      [unchanged.change_count, unchanged.skip_count, unchanged.error_count],
      [0, 2, 0],
      unchanged.failure_message ?? '',
    );
    const workbook = await templateFile(database.db, own, KIND, 'xlsx', today, { trainees: 'changeable' });
    const unchangedXlsx = await receiveUpload(
      database,
      own,
      KIND,
      { name: workbook.fileName, bytes: workbook.body },
      today,
    );
    assert.deepEqual(
      [unchangedXlsx.change_count, unchangedXlsx.skip_count, unchangedXlsx.error_count],
      [0, 2, 0],
      'the workbook too',
    );

    rows[1][headers.indexOf('Email address')] = 'moved@example.com';
    const edited = await receiveUpload(
      database,
      own,
      KIND,
      { name: 'edited.csv', bytes: csv([headers, ...rows]) },
      today,
    );
    assert.deepEqual([edited.change_count, edited.skip_count, edited.error_count], [1, 1, 0]);
    const { groups } = await reviewChanges(database.db, own, edited.id);
    assert.deepEqual(groups[0].lines[0].details, ['Email address: bulk32@example.com → moved@example.com']);
  });

  it('refuses a row for a withdrawn trainee, and undoes updates only while the trainees are as the upload left them', async () => {
    const own = await createProvider(database.db, { providerType: 'hei' });
    const added = await upload([row(41), row(42), row(43)], own);
    await submitUpload(database, own, added.id, { skipErrors: false, today });
    const byId = async (id: string) =>
      database.db
        .selectFrom('trainees')
        .selectAll()
        .where('provider_id', '=', own.organisation.id)
        .where('provider_trainee_id', '=', id)
        .executeTakeFirstOrThrow();
    const leaving = await byId('BULK-43');
    await database.db
      .transaction()
      .execute((tx) =>
        withdrawTrainee(tx, own, leaving.id, { date: today, reasons: ['health_reasons'] }, { via: 'page', today }),
      );

    // A new email address for BULK-41, BULK-42 and BULK-43, every other cell blank.
    const checked = await receiveUpload(database, own, KIND, uploadFixture(KIND, 'email-changes'), today);
    assert.deepEqual([checked.change_count, checked.error_count], [2, 1]);
    const report = readCsv((await errorReport(database.db, own, checked.id)).body);
    assert.match(
      report[3].at(-1) ?? '',
      /Name43 Bulk43 cannot be changed: they have been recommended, awarded or have withdrawn/,
    );
    await submitUpload(database, own, checked.id, { skipErrors: true, today });
    const updated = await byId('BULK-41');
    assert.equal(updated.email, 'first@example.com');
    // Audited as the uploader, through the upload, with before and after.
    const audit = await database.db
      .selectFrom('events')
      .select(['action', 'changes', 'via', 'actor_user_id'])
      .where('subject_type', '=', 'trainee')
      .where('subject_id', '=', updated.id)
      .where('action', '=', 'details changed')
      .execute();
    assert.deepEqual(audit, [
      {
        action: 'details changed',
        changes: { email: { from: 'bulk41@example.com', to: 'first@example.com' } },
        via: `upload ${checked.id}`,
        actor_user_id: own.userId,
      },
    ]);

    // BULK-42 changed on its page since: nothing is undone, and the message names them.
    const second = await byId('BULK-42');
    await database.db
      .transaction()
      .execute((tx) => changeTraineeDetails(tx, own, second.id, { lastName: 'Changed' }, { via: 'page', today }));
    await assert.rejects(undoUpload(database, own, checked.id), (error: unknown) => {
      assert.ok(error instanceof UndoBlocked);
      assert.deepEqual(error.reasons, ['Name42 Changed’s record has changed since the upload was submitted']);
      return true;
    });
    assert.equal((await byId('BULK-41')).email, 'first@example.com', 'nothing undone');
  });
});
