// A small kind for the pipeline's own tests, defined in one folder and registered only by its
// test: learners' scores, as a school might send them. It uses what the contract offers beyond
// the kinds in the app: typed cells, the file's own free columns, a header block above the
// header row, and a lookup in an outside system (a fake register) that may not answer.
import { FREE_COLUMN_KEY } from '../../../src/uploads/headers.ts';
import { defineKind, LookupUnavailable } from '../../../src/uploads/kinds/kind.ts';

/** The outside system this kind looks learners up in, added to the adapters a kind may use. */
export interface DemoRegister {
  /** The UPNs the register knows, of those asked about. */
  knownUpns(upns: string[]): Promise<Set<string>>;
}

declare module '../../../src/uploads/kinds/kind.ts' {
  interface LookupAdapters {
    demoRegister: DemoRegister;
  }
}

export interface DemoChange {
  upn: string;
  name: string;
  dateOfBirth: string;
  yearGroup: string;
  score: number | undefined;
  school: string;
  /** The file's own columns, in its order: [heading, value]. */
  ownFields: [string, string][];
}

export const DEMO_KIND_ID = 'demo-learner-scores';

const HEADERS = { upn: 'UPN', name: 'first name', dateOfBirth: 'date of birth' };

export const demoKind = defineKind<DemoChange, Set<string>>({
  id: DEMO_KIND_ID,
  title: 'Send learners’ scores',
  allowedFor: ['school'],
  columns: [
    { key: 'upn', header: 'UPN', required: true, type: { type: 'upn' }, hint: 'The learner’s unique pupil number' },
    { key: 'name', header: 'First name', required: true, type: { type: 'text', max: 40 }, hint: 'Up to 40 characters' },
    { key: 'dateOfBirth', header: 'Date of birth', required: true, type: { type: 'date' }, hint: 'Like 27/3/2015' },
    {
      key: 'yearGroup',
      header: 'Year group',
      type: {
        type: 'enum',
        values: [
          { value: 'Reception', also: ['R', 'Rec'] },
          { value: 'Year 1', also: ['Y1', '1'] },
          { value: 'Year 2', also: ['Y2', '2'] },
        ],
      },
      hint: 'Reception, Year 1 or Year 2',
    },
    { key: 'score', header: 'Score', type: { type: 'decimal', places: 1 }, hint: 'A number with one decimal place' },
  ],
  freeColumns: { max: 3, maxLength: 20 },
  headerBlock: { labels: ['School name', 'Submitted by'], textRows: 2 },
  uses: ['demoRegister'],
  checkIn: 'background',
  maxRows: 1_000,
  // Its own limit, smaller than most kinds' 50 MB.
  maxFileBytes: 2 * 1024 * 1024,
  oneRowPerRecord: true,
  sheetName: 'Scores',
  countLabels: {
    change: (n) => `${n} scores will be sent`,
    skip: (n) => `${n} rows have nothing to send`,
    error: (n) => `${n} rows have errors`,
  },
  templateFileName: () => 'learner-scores',
  template: async () => [],
  templateRowCount: async () => 0,
  templateHeaderBlock: async ({ actor }) => ({ 'School name': actor.organisation.name }),

  async prepare({ adapters }, rows) {
    const register = adapters?.demoRegister;
    if (!register) throw new Error('The demo kind needs its register');
    const upns: string[] = [];
    for await (const row of rows) if (typeof row.values.upn === 'string') upns.push(row.values.upn);
    try {
      return await register.knownUpns(upns);
    } catch (error) {
      throw new LookupUnavailable('The learner register', error);
    }
  },

  check(row, known, { headerBlock }) {
    const { upn, name, dateOfBirth, yearGroup, score } = row.values;
    // Cells that did not parse by their type are reported by the pipeline: only this kind's own
    // rules are here (an empty required cell among them).
    const empty = (['upn', 'name', 'dateOfBirth'] as const).filter((key) => row.cells[key] === '');
    if (empty.length > 0) {
      return { outcome: 'error', errors: empty.map((key) => ({ column: key, message: `Enter the ${HEADERS[key]}` })) };
    }
    if (typeof upn !== 'string' || typeof name !== 'string' || typeof dateOfBirth !== 'string') {
      return { outcome: 'error', errors: [] };
    }
    if (!known.has(upn)) {
      return {
        outcome: 'error',
        errors: [{ column: 'upn', message: `UPN: ${upn} is not in the learner register` }],
        recordKey: upn,
      };
    }
    if (score === undefined) return { outcome: 'skip', reason: 'No score', recordKey: upn };
    const ownFields = Object.entries(row.values).flatMap(([key, value]): [string, string][] =>
      key.startsWith(FREE_COLUMN_KEY) && typeof value === 'string' ? [[key.slice(FREE_COLUMN_KEY.length), value]] : [],
    );
    return {
      outcome: 'change',
      recordKey: upn,
      change: {
        upn,
        name,
        dateOfBirth,
        yearGroup: typeof yearGroup === 'string' ? yearGroup : '',
        score: typeof score === 'number' ? score : undefined,
        school: headerBlock?.values['School name'] ?? '',
        ownFields,
      },
    };
  },

  async recheck() {
    return new Map();
  },
  writes: [],
  async apply() {},
  describe: (change) => ({
    group: change.yearGroup || 'No year group',
    title: change.name,
    details: [`UPN ${change.upn}`, `Score ${change.score}`, ...change.ownFields.map(([k, v]) => `${k}: ${v}`)],
  }),
  pages: {
    templateCount: () => 'The sheet has the column headings only.',
    reviewTitle: 'Check the scores you’ll send',
    submitButton: (n) => `Send ${n} scores`,
    doneTitle: (n) => `${n} scores sent`,
    countHeadings: { change: 'To send', changed: 'Sent', skip: 'No score', error: 'Errors' },
  },
});
