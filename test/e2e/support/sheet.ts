// A CSV sheet in a browser journey, as the user sees it in a spreadsheet: a heading row and rows of
// cells, read from a download and written back as a file to upload (keeping a byte order mark).
import assert from 'node:assert/strict';
import { csvFile, readCsv } from '../../support/csv.ts';
import type { DownloadedFile } from './pages.ts';

export const BOM = '\uFEFF';

export class Sheet {
  readonly headers: string[];
  readonly rows: string[][];
  /** The name the browser saved it under, when it was downloaded. */
  readonly fileName: string | undefined;
  private readonly bom: boolean;

  constructor(headers: string[], rows: string[][], bom: boolean, fileName?: string) {
    this.headers = headers;
    this.rows = rows;
    this.bom = bom;
    this.fileName = fileName;
  }

  static read(file: DownloadedFile): Sheet {
    const bom = file.bytes.toString('utf8', 0, 3) === BOM;
    const [headers, ...rows] = readCsv(file.bytes);
    return new Sheet(headers, rows, bom, file.fileName);
  }

  column(header: string): number {
    const index = this.headers.indexOf(header);
    assert.notEqual(index, -1, `the sheet has a "${header}" column`);
    return index;
  }

  cell(row: string[], header: string): string {
    return row[this.column(header)];
  }

  set(row: string[], header: string, value: string) {
    row[this.column(header)] = value;
  }

  /** The row for a TRN. */
  find(trn: string): string[] {
    const row = this.rows.find((r) => this.cell(r, 'TRN') === trn);
    assert.ok(row, `the sheet has a row for TRN ${trn}`);
    return row;
  }

  toFile(name: string) {
    const text = csvFile([this.headers, ...this.rows]);
    return { name, mimeType: 'text/csv', buffer: Buffer.concat([Buffer.from(this.bom ? BOM : ''), text]) };
  }
}
