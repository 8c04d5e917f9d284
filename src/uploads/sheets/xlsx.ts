// XLSX in and out, behind this module so the library can be swapped.
//
// Reading: the zip's directory is checked first (zip.ts: size, proportion, an Excel workbook at
// all); the worksheet wanted is found from xl/workbook.xml and its relationships ourselves, read
// with a streaming XML parser (saxes, as exceljs uses); so are the styles, refused for a number
// format exceljs would be slow over, and the prologs of the shared strings and the worksheet,
// refused for a DOCTYPE, as the workbook part is; then exceljs' streaming WorkbookReader is
// given a new zip of only the parts it needs, in the order it needs them (relationships,
// workbook, styles, shared strings, then the one worksheet). In the order Excel
// and exceljs save them, the worksheets come before the shared strings and styles, and exceljs
// then copies every worksheet to a temporary file before reading it; in this order it streams
// the sheet straight from memory, never writes the user's data to disk, and never inflates the
// other sheets. Each part is inflated by zip.ts, never beyond its declared size.
//
// Writing: exceljs' streaming WorkbookWriter, a row at a time, every column text-formatted.
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { SaxesParser } from 'saxes';
import { excelSerialToIsoDate } from '../cells/cells.ts';
import {
  FileRefusal,
  isBlankRow,
  isHeaderRow,
  neutraliseFormula,
  noHeaderRow,
  type ReadLimits,
  restoreNeutralised,
  type Sheet,
  SheetRows,
} from './sheet.ts';
import { entryChunks, readEntryText, readWorkbookDirectory, type StoredPart, storedZip, type ZipEntry } from './zip.ts';

const COULD_NOT_OPEN =
  'The file could not be opened as an Excel workbook. Open it in your spreadsheet, save it again as Excel workbook (.xlsx) or CSV and upload it';

/** Whatever went wrong reading the workbook, kept as the cause for the logs. */
function couldNotOpen(error: unknown): FileRefusal {
  if (error instanceof FileRefusal) return error;
  const refusal = new FileRefusal(COULD_NOT_OPEN);
  refusal.cause = error;
  return refusal;
}

// ---------------------------------------------------------------------------------------------
// The workbook part: which worksheets there are, in tab order, and where each one is.

interface WorksheetPart {
  name: string;
  hidden: boolean;
  entry: ZipEntry;
}

interface WorkbookInfo {
  worksheets: WorksheetPart[];
  /** Dates counted from 1904 (old Mac Excel) rather than 1900. */
  date1904: boolean;
}

type Attributes = Map<string, string>;

/** A name without its namespace prefix. */
function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/**
 * The attributes of every element with one of these local names (any namespace prefix), in
 * document order. Attribute names lose their prefix, except that a prefixed one is kept apart as
 * ":name": r:id (the relationship) is the only one we read, and a plain id would be another thing.
 *
 * Read with saxes, a streaming XML parser: one pass, linear in the part's length whatever it holds
 * (a regular expression here took two minutes over 120,000 unclosed tags). It checks the part is
 * well-formed, decodes character references and the five predefined entities, and never fetches
 * an external entity nor expands one declared in a DTD; a part with a DOCTYPE at all is refused, as
 * Excel never writes one. Throws on anything else that is not well-formed XML.
 */
function elements(xml: string, localNames: readonly string[]): Map<string, Attributes[]> {
  const found = new Map<string, Attributes[]>(localNames.map((name) => [name, []]));
  const parser = xmlParser();
  parser.on('opentag', (tag) => {
    const list = found.get(localName(tag.name));
    if (!list) return;
    const attributes: Attributes = new Map();
    for (const [name, value] of Object.entries(tag.attributes))
      attributes.set(name.includes(':') ? `:${localName(name)}` : name, value);
    list.push(attributes);
  });
  parser.write(xml).close();
  return found;
}

/** A streaming XML parser (saxes) that throws on a DOCTYPE, and on anything not well-formed. */
function xmlParser(): SaxesParser {
  const parser = new SaxesParser();
  parser.on('doctype', () => {
    throw parser.makeError('a DOCTYPE in a workbook part');
  });
  return parser;
}

/** Thrown by a handler to stop reading a part once it has seen what it needed. */
const ENOUGH = Symbol('enough');

/**
 * Gives a part to the parser as it inflates, a chunk at a time, never holding it whole. A handler
 * may throw ENOUGH to stop there (the rest is neither inflated nor parsed). Throws the refusal if
 * the part is damaged, or larger or smaller than declared, in what was read.
 */
async function parsePart(bytes: Uint8Array, entry: ZipEntry, parser: SaxesParser): Promise<void> {
  let failure: FileRefusal | undefined;
  const decoder = new TextDecoder();
  try {
    for await (const chunk of entryChunks(bytes, entry, (refusal) => {
      failure ??= refusal;
    })) {
      if (failure) break;
      parser.write(decoder.decode(chunk, { stream: true }));
    }
    if (!failure) parser.write(decoder.decode()).close();
  } catch (error) {
    if (error !== ENOUGH) throw error;
  }
  if (failure) throw failure;
}

/**
 * Refuses a DOCTYPE before the root element of a part that exceljs reads (shared strings, the
 * worksheet): Excel never writes one, and exceljs' parser would only decline to expand its
 * entities. Parsing stops at the root element's start, so normally no more than the first chunk
 * is inflated (64 KB) and a few hundred bytes parsed; what follows is left to exceljs.
 */
async function refuseDoctype(bytes: Uint8Array, entry: ZipEntry): Promise<void> {
  const parser = xmlParser();
  parser.on('opentagstart', () => {
    throw ENOUGH;
  });
  await parsePart(bytes, entry, parser);
}

/** The most characters Excel allows in a number format code. */
const MAX_FORMAT_CODE_LENGTH = 255;
/**
 * exceljs decides whether each numeric cell is a date by removing `[...]` from its format code
 * with a regular expression which, from every `[` with no `]` anywhere after it, reads to the end
 * of the code, on every cell: 255 of them (the longest code) take 56 µs a cell, thirty times the
 * rest of reading it. A real code has none, or one in a "[" literal; four at most double the work.
 */
const MAX_UNCLOSED_BRACKETS = 4;

const UNUSUAL_NUMBER_FORMAT =
  'The file could not be opened as an Excel workbook: it has a number format longer or more complicated than Excel writes. Copy your rows into a new workbook, save it as Excel workbook (.xlsx) or CSV and upload that';

/** Whether a number format code is one exceljs can check for a date quickly on every cell. */
function isUsualFormatCode(code: string): boolean {
  if (code.length > MAX_FORMAT_CODE_LENGTH) {
    // Excel counts characters; a string's length counts a character beyond U+FFFF twice.
    let characters = 0;
    for (const _ of code) if (++characters > MAX_FORMAT_CODE_LENGTH) return false;
  }
  let unclosed = 0;
  for (let i = code.lastIndexOf(']') + 1; i < code.length; i++) if (code[i] === '[') unclosed++;
  return unclosed <= MAX_UNCLOSED_BRACKETS;
}

/**
 * Reads the styles part before exceljs does, as the workbook part is read (saxes, no DOCTYPE, a
 * well-formed part), and refuses the file for a number format code longer than Excel allows or
 * one built to make exceljs' date check on every numeric cell slow (see MAX_UNCLOSED_BRACKETS):
 * 20,000 `[` took a third of a second a cell, so minutes for a sheet of them.
 */
async function checkStyles(bytes: Uint8Array, entry: ZipEntry): Promise<void> {
  const parser = xmlParser();
  parser.on('opentag', (tag) => {
    if (localName(tag.name) !== 'numFmt') return;
    const code = tag.attributes.formatCode;
    if (typeof code === 'string' && !isUsualFormatCode(code)) throw new FileRefusal(UNUSUAL_NUMBER_FORMAT);
  });
  await parsePart(bytes, entry, parser);
}

/** A relationship target, relative to xl/ or absolute, as a part name. */
function partName(target: string): string {
  let path: string;
  try {
    path = decodeURIComponent(target);
  } catch {
    path = target;
  }
  const segments: string[] = [];
  for (const segment of (path.startsWith('/') ? path : `xl/${path}`).split('/')) {
    if (segment === '..') segments.pop();
    else if (segment && segment !== '.') segments.push(segment);
  }
  return segments.join('/');
}

/**
 * Finds parts by name, else by name in any case (part names are case-insensitive). The names in
 * lower case are listed once, when first needed: a workbook part can name a missing part for each
 * of hundreds of thousands of sheets, and looking through every entry for each took minutes.
 */
function entryFinder(entries: Map<string, ZipEntry>): (name: string) => ZipEntry | undefined {
  let byLowerCase: Map<string, ZipEntry> | undefined;
  return (name) => {
    const exact = entries.get(name);
    if (exact) return exact;
    if (!byLowerCase) {
      byLowerCase = new Map();
      for (const [key, entry] of entries)
        if (!byLowerCase.has(key.toLowerCase())) byLowerCase.set(key.toLowerCase(), entry);
    }
    return byLowerCase.get(name.toLowerCase());
  };
}

function readWorkbookInfo(bytes: Uint8Array, entries: Map<string, ZipEntry>): WorkbookInfo {
  const workbookXml = readEntryText(bytes, entries.get('xl/workbook.xml') as ZipEntry);
  const relsEntry = entries.get('xl/_rels/workbook.xml.rels');
  const targets = new Map<string, string>();
  if (relsEntry) {
    for (const rel of elements(readEntryText(bytes, relsEntry), ['Relationship']).get('Relationship') ?? []) {
      const id = rel.get('Id');
      const target = rel.get('Target');
      if (id && target && rel.get('TargetMode') !== 'External' && /\/worksheet$/.test(rel.get('Type') ?? ''))
        targets.set(id, partName(target));
    }
  }
  const workbook = elements(workbookXml, ['sheet', 'workbookPr']);
  const findEntry = entryFinder(entries);
  const worksheets: WorksheetPart[] = [];
  for (const sheet of workbook.get('sheet') ?? []) {
    const target = targets.get(sheet.get(':id') ?? '');
    // Chart sheets and dialog sheets have no worksheet relationship: not sheets of rows.
    const entry = target ? findEntry(target) : undefined;
    if (entry) {
      worksheets.push({
        name: sheet.get('name') ?? '',
        hidden: (sheet.get('state') ?? 'visible') !== 'visible',
        entry,
      });
    }
  }
  const properties = workbook.get('workbookPr')?.[0];
  const date1904 = ['1', 'true'].includes(properties?.get('date1904')?.toLowerCase() ?? '');
  return { worksheets, date1904 };
}

/** The worksheet named like the template's, else the first one the user can see, else the first. */
function chooseWorksheet(worksheets: WorksheetPart[], sheetName: string | undefined): WorksheetPart | undefined {
  const wanted = sheetName?.trim().toLowerCase();
  return (
    (wanted ? worksheets.find((sheet) => sheet.name.trim().toLowerCase() === wanted) : undefined) ??
    worksheets.find((sheet) => !sheet.hidden) ??
    worksheets[0]
  );
}

// ---------------------------------------------------------------------------------------------
// Cells to text.

const DAY_MS = 86_400_000;
/** Days from Excel's serial 0 (1900 date system) to 1 January 1970, as exceljs counts. */
const SERIAL_OF_1970 = 25_569;
/** Days between the 1900 and 1904 date systems. */
const DATE_1904_OFFSET = 1_462;
/** What Excel shows for a date it cannot show. */
const NOT_A_DATE = '#######';

/** Up to 15 significant digits, as Excel keeps and shows them, and never with an exponent. */
const DECIMAL = new Intl.NumberFormat('en-GB', { useGrouping: false, maximumSignificantDigits: 15 });

function numberText(value: number): string {
  if (!Number.isFinite(value)) return '';
  // Whole numbers up to 2^53 (13-digit HESA IDs, 10-digit ULNs) are exact: as typed. Beyond that
  // a float has lost digits already, and Excel itself only keeps 15 significant digits, so a
  // 17-digit number typed into a General cell can't be recovered here: it reads as Excel shows
  // it (15 digits, then zeros). Identifiers should be in text cells, as the template has them.
  if (Number.isSafeInteger(value)) return String(value);
  return DECIMAL.format(value);
}

function serialText(serial: number): string {
  const whole = Math.floor(serial);
  if (whole === 60) return '29/02/1900'; // Excel's fictitious leap day: shown as Excel shows it
  return excelSerialToIsoDate(whole) ?? NOT_A_DATE;
}

/**
 * exceljs turns a number in a date-formatted cell into a Date at UTC midnight (plus any time of
 * day) by the 1904 system where the workbook uses it. Back to a serial day, then to yyyy-mm-dd,
 * in UTC throughout so the server's time zone never moves a date.
 */
function dateText(date: Date): string {
  const time = date.getTime();
  if (Number.isNaN(time)) return NOT_A_DATE;
  return serialText(Math.floor(time / DAY_MS) + SERIAL_OF_1970);
}

/**
 * The text without each section from `open` to the next `close` (both included), taken from the
 * left; an `open` with no `close` after it stays, as does the rest. One pass: a regular expression
 * such as /\[[^\]]*]/g reads to the end from every unclosed `[`, quadratic in the text.
 */
function withoutSections(text: string, open: string, close: string): string {
  let kept = '';
  let from = 0;
  for (let start = text.indexOf(open); start !== -1; start = text.indexOf(open, from)) {
    const end = text.indexOf(close, start + 1);
    if (end === -1) break; // no close anywhere after: nothing more to remove
    kept += text.slice(from, start);
    from = end + 1;
  }
  return kept + text.slice(from);
}

/** The text without each backslash and the character after it (other than a line break). */
function withoutEscapes(text: string): string {
  let kept = '';
  let from = 0;
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', from)) {
    if (at + 1 >= text.length || '\n\r\u2028\u2029'.includes(text[at + 1] as string)) {
      kept += text.slice(from, at + 1);
      from = at + 1;
      continue;
    }
    kept += text.slice(from, at);
    from = at + 2;
  }
  return kept + text.slice(from);
}

/**
 * Whether a number format shows a date (after removing [colours], "literals" and \escapes, in that
 * order). Linear in the format's length: it runs on every formula cell with a number result.
 */
export function isDateFormat(format: string | undefined): boolean {
  if (!format) return false;
  const bare = withoutEscapes(withoutSections(withoutSections(format, '[', ']'), '"', '"'));
  return /[ymdhsb]/i.test(bare) && !/^general$/i.test(bare.trim());
}

function cellText(value: ExcelJS.CellValue, numFmt: string | undefined, date1904: boolean): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return numberText(value);
    case 'boolean':
      return value ? 'TRUE' : 'FALSE';
  }
  if (value instanceof Date) return dateText(value);
  if ('richText' in value) return value.richText.map((part) => part.text ?? '').join('');
  if ('formula' in value || 'sharedFormula' in value) {
    // The result Excel saved when it last calculated. exceljs leaves a formula's number result as
    // a number even in a date-formatted cell, and reads an error result (#N/A) as NaN.
    const result = (value as ExcelJS.CellFormulaValue).result;
    if (typeof result === 'number' && isDateFormat(numFmt))
      return Number.isFinite(result) ? serialText(result + (date1904 ? DATE_1904_OFFSET : 0)) : '';
    if (result !== null && typeof result === 'object' && 'error' in result) return '';
    return cellText(result as ExcelJS.CellValue, numFmt, date1904);
  }
  if ('error' in value) return '';
  if ('text' in value) return cellText(value.text as ExcelJS.CellValue, numFmt, date1904);
  return '';
}

/**
 * V8 keeps a substring of 13 or more characters as a slice of the string it was cut from: here the
 * XML parser's chunk of the sheet. Kept, such slices would hold the whole sheet's XML in memory
 * for as long as the rows are; a copy holds only itself.
 */
function ownCopy(text: string): string {
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

function rowCells(row: ExcelJS.Row, date1904: boolean): string[] {
  const cells: string[] = [];
  row.eachCell((cell, column) => {
    cells[column - 1] = ownCopy(restoreNeutralised(cellText(cell.value, cell.numFmt, date1904).trim()));
  });
  for (let i = 0; i < cells.length; i++) cells[i] ??= '';
  return cells;
}

// ---------------------------------------------------------------------------------------------
// Reading.

const EMPTY_RELATIONSHIPS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"></Relationships>',
);
const EMPTY_SHARED_STRINGS = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>',
);

export async function readXlsx(bytes: Uint8Array, limits: ReadLimits): Promise<Sheet> {
  const entries = readWorkbookDirectory(bytes);
  let workbookInfo: WorkbookInfo;
  try {
    workbookInfo = readWorkbookInfo(bytes, entries);
  } catch (error) {
    throw couldNotOpen(error);
  }
  const { worksheets, date1904 } = workbookInfo;
  const worksheet = chooseWorksheet(worksheets, limits.sheetName);
  if (!worksheet) throw new FileRefusal('The workbook has no worksheets. Check you chose the right file');

  // Anything wrong found while inflating (a part larger than declared, damaged data) is kept
  // here: the zip given to exceljs stays well-formed either way, so nothing waits for bytes that
  // never come, and the file is refused once exceljs stops.
  let failure: FileRefusal | undefined;
  const onFailure = (refusal: FileRefusal) => {
    failure ??= refusal;
  };
  const part = (name: string, entry: ZipEntry): StoredPart => ({
    name,
    size: entry.uncompressedSize,
    chunks: entryChunks(bytes, entry, onFailure),
  });
  const fixed = (name: string, content: Buffer): StoredPart => ({ name, size: content.length, chunks: [content] });
  const styles = entries.get('xl/styles.xml');
  const sharedStrings = entries.get('xl/sharedStrings.xml');
  try {
    if (styles) await checkStyles(bytes, styles);
    if (sharedStrings) await refuseDoctype(bytes, sharedStrings);
    await refuseDoctype(bytes, worksheet.entry);
  } catch (error) {
    throw couldNotOpen(error);
  }
  const parts: StoredPart[] = [
    // exceljs names worksheets from these; we know the name already, and an empty list is enough
    // for it to stream the worksheet instead of copying it to a temporary file.
    fixed('xl/_rels/workbook.xml.rels', EMPTY_RELATIONSHIPS),
    part('xl/workbook.xml', entries.get('xl/workbook.xml') as ZipEntry),
    ...(styles ? [part('xl/styles.xml', styles)] : []),
    sharedStrings ? part('xl/sharedStrings.xml', sharedStrings) : fixed('xl/sharedStrings.xml', EMPTY_SHARED_STRINGS),
    part('xl/worksheets/sheet1.xml', worksheet.entry),
  ];

  const source = Readable.from(storedZip(parts), { objectMode: false });
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(source, {
    worksheets: 'emit',
    sharedStrings: 'cache',
    styles: 'cache',
    hyperlinks: 'ignore',
    entries: 'ignore',
  });
  const tooMany = () =>
    new FileRefusal(
      `The file has more than ${limits.maxRows.toLocaleString('en-GB')} rows. Split it into smaller files and upload each one`,
    );
  let headers: string[] | undefined;
  const rows = new SheetRows();
  const preamble: string[][] = [];
  let preambleRows = 0;
  try {
    for await (const sheet of reader) {
      for await (const row of sheet) {
        if (failure) throw failure;
        const cells = rowCells(row, date1904);
        if (!headers && limits.headerRow && !isHeaderRow(cells, limits.headerRow)) {
          // Below a header block: rows are kept as they are until the heading row (blank rows
          // between them come back as such, by their numbers).
          while (preambleRows < row.number - 1) {
            preamble.push([]);
            preambleRows++;
          }
          preamble.push(cells);
          preambleRows++;
          if (preamble.length > limits.headerRow.maxRowsAbove) throw noHeaderRow(limits.headerRow);
          continue;
        }
        if (isBlankRow(cells)) continue;
        if (!headers) {
          // Header cells after the last one with a heading are formatting, not columns.
          let width = cells.length;
          while (width > 0 && cells[width - 1] === '') width--;
          headers = cells.slice(0, width);
          continue;
        }
        if (rows.length === limits.maxRows) throw tooMany();
        cells.length = headers.length;
        for (let i = 0; i < cells.length; i++) cells[i] ??= '';
        rows.push({ rowNumber: row.number, cells });
      }
    }
  } catch (error) {
    throw failure ?? couldNotOpen(error);
  } finally {
    source.destroy();
  }
  if (failure) throw failure;
  if (!headers) throw new FileRefusal('The file is empty. Check you chose the right file, with a row for each record');
  return { format: 'xlsx', sheetName: worksheet.name, headers, rows, ...(limits.headerRow ? { preamble } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Writing.

export interface XlsxRow {
  cells: string[];
  /** Columns (0-based) to highlight as in error. */
  highlight?: number[];
}

const ERROR_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF4C7C3' } };
const WRAPPED: Partial<ExcelJS.Alignment> = { wrapText: true, vertical: 'top' };
/** Rows looked at to size the columns before the first is written. */
const WIDTH_SAMPLE_ROWS = 200;
const MIN_WIDTH = 8;
const MAX_WIDTH = 60;
/** The most characters a cell can hold in Excel. */
const MAX_CELL_LENGTH = 32_767;
/** Rows written between looks at how much XML is waiting to be compressed. */
const ROWS_BETWEEN_CHECKS = 100;
/** Sheet XML allowed to wait for the compressor before we stop and let it catch up. */
const MAX_BACKLOG_BYTES = 4 * 1024 * 1024;

interface WritableInternals {
  _writableState?: { length?: number; needDrain?: boolean };
  once?: (event: string, listener: () => void) => void;
}

/**
 * exceljs' streaming writer hands each batch of sheet XML to the zip compressor without waiting
 * for it: left alone, a sheet written in one go piles up uncompressed in memory (about 30 MB per
 * 100,000 rows here). This finds the compressor's input (an exceljs 4 internal: should it change,
 * there is nothing to wait for and we only yield now and then) so the writer can wait for it to drain.
 */
function compressorInput(worksheet: ExcelJS.Worksheet): WritableInternals | undefined {
  const stream = (worksheet as unknown as { stream?: { pipes?: WritableInternals[] } }).stream;
  return stream?.pipes?.[0];
}

/** Excel's rules for a sheet name: at most 31 characters, none of : \ / ? * [ ], not quoted. */
function safeSheetName(name: string): string {
  const cleaned = name
    .replace(/[:\\/?*[\]]/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^'+|'+$/g, '')
    .trim()
    .slice(0, 31)
    .trim();
  return cleaned || 'Sheet1';
}

function longestLine(text: string): number {
  let longest = 0;
  for (const line of text.split('\n')) longest = Math.max(longest, line.length);
  return longest;
}

function cellValue(text: string): string | null {
  if (text === '') return null; // an empty cell, not a cell holding ""
  return neutraliseFormula(text.length > MAX_CELL_LENGTH ? text.slice(0, MAX_CELL_LENGTH) : text);
}

/**
 * Writes one worksheet, streaming: rows are submitted as they come, so a 100,000-row report never
 * exists as a workbook model in memory. The header row is bold and frozen; every column is
 * text-formatted ('@') so identifiers keep their leading zeros when the user edits them; cells
 * listed in `highlight` are filled light red; every cell is neutralised against formulas.
 */
export async function writeXlsx(
  sheetName: string,
  headers: string[],
  rows: Iterable<XlsxRow> | AsyncIterable<XlsxRow>,
  options: XlsxOptions = {},
): Promise<Buffer> {
  // The compressor's chunks are slices of larger shared buffers (64 KB pools), which kept would
  // hold several times the file in memory: every megabyte or so they are copied into one buffer.
  const chunks: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const compact = () => {
    if (pending.length) chunks.push(Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  for await (const chunk of streamXlsx(sheetName, headers, rows, options)) {
    pending.push(chunk as Buffer);
    pendingBytes += (chunk as Buffer).length;
    if (pendingBytes >= 1024 * 1024) compact();
  }
  compact();
  return Buffer.concat(chunks);
}

/**
 * The same workbook as writeXlsx, as a stream read by whoever sends it. Rows are pulled only as
 * fast as the stream is read; if the reader goes away, writing stops.
 */
export function streamXlsx(
  sheetName: string,
  headers: string[],
  rows: Iterable<XlsxRow> | AsyncIterable<XlsxRow>,
  options: XlsxOptions = {},
): Readable {
  const output = new PassThrough();
  writeWorkbook(output, sheetName, headers, rows, options).catch((error: Error) => output.destroy(error));
  return output;
}

/** A row above the header row with some cells shown in grey (a template's examples). */
export interface XlsxAboveRow {
  cells: string[];
  /** Columns (0-based) whose text is grey and italic, and which are sized to show it. */
  muted: number[];
}

export interface XlsxOptions {
  /** Rows above the header row (a kind's header block), written first as plain text. */
  above?: (string[] | XlsxAboveRow)[];
}

/** GOV.UK's secondary text colour: grey that still reads against white. */
const MUTED_FONT: Partial<ExcelJS.Font> = { italic: true, color: { argb: 'FF505A5F' } };

async function writeWorkbook(
  output: PassThrough,
  sheetName: string,
  headers: string[],
  rows: Iterable<XlsxRow> | AsyncIterable<XlsxRow>,
  { above = [] }: XlsxOptions,
): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output,
    useStyles: true,
    useSharedStrings: false,
  });

  // Size the columns from the headers and the first rows (the rest are not known yet).
  const iterator =
    Symbol.asyncIterator in rows ? rows[Symbol.asyncIterator]() : (rows as Iterable<XlsxRow>)[Symbol.iterator]();
  const sample: XlsxRow[] = [];
  for (let next = await iterator.next(); ; next = await iterator.next()) {
    if (next.done) break;
    sample.push(next.value);
    if (sample.length === WIDTH_SAMPLE_ROWS) break;
  }
  const aboveRows = above.map((row) => (Array.isArray(row) ? { cells: row, muted: [] } : row));
  // Grey cells above are sized for too: they sit over columns with no heading yet.
  const mutedAbove = aboveRows.filter((row) => row.muted.length > 0);
  const columnCount = Math.max(
    headers.length,
    ...sample.map((row) => row.cells.length),
    ...mutedAbove.map((row) => row.cells.length),
  );
  const widths = Array.from({ length: columnCount }, (_, i) =>
    Math.max(
      longestLine(headers[i] ?? '') + 2,
      ...sample.map((row) => longestLine(row.cells[i] ?? '') + 2),
      ...mutedAbove.map((row) => (row.muted.includes(i) ? longestLine(row.cells[i] ?? '') + 2 : 0)),
    ),
  );

  // The header row stays in view, whatever is above it.
  const firstRow = above.length + 2;
  const worksheet = workbook.addWorksheet(safeSheetName(sheetName), {
    views: [
      { state: 'frozen', xSplit: 0, ySplit: firstRow - 1, topLeftCell: `A${firstRow}`, activeCell: `A${firstRow}` },
    ],
  });
  worksheet.columns = widths.map((width) => ({
    width: Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, width)),
    style: { numFmt: '@' },
  }));
  for (const { cells, muted } of aboveRows) {
    const added = worksheet.addRow(cells.map(cellValue));
    for (const column of muted) added.getCell(column + 1).font = MUTED_FONT;
    added.commit();
  }
  const header = worksheet.addRow(headers.map(cellValue));
  header.font = { bold: true };
  header.commit();

  const write = (row: XlsxRow) => {
    const added = worksheet.addRow(row.cells.map(cellValue));
    row.cells.forEach((text, i) => {
      if (text.includes('\n')) added.getCell(i + 1).alignment = WRAPPED;
    });
    for (const column of row.highlight ?? []) added.getCell(column + 1).fill = ERROR_FILL;
    added.commit();
  };
  let failed: Error | undefined;
  const failure = new Promise<never>((_, reject) => {
    const stop = (error: Error) => {
      failed ??= error;
      reject(error);
    };
    output.on('error', stop);
    // The reader went away before the end: nothing more to write for.
    output.on('close', () => {
      if (!output.writableFinished) stop(new Error('The workbook stream was closed'));
    });
    (workbook as unknown as { zip?: PassThrough }).zip?.on('error', stop);
  });
  failure.catch(() => {}); // seen by whoever waits on it; never unhandled
  let written = 0;
  const pause = async () => {
    if (++written % ROWS_BETWEEN_CHECKS !== 0) return;
    await new Promise((resolve) => setImmediate(resolve));
    const input = compressorInput(worksheet);
    const state = input?._writableState;
    if (input?.once && state?.needDrain && (state.length ?? 0) > MAX_BACKLOG_BYTES) {
      const once = input.once.bind(input);
      await Promise.race([new Promise<void>((resolve) => once('drain', resolve)), failure]);
    }
    if (failed) throw failed;
  };
  try {
    for (const row of sample) {
      write(row);
      await pause();
    }
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      write(next.value);
      await pause();
    }
  } catch (error) {
    await iterator.return?.(); // let the rows' source finish (a generator's finally blocks run)
    throw error;
  }
  worksheet.commit();
  await workbook.commit();
}
