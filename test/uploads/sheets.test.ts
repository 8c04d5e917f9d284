// XLSX in and out: the zip guard, the streaming reader's cells and rows, and the streaming writer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32, deflateRawSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { csvRowBatches, readCsv, streamCsv, writeCsv } from '../../src/uploads/sheets/csv.ts';
import { readSheet } from '../../src/uploads/sheets/read-sheet.ts';
import { readSheetInWorker, readSheetLendingBytes } from '../../src/uploads/sheets/read-sheet-in-worker.ts';
import { FileRefusal, type ReadLimits, SheetRows } from '../../src/uploads/sheets/sheet.ts';
import { isDateFormat, readXlsx, streamXlsx, writeXlsx } from '../../src/uploads/sheets/xlsx.ts';
import { MAX_ZIP_ENTRIES, readZipDirectory } from '../../src/uploads/sheets/zip.ts';
import { csvText } from '../support/csv.ts';

const LIMITS: ReadLimits = { maxRows: 100, sheetName: 'Recommendations' };

interface ZipFile {
  name: string;
  data: string | Buffer;
  /** Stored rather than deflated. */
  store?: boolean;
  /** What the directory claims the file inflates to, when it lies. */
  declaredSize?: number;
  /** The compressed bytes, when they are not the real ones. */
  compressed?: Buffer;
}

/** A zip, built by hand so its directory can say anything. */
function zip(files: ZipFile[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const file of files) {
    const data = Buffer.isBuffer(file.data) ? file.data : Buffer.from(file.data, 'utf8');
    const compressed = file.compressed ?? (file.store ? data : deflateRawSync(data));
    const name = Buffer.from(file.name, 'utf8');
    const size = file.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(file.store ? 0 : 8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(Math.min(size, 0xffffffff), 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, compressed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(file.store ? 0 : 8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(Math.min(size, 0xffffffff), 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + compressed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Math.min(files.length, 0xffff), 8);
  end.writeUInt16LE(Math.min(files.length, 0xffff), 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"';
const RELS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"';
const WORKSHEET_TYPE = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet';

/**
 * A workbook as Excel lays it out: parts in Excel's order (worksheets before the shared strings
 * and styles), shared strings, built-in date format 14, a hidden first sheet, an absolute target.
 */
function excelLikeWorkbook(sheetXml: string, { date1904 = false } = {}): Buffer {
  return zip([
    { name: '[Content_Types].xml', data: '<Types/>' },
    { name: '_rels/.rels', data: '<Relationships/>' },
    {
      name: 'xl/workbook.xml',
      data: `<?xml version="1.0"?><workbook ${MAIN} ${RELS}><workbookPr${date1904 ? ' date1904="1"' : ''}/><sheets><sheet name="Lists" sheetId="3" state="hidden" r:id="rId3"/><sheet name="Trainees &amp; dates > 2024" sheetId="1" r:id="rId1"/><sheet name="Chart" sheetId="2" r:id="rId2"/></sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${WORKSHEET_TYPE}" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/chartsheet" Target="chartsheets/sheet1.xml"/><Relationship Id="rId3" Type="${WORKSHEET_TYPE}" Target="worksheets/sheet1.xml"/><Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`,
    },
    {
      name: 'xl/worksheets/sheet1.xml',
      data: `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>lookup</t></is></c></row></sheetData></worksheet>`,
    },
    {
      name: 'xl/worksheets/sheet2.xml',
      data: `<?xml version="1.0"?><worksheet ${MAIN} ${RELS}>${sheetXml}</worksheet>`,
    },
    { name: 'xl/chartsheets/sheet1.xml', data: '<chartsheet/>' },
    {
      name: 'xl/styles.xml',
      data: `<?xml version="1.0"?><styleSheet ${MAIN}><numFmts count="1"><numFmt numFmtId="164" formatCode="0.00"/></numFmts><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`,
    },
    {
      name: 'xl/sharedStrings.xml',
      data: `<?xml version="1.0"?><sst ${MAIN} count="6" uniqueCount="6"><si><t>TRN</t></si><si><t>Name</t></si><si><t>Date</t></si><si><t>0012345</t></si><si><r><t>Si</t></r><r><rPr><b/></rPr><t>ân</t></r></si><si><t xml:space="preserve">  O’Brien  </t></si></sst>`,
    },
  ]);
}

async function refusal(promise: Promise<unknown>, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: Error) => {
    assert.ok(error instanceof FileRefusal, `a FileRefusal, not ${error.name}: ${error.message}`);
    assert.match(error.message, message);
    return true;
  });
}

/** A workbook written by exceljs (not streaming): worksheets are read back by our reader. */
async function exceljsWorkbook(build: (workbook: ExcelJS.Workbook) => void): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

describe('the zip guard', () => {
  it('refuses a zip declaring more than 500 MB uncompressed, before inflating anything', async () => {
    // 600 MB of zeros is what the directory claims; the bytes are a few hundred.
    const bomb = zip([
      { name: 'xl/workbook.xml', data: '<workbook/>' },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(1000), declaredSize: 600 * 1024 * 1024 },
    ]);
    assert.ok(bomb.length < 1000);
    await refusal(readXlsx(bomb, LIMITS), /more than 500 MB once uncompressed.*save the sheet as CSV/);
  });

  it('refuses a part compressed out of proportion (20 MB of zeros in 20 KB)', async () => {
    const zeros = deflateRawSync(Buffer.alloc(20 * 1024 * 1024));
    assert.ok(zeros.length < 30_000, `${zeros.length} bytes`);
    const bomb = zip([
      { name: 'xl/workbook.xml', data: '<workbook/>' },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.alloc(0),
        compressed: zeros,
        declaredSize: 20 * 1024 * 1024,
      },
    ]);
    await refusal(readXlsx(bomb, LIMITS), /compressed far more than a spreadsheet ever is \(over 200 to 1\)/);
  });

  it('never inflates a part beyond the size its directory declares', async () => {
    // The directory says 100 bytes; the sheet inflates to 5 MB of rows.
    const rows = Array.from({ length: 50_000 }, (_, i) => `<row r="${i + 2}"><c r="A${i + 2}"><v>${i}</v></c></row>`);
    const sheet = `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>TRN</t></is></c></row>${rows.join('')}</sheetData></worksheet>`;
    const bytes = zip([
      {
        name: 'xl/workbook.xml',
        data: `<workbook ${MAIN} ${RELS}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: `<Relationships><Relationship Id="rId1" Type="${WORKSHEET_TYPE}" Target="worksheets/sheet1.xml"/></Relationships>`,
      },
      { name: 'xl/worksheets/sheet1.xml', data: sheet, declaredSize: 100 },
    ]);
    await refusal(
      readXlsx(bytes, LIMITS),
      /could not be opened as an Excel workbook: part of it inflates to more than the file declares/,
    );
  });

  it(`refuses more than ${MAX_ZIP_ENTRIES.toLocaleString('en-GB')} entries`, async () => {
    const files = Array.from({ length: MAX_ZIP_ENTRIES + 1 }, (_, i) => ({ name: `x/${i}`, data: '', store: true }));
    const bytes = zip([{ name: 'xl/workbook.xml', data: '<workbook/>' }, ...files]);
    await refusal(readXlsx(bytes, LIMITS), /more than 10,000 parts/);
  });

  it('refuses a zip that is not an Excel workbook, and says what it is when it can tell', async () => {
    await refusal(
      readSheet(zip([{ name: 'notes.txt', data: 'hello' }]), LIMITS),
      /The file is a zip but not an Excel workbook/,
    );
    await refusal(
      readSheet(
        zip([
          { name: 'mimetype', data: 'application/vnd.oasis.opendocument.spreadsheet', store: true },
          { name: 'content.xml', data: '<office:document-content/>' },
        ]),
        LIMITS,
      ),
      /OpenDocument spreadsheet \(\.ods\)/,
    );
    await refusal(readSheet(zip([{ name: 'xl/workbook.bin', data: 'x' }]), LIMITS), /binary workbook \(\.xlsb\)/);
  });

  it('refuses a damaged or incomplete workbook as one that could not be opened', async () => {
    const good = await writeXlsx('Recommendations', ['TRN'], [{ cells: ['1234567'] }]);
    assert.equal((await readXlsx(good, LIMITS)).rows.length, 1);
    // Cut short: no directory at the end.
    await refusal(readXlsx(good.subarray(0, good.length - 200), LIMITS), /could not be opened as an Excel workbook/);
    // Not a zip at all after its first four bytes.
    await refusal(readSheet(Buffer.from('PK\u0003\u0004 not really a zip'), LIMITS), /could not be opened/);

    // The worksheet's compressed bytes scrambled.
    const sheet = `<sheetData>${Array.from({ length: 2000 }, (_, i) => `<row r="${i + 1}"><c r="A${i + 1}" t="inlineStr"><is><t>row ${i}</t></is></c></row>`).join('')}</sheetData>`;
    const workbook = excelLikeWorkbook(sheet);
    const at = workbook.indexOf('xl/worksheets/sheet2.xml') + 'xl/worksheets/sheet2.xml'.length + 40;
    const scrambled = Buffer.from(workbook);
    for (let i = at; i < at + 200; i++) scrambled[i] ^= 0x5a;
    await refusal(readXlsx(scrambled, LIMITS), /could not be opened as an Excel workbook/);
    // One bit changed in the compressed sheet: it may still inflate, but its checksum shows it.
    for (const [i, bit] of [
      [0, 1],
      [301, 4],
      [777, 128],
    ]) {
      const flipped = Buffer.from(workbook);
      flipped[at + i] ^= bit;
      await refusal(readXlsx(flipped, LIMITS), /could not be opened as an Excel workbook/);
    }

    // Compressed by a method no spreadsheet uses (12 is bzip2).
    const bzip = Buffer.from(excelLikeWorkbook('<sheetData/>'));
    for (
      let at = bzip.indexOf('xl/worksheets/sheet2.xml');
      at >= 0;
      at = bzip.indexOf('xl/worksheets/sheet2.xml', at + 1)
    ) {
      // The method field sits 18 bytes before the name in a local header, 18 in a central one too.
      const signature = bzip.readUInt32LE(at - 30) === 0x04034b50 ? at - 30 : at - 46;
      bzip.writeUInt16LE(12, signature + (signature === at - 30 ? 8 : 10));
    }
    await refusal(readXlsx(bzip, LIMITS), /could not be opened as an Excel workbook/);

    // The workbook part cut short.
    const unclosed = zip([
      { name: 'xl/workbook.xml', data: `<workbook ${MAIN} ${RELS}><sheets><sheet name="S" sheetId="1" r:id="rId1"/>` },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: `<Relationships><Relationship Id="rId1" Type="${WORKSHEET_TYPE}" Target="worksheets/sheet1.xml"/></Relationships>`,
      },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>TRN</t></is></c></row></sheetData></worksheet>`,
      },
    ]);
    await readXlsx(unclosed, LIMITS).then(
      (sheet) => assert.deepEqual(sheet.headers, ['TRN']),
      (error: Error) => assert.ok(error instanceof FileRefusal, error.message),
    );

    // Well-zipped, but the sheet's XML is not XML.
    await refusal(
      readXlsx(excelLikeWorkbook('<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row'), LIMITS),
      /could not be opened as an Excel workbook/,
    );
  });

  it('reads ZIP64 directories, holding them to the same limits', () => {
    // A one-entry zip whose sizes and offset are in a ZIP64 extra field and record.
    const name = Buffer.from('xl/workbook.xml');
    const data = Buffer.from('<workbook/>');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt32LE(0xffffffff, 20);
    central.writeUInt32LE(0xffffffff, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(4 + 24, 30);
    central.writeUInt32LE(0xffffffff, 42);
    const extra = Buffer.alloc(4 + 24);
    extra.writeUInt16LE(0x0001, 0);
    extra.writeUInt16LE(24, 2);
    extra.writeBigUInt64LE(BigInt(data.length), 4); // uncompressed
    extra.writeBigUInt64LE(BigInt(data.length), 12); // compressed
    extra.writeBigUInt64LE(0n, 20); // local header offset
    const directoryOffset = local.length + name.length + data.length;
    const directory = Buffer.concat([central, name, extra]);
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeBigUInt64LE(1n, 24);
    record.writeBigUInt64LE(1n, 32);
    record.writeBigUInt64LE(BigInt(directory.length), 40);
    record.writeBigUInt64LE(BigInt(directoryOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(directoryOffset + directory.length), 8);
    locator.writeUInt32LE(1, 16);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.fill(0xff, 8, 20);
    const bytes = Buffer.concat([local, name, data, directory, record, locator, end]);
    const [entry] = readZipDirectory(bytes);
    assert.deepEqual(
      { name: entry.name, size: entry.uncompressedSize, offset: entry.localHeaderOffset },
      { name: 'xl/workbook.xml', size: data.length, offset: 0 },
    );
    // The same with a 600 MB uncompressed size is refused like any other.
    extra.writeBigUInt64LE(600n * 1024n * 1024n, 4);
    const bomb = Buffer.concat([local, name, data, Buffer.concat([central, name, extra]), record, locator, end]);
    assert.throws(() => readZipDirectory(bomb), /more than 500 MB once uncompressed/);
  });
});

describe('reading XLSX', () => {
  it('reads the sheet named like the template, whatever its case, over the first', async () => {
    const bytes = await exceljsWorkbook((workbook) => {
      workbook.addWorksheet('Instructions').addRow(['Read me']);
      workbook.addWorksheet('RECOMMENDATIONS').addRow(['TRN']).worksheet.addRow(['1234567']);
    });
    const sheet = await readXlsx(bytes, LIMITS);
    assert.equal(sheet.sheetName, 'RECOMMENDATIONS');
    assert.deepEqual(sheet.headers, ['TRN']);
    assert.deepEqual([...sheet.rows], [{ rowNumber: 2, cells: ['1234567'] }]);
    const first = await readXlsx(bytes, { maxRows: 10, sheetName: 'Something else' });
    assert.equal(first.sheetName, 'Instructions');
    const unnamed = await readXlsx(bytes, { maxRows: 10 });
    assert.equal(unnamed.sheetName, 'Instructions');
  });

  it('reads an Excel-laid-out workbook: first visible worksheet, shared strings, built-in date format, every kind of cell', async () => {
    const sheet = await readXlsx(
      excelLikeWorkbook(
        `<sheetData>
          <row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>1</v></c><c r="C2" t="s"><v>2</v></c><c r="E2" t="inlineStr"><is><t> </t></is></c></row>
          <row r="3"><c r="A3" t="s" s="2"><v>3</v></c><c r="B3" t="s"><v>4</v></c><c r="C3" s="1"><v>45747</v></c></row>
          <row r="4"><c r="A4"/><c r="B4" t="inlineStr"><is><t></t></is></c></row>
          <row r="6"><c r="A6" t="b"><v>1</v></c><c r="B6" t="s"><v>5</v></c><c r="C6" s="1"><f>DATE(2025,1,1)</f><v>45658</v></c><c r="D6" t="e"><v>#N/A</v></c></row>
          <row r="7"><c r="A7"><v>1234567890123</v></c><c r="B7" t="str"><f>"O'"&amp;"Neil"</f><v>O'Neil</v></c><c r="C7" s="3"><v>0.30000000000000004</v></c><c r="D7"><f>1/0</f><v>#DIV/0!</v></c></row>
          <row r="8"><c r="A8"><v>12345678901234567</v></c><c r="B8" t="inlineStr"><is><t>'=1+2</t></is></c><c r="C8" s="1"><v>60</v></c></row>
        </sheetData>`,
      ),
      LIMITS,
    );
    assert.equal(sheet.sheetName, 'Trainees & dates > 2024', 'the hidden sheet and the chart sheet are passed over');
    assert.deepEqual(sheet.headers, ['TRN', 'Name', 'Date'], 'a blank cell after the last heading is not a column');
    assert.deepEqual(
      [...sheet.rows],
      [
        { rowNumber: 3, cells: ['0012345', 'Siân', '2025-03-31'] },
        { rowNumber: 6, cells: ['TRUE', 'O’Brien', '2025-01-01'] },
        { rowNumber: 7, cells: ['1234567890123', "O'Neil", '0.3'] },
        // Beyond 2^53 a number has lost digits before we see it: as Excel shows it, 15 digits.
        { rowNumber: 8, cells: ['12345678901234600', '=1+2', '29/02/1900'] },
      ],
    );
  });

  it('reads dates of a workbook counting from 1904', async () => {
    const sheet = await readXlsx(
      excelLikeWorkbook(
        '<sheetData><row r="1"><c r="A1" t="s"><v>2</v></c></row><row r="2"><c r="A2" s="1"><v>44285</v></c></row><row r="3"><c r="A3" s="1"><f>A2</f><v>44285</v></c></row></sheetData>',
        { date1904: true },
      ),
      LIMITS,
    );
    assert.deepEqual(
      [...sheet.rows].map((row) => row.cells[0]),
      ['2025-03-31', '2025-03-31'],
    );
  });

  it('reads date cells, numbers, booleans, formulas, rich text and text with leading zeros as text', async () => {
    const bytes = await exceljsWorkbook((workbook) => {
      const worksheet = workbook.addWorksheet('Recommendations');
      worksheet.addRow(['Date', 'Number', 'Boolean', 'Formula', 'Text formula', 'Rich', 'ID', 'Error', 'Date formula']);
      worksheet.addRow([
        new Date(Date.UTC(2025, 2, 27)),
        1234567890123,
        false,
        { formula: 'B2*2', result: 2469135780246 },
        { formula: 'LOWER("X")', result: 'x' },
        { richText: [{ text: 'Zo' }, { text: 'ë', font: { bold: true } }] },
        '0001234',
        { error: '#REF!' },
        { formula: 'A2+1', result: 45744 },
      ]);
      worksheet.getCell('I2').numFmt = 'dd/mm/yyyy';
      worksheet.addRow([new Date(Date.UTC(2024, 11, 31, 23, 30)), -12.5, true, { formula: 'NA()' }]);
    });
    const sheet = await readXlsx(bytes, LIMITS);
    assert.deepEqual(
      [...sheet.rows].map((row) => row.cells),
      [
        ['2025-03-27', '1234567890123', 'FALSE', '2469135780246', 'x', 'Zoë', '0001234', '', '2025-03-28'],
        ['2024-12-31', '-12.5', 'TRUE', '', '', '', '', '', ''],
      ],
    );
  });

  it('skips blank rows, before and after the header, keeping each row’s own number', async () => {
    const bytes = await exceljsWorkbook((workbook) => {
      const worksheet = workbook.addWorksheet('Recommendations');
      worksheet.getCell('A2').value = '   ';
      worksheet.getCell('B3').value = 'TRN';
      worksheet.getCell('C3').value = 'Name';
      worksheet.getCell('B5').value = '1234567';
      worksheet.getCell('C6').value = '';
      worksheet.getCell('D7').value = 'beyond the headers';
      worksheet.getCell('C9').value = '  Ann  ';
      worksheet.getCell('C9').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF0000' } };
      worksheet.getCell('A10').fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF0000' } };
    });
    const sheet = await readXlsx(bytes, LIMITS);
    assert.deepEqual(sheet.headers, ['', 'TRN', 'Name']);
    assert.deepEqual(
      [...sheet.rows],
      [
        { rowNumber: 5, cells: ['', '1234567', ''] },
        { rowNumber: 7, cells: ['', '', ''] },
        { rowNumber: 9, cells: ['', '', 'Ann'] },
      ],
    );
  });

  it('refuses more rows than the limit, as soon as there are, and an empty workbook', async () => {
    const bytes = await writeXlsx(
      'Recommendations',
      ['TRN'],
      Array.from({ length: 6 }, (_, i) => ({ cells: [String(1000000 + i)] })),
    );
    assert.equal((await readXlsx(bytes, { maxRows: 6 })).rows.length, 6);
    await refusal(
      readXlsx(bytes, { maxRows: 5 }),
      /^The file has more than 5 rows\. Split it into smaller files and upload each one$/,
    );
    const empty = await exceljsWorkbook((workbook) => {
      workbook.addWorksheet('Recommendations');
    });
    await refusal(readXlsx(empty, LIMITS), /The file is empty/);
  });
});

describe('reading the workbook part of a hostile XLSX', () => {
  const COULD_NOT_OPEN = /^The file could not be opened as an Excel workbook\. Open it in your spreadsheet/;
  const RELATIONSHIPS = `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${WORKSHEET_TYPE}" Target="worksheets/sheet1.xml"/></Relationships>`;
  const ONE_SHEET = `<?xml version="1.0"?><workbook ${MAIN} ${RELS}><sheets><sheet name="Recommendations" sheetId="1" r:id="rId1"/></sheets></workbook>`;

  /** A workbook of one worksheet (a TRN and one row), with these workbook and relationships parts. */
  function workbookOf(workbookXml: string, relationshipsXml = RELATIONSHIPS): Buffer {
    return zip([
      { name: 'xl/workbook.xml', data: workbookXml },
      { name: 'xl/_rels/workbook.xml.rels', data: relationshipsXml },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: `<worksheet ${MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>TRN</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>1234567</t></is></c></row></sheetData></worksheet>`,
      },
    ]);
  }

  it('reads the well-formed workbook these tests start from', async () => {
    const sheet = await readXlsx(workbookOf(ONE_SHEET), LIMITS);
    assert.equal(sheet.sheetName, 'Recommendations');
    assert.deepEqual([...sheet.rows], [{ rowNumber: 2, cells: ['1234567'] }]);
  });

  // Under the zip ratio check's 1 MB floor, so only the XML reader stands between it and the
  // server: a regular expression took about two minutes over it, a parser a moment. The timeout is
  // not a benchmark, only there so the test fails rather than stalls should it ever be slow again.
  it('refuses a workbook part of 120,000 unclosed sheet tags, at once', { timeout: 20_000 }, async () => {
    const workbookXml = `<?xml version="1.0"?><workbook ${MAIN} ${RELS}><sheets>${'<sheet r'.repeat(120_000)}`;
    assert.ok(workbookXml.length > 950_000 && workbookXml.length < 1024 * 1024);
    await refusal(readXlsx(workbookOf(workbookXml), LIMITS), COULD_NOT_OPEN);
  });

  it('refuses a DOCTYPE in a workbook part: entities, external or expanding, are never read', async () => {
    const laughs = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('');
    const billionLaughs = `<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY lol0 "lol">${laughs}]><workbook ${MAIN} ${RELS}><sheets><sheet name="&lol9;" sheetId="1" r:id="rId1"/></sheets></workbook>`;
    await refusal(readXlsx(workbookOf(billionLaughs), LIMITS), COULD_NOT_OPEN);
    const external = `<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY secret SYSTEM "file:///etc/passwd">]><workbook ${MAIN} ${RELS}><sheets><sheet name="&secret;" sheetId="1" r:id="rId1"/></sheets></workbook>`;
    await refusal(readXlsx(workbookOf(external), LIMITS), COULD_NOT_OPEN);
    // Even a DOCTYPE declaring nothing: Excel never writes one.
    const bare = ONE_SHEET.replace('<workbook', '<!DOCTYPE workbook><workbook');
    await refusal(readXlsx(workbookOf(bare), LIMITS), COULD_NOT_OPEN);
    const inRelationships = RELATIONSHIPS.replace('<Relationships', '<!DOCTYPE Relationships><Relationships');
    await refusal(readXlsx(workbookOf(ONE_SHEET, inRelationships), LIMITS), COULD_NOT_OPEN);
  });

  it('refuses workbook parts that are not well-formed XML', async () => {
    for (const workbookXml of [
      ONE_SHEET.replace('</workbook>', ''), // never closed
      ONE_SHEET.replace('</sheets>', '</sheet>'), // closed out of order
      ONE_SHEET.replace('name="Recommendations"', 'name="Recommendations'), // an unclosed quote
      ONE_SHEET.replace('sheetId="1"', 'sheetId=1'), // an unquoted value
      ONE_SHEET.replace('Recommendations', 'Tom & Jerry'), // a bare ampersand
      ONE_SHEET.replace('Recommendations', '&nbsp;'), // an entity XML does not define
      `${ONE_SHEET}<workbook/>`, // two roots
      '', // nothing at all
      'PK\u0003\u0004 not XML',
    ]) {
      await refusal(readXlsx(workbookOf(workbookXml), LIMITS), COULD_NOT_OPEN);
    }
    const relationships = RELATIONSHIPS.replace('</Relationships>', '<Relationship');
    await refusal(readXlsx(workbookOf(ONE_SHEET, relationships), LIMITS), COULD_NOT_OPEN);
  });

  it('finds a worksheet whose target differs in case from its part name', async () => {
    const relationships = RELATIONSHIPS.replace('worksheets/sheet1.xml', 'Worksheets/Sheet1.XML');
    assert.equal((await readXlsx(workbookOf(ONE_SHEET, relationships), LIMITS)).sheetName, 'Recommendations');
  });

  // Every sheet names a part that is not there, in a zip of as many parts as allowed: looking
  // through every part's name for each sheet was 2 billion comparisons (most of a minute). As
  // above, the timeout is there so the test fails rather than stalls.
  it('refuses, at once, 200,000 sheets naming a missing part among 10,000 parts', { timeout: 20_000 }, async () => {
    const sheets = Array.from({ length: 200_000 }, (_, i) => `<sheet name="Sheet ${i}" sheetId="${i}" r:id="rId1"/>`);
    const bytes = zip([
      { name: 'xl/workbook.xml', data: `<workbook ${MAIN} ${RELS}><sheets>${sheets.join('')}</sheets></workbook>` },
      { name: 'xl/_rels/workbook.xml.rels', data: RELATIONSHIPS.replace('sheet1.xml', 'missing.xml') },
      ...Array.from({ length: MAX_ZIP_ENTRIES - 2 }, (_, i) => ({ name: `xl/media/image${i}.png`, data: 'x' })),
    ]);
    await refusal(readXlsx(bytes, LIMITS), /^The workbook has no worksheets/);
  });

  it('decodes entities and character references in attributes, and reads any namespace prefix', async () => {
    const name = 'Tom &amp; Jerry&#x2019;s &lt;list&gt; &quot;2024&quot; &#233;';
    const prefixed = `<?xml version="1.0" encoding="UTF-8"?>
      <x:workbook xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:rel="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
        <!-- a comment --><x:workbookPr date1904="true"/>
        <x:sheets><x:sheet name="Hidden" sheetId="2" state="hidden" rel:id="rId2"/><x:sheet name='${name}' sheetId="1" rel:id="rId1"/></x:sheets>
      </x:workbook>`;
    const relationships = RELATIONSHIPS.replace(
      '</Relationships>',
      `<Relationship Id="rId2" Type="${WORKSHEET_TYPE}" Target="/xl/worksheets/sheet1.xml"/></Relationships>`,
    );
    const sheet = await readXlsx(workbookOf(prefixed, relationships), {
      maxRows: 10,
      sheetName: 'Tom & Jerry’s <list> "2024" é',
    });
    assert.equal(sheet.sheetName, 'Tom & Jerry’s <list> "2024" é');
    assert.deepEqual([...sheet.rows], [{ rowNumber: 2, cells: ['1234567'] }]);
    // With no name asked for, the first visible sheet, passing over the hidden one.
    assert.equal((await readXlsx(workbookOf(prefixed, relationships), { maxRows: 10 })).sheetName, sheet.sheetName);
  });
});

describe('reading the styles, shared strings and worksheet of a hostile XLSX', () => {
  const COULD_NOT_OPEN = /^The file could not be opened as an Excel workbook\. Open it in your spreadsheet/;
  const UNUSUAL_FORMAT =
    /^The file could not be opened as an Excel workbook: it has a number format longer or more complicated than Excel writes\./;
  const DOCTYPE = '<!DOCTYPE root [<!ENTITY secret SYSTEM "file:///etc/passwd">]>';

  function escapeXml(text: string): string {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;');
  }

  /** Styles in which cell style 1 is number format 164, with this code. */
  function stylesOf(formatCode: string): string {
    return `<?xml version="1.0"?><styleSheet ${MAIN}><numFmts count="1"><numFmt numFmtId="164" formatCode="${escapeXml(formatCode)}"/></numFmts><fonts count="1"><font><sz val="11"/></font></fonts><fills count="1"><fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>`;
  }

  const SHARED_STRINGS = `<?xml version="1.0"?><sst ${MAIN} count="1" uniqueCount="1"><si><t>Serial</t></si></sst>`;

  function columnName(index: number): string {
    let name = '';
    for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
    return name;
  }

  /** A heading from the shared strings, then rows of numbers in cell style 1 (number format 164). */
  function worksheetOf(rows: number, columns = 1): string {
    const numbers = Array.from({ length: rows }, (_, r) => {
      const cells = Array.from({ length: columns }, (_, c) => `<c r="${columnName(c)}${r + 2}" s="1"><v>45747</v></c>`);
      return `<row r="${r + 2}">${cells.join('')}</row>`;
    });
    return `<?xml version="1.0"?><worksheet ${MAIN}><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row>${numbers.join('')}</sheetData></worksheet>`;
  }

  function workbookWith({
    styles = stylesOf('d/m/yyyy'),
    sharedStrings = SHARED_STRINGS,
    worksheet = worksheetOf(2),
  }: {
    styles?: string;
    sharedStrings?: string;
    worksheet?: string;
  } = {}): Buffer {
    return zip([
      {
        name: 'xl/workbook.xml',
        data: `<?xml version="1.0"?><workbook ${MAIN} ${RELS}><sheets><sheet name="Recommendations" sheetId="1" r:id="rId1"/></sheets></workbook>`,
      },
      {
        name: 'xl/_rels/workbook.xml.rels',
        data: `<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${WORKSHEET_TYPE}" Target="worksheets/sheet1.xml"/></Relationships>`,
      },
      { name: 'xl/worksheets/sheet1.xml', data: worksheet },
      { name: 'xl/styles.xml', data: styles },
      { name: 'xl/sharedStrings.xml', data: sharedStrings },
    ]);
  }

  it('reads the well-formed workbook these tests start from, its numbers as dates by their format', async () => {
    const sheet = await readXlsx(workbookWith(), LIMITS);
    assert.deepEqual(sheet.headers, ['Serial']);
    assert.deepEqual(
      [...sheet.rows].map((row) => row.cells),
      [['2025-03-31'], ['2025-03-31']],
    );
    const numbers = await readXlsx(workbookWith({ styles: stylesOf('0.00') }), LIMITS);
    assert.deepEqual(
      [...numbers.rows].map((row) => row.cells),
      [['45747'], ['45747']],
    );
  });

  // exceljs's own date check takes time quadratic in a format code's unclosed brackets on every
  // numeric cell: three quarters of a second a cell here, most of an hour for the sheet. Read in a
  // worker first, with a time limit, as uploads are: a test's timeout can't end a read that never
  // lets the event loop turn, as this one (read in the test's own thread) wouldn't.
  it('refuses a 30,000-character number format used by 3,000 numeric cells, at once', { timeout: 60_000 }, async () => {
    const bytes = workbookWith({ styles: stylesOf('['.repeat(30_000)), worksheet: worksheetOf(20, 150) });
    await refusal(readSheetInWorker(bytes, { maxRows: 100 }, { timeLimitMs: 30_000 }), UNUSUAL_FORMAT);
    await refusal(readXlsx(bytes, { maxRows: 100 }), UNUSUAL_FORMAT);
  });

  it('refuses a number format code longer than Excel allows (255 characters), reading one up to it', async () => {
    const longest = `d/m/yyyy${' '.repeat(247)}`;
    assert.equal(longest.length, 255);
    const read = await readXlsx(workbookWith({ styles: stylesOf(longest) }), LIMITS);
    assert.deepEqual([...read.rows][0]?.cells, ['2025-03-31']);
    await refusal(readXlsx(workbookWith({ styles: stylesOf(`${longest}0`) }), LIMITS), UNUSUAL_FORMAT);
    // Characters are counted, not UTF-16 code units: 210 characters, of which 200 take two units each.
    const emoji = `"${'😀'.repeat(200)}"d/m/yyyy`;
    assert.ok(emoji.length > 255);
    const wide = await readXlsx(workbookWith({ styles: stylesOf(emoji) }), LIMITS);
    assert.deepEqual([...wide.rows][0]?.cells, ['2025-03-31']);
    // Entities count as the characters they stand for, as exceljs reads them.
    const quotes = `${'"'.repeat(254)}d`;
    const quoted = await readXlsx(workbookWith({ styles: stylesOf(quotes) }), LIMITS);
    assert.deepEqual([...quoted.rows][0]?.cells, ['2025-03-31']);
    await refusal(readXlsx(workbookWith({ styles: stylesOf(`"${quotes}`) }), LIMITS), UNUSUAL_FORMAT);
    // Any number format in the part, whether cells use it or not (a conditional format's, say).
    const unused = stylesOf('0.00').replace(
      '</styleSheet>',
      `<dxfs count="1"><dxf><numFmt numFmtId="165" formatCode="${'0'.repeat(256)}"/></dxf></dxfs></styleSheet>`,
    );
    await refusal(readXlsx(workbookWith({ styles: unused }), LIMITS), UNUSUAL_FORMAT);
  });

  it('refuses a number format of more than four brackets never closed, reading one of four', async () => {
    // Within 255 characters, 255 such brackets still made exceljs take 56 µs a cell.
    const four = `0 "[" "[" "[" "[" ${'0'.repeat(100)}`;
    const read = await readXlsx(workbookWith({ styles: stylesOf(four) }), LIMITS);
    assert.deepEqual([...read.rows][0]?.cells, ['45747']);
    await refusal(readXlsx(workbookWith({ styles: stylesOf(`${four} "["`) }), LIMITS), UNUSUAL_FORMAT);
    await refusal(readXlsx(workbookWith({ styles: stylesOf('['.repeat(255)) }), LIMITS), UNUSUAL_FORMAT);
    // Brackets closed later are removed at once, however many.
    const closed = await readXlsx(workbookWith({ styles: stylesOf(`${'['.repeat(240)}]d/m/yyyy`) }), LIMITS);
    assert.deepEqual([...closed.rows][0]?.cells, ['2025-03-31']);
  });

  it('refuses a DOCTYPE in the styles, the shared strings or the worksheet', async () => {
    const withDoctype = (xml: string) => xml.replace('?>', `?>${DOCTYPE}`);
    await refusal(readXlsx(workbookWith({ styles: withDoctype(stylesOf('0.00')) }), LIMITS), COULD_NOT_OPEN);
    await refusal(readXlsx(workbookWith({ sharedStrings: withDoctype(SHARED_STRINGS) }), LIMITS), COULD_NOT_OPEN);
    await refusal(readXlsx(workbookWith({ worksheet: withDoctype(worksheetOf(2)) }), LIMITS), COULD_NOT_OPEN);
    // A DOCTYPE declaring nothing; one after a long comment, far beyond the first chunk inflated;
    // one after a byte order mark and an XML declaration in UTF-8.
    await refusal(
      readXlsx(
        workbookWith({ worksheet: worksheetOf(2).replace('<worksheet', '<!DOCTYPE worksheet><worksheet') }),
        LIMITS,
      ),
      COULD_NOT_OPEN,
    );
    const comment = `<!-- ${'a long comment '.repeat(20_000)} -->`;
    await refusal(
      readXlsx(workbookWith({ sharedStrings: SHARED_STRINGS.replace('?>', `?>${comment}${DOCTYPE}`) }), LIMITS),
      COULD_NOT_OPEN,
    );
    await refusal(
      readXlsx(
        workbookWith({
          worksheet: `\uFEFF${withDoctype(worksheetOf(2)).replace('?xml version="1.0"', '?xml version="1.0" encoding="UTF-8"')}`,
        }),
        LIMITS,
      ),
      COULD_NOT_OPEN,
    );
    // "<!DOCTYPE" in a comment, or as text in a cell, is not a DOCTYPE.
    const quoted = await readXlsx(
      workbookWith({
        worksheet: worksheetOf(1).replace('?>', `?><!-- ${DOCTYPE} -->`),
        sharedStrings: SHARED_STRINGS.replace('Serial', '&lt;!DOCTYPE x&gt;'),
      }),
      LIMITS,
    );
    assert.deepEqual(quoted.headers, ['<!DOCTYPE x>']);
    assert.deepEqual([...quoted.rows][0]?.cells, ['2025-03-31']);
  });

  it('refuses styles that are not well-formed XML, as exceljs would', async () => {
    for (const styles of [
      stylesOf('0.00').replace('</styleSheet>', ''),
      stylesOf('0.00').replace('formatCode="0.00"', 'formatCode="&nbsp;"'),
    ])
      await refusal(readXlsx(workbookWith({ styles }), LIMITS), COULD_NOT_OPEN);
  });
});

describe('telling a date format from another, as Excel does', () => {
  /** The check as it was, with regular expressions: what isDateFormat must go on answering. */
  function isDateFormatByRegExp(format: string | undefined): boolean {
    if (!format) return false;
    const bare = format
      .replace(/\[[^\]]*]/g, '')
      .replace(/"[^"]*"/g, '')
      .replace(/\\./g, '');
    return /[ymdhsb]/i.test(bare) && !/^general$/i.test(bare.trim());
  }

  it('sees the date formats Excel and its users write, and no others', () => {
    const dates = [
      'd/m/yyyy',
      'dd/mm/yyyy',
      'yyyy-mm-dd',
      'mmm-yy',
      'd-mmm',
      '[$-809]dd/mm/yyyy',
      '[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy',
      '[h]:mm',
      'h:mm AM/PM',
      '[Blue]dd/mm/yyyy',
      '"text"dd',
      'dd" days"',
      '\\0d',
      'd [',
    ];
    const notDates = [
      undefined,
      '',
      '0',
      '0.00',
      '#,##0',
      '0%',
      '0.0E+00',
      '@',
      'General',
      'GENERAL',
      ' general ',
      '[Red]0.00',
      '[$£-809]#,##0.00',
      '0.00;[Red]-0.00',
      '"days"0',
      '0\\d',
      '0 \\h',
      '"[d]"0',
      '0 [',
      '[>=100]0;0',
    ];
    for (const format of dates) assert.equal(isDateFormat(format), true, format);
    for (const format of notDates) assert.equal(isDateFormat(format), false, String(format));
  });

  it('answers as the regular expressions did for any format, brackets, quotes and escapes unbalanced', () => {
    const alphabet = ['[', ']', '"', '\\', '\n', 'd', 'y', '0', ' ', ';', 'G', 'e', 'n', 'r', 'a', 'l', '$'];
    let seed = 1;
    const random = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let i = 0; i < 50_000; i++) {
      const format = Array.from({ length: random(16) }, () => alphabet[random(alphabet.length)]).join('');
      assert.equal(isDateFormat(format), isDateFormatByRegExp(format), JSON.stringify(format));
    }
  });

  // The regular expressions took a third of a second over 20,000 "[": 40 s for these. Each check
  // has its own turn of the event loop, so that the timeout (not a benchmark) can end the test
  // between them should it ever be slow again: it can't stop one.
  it('takes time in proportion to the format, however its brackets and quotes fall', { timeout: 10_000 }, async () => {
    const formats: [string, boolean][] = [
      ['['.repeat(20_000), false],
      [`${'['.repeat(10_000)}${'"'.repeat(10_001)}d`, true],
      [`${'"'.repeat(20_000)}d`, true],
      [`${'\\'.repeat(20_001)}d`, false],
      [`${'[]'.repeat(10_000)}d`, true],
    ];
    for (let round = 0; round < 100; round++) {
      for (const [format, expected] of formats) {
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(isDateFormat(format), expected);
      }
    }
  });
});

describe('writing XLSX', () => {
  const headers = ['TRN', 'Provider trainee ID', 'Last name', 'Errors'];
  const rows = [
    { cells: ['0012345', '007', "=cmd|' /C calc'!A0", ''], highlight: [2] },
    { cells: ['1234567', '', '+44 20 7946 0000', 'TRN: wrong\nLast name: wrong'], highlight: [0, 1] },
    { cells: ['-1', '@SUM(A1)', '\tTab', 'Passed'] },
  ];

  it('round-trips: leading zeros kept, formulas neutralised in the file and restored on reading', async () => {
    const bytes = await writeXlsx('Recommendations', headers, rows);
    const sheet = await readXlsx(bytes, LIMITS);
    assert.equal(sheet.sheetName, 'Recommendations');
    assert.deepEqual(sheet.headers, headers);
    assert.deepEqual(
      [...sheet.rows].map((row) => row.rowNumber),
      [2, 3, 4],
    );
    assert.deepEqual([...sheet.rows][0].cells, ['0012345', '007', "=cmd|' /C calc'!A0", '']);
    assert.deepEqual([...sheet.rows][1].cells, ['1234567', '', '+44 20 7946 0000', 'TRN: wrong\nLast name: wrong']);
    // Cells are trimmed, but a neutralised cell comes back exactly as it was written.
    assert.deepEqual([...sheet.rows][2].cells, ['-1', '@SUM(A1)', '\tTab', 'Passed']);

    // In the file itself: text cells with an apostrophe first, never formulas.
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const worksheet = workbook.worksheets[0];
    assert.equal(worksheet.getCell('C2').value, "'=cmd|' /C calc'!A0");
    assert.equal(worksheet.getCell('C2').formula, undefined);
    assert.equal(worksheet.getCell('C3').value, "'+44 20 7946 0000");
    assert.equal(worksheet.getCell('A4').value, "'-1");
    assert.equal(worksheet.getCell('B4').value, "'@SUM(A1)");
    assert.equal(worksheet.getCell('A2').value, '0012345');
  });

  it('highlights the cells in error, makes the header bold and frozen and every column text', async () => {
    const bytes = await writeXlsx('Recommendations', headers, rows);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
    const worksheet = workbook.worksheets[0];
    const fill = (address: string) => {
      const value = worksheet.getCell(address).fill;
      return value?.type === 'pattern' && value.pattern === 'solid' ? value.fgColor?.argb : undefined;
    };
    assert.equal(fill('C2'), 'FFF4C7C3');
    assert.equal(fill('A3'), 'FFF4C7C3');
    assert.equal(fill('B3'), 'FFF4C7C3', 'an empty cell in error is highlighted too');
    for (const address of ['A2', 'B2', 'D2', 'C3', 'A4', 'A1']) assert.equal(fill(address), undefined, address);
    assert.equal(worksheet.getCell('A1').font?.bold, true);
    assert.notEqual(worksheet.getCell('A2').font?.bold, true);
    assert.equal(worksheet.getCell('D3').alignment?.wrapText, true, 'several errors show on several lines');
    for (const address of ['A1', 'A2', 'B3', 'D4']) assert.equal(worksheet.getCell(address).numFmt, '@', address);
    assert.equal(worksheet.getColumn(5).numFmt, undefined, 'no more columns than the sheet has');
    assert.deepEqual(
      worksheet.views.map((v) => [v.state, (v as ExcelJS.WorksheetViewFrozen).ySplit]),
      [['frozen', 1]],
    );
    const widths = [1, 2, 3, 4].map((i) => worksheet.getColumn(i).width ?? 0);
    assert.ok(
      widths.every((width) => width >= 8 && width <= 60),
      `${widths}`,
    );
    assert.ok(widths[1] > widths[0], 'a longer heading, a wider column');
  });

  it('keeps a sheet name Excel accepts', async () => {
    const bytes = await writeXlsx('Trainees: QTS/EYTS [2025] and a name far too long for a tab', ['A'], []);
    const sheet = await readXlsx(bytes, { maxRows: 1 });
    assert.equal(sheet.sheetName, 'Trainees QTS EYTS 2025 and a na');
    assert.ok(sheet.sheetName && sheet.sheetName.length <= 31);
  });

  it('streams rows from a generator, waiting for the compressor when it falls behind, and reads them back in order', async () => {
    // 15 MB of sheet XML: more than the writer lets pile up before waiting for the compressor.
    const long = 'words and more words '.repeat(150);
    function* many() {
      for (let i = 0; i < 5_000; i++)
        yield { cells: [String(i).padStart(7, '0'), `${i} ${long}`], highlight: i % 7 ? [] : [1] };
    }
    const bytes = await writeXlsx('Recommendations', ['TRN', 'Notes'], many());
    const sheet = await readXlsx(bytes, { maxRows: 5_000 });
    assert.equal(sheet.rows.length, 5_000);
    assert.deepEqual([...sheet.rows][4_999], { rowNumber: 5_001, cells: ['0004999', `4999 ${long}`.trim()] });
  });
});

describe('reading and writing CSV, streaming', () => {
  // Enough rows of accented and curly-quoted text that the 32 KB pieces the reader decodes at a
  // time end in the middle of characters, and cells that hold the delimiter, quotes and new lines.
  const headers = ['TRN', 'Last name', 'Notes'];
  const rows = Array.from({ length: 3_000 }, (_, i) => [
    String(i).padStart(7, '0'),
    ['Zoë', 'D’Souza', "O'Brien", 'Siân', 'Müller; Sons'][i % 5],
    i % 100 === 0 ? `line one\nline "two", with a comma ${'é'.repeat(i % 7)}` : `note ${i} ${'’'.repeat(i % 5)}`,
  ]);
  const text = csvText([headers, ...rows], { finalNewline: true });

  for (const [name, bytes] of [
    ['UTF-8', Buffer.from(text, 'utf8')],
    ['UTF-8 with a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')])],
    ['UTF-16LE', Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(text, 'utf-16le')])],
    ['UTF-16BE', Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(text, 'utf-16be')])],
    ['Windows-1252', iconv.encode(text, 'win1252')],
  ] as const) {
    it(`reads every cell of a ${name} file back as written, whatever falls on a piece boundary`, async () => {
      const sheet = await readCsv(bytes, { maxRows: 5_000 });
      assert.deepEqual(sheet.headers, headers);
      assert.equal(sheet.rows.length, rows.length);
      const read = [...sheet.rows];
      assert.deepEqual(
        read.map((row) => row.cells),
        rows,
      );
      // A cell with a new line makes its row two lines of text, but it is one row of the sheet.
      assert.equal(read[0].rowNumber, 2);
      assert.equal(read[2_999].rowNumber, 3_001);
    });
  }

  it('gives the same rows a batch at a time as read whole (for the error report), below a header block too', async () => {
    const block = 'School name,Demo School\nIntroduction text\n\n';
    for (const bytes of [Buffer.from(text, 'utf8'), Buffer.from(`${block}${text}`, 'utf8')]) {
      const limits: ReadLimits = { maxRows: 5_000, headerRow: { required: [['trn']], maxRowsAbove: 5 } };
      const whole = [...(await readCsv(bytes, limits)).rows];
      const batches: number[] = [];
      const read = [];
      for await (const batch of csvRowBatches(bytes, limits, 700)) {
        batches.push(batch.length);
        read.push(...batch);
      }
      assert.deepEqual(batches, [700, 700, 700, 700, 200]);
      assert.deepEqual(read, whole);
    }
  });

  it('ends a batch early when its rows are long, so that each stretch of parsing stays short', async () => {
    const long = 'x'.repeat(30_000);
    const bytes = Buffer.from(csvText([headers, ...Array.from({ length: 50 }, (_, i) => [String(i), long, long])]));
    const sizes: number[] = [];
    for await (const batch of csvRowBatches(bytes, { maxRows: 5_000 }, 1_000)) sizes.push(batch.length);
    assert.equal(
      sizes.reduce((sum, n) => sum + n, 0),
      50,
    );
    // 60,000 characters a row: about 1 MB of text is 18 rows.
    assert.ok(Math.max(...sizes) <= 18, `about 1 MB of text a batch: ${sizes.join(', ')}`);
  });

  it('stops parsing when the reader of batches stops, and refuses what readCsv refuses', async () => {
    const bytes = Buffer.from(text, 'utf8');
    for await (const batch of csvRowBatches(bytes, { maxRows: 5_000 }, 100)) {
      assert.equal(batch[0].rowNumber, 2);
      break;
    }
    await assert.rejects(
      async () => {
        for await (const _ of csvRowBatches(bytes, { maxRows: 1_000 }, 100)) {
        }
      },
      (error) => error instanceof FileRefusal && /more than 1,000 rows/.test(error.message),
    );
  });

  it('sniffs semicolons and tabs, skips blank lines keeping row numbers, and refuses too many rows', async () => {
    const semicolons = await readCsv(
      Buffer.from('TRN;Last name;First names\n\n1234567;Smith;Ann\n;;\n7654321;Jones;Bob\n'),
      LIMITS,
    );
    assert.equal(semicolons.delimiter, ';');
    assert.deepEqual(
      [...semicolons.rows],
      [
        { rowNumber: 3, cells: ['1234567', 'Smith', 'Ann'] },
        { rowNumber: 5, cells: ['7654321', 'Jones', 'Bob'] },
      ],
    );
    const tabs = await readCsv(Buffer.from('TRN\tLast name\tFirst names\r\n1234567\tSmith\tAnn'), LIMITS);
    assert.equal(tabs.delimiter, '\t');
    assert.deepEqual([...tabs.rows], [{ rowNumber: 2, cells: ['1234567', 'Smith', 'Ann'] }]);
    await assert.rejects(
      readCsv(Buffer.from(text), { maxRows: 2_999 }),
      /^FileRefusal: The file has more than 2,999 rows/,
    );
  });

  it('refuses a file with a NUL character anywhere, even far from the start', async () => {
    const bytes = Buffer.concat([Buffer.from(text), Buffer.from('1234567,Smith,\u0000\r\n')]);
    await assert.rejects(readCsv(bytes, { maxRows: 5_000 }), /^FileRefusal: The file is not a CSV or XLSX file/);
  });

  it('keeps rows compactly and gives them back any number of times, however long a row is', () => {
    // 1.5 million characters in one row, each cell within a spreadsheet's limit.
    const long = Array.from({ length: 50 }, (_, i) => String(i).repeat(30_000 / String(i).length));
    const kept = new SheetRows();
    kept.push({ rowNumber: 2, cells: ['a', '', 'Zoë 😀'] });
    kept.push({ rowNumber: 4, cells: [...long, 'b'] });
    kept.push({ rowNumber: 5, cells: ['has\u0000nul'] });
    const expected = [
      { rowNumber: 2, cells: ['a', '', 'Zoë 😀'] },
      { rowNumber: 4, cells: [...long, 'b'] },
      { rowNumber: 5, cells: ['hasnul'] },
    ];
    assert.equal(kept.length, 3);
    assert.deepEqual([...kept], expected);
    assert.deepEqual([...kept], expected, 'a second pass');
    assert.deepEqual([...kept.slice(1, 2)], [expected[1]]);
    assert.deepEqual([...SheetRows.from(kept.parts())], expected, 'rebuilt from its parts, as after a worker thread');
  });

  it('refuses a file with a cell longer than a spreadsheet cell can hold, naming the row', async () => {
    const rows = new SheetRows();
    assert.throws(() => rows.push({ rowNumber: 7, cells: ['ok', 'x'.repeat(32_768)] }), {
      name: 'FileRefusal',
      message: /^Row 7 has a cell longer than 32,767 characters/,
    });
    // A lost closing quote swallows the rest of a CSV into one cell.
    const csv = `a,b\n1,"2\n${'3,4\n'.repeat(10_000)}`;
    await assert.rejects(readSheet(Buffer.from(csv), { maxRows: 100_000 }), {
      name: 'FileRefusal',
      message: /^Row 2 has a cell longer than 32,767 characters.*closing one/,
    });
  });

  it('reads in a worker thread what it reads in the same thread, refusals included', async () => {
    const csv = Buffer.from(
      `Name;Date\r\n${Array.from({ length: 3_000 }, (_, i) => `Zoë ${i};1/2/2025`).join('\r\n')}`,
    );
    const here = await readSheet(csv, { maxRows: 5_000 });
    const there = await readSheetInWorker(csv, { maxRows: 5_000 });
    assert.deepEqual({ ...there, rows: [...there.rows] }, { ...here, rows: [...here.rows] });
    await assert.rejects(readSheetInWorker(csv, { maxRows: 10 }), {
      name: 'FileRefusal',
      message: /more than 10 rows/,
    });
    await assert.rejects(readSheetInWorker(csv, { maxRows: 5_000 }, { timeLimitMs: 1 }), {
      name: 'FileRefusal',
      message: /^The file took too long to read/,
    });
    // A worker ended for its time limit is replaced for the next file.
    assert.equal((await readSheetInWorker(csv, { maxRows: 5_000 })).rows.length, 3_000);
  });

  it('lends a large file’s bytes to the worker and has them back, unchanged, with the rows', async () => {
    const lines = Array.from({ length: 400_000 }, (_, i) => `Learner ${i},${i % 7}/2/2015`);
    const bytes = Buffer.from(`Name,Date\n${lines.join('\n')}\n`);
    const copy = Buffer.from(bytes);
    assert.ok(bytes.length > 8 * 1024 * 1024, 'large enough to be lent');
    const { sheet, bytes: back } = await readSheetLendingBytes(bytes, { maxRows: 500_000 });
    assert.equal(bytes.length, 0, 'lent: the given bytes were moved, not copied');
    assert.ok(Buffer.from(back).equals(copy));
    assert.equal(sheet.rows.length, 400_000);
    assert.deepEqual([...sheet.rows.slice(399_999)][0].cells, ['Learner 399999', '5/2/2015']);
    // A small file is copied as before: the caller's bytes stay as they were.
    const small = Buffer.from('Name,Date\nAmy,1/2/2015\n');
    const { bytes: same } = await readSheetLendingBytes(small, { maxRows: 10 });
    assert.equal(same, small);
  });

  it('streams the same file it writes in one go, in the same encoding and with one byte order mark', async () => {
    for (const options of [
      { delimiter: ';', encoding: 'utf-16le' },
      { delimiter: ',', encoding: 'windows-1252' },
      { delimiter: '\t', encoding: 'utf-8-bom' },
    ] as const) {
      const whole = writeCsv(headers, rows, options);
      const chunks: Buffer[] = [];
      async function* slowly() {
        for (const row of rows) yield row;
      }
      for await (const chunk of streamCsv(headers, slowly(), options)) chunks.push(chunk);
      assert.ok(chunks.length > 10, 'written a piece at a time');
      assert.deepEqual(Buffer.concat(chunks), whole);
    }
    assert.match(
      writeCsv(['=SUM(A1)'], [['+1', '@x', 'plain']]).toString('utf8'),
      /^\uFEFF'=SUM\(A1\)\r\n'\+1,'@x,plain\r\n$/,
    );
  });

  it('writes identifiers Excel would change as text formulas, and reads them back as they were', async () => {
    const cells = ['0012345', '3000100000004', '12345678901234567', '1234567', '100003', '0', '=1+1', '0.5', '-1'];
    const options = { keepIdentifiers: true, above: [['School', '0123']] };
    const file = writeCsv(['ID', 'Other'], [cells, ['00', 'x']], options);
    // Leading zeros, and 12 digits or more, as ="…" (quoted, as CSV quotes a cell with quote marks);
    // shorter numbers as they are; formulas neutralised; the header block and headings untouched.
    assert.equal(
      file.toString('utf8'),
      `\uFEFFSchool,0123\r\nID,Other\r\n"=""0012345""","=""3000100000004""","=""12345678901234567""",1234567,100003,0,'=1+1,0.5,'-1\r\n"=""00""",x\r\n`,
    );
    const chunks: Buffer[] = [];
    for await (const chunk of streamCsv(['ID', 'Other'], [cells, ['00', 'x']], options)) chunks.push(chunk);
    assert.deepEqual(Buffer.concat(chunks), file, 'a report streams the same');

    const read = await readCsv(file, { maxRows: 10, headerRow: { required: [['id']], maxRowsAbove: 2 } });
    assert.deepEqual(read.preamble, [['School', '0123']]);
    assert.deepEqual(
      [...read.rows].map((row) => row.cells),
      [cells, ['00', 'x']],
    );
    // Written unquoted by another system, or left as it was by a spreadsheet that did not run it.
    const theirs = await readCsv(Buffer.from('HUSID,URN\r\n="3000100000004",="012345"\r\n'), { maxRows: 10 });
    assert.deepEqual([...theirs.rows][0].cells, ['3000100000004', '012345']);
    // Without the option (the default), cells are written as they are.
    assert.match(writeCsv(['ID'], [['0012345']]).toString('utf8'), /\r\n0012345\r\n$/);
  });
});

describe('writing XLSX to a stream', () => {
  it('stops asking for rows once the reader has gone', async () => {
    let produced = 0;
    let finished = false;
    async function* endless() {
      try {
        for (;;) {
          produced++;
          yield { cells: [String(produced).padStart(7, '0'), 'some words to compress '.repeat(20)] };
        }
      } finally {
        finished = true;
      }
    }
    const stream = streamXlsx('Recommendations', ['TRN', 'Notes'], endless());
    for await (const _chunk of stream) break; // the first piece, then the reader goes away
    while (!finished) await new Promise((resolve) => setImmediate(resolve));
    const stoppedAt = produced;
    for (let i = 0; i < 100; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(produced, stoppedAt, 'no more rows are made');
  });
});
