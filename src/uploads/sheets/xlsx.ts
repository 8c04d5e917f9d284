// XLSX in and out, behind this module so the library can be swapped. Reading streams the
// workbook with exceljs; date cells become yyyy-mm-dd text.
import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import {
  FileRefusal,
  isBlankRow,
  neutraliseFormula,
  type ReadLimits,
  restoreNeutralised,
  type Sheet,
} from './sheet.ts';

function cellText(value: ExcelJS.CellValue): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((part) => part.text).join('');
    if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
    if ('text' in value) return String(value.text);
    if ('error' in value) return '';
  }
  return String(value);
}

export async function readXlsx(bytes: Uint8Array, limits: ReadLimits): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as ArrayBuffer);
  } catch {
    throw new FileRefusal(
      'The file could not be opened as an Excel workbook. Save it again as Excel workbook (.xlsx) or CSV and upload it',
    );
  }
  const worksheet =
    (limits.sheetName && workbook.worksheets.find((w) => w.name.toLowerCase() === limits.sheetName?.toLowerCase())) ||
    workbook.worksheets[0];
  if (!worksheet) throw new FileRefusal('The workbook has no worksheets. Upload the sheet with your trainees in it');
  let headers: string[] | undefined;
  const rows: Sheet['rows'] = [];
  worksheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const width = headers?.length ?? row.cellCount;
    const cells = Array.from({ length: width }, (_, i) =>
      restoreNeutralised(cellText(row.getCell(i + 1).value).trim()),
    );
    if (!headers) {
      if (!isBlankRow(cells)) headers = cells;
      return;
    }
    if (isBlankRow(cells)) return;
    if (rows.length === limits.maxRows) {
      throw new FileRefusal(
        `The file has more than ${limits.maxRows.toLocaleString('en-GB')} rows. Split it into smaller files and upload each one`,
      );
    }
    rows.push({ rowNumber, cells });
  });
  if (!headers) throw new FileRefusal('The file is empty. Upload the sheet with your trainees in it');
  return { format: 'xlsx', sheetName: worksheet.name, headers, rows };
}

export interface XlsxRow {
  cells: string[];
  /** Columns (0-based) to highlight as in error. */
  highlight?: number[];
}

const ERROR_FILL: ExcelJS.Fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFF4C7C3' } };

export async function writeXlsx(sheetName: string, headers: string[], rows: Iterable<XlsxRow>): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const worksheet = workbook.addWorksheet(sheetName.slice(0, 31) || 'Sheet1');
  worksheet.addRow(headers.map(neutraliseFormula)).font = { bold: true };
  for (const row of rows) {
    const added = worksheet.addRow(row.cells.map(neutraliseFormula));
    for (const column of row.highlight ?? []) added.getCell(column + 1).fill = ERROR_FILL;
  }
  // Keep every cell as text so identifiers keep their leading zeros.
  worksheet.columns.forEach((column) => {
    column.numFmt = '@';
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}
