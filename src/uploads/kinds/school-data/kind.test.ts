// The school-data upload on pages and through the pipeline: the template's header block and
// choices, the file-level refusals (75 fields accepted, 76 refused; blank and repeated headings;
// another school's name or postcode; too much introduction text), each row rule, the counts, the
// review's preview of one learner's page, publish now and publish at, undo, and isolation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ExcelJS from 'exceljs';
import { type Agent, signedIn, startTestApp, type TestContext } from '../../../../test/support/app.ts';
import { csvText, readCsv } from '../../../../test/support/csv.ts';
import { testUpn } from '../../../../test/support/factories.ts';
import { uploadFixture } from '../../../../test/support/fixtures.ts';
import { findLearnerByUpn } from '../../../domain/school-data/learners.ts';
import { learnerDataPage } from '../../../domain/school-data/school-data.ts';
import { parsePublishAt } from './kind.ts';

const KIND = 'school-data';
const START = `/bulk/${KIND}`;
const DEMO_SCHOOL = 'Rollbook Demo Primary School';
const HEADINGS = ['First name', 'Surname', 'UPN', 'Admission number', 'Date of birth', 'Year group'];

function uploadIdFrom(location: unknown): string {
  const id = /\/uploads\/([0-9a-f-]{36})/.exec(String(location))?.[1];
  if (!id) throw new Error(`No upload in ${String(location)}`);
  return id;
}

/** A learner's compulsory cells: the n-th test learner, 12 years old, in Year 7. */
const learnerCells = (n: number, overrides: Partial<Record<string, string>> = {}) => {
  const cells: Record<string, string> = {
    'First name': `Ada${n}`,
    Surname: `Lovelace${n}`,
    UPN: testUpn(n),
    'Admission number': `ADM${n}`,
    'Date of birth': '1/9/2014',
    'Year group': 'Year 7',
    ...overrides,
  };
  return HEADINGS.map((h) => cells[h]);
};

/** A sheet: a header block (as given), then the headings and rows. */
function sheet(
  headers: string[],
  rows: string[][],
  { block = [] as string[][], delimiter = ',' }: { block?: string[][]; delimiter?: string } = {},
) {
  return csvText([...block, headers, ...rows], { delimiter });
}

const BLOCK = (paragraphs: string[] = ['These are your predicted grades.']) => [
  ['School name', DEMO_SCHOOL],
  ['School postcode', ''],
  ['Import spreadsheet submitted by', 'Ms Head'],
  ['Date submitted', ''],
  ...paragraphs.map((p, i) => [`Introductory text paragraph ${i + 1}`, p]),
  [],
];

describe('school data uploads', () => {
  let t: TestContext;
  let school: Agent;

  before(async () => {
    t = await startTestApp();
    school = await signedIn(t.app, 'school@example.com');
    await school.get(START);
  });
  after(() => t.close());

  /** A named fixture file of this kind (test/fixtures/uploads/school-data/). */
  const fixture = (name: string) => uploadFixture(KIND, name).bytes;

  async function upload(agent: Agent, content: string | Uint8Array, name = 'school-data.csv') {
    await agent.get(START);
    return agent.postFile(START, { name, content });
  }

  /** Uploads a sheet that must be taken, and returns its id. */
  async function taken(agent: Agent, content: string | Uint8Array) {
    const posted = await upload(agent, content);
    assert.equal(posted.statusCode, 303, posted.body.slice(0, 3000));
    return uploadIdFrom(posted.headers.location);
  }

  /** The refusal message a sheet gets (422 or 400, with nothing stored). */
  async function refusal(content: string | Uint8Array) {
    const before = await t.database.db.selectFrom('uploads').select('id').execute();
    const posted = await upload(school, content);
    assert.ok(posted.statusCode >= 400, `refused: ${posted.statusCode}`);
    const after = await t.database.db.selectFrom('uploads').select('id').execute();
    assert.equal(after.length, before.length, 'nothing is stored');
    return posted.body
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
  }

  const learnerPage = async (n: number, now?: Date) => {
    const schoolId = (
      await t.database.db
        .selectFrom('organisations')
        .select('id')
        .where('name', '=', DEMO_SCHOOL)
        .executeTakeFirstOrThrow()
    ).id;
    const learner = await findLearnerByUpn(t.database.db, schoolId, testUpn(n));
    return learner ? learnerDataPage(t.database.db, learner, now) : undefined;
  };

  it('downloads a template with the header block, the compulsory fields and a choice of learners', async () => {
    const start = await school.get(START);
    assert.equal(start.statusCode, 200);
    assert.match(start.body, /name="learners" type="radio" value="all"/);
    const csv = await school.get(`${START}/template.csv`);
    assert.equal(csv.statusCode, 200);
    const rows = readCsv(csv.body);
    assert.deepEqual(rows[0], ['School name', DEMO_SCHOOL]);
    assert.equal(rows[1][0], 'School postcode');
    assert.deepEqual(
      rows.slice(2, 7).map((r) => r[0]),
      [
        'Import spreadsheet submitted by',
        'Date submitted',
        'Introductory text paragraph 1',
        'Introductory text paragraph 2',
        'Introductory text paragraph 3',
      ],
    );
    assert.deepEqual(
      rows.find((r) => r[0] === 'First name'),
      // The school's own fields follow, from its last upload (the demo data's).
      [...HEADINGS, 'Reading', 'Writing', 'Maths', 'Attendance this term', 'Clubs'],
    );
    const xlsx = await school.get(`${START}/template.xlsx`);
    assert.equal(xlsx.statusCode, 200);
    const guidance = await school.get(`${START}/guidance`);
    assert.match(guidance.body, /up to 75/);
    assert.match(guidance.body, /may be surprising or discouraging/);
    // A whole school's learners, or a trust's, in one file: more than other kinds take.
    assert.match(guidance.body, /Up to 1,000,000 rows and 250 MB in one file/);
    assert.match(start.body, /up to 250 MB/);
  });

  it('downloads an XLSX template with the heading row frozen and examples of the school’s own headings in grey, which uploads as it is', async () => {
    const download = await school.get(`${START}/template.xlsx`);
    assert.equal(download.statusCode, 200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(download.rawPayload as unknown as ExcelJS.Buffer);
    const sheet = workbook.getWorksheet('School data');
    assert.ok(sheet);
    const texts = (row: number) =>
      Array.from({ length: sheet.getRow(row).cellCount }, (_, i) => sheet.getRow(row).getCell(i + 1).text);
    let heading = 1;
    while (sheet.getRow(heading).getCell(1).text !== 'First name') heading++;
    const own = ['Reading', 'Writing', 'Maths', 'Attendance this term', 'Clubs'];
    assert.deepEqual(texts(heading), [...HEADINGS, ...own], 'the school’s own headings from its last upload');
    assert.deepEqual(texts(1), ['School name', DEMO_SCHOOL]);
    // The heading row stays in view as the learners scroll by.
    assert.equal(sheet.views[0]?.state, 'frozen');
    assert.equal((sheet.views[0] as ExcelJS.WorksheetViewFrozen).ySplit, heading);
    // Just above it: a caption, and grey examples over the first columns without a heading.
    const examples = sheet.getRow(heading - 1);
    assert.equal(examples.getCell(1).text, 'Compulsory fields');
    const first = HEADINGS.length + own.length + 1;
    assert.match(examples.getCell(first).text, /^Your own headings go in the row below, like “Maths predicted grade”/);
    assert.match(examples.getCell(first + 2).text, /up to 75/);
    for (const column of [first, first + 1, first + 2]) {
      assert.equal(examples.getCell(column).font?.color?.argb, 'FF505A5F', `column ${column} is grey`);
      assert.equal(examples.getCell(column).font?.italic, true);
    }
    assert.notEqual(examples.getCell(1).font?.color?.argb, 'FF505A5F', 'the caption is not an example');
    assert.notEqual(sheet.getRow(heading).getCell(first - 1).font?.color?.argb, 'FF505A5F', 'headings are not grey');

    // Filled in and uploaded as it is: the caption and examples are neither introduction nor fields.
    const row = sheet.getRow(heading + 1);
    learnerCells(31).forEach((value, i) => {
      row.getCell(i + 1).value = value;
    });
    row.getCell(HEADINGS.length + 1).value = 'Expected';
    row.commit();
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    await school.get(START);
    const posted = await school.postFile(START, {
      name: 'template.xlsx',
      content: bytes,
      type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    assert.equal(posted.statusCode, 303, posted.body.slice(0, 3000));
    const id = uploadIdFrom(posted.headers.location);
    assert.match((await school.get(`/uploads/${id}`)).body, /1 learner will have their school data replaced or added/);
    await school.post(`/uploads/${id}/submit`, { skipErrors: 'false', publish: 'now' });
    const page = await learnerPage(31);
    assert.deepEqual(page?.data?.fields, [{ name: 'Reading', value: 'Expected' }]);
    assert.deepEqual(page?.data?.introduction, []);
  });

  it('takes a sheet, counts new learners, previews a learner’s page exactly, and publishes now', async () => {
    const id = await taken(
      school,
      sheet(
        [...HEADINGS, 'Maths predicted', 'Effort', 'Target'],
        [
          [...learnerCells(1), '007', '', 'A*'],
          [...learnerCells(2, { 'Year group': 'Y9' }), '3+', '1', '12/03/2026'],
          [...learnerCells(3, { 'Year group': 'reception', 'Date of birth': '2021-09-01' }), '', '', ''],
        ],
        { block: BLOCK(['These are your predicted grades.', 'Talk to your tutor about them.']) },
      ),
    );
    const summary = await school.get(`/uploads/${id}`);
    assert.match(summary.body, /3 learners will have their school data replaced or added/);
    const review = await school.get(`/uploads/${id}/review?learner=3`);
    assert.equal(review.statusCode, 200);
    assert.match(review.body, /New learners \(3\)/);
    assert.match(review.body, /Preview a learner’s page/);
    assert.match(review.body, /When should learners see this data\?/);
    const preview = await school.get(`/uploads/${id}/review`);
    const box = /<div class="rollbook-preview"[\s\S]*?Published on/.exec(preview.body)?.[0] ?? '';
    assert.match(box, /These are your predicted grades\./);
    assert.match(box, /Talk to your tutor about them\./);
    assert.match(box, /Maths predicted[\s\S]*007[\s\S]*Target[\s\S]*A\*/);
    assert.doesNotMatch(box, /Effort/, 'a blank cell is not shown');
    const submitted = await school.post(`/uploads/${id}/submit`, { skipErrors: 'false', publish: 'now' });
    assert.equal(submitted.headers.location, `/uploads/${id}/done`);
    const second = await learnerPage(2);
    assert.deepEqual(second?.data?.fields, [
      { name: 'Maths predicted', value: '3+' },
      { name: 'Effort', value: '1' },
      { name: 'Target', value: '12/03/2026' },
    ]);
    assert.equal(second?.learner.year_group, 'Year 9');
    assert.equal((await learnerPage(3))?.learner.year_group, 'Reception');
    assert.deepEqual((await learnerPage(3))?.data?.fields, []);
    const set = await t.database.db
      .selectFrom('school_data_sets')
      .select(['submitted_by_name', 'introduction'])
      .where('upload_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(set.submitted_by_name, 'Ms Head');
  });

  it('accepts a plain sheet with just the heading row, and 75 fields of the school’s own', async () => {
    // Learner 4, with fields "Field 1" to "Field 75" holding "v1" to "v75".
    const id = await taken(school, fixture('plain-75-fields'));
    const submitted = await school.post(`/uploads/${id}/submit`, { skipErrors: 'false', publish: 'now' });
    assert.equal(submitted.statusCode, 303);
    const page = await learnerPage(4);
    assert.equal(page?.data?.fields.length, 75);
    assert.deepEqual(page?.data?.fields[74], { name: 'Field 75', value: 'v75' });
    assert.deepEqual(page?.data?.introduction, []);
  });

  it('takes the header block from the start page’s fields for a plain sheet, refusing another school’s', async () => {
    await school.get(START);
    const start = await school.get(START);
    assert.match(start.body, /My file has no details at the top/);
    assert.match(start.body, /name="Introductory text paragraph 1"/);
    const posted = await school.postFile(
      START,
      { name: 'plain.csv', content: sheet([...HEADINGS, 'Art'], [[...learnerCells(6), 'Merit']]) },
      { 'Introductory text paragraph 1': 'Typed on the page.', 'Import spreadsheet submitted by': 'Mr Typed' },
    );
    assert.equal(posted.statusCode, 303, posted.body.slice(0, 2000));
    const id = uploadIdFrom(posted.headers.location);
    await school.post(`/uploads/${id}/submit`, { skipErrors: 'false', publish: 'now' });
    assert.deepEqual((await learnerPage(6))?.data?.introduction, ['Typed on the page.']);
    await school.get(START);
    const other = await school.postFile(
      START,
      { name: 'plain.csv', content: sheet([...HEADINGS], [learnerCells(7)]) },
      { 'School name': 'Some Other Academy' },
    );
    assert.equal(other.statusCode, 422);
    assert.match(other.body, /you are uploading for Rollbook Demo Primary School/);
  });

  it('refuses 76 fields, naming the extra heading', async () => {
    const body = await refusal(fixture('76-fields'));
    assert.match(body, /76 columns of your own, more than the 75 allowed/);
    assert.match(body, /"Field 76"/);
  });

  it('refuses blank and repeated headings, another school, and too much introduction text', async () => {
    assert.match(await refusal(fixture('blank-heading')), /Column H has values \(in row \d+, for one\) but no heading/);
    assert.match(await refusal(fixture('repeated-heading')), /two columns called "maths"/);
    assert.match(
      await refusal(fixture('another-school')),
      /The school name at the top of the sheet is “Some Other Academy”, but you are uploading for Rollbook Demo Primary School/,
    );
    const otherPostcode = BLOCK();
    otherPostcode[1] = ['School postcode', 'ZZ1 1ZZ'];
    assert.match(
      await refusal(sheet([...HEADINGS], [learnerCells(5)], { block: otherPostcode })),
      /The school postcode at the top of the sheet is ZZ1 1ZZ/,
    );
    assert.match(
      await refusal(sheet([...HEADINGS], [learnerCells(5)], { block: BLOCK(['One.', 'Two.', 'Three.', 'Four.']) })),
      /The introduction text has 4 paragraphs, more than the 3 allowed/,
    );
    assert.match(
      await refusal(sheet([...HEADINGS], [learnerCells(5)], { block: BLOCK(['x'.repeat(1001)]) })),
      /Paragraph 1 of the introduction text is 1,001 characters long\. Shorten it to 1,000 characters or fewer/,
    );
  });

  it('checks each row: UPN check letter, date of birth, year group, a known learner’s date of birth, repeats, long cells', async () => {
    // Learner 1 is known with date of birth 1 September 2014; the file's row 4 gives them 2 September.
    const id = await taken(school, fixture('row-problems'));
    const report = readCsv((await school.get(`/uploads/${id}/report`)).body);
    const headerRow = report.findIndex((r) => r[0] === 'First name');
    const errorsOf = (i: number) => report[headerRow + 1 + i].at(-1) ?? '';
    assert.match(errorsOf(0), /UPN: "A801200005001" is not a UPN: its check letter does not match/);
    assert.match(errorsOf(1), /would make the learner older than 25/);
    assert.match(errorsOf(2), /Year group: "Year 14" is not one of the choices/);
    assert.match(
      errorsOf(3),
      /2 September 2014 is not the date of birth Rollbook has for Ada1 Lovelace1 with UPN .*, 1 September 2014/,
    );
    assert.match(errorsOf(4), /also in row/);
    assert.match(errorsOf(5), /also in row/);
    assert.match(errorsOf(6), /Notes: the text is 501 characters long\. Shorten it to 500 characters or fewer/);
    assert.equal(errorsOf(7), '', 'a year group given as "9" is Year 9');
    assert.match(errorsOf(8), /Enter the learner’s first name/);
    const summary = await school.get(`/uploads/${id}`);
    assert.match(summary.body, /1 learner will have their school data replaced or added/);
    assert.match(summary.body, /8 rows cannot be uploaded because of errors/);
  });

  it('checks the other row and header rules: under 2, impossible dates, year group names, another learner’s admission number, a date submitted that is not a date', async () => {
    const today = new Date();
    const baby = `${today.getUTCDate()}/${today.getUTCMonth() + 1}/${today.getUTCFullYear() - 1}`;
    const rows = [
      learnerCells(50, { 'Date of birth': baby }),
      learnerCells(51, { 'Date of birth': '31/2/2014' }),
      learnerCells(52, { 'Year group': 'R' }),
      learnerCells(53, { 'Year group': 'Rec' }),
      learnerCells(54, { 'Year group': 'Year 9' }),
      // ADM1 is learner 1's admission number.
      learnerCells(55, { 'Admission number': 'adm1' }),
    ];
    const id = await taken(school, sheet([...HEADINGS], rows));
    const report = readCsv((await school.get(`/uploads/${id}/report`)).body);
    const headerRow = report.findIndex((r) => r[0] === 'First name');
    const errorsOf = (i: number) => report[headerRow + 1 + i].at(-1) ?? '';
    assert.match(errorsOf(0), /would make the learner younger than 2/);
    assert.match(errorsOf(1), /Date of birth: "31\/2\/2014" is not a date|not a real date/);
    assert.equal(errorsOf(2), '', '"R" is Reception');
    assert.equal(errorsOf(3), '', '"Rec" is Reception');
    assert.equal(errorsOf(4), '');
    assert.match(errorsOf(5), /Admission number: adm1 belongs to another learner at your school \(UPN .+\)/);
    const review = await school.get(`/uploads/${id}/review?skipErrors=true`);
    assert.match(review.body, /Reception[\s\S]*Reception/);
    await school.post(`/uploads/${id}/cancel`);

    const block = BLOCK();
    block[3] = ['Date submitted', 'last Tuesday'];
    assert.match(
      await refusal(sheet([...HEADINGS], [learnerCells(56)], { block })),
      /The date submitted at the top of the sheet, “last Tuesday”, is not a date/,
    );
  });

  it('publishes at a later time: learners keep their previous data until then; a bad date is refused', async () => {
    const id = await taken(
      school,
      sheet([...HEADINGS, 'Maths predicted'], [[...learnerCells(1), '8']], { block: BLOCK(['Second upload.']) }),
    );
    const bad = await school.post(`/uploads/${id}/submit`, {
      skipErrors: 'false',
      publish: 'later',
      'publishDate-day': '31',
      'publishDate-month': '2',
      'publishDate-year': '2030',
      publishTime: '9am',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /The date to publish must be a real date/);
    assert.match(bad.body, /href="#publishDate"/);
    const next = new Date(Date.now() + 3 * 86_400_000);
    const posted = await school.post(`/uploads/${id}/submit`, {
      skipErrors: 'false',
      publish: 'later',
      'publishDate-day': String(next.getUTCDate()),
      'publishDate-month': String(next.getUTCMonth() + 1),
      'publishDate-year': String(next.getUTCFullYear()),
      publishTime: '13:30',
    });
    assert.equal(posted.headers.location, `/uploads/${id}/done`);
    const now = await learnerPage(1);
    assert.deepEqual(now?.data?.fields[0], { name: 'Maths predicted', value: '007' }, 'the previous data still shows');
    assert.ok(now?.pending);
    const then = await learnerPage(1, new Date(Date.now() + 4 * 86_400_000));
    assert.deepEqual(then?.data?.fields, [{ name: 'Maths predicted', value: '8' }]);
    assert.deepEqual(then?.data?.introduction, ['Second upload.']);
  });

  it('undoes an upload within 7 days, restoring exactly what it replaced', async () => {
    const before = await learnerPage(2);
    const id = await taken(
      school,
      sheet([...HEADINGS, 'Art'], [[...learnerCells(2, { 'Year group': 'Year 10' }), 'B']]),
    );
    await school.post(`/uploads/${id}/submit`, { skipErrors: 'false', publish: 'now' });
    assert.deepEqual((await learnerPage(2))?.data?.fields, [{ name: 'Art', value: 'B' }]);
    const undo = await school.get(`/uploads/${id}/undo`);
    assert.equal(undo.statusCode, 200);
    assert.match(undo.body, /the school data of 1 learner/);
    const undone = await school.post(`/uploads/${id}/undo`);
    assert.equal(undone.statusCode, 303);
    const after = await learnerPage(2);
    assert.deepEqual(after?.data, before?.data);
    assert.equal(after?.learner.year_group, 'Year 9');
  });

  it('keeps an email column apart from the fields: stored with the learner, never shown, checked, and undone', async () => {
    const schoolId = (
      await t.database.db
        .selectFrom('organisations')
        .select('id')
        .where('name', '=', DEMO_SCHOOL)
        .executeTakeFirstOrThrow()
    ).id;
    const emailOf = async (n: number) => (await findLearnerByUpn(t.database.db, schoolId, testUpn(n)))?.email ?? null;
    const first = await taken(
      school,
      sheet(
        [...HEADINGS, 'Art', 'Email address'],
        [
          [...learnerCells(40), 'Merit', 'kit40@example.com'],
          [...learnerCells(41), 'Pass', 'not an address'],
        ],
      ),
    );
    const report = readCsv((await school.get(`/uploads/${first}/report`)).body);
    assert.match(
      report.at(-1)?.at(-1) ?? '',
      /Email address: “not an address” is not an email address\. Write it like name@example\.com, or leave it blank/,
    );
    await school.post(`/uploads/${first}/submit`, { skipErrors: 'true', publish: 'now' });
    assert.equal(await emailOf(40), 'kit40@example.com');
    assert.deepEqual((await learnerPage(40))?.data?.fields, [{ name: 'Art', value: 'Merit' }], 'not one of the fields');
    // A blank cell keeps the address recorded; a new one replaces it, and undo gives the old one back.
    const blank = await taken(school, sheet([...HEADINGS, 'Art', 'Email'], [[...learnerCells(40), 'Distinction', '']]));
    await school.post(`/uploads/${blank}/submit`, { skipErrors: 'false', publish: 'now' });
    assert.equal(await emailOf(40), 'kit40@example.com');
    const changed = await taken(
      school,
      sheet([...HEADINGS, 'Art', 'Learner email'], [[...learnerCells(40), 'Merit', 'kit.new@example.com']]),
    );
    await school.post(`/uploads/${changed}/submit`, { skipErrors: 'false', publish: 'now' });
    assert.equal(await emailOf(40), 'kit.new@example.com');
    await school.post(`/uploads/${changed}/undo`);
    assert.equal(await emailOf(40), 'kit40@example.com');
  });

  it('keeps another school out of an upload and its preview', async () => {
    const id = await taken(school, sheet([...HEADINGS, 'Art'], [[...learnerCells(20), 'secret']]));
    const provider = await signedIn(t.app, 'provider@example.com');
    for (const url of [
      `/uploads/${id}`,
      `/uploads/${id}/review`,
      `/uploads/${id}/review?learner=2`,
      `/uploads/${id}/report`,
    ]) {
      const response = await provider.get(url);
      assert.equal(response.statusCode, 404, url);
      assert.doesNotMatch(response.body, /secret/);
    }
    const start = await provider.get(START);
    assert.equal(start.statusCode, 404, 'a provider has no school-data uploads');
  });

  it('reads the time to publish from the API or the page', () => {
    const now = new Date('2026-12-05T12:00:00Z');
    assert.equal(parsePublishAt({}, now), now);
    assert.equal(parsePublishAt({ publishAt: '2026-12-07T09:00:00Z' }, now).toISOString(), '2026-12-07T09:00:00.000Z');
    assert.throws(() => parsePublishAt({ publishAt: '2026-12-01T09:00:00Z' }, now), /must be in the future/);
    assert.throws(() => parsePublishAt({ publishAt: 'tomorrow' }, now), /date and time with its offset/);
    // In summer, 9am in England is 8am UTC.
    const summer = parsePublishAt(
      {
        publish: 'later',
        'publishDate-day': '1',
        'publishDate-month': '7',
        'publishDate-year': '2027',
        publishTime: '9:00am',
      },
      now,
    );
    assert.equal(summer.toISOString(), '2027-07-01T08:00:00.000Z');
    assert.throws(
      () =>
        parsePublishAt(
          {
            publish: 'later',
            'publishDate-day': '1',
            'publishDate-month': '7',
            'publishDate-year': '2027',
            publishTime: '25:00',
          },
          now,
        ),
      /Enter the time to publish/,
    );
  });
});
