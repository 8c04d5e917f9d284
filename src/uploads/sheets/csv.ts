// CSV in and out with PapaParse: delimiter sniffed among comma, semicolon and tab; the report is
// written back with the same delimiter and encoding as the upload.
import iconv from 'iconv-lite';
import Papa from 'papaparse';
import { decodeText, type TextEncoding } from './encoding.ts';
import {
  FileRefusal,
  isBlankRow,
  neutraliseFormula,
  type ReadLimits,
  restoreNeutralised,
  type Sheet,
} from './sheet.ts';

const DELIMITERS = [',', ';', '\t'];

export function readCsv(bytes: Uint8Array, limits: ReadLimits): Sheet {
  const { text, encoding } = decodeText(bytes);
  // NUL characters never appear in a text spreadsheet: this is some other kind of file.
  if (text.includes('\u0000'))
    throw new FileRefusal(
      'The file is not a CSV or XLSX file. Save it from your spreadsheet as CSV or Excel workbook (.xlsx) and upload it again',
    );
  if (text.trim() === '')
    throw new FileRefusal('The file is empty. Check you chose the right file, with a row for each record');

  const parsed = Papa.parse<string[]>(text, { delimitersToGuess: DELIMITERS, skipEmptyLines: false });
  const delimiter = DELIMITERS.includes(parsed.meta.delimiter) ? parsed.meta.delimiter : ',';
  const records = parsed.data;
  // A trailing newline gives one empty record at the end: not a row.
  while (records.length && records[records.length - 1].length === 1 && records[records.length - 1][0] === '')
    records.pop();

  const headerIndex = records.findIndex((cells) => !isBlankRow(cells));
  if (headerIndex < 0)
    throw new FileRefusal('The file is empty. Check you chose the right file, with a row for each record');
  const headers = records[headerIndex].map((h) => h.trim());
  const rows = [];
  for (let i = headerIndex + 1; i < records.length; i++) {
    const cells = records[i];
    if (isBlankRow(cells)) continue;
    if (rows.length === limits.maxRows) {
      throw new FileRefusal(
        `The file has more than ${limits.maxRows.toLocaleString('en-GB')} rows. Split it into smaller files and upload each one`,
      );
    }
    rows.push({ rowNumber: i + 1, cells: cells.map((cell) => restoreNeutralised(cell)) });
  }
  return { format: 'csv', encoding, delimiter, headers, rows };
}

function encode(text: string, encoding: TextEncoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8-bom':
      return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
    case 'utf-16le':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')]);
    case 'utf-16be':
      return Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf-16be')]);
    case 'windows-1252':
      return iconv.encode(text, 'win1252');
  }
}

/** Writes rows as CSV, every cell made safe from formula injection. */
export function writeCsv(
  headers: string[],
  rows: Iterable<string[]>,
  { delimiter = ',', encoding = 'utf-8-bom' }: { delimiter?: string; encoding?: TextEncoding } = {},
): Buffer {
  const data = [headers.map(neutraliseFormula)];
  for (const row of rows) data.push(row.map(neutraliseFormula));
  const text = `${Papa.unparse(data, { delimiter, newline: '\r\n', quotes: false })}\r\n`;
  return encode(text, encoding);
}
