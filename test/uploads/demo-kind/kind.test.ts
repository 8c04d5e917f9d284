// The pipeline's contract beyond today's kinds, through the real pipeline with a kind defined in
// this folder only: a header block that survives the error report (CSV and XLSX) and re-uploads,
// the file's own free columns, typed cells with one message per type, and an outside lookup that
// fails twice (the upload waits, then is tried again) before it answers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../../src/db/database.ts';
import type { Upload } from '../../../src/db/schema.ts';
import { today } from '../../../src/domain/dates.ts';
import type { Actor } from '../../../src/domain/organisations/actor.ts';
import { registerKindForTest } from '../../../src/uploads/kinds/index.ts';
import { checkUpload, receiveUpload } from '../../../src/uploads/pipeline.ts';
import { errorReport } from '../../../src/uploads/report.ts';
import { reviewChanges } from '../../../src/uploads/review.ts';
import { readSheet } from '../../../src/uploads/sheets/read-sheet.ts';
import { writeXlsx } from '../../../src/uploads/sheets/xlsx.ts';
import { sweepStalledChecks } from '../../../src/uploads/stalled-checks.ts';
import { templateFile } from '../../../src/uploads/template.ts';
import { actorFor } from '../../support/actors.ts';
import { signedIn, startTestApp, type TestContext } from '../../support/app.ts';
import { readCsv } from '../../support/csv.ts';
import { uploadFixture } from '../../support/fixtures.ts';
import { DEMO_KIND_ID, type DemoRegister, demoKind } from './kind.ts';

const fixture = (name: string) => uploadFixture(DEMO_KIND_ID, name).bytes;
const KNOWN = ['B801200005001', 'Q801200005002', 'E801200005003', 'M80120000500A'];

/** A register that refuses the connection `failures` times, then answers. */
function flakyRegister(failures: number): DemoRegister & { calls: number } {
  return {
    calls: 0,
    async knownUpns(upns) {
      this.calls++;
      if (this.calls <= failures) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      return new Set(upns.filter((upn) => KNOWN.includes(upn)));
    },
  };
}

const parseCsv = (bytes: Buffer) => readCsv(bytes, { keepBlankLines: true });

describe('a kind with a header block, free columns, typed cells and an outside lookup', () => {
  let t: TestContext;
  let database: Database;
  let actor: Actor;
  let unregister: () => void;

  before(async () => {
    unregister = registerKindForTest(demoKind);
    t = await startTestApp();
    database = t.database;
    actor = await actorFor(database.db, 'school@example.com', '100001');
  });
  after(async () => {
    unregister();
    await t.close();
  });

  /** Receives a file as the pages do: the kind is always checked in the background, here by hand. */
  async function receive(bytes: Buffer, name = 'scores.csv') {
    const queued: string[] = [];
    const upload = await receiveUpload(database, actor, DEMO_KIND_ID, { name, bytes }, today(), {
      checkLater: async (id) => {
        queued.push(id);
      },
    });
    assert.deepEqual(queued, [upload.id], 'checked in the background, whatever its size');
    return upload;
  }

  const check = (upload: Upload, register: DemoRegister) =>
    checkUpload(database, actor, upload.id, today(), undefined, { adapters: { demoRegister: register } });

  async function retryWhenDue(upload: Upload, register: DemoRegister) {
    // Time passes: the retry is due.
    await sql`update uploads set retry_at = now() - interval '1 second' where id = ${upload.id}`.execute(database.db);
    const { resume } = await sweepStalledChecks(database.db);
    assert.ok(resume.includes(upload.id), 'the sweep queues the check again');
    return check(upload, register);
  }

  let checked: Upload;

  it('waits while the outside system does not answer, says so, and checks once it does', async () => {
    const register = flakyRegister(2);
    const upload = await receive(fixture('scores'));

    const first = await check(upload, register);
    assert.equal(first.state, 'waiting');
    assert.match(first.failure_message ?? '', /^The learner register did not answer.*try again in 1 minute/);
    const page = await (await signedIn(t.app, 'school@example.com')).get(`/uploads/${upload.id}`);
    assert.match(page.body, /Your file is waiting to be checked/);
    assert.match(page.body, /The learner register did not answer/);

    const second = await retryWhenDue(first, register);
    assert.equal(second.state, 'waiting');
    assert.match(second.failure_message ?? '', /try again in 2 minutes/, 'each wait is longer');
    assert.equal(second.lookup_failures, 2);

    checked = await retryWhenDue(second, register);
    assert.equal(register.calls, 3);
    assert.equal(checked.state, 'checked');
    assert.deepEqual(
      { change: checked.change_count, skip: checked.skip_count, error: checked.error_count },
      { change: 1, skip: 1, error: 5 },
    );
    assert.deepEqual(checked.unknown_columns, [], 'House and Club are the file’s own columns, not unknown');
  });

  it('reports each cell that is not of its type with that type’s message, and the kind’s own rules', async () => {
    const report = await errorReport(database.db, actor, checked.id);
    const lines = parseCsv(report.body);
    const errorsOf = (upn: string, name: string) =>
      lines.find((line) => line[0] === upn && line[1] === name)?.at(-1) ?? '';
    assert.match(
      errorsOf('A801200005001', 'Cat'),
      /UPN: "A801200005001" is not a UPN: its check letter does not match/,
    );
    const dan = errorsOf('E801200005003', 'Dan');
    assert.match(dan, /Date of birth: "31\/2\/2018" is not a real date/);
    assert.match(dan, /Year group: "Y3" is not one of the choices. Write Reception, Year 1 or Year 2/);
    assert.match(dan, /Score: "7.25" is not a number with at most 1 decimal place/);
    assert.match(errorsOf('U801200005004', 'Eve'), /UPN: U801200005004 is not in the learner register/);
    assert.match(errorsOf('B801200005001', 'Amy'), /The same record is also in row 12/);
  });

  it('writes the header block back above the header row, and takes the report back as it is', async () => {
    const report = await errorReport(database.db, actor, checked.id);
    const lines = parseCsv(report.body);
    assert.deepEqual(lines.slice(0, 4), [
      ['School name', 'Rollbook Demo Primary School'],
      ['Submitted by', 'Ann Teacher'],
      ['Scores for the summer term.'],
      [''],
    ]);
    assert.deepEqual(lines[4], [
      'UPN',
      'First name',
      'Date of birth',
      'Year group',
      'Score',
      'House',
      'Club',
      'Validation result',
      'Errors',
    ]);

    const again = await check(await receive(report.body, report.fileName), flakyRegister(0));
    assert.equal(again.state, 'checked');
    assert.deepEqual([again.change_count, again.skip_count, again.error_count], [1, 1, 5]);
  });

  it('gives the kind the header block’s values and the free columns’ values, for the review', async () => {
    const { groups } = await reviewChanges(database.db, actor, checked.id, { linesPerGroup: 10 });
    assert.deepEqual(
      groups.flatMap((group) => group.lines.map((line) => [line.title, ...line.details])),
      [['Fay', 'UPN M80120000500A', 'Score 9.5', 'House: Blue', 'Club: Drama']],
    );
    const change = await database.db
      .selectFrom('upload_rows')
      .select('change')
      .where('upload_id', '=', checked.id)
      .where('outcome', '=', 'change')
      .executeTakeFirstOrThrow();
    assert.equal((change.change as { school: string }).school, 'Rollbook Demo Primary School');
  });

  it('keeps the header block in an XLSX template and report too', async () => {
    const template = await templateFile(database.db, actor, DEMO_KIND_ID, 'xlsx', today());
    const read = await readSheet(template.body, { maxRows: 10, headerRow: { required: [['upn']], maxRowsAbove: 10 } });
    assert.deepEqual(read.preamble?.slice(0, 2), [['School name', 'Rollbook Demo Primary School'], ['Submitted by']]);
    assert.equal(read.headers[0], 'UPN');

    const lines = parseCsv(fixture('scores')).filter((line) => line.length > 0);
    const workbook = await writeXlsx(
      'Scores',
      lines[4],
      lines.slice(5).map((cells) => ({ cells })),
      { above: lines.slice(0, 4) },
    );
    const upload = await check(await receive(workbook, 'scores.xlsx'), flakyRegister(0));
    assert.deepEqual([upload.change_count, upload.skip_count, upload.error_count], [1, 1, 5]);
    const report = await errorReport(database.db, actor, upload.id);
    const back = await readSheet(report.body, { maxRows: 10, headerRow: { required: [['upn']], maxRowsAbove: 10 } });
    assert.deepEqual(back.preamble?.slice(0, 3), [
      ['School name', 'Rollbook Demo Primary School'],
      ['Submitted by', 'Ann Teacher'],
      ['Scores for the summer term.'],
    ]);
  });

  it('refuses a file with more of its own columns than the kind allows, naming how many', async () => {
    const csv = 'UPN,First name,Date of birth,A,B,C,D\r\nB801200005001,Amy,3/4/2018,1,2,3,4\r\n';
    await assert.rejects(receive(Buffer.from(csv)), {
      name: 'FileRefusal',
      message: /4 columns of your own, more than the 3 allowed. Remove 1 of them/,
    });
  });

  it('refuses a file over the kind’s own size limit, on the pages and in the pipeline, and says the limit', async () => {
    const header = 'UPN,First name,Date of birth\r\n';
    const big = Buffer.from(header + 'B801200005001,Amy,3/4/2018\r\n'.repeat(Math.ceil((2 * 1024 * 1024) / 28)));
    await assert.rejects(receive(big), { name: 'FileRefusal', message: /The file is larger than 2 MB/ });
    const agent = await signedIn(t.app, 'school@example.com');
    const start = await agent.get(`/bulk/${DEMO_KIND_ID}`);
    assert.match(start.body, /2 MB/, 'the start page tells the kind’s limit');
    const page = await agent.postFile(`/bulk/${DEMO_KIND_ID}`, { name: 'big.csv', content: big });
    assert.equal(page.statusCode, 422);
    assert.match(page.body, /The file is larger than 2 MB/);
  });
});
