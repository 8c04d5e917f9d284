import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import iconv from 'iconv-lite';
import { countSchools, upsertSchools } from '../src/domain/schools/schools.ts';
import { parseGiasCsv } from '../src/integrations/schools-register/gias-csv.ts';
import { openBenchDatabase } from './scratch-database.ts';

const USAGE = 'Usage: npm run bench:import-schools -- [--rows 50000] [--database pglite|postgres]';

// The columns of the real extract that matter most, in its order and with its headers (it has
// about 140; these 50 give rows of a similar shape and length per column).
const COLUMNS = [
  'URN',
  'LA (code)',
  'LA (name)',
  'EstablishmentNumber',
  'EstablishmentName',
  'TypeOfEstablishment (code)',
  'TypeOfEstablishment (name)',
  'EstablishmentTypeGroup (code)',
  'EstablishmentTypeGroup (name)',
  'EstablishmentStatus (code)',
  'EstablishmentStatus (name)',
  'ReasonEstablishmentOpened (name)',
  'OpenDate',
  'ReasonEstablishmentClosed (name)',
  'CloseDate',
  'PhaseOfEducation (code)',
  'PhaseOfEducation (name)',
  'StatutoryLowAge',
  'StatutoryHighAge',
  'Boarders (name)',
  'NurseryProvision (name)',
  'OfficialSixthForm (name)',
  'Gender (name)',
  'ReligiousCharacter (name)',
  'Diocese (name)',
  'AdmissionsPolicy (name)',
  'SchoolCapacity',
  'CensusDate',
  'NumberOfPupils',
  'NumberOfBoys',
  'NumberOfGirls',
  'PercentageFSM',
  'TrustSchoolFlag (name)',
  'Trusts (name)',
  'UKPRN',
  'LastChangedDate',
  'Street',
  'Locality',
  'Town',
  'County (name)',
  'Postcode',
  'SchoolWebsite',
  'TelephoneNum',
  'HeadTitle (name)',
  'HeadFirstName',
  'HeadLastName',
  'GOR (name)',
  'ParliamentaryConstituency (name)',
  'UrbanRural (name)',
  'Easting',
  'Northing',
];

const PLACES = [
  'Ashby Vale',
  'Brookfield',
  'Fernleigh',
  'Thornbury',
  'Willow Green',
  'Chapel End',
  'Kingsmead',
  'Oakhurst',
  'Marlow Cross',
  'Hartwell',
  'Newbridge',
  'Saint-Rémy',
  'Eastholme',
  'Coldharbour',
  'Redcliffe',
  'Little Bexley',
];
const DEDICATIONS = ['St Mary’s', 'St John’s', 'Holy Trinity', 'Christ Church', 'St Peter’s', 'All Saints’'];
const LAS = ['Northshire', 'Southmarsh', 'Westdale', 'Eastmoor', 'Riverside', 'Hillingford'];
const STREETS = ['High Street', 'School Lane', 'Church Road', 'Mill Lane', 'Station Road', 'The Green', 'Park Avenue'];
const FIRST = ['Priya', 'Tom', 'Siân', 'Zoë', 'Sam', 'Morgan', 'Amira', 'Ben', 'Chloé', 'Dev', 'Eilidh', 'Femi'];
const LAST = ['Shah', 'Okafor', 'Evans', 'Whitfield', 'Reid', 'O’Brien', 'Khan', 'Lee', 'Nowak', 'Patel', 'Hughes'];
const AREAS = ['LS', 'NR', 'B', 'M', 'SW', 'EC', 'CB', 'OX', 'YO', 'TS', 'DE', 'PE'];
const LETTERS = [...'ABDEFGHJLNPQRSTUWXYZ'];

type Kind = { type: string; group: string; phase: string; low: number; high: number; suffix: string };
const KINDS: Kind[] = [
  {
    type: 'Community school',
    group: 'Local authority maintained schools',
    phase: 'Primary',
    low: 4,
    high: 11,
    suffix: 'Primary School',
  },
  {
    type: 'Voluntary aided school',
    group: 'Local authority maintained schools',
    phase: 'Primary',
    low: 4,
    high: 11,
    suffix: 'Church of England Primary School',
  },
  { type: 'Academy converter', group: 'Academies', phase: 'Secondary', low: 11, high: 18, suffix: 'Academy' },
  { type: 'Academy sponsor led', group: 'Academies', phase: 'Secondary', low: 11, high: 16, suffix: 'High School' },
  { type: 'Free schools', group: 'Free Schools', phase: 'All-through', low: 4, high: 18, suffix: 'Free School' },
  {
    type: 'Community special school',
    group: 'Special schools',
    phase: 'Not applicable',
    low: 2,
    high: 19,
    suffix: 'School',
  },
  {
    type: 'Other independent school',
    group: 'Independent schools',
    phase: 'Not applicable',
    low: 3,
    high: 18,
    suffix: 'College',
  },
];

/** A small seeded generator (mulberry32), so every run makes the same file. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function csvCell(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Writes rows in the GIAS layout, encoded in Windows-1252 as the real extract is. */
function generateCsv(file: string, rows: number): void {
  const next = random(20250101);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
  const digits = (n: number) => String(Math.floor(next() * 10 ** n)).padStart(n, '0');
  const date = (from: number, to: number) =>
    `${String(1 + Math.floor(next() * 28)).padStart(2, '0')}-${String(1 + Math.floor(next() * 12)).padStart(2, '0')}-${from + Math.floor(next() * (to - from))}`;
  const fd = openSync(file, 'w');
  try {
    let lines = [COLUMNS.map(csvCell).join(',')];
    for (let i = 0; i < rows; i++) {
      // Distinct 6-digit URNs: 7919 is prime to 900,000, so i * 7919 mod 900,000 never repeats.
      const urn = 100000 + ((i * 7919) % 900000);
      const kind = pick(KINDS);
      const place = pick(PLACES);
      const la = pick(LAS);
      const church = kind.type === 'Voluntary aided school';
      const name = church ? `${pick(DEDICATIONS)} ${kind.suffix}, ${place}` : `${place} ${kind.suffix}`;
      const closed = next() < 0.12;
      const pupils = 50 + Math.floor(next() * 1400);
      const boys = Math.floor(pupils * (0.4 + next() * 0.2));
      const postcode = `${pick(AREAS)}${1 + Math.floor(next() * 29)} ${Math.floor(next() * 10)}${pick(LETTERS)}${pick(LETTERS)}`;
      const row: (string | number)[] = [
        urn,
        800 + Math.floor(next() * 100),
        la,
        digits(4),
        name,
        KINDS.indexOf(kind) + 1,
        kind.type,
        KINDS.indexOf(kind) + 2,
        kind.group,
        closed ? 2 : 1,
        closed ? 'Closed' : 'Open',
        closed ? 'Not applicable' : 'Academy Converter',
        date(1950, 2024),
        closed ? 'Result of Amalgamation/Merger' : 'Not applicable',
        closed ? date(2000, 2024) : '',
        kind.phase === 'Primary' ? 2 : 4,
        kind.phase,
        kind.low,
        kind.high,
        'No boarders',
        next() < 0.5 ? 'Has Nursery Classes' : 'No Nursery Classes',
        kind.high > 16 ? 'Has a sixth form' : 'Does not have a sixth form',
        'Mixed',
        church ? 'Church of England' : 'Does not apply',
        church ? `Diocese of ${la}` : 'Not applicable',
        kind.phase === 'Secondary' ? 'Non-selective' : 'Not applicable',
        pupils + Math.floor(next() * 200),
        '16-01-2025',
        pupils,
        boys,
        pupils - boys,
        (next() * 45).toFixed(1),
        kind.group === 'Academies' ? 'Supported by a multi-academy trust' : 'Not applicable',
        kind.group === 'Academies' ? `${pick(PLACES)} Learning Trust` : '',
        next() < 0.6 ? `1${digits(7)}` : '',
        date(2020, 2025),
        `${1 + Math.floor(next() * 200)} ${pick(STREETS)}`,
        next() < 0.3 ? pick(PLACES) : '',
        place,
        `${la}shire`,
        // A few postcodes in lower case or without the space, as the register has them.
        next() < 0.05 ? postcode.toLowerCase().replace(' ', '') : postcode,
        `www.${place.toLowerCase().replaceAll(/[^a-z]/g, '')}${urn}.sch.uk`,
        `0${digits(10)}`,
        pick(['Mr', 'Mrs', 'Ms', 'Dr', 'Miss']),
        pick(FIRST),
        pick(LAST),
        pick(['North East', 'Yorkshire and the Humber', 'East of England', 'London', 'South West']),
        `${place} and ${pick(PLACES)}`,
        pick([
          '(England/Wales) Urban city and town',
          '(England/Wales) Rural village',
          '(England/Wales) Urban major conurbation',
        ]),
        400000 + Math.floor(next() * 200000),
        100000 + Math.floor(next() * 500000),
      ];
      lines.push(row.map(csvCell).join(','));
      if (lines.length >= 5000) {
        writeSync(fd, iconv.encode(`${lines.join('\r\n')}\r\n`, 'win1252'));
        lines = [];
      }
    }
    if (lines.length) writeSync(fd, iconv.encode(`${lines.join('\r\n')}\r\n`, 'win1252'));
  } finally {
    closeSync(fd);
  }
}

const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;
const peakRssMB = () => Math.round(process.resourceUsage().maxRSS / 1024);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rows: { type: 'string', default: '50000' },
      database: { type: 'string', default: 'pglite' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const rows = Number(values.rows);
  if (!Number.isInteger(rows) || rows < 1 || rows > 900000) {
    throw new Error(`--rows must be a whole number from 1 to 900000\n${USAGE}`);
  }
  const kind = values.database;
  if (kind !== 'pglite' && kind !== 'postgres') throw new Error(`--database must be pglite or postgres\n${USAGE}`);

  const dir = mkdtempSync(path.join(tmpdir(), 'rollbook-bench-'));
  const file = path.join(dir, 'edubasealldata.csv');
  let started = performance.now();
  generateCsv(file, rows);
  const generateSeconds = seconds(started);
  const fileMB = Math.round(statSync(file).size / 1024 / 102.4) / 10;

  const { database, drop } = await openBenchDatabase(kind);
  try {
    started = performance.now();
    const { schools, problems } = parseGiasCsv(readFileSync(file));
    const parseSeconds = seconds(started);
    if (schools.length !== rows || problems.length) {
      throw new Error(`Parsed ${schools.length} of ${rows} rows: ${problems.slice(0, 3).join('; ')}`);
    }

    started = performance.now();
    const first = await upsertSchools(database.db, schools);
    const importSeconds = seconds(started);

    // The next extract: same schools, every one changed a little.
    for (const school of schools) school.status = school.status === 'Open' ? 'Open, but proposed to close' : 'Open';
    started = performance.now();
    const second = await upsertSchools(database.db, schools);
    const reimportSeconds = seconds(started);

    if (first.inserted !== rows || second.updated !== rows || (await countSchools(database.db)) !== rows) {
      throw new Error(`Unexpected counts: first ${JSON.stringify(first)}, second ${JSON.stringify(second)}`);
    }
    const result = { rows, database: kind, parseSeconds, importSeconds, reimportSeconds, peakRssMB: peakRssMB() };
    const table: [string, string][] = [
      ['rows', rows.toLocaleString('en-GB')],
      ['database', kind === 'pglite' ? 'PGlite (in memory)' : 'PostgreSQL'],
      ['CSV', `${COLUMNS.length} columns, ${fileMB} MB, Windows-1252 (made in ${generateSeconds} s)`],
      ['parse', `${parseSeconds} s`],
      ['import (inserts)', `${importSeconds} s`],
      ['re-import (updates)', `${reimportSeconds} s`],
      ['peak RSS', `${result.peakRssMB} MB`],
    ];
    for (const [label, value] of table) console.log(`${label.padEnd(20)} ${value}`);
    console.log(JSON.stringify(result));
  } finally {
    await drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
