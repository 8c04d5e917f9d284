// A CSV sheet in a browser journey, as the user sees it in a spreadsheet: a heading row and rows of
// cells, read from a download and written back as a file to upload (keeping a byte order mark).
import assert from 'node:assert/strict';
import Papa from 'papaparse';
import type { DownloadedFile } from './pages.ts';

export const BOM = '\uFEFF';

export class Sheet {
  readonly headers: string[];
  readonly rows: string[][];
  private readonly bom: boolean;

  constructor(headers: string[], rows: string[][], bom: boolean) {
    this.headers = headers;
    this.rows = rows;
    this.bom = bom;
  }

  static read(file: DownloadedFile): Sheet {
    const text = file.bytes.toString('utf8');
    const bom = text.startsWith(BOM);
    const [headers, ...rows] = Papa.parse<string[]>(bom ? text.slice(1) : text, { skipEmptyLines: true }).data;
    return new Sheet(headers, rows, bom);
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
    const text = Papa.unparse([this.headers, ...this.rows]);
    return { name, mimeType: 'text/csv', buffer: Buffer.from(`${this.bom ? BOM : ''}${text}`, 'utf8') };
  }
}
