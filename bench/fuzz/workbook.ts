// XLSX workbooks by hand for the fuzzer: the parts of a small, valid workbook (inline strings or
// shared strings, optionally styles and formulas), which the generators then break one way or
// another before zipping.
import type { ZipPart } from './zip.ts';

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const RELATIONSHIPS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

export function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
}

/** Excel's column letters: 0 → A, 25 → Z, 26 → AA. */
export function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

export interface WorkbookOptions {
  sheetName?: string;
  /** Cells as shared strings (with a sharedStrings part) rather than inline strings. */
  sharedStrings?: boolean;
  /** A cell's own XML instead of its text, by "row,column" (0-based). */
  rawCells?: Map<string, string>;
  /** A styles part with these number formats (id 164 on), applied by cell style index 1 on. */
  numberFormats?: string[];
  /** More worksheets, each of these rows, named Sheet2, Sheet3… */
  extraSheets?: string[][][];
}

function sheetXml(rows: string[][], options: WorkbookOptions, strings: Map<string, number> | undefined): string {
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN}"><sheetData>`,
  ];
  rows.forEach((row, r) => {
    const cells: string[] = [];
    row.forEach((value, c) => {
      const ref = `${columnName(c)}${r + 1}`;
      const raw = options.rawCells?.get(`${r},${c}`);
      if (raw !== undefined) {
        cells.push(raw.replaceAll('{ref}', ref));
        return;
      }
      if (value === '' || value === undefined) return;
      if (strings) {
        let index = strings.get(value);
        if (index === undefined) {
          index = strings.size;
          strings.set(value, index);
        }
        cells.push(`<c r="${ref}" t="s"><v>${index}</v></c>`);
      } else {
        cells.push(`<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${escapeXml(value)}</t></is></c>`);
      }
    });
    out.push(`<row r="${r + 1}">${cells.join('')}</row>`);
  });
  out.push('</sheetData></worksheet>');
  return out.join('');
}

function sharedStringsXml(strings: Map<string, number>): string {
  const items = [...strings.keys()].map((text) => `<si><t xml:space="preserve">${escapeXml(text)}</t></si>`);
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="${MAIN}" count="${items.length}" uniqueCount="${items.length}">${items.join('')}</sst>`;
}

export function stylesXml(numberFormats: string[]): string {
  const formats = numberFormats.map((code, i) => `<numFmt numFmtId="${164 + i}" formatCode="${escapeXml(code)}"/>`);
  const xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'].concat(
    numberFormats.map(
      (_, i) => `<xf numFmtId="${164 + i}" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>`,
    ),
  );
  return (
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="${MAIN}">` +
    `<numFmts count="${formats.length}">${formats.join('')}</numFmts>` +
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>' +
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>' +
    '<borders count="1"><border/></borders>' +
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
    `<cellXfs count="${xfs.length}">${xfs.join('')}</cellXfs></styleSheet>`
  );
}

export function workbookXml(sheetNames: string[]): string {
  const sheets = sheetNames.map(
    (name, i) => `<sheet name="${escapeXml(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`,
  );
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="${MAIN}" xmlns:r="${RELATIONSHIPS}"><sheets>${sheets.join('')}</sheets></workbook>`;
}

export function workbookRelsXml(targets: { id: string; type: string; target: string; external?: boolean }[]): string {
  const items = targets.map(
    ({ id, type, target, external }) =>
      `<Relationship Id="${escapeXml(id)}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/${type}" Target="${escapeXml(target)}"${external ? ' TargetMode="External"' : ''}/>`,
  );
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${items.join('')}</Relationships>`;
}

const ROOT_RELS =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>';

function contentTypesXml(sheetCount: number, sharedStrings: boolean, styles: boolean): string {
  const overrides = [
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>',
    ...Array.from(
      { length: sheetCount },
      (_, i) =>
        `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
    ),
    ...(sharedStrings
      ? [
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>',
        ]
      : []),
    ...(styles
      ? [
          '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>',
        ]
      : []),
  ];
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>${overrides.join('')}</Types>`;
}

/** The parts of a valid workbook of these rows, in the order Excel writes them. */
export function workbookParts(rows: string[][], options: WorkbookOptions = {}): ZipPart[] {
  const strings = options.sharedStrings ? new Map<string, number>() : undefined;
  const sheets = [rows, ...(options.extraSheets ?? [])].map((sheetRows, i) =>
    sheetXml(sheetRows, i === 0 ? options : {}, strings),
  );
  const names = [options.sheetName ?? 'Sheet1', ...sheets.slice(1).map((_, i) => `Sheet${i + 2}`)];
  const styles = options.numberFormats !== undefined;
  const rels = names.map((_, i) => ({ id: `rId${i + 1}`, type: 'worksheet', target: `worksheets/sheet${i + 1}.xml` }));
  if (strings) rels.push({ id: `rId${names.length + 1}`, type: 'sharedStrings', target: 'sharedStrings.xml' });
  if (styles) rels.push({ id: `rId${names.length + 2}`, type: 'styles', target: 'styles.xml' });
  return [
    { name: '[Content_Types].xml', data: Buffer.from(contentTypesXml(sheets.length, Boolean(strings), styles)) },
    { name: '_rels/.rels', data: Buffer.from(ROOT_RELS) },
    { name: 'xl/workbook.xml', data: Buffer.from(workbookXml(names)) },
    { name: 'xl/_rels/workbook.xml.rels', data: Buffer.from(workbookRelsXml(rels)) },
    ...sheets.map((xml, i) => ({ name: `xl/worksheets/sheet${i + 1}.xml`, data: Buffer.from(xml) })),
    ...(strings ? [{ name: 'xl/sharedStrings.xml', data: Buffer.from(sharedStringsXml(strings)) }] : []),
    ...(styles ? [{ name: 'xl/styles.xml', data: Buffer.from(stylesXml(options.numberFormats ?? [])) }] : []),
  ];
}
