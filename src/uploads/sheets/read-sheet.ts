// Which reader a file needs, judged by its content rather than its name.
import { readCsv } from './csv.ts';
import { FileRefusal, type ReadLimits, type Sheet } from './sheet.ts';

/** Zip files (and so XLSX) start with "PK\x03\x04". */
export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

/** Old binary Excel (.xls) and other OLE documents start with this signature. */
function isOleDocument(bytes: Uint8Array): boolean {
  return bytes[0] === 0xd0 && bytes[1] === 0xcf && bytes[2] === 0x11 && bytes[3] === 0xe0;
}

export async function readSheet(bytes: Uint8Array, limits: ReadLimits): Promise<Sheet> {
  if (bytes.length === 0)
    throw new FileRefusal('The file is empty. Check you chose the right file, with a row for each record');
  if (isOleDocument(bytes)) {
    throw new FileRefusal(
      'The file is an old Excel 97-2003 workbook (.xls) or a workbook with a password. Save it as Excel workbook (.xlsx) without a password, or as CSV, and upload it again',
    );
  }
  // The XLSX reader (and exceljs, about 30 MB once loaded) only for a workbook: the sheet worker
  // reading a CSV stays that much smaller.
  const sheet = isZip(bytes) ? await (await import('./xlsx.ts')).readXlsx(bytes, limits) : await readCsv(bytes, limits);
  // Headings are stored as JSON: no half characters (lone surrogates) in them either.
  const wellFormed = (cells: string[]) => cells.map((cell) => cell.toWellFormed());
  return {
    ...sheet,
    headers: wellFormed(sheet.headers),
    ...(sheet.preamble ? { preamble: sheet.preamble.map(wellFormed) } : {}),
  };
}
