// The upload pages of one kind, as a user goes through them (a page object): the start page and its
// template, choosing and uploading a file, the summary's counts and errors, the error report, a
// fixed file uploaded again, the review, submitting, cancelling and undoing. Every page reached is
// checked for its path, heading and axe violations (expectPage). See docs/testing.md.
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { chooseFile, type DownloadedFile, download, expectPage, pathOf, textOf } from './pages.ts';
import { Sheet } from './sheet.ts';

/** What differs between kinds' upload pages. */
export interface UploadKindPages {
  /** The start page's path: `/bulk/<kind id>`. */
  start: string;
  /** The start page's heading, which every upload page of the kind has as its caption. */
  title: string;
  /** The review page's heading. */
  reviewHeading: string;
  /** The summary's three sentences (the kind's count labels), to check their wording as well as their numbers. */
  counts?: { change(n: number): string; skip(n: number): string; error(n: number): string };
}

/** A file as the browser sends it. */
export interface FileToUpload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

export interface Counts {
  change: number;
  skip: number;
  error: number;
}

const UPLOAD_PAGE = /^\/uploads\/([0-9a-f-]{36})$/;
const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');

export class UploadPages {
  readonly page: Page;
  readonly kind: UploadKindPages;

  constructor(page: Page, kind: UploadKindPages) {
    this.page = page;
    this.kind = kind;
  }

  /** The id of the upload whose page (or one of its pages) is showing. */
  get uploadId(): string {
    const id = /^\/uploads\/([0-9a-f-]{36})(\/|$|\?)/.exec(pathOf(this.page))?.[1];
    assert.ok(id, `${pathOf(this.page)} is an upload's page`);
    return id;
  }

  /** Checks the start page is showing (after following a link to it). */
  async expectStartPage() {
    await expectPage(this.page, { path: this.kind.start, heading: this.kind.title });
  }

  /** Goes to the start page by its address. */
  async openStartPage() {
    await this.page.goto(this.kind.start);
    await this.expectStartPage();
  }

  /** A link, or a button of the start page's form, by its name. */
  private control(name: string): Locator {
    return this.page.getByRole('link', { name, exact: true }).or(this.page.getByRole('button', { name, exact: true }));
  }

  /** Downloads the template (or prefilled sheet) as CSV from the start page. */
  async downloadTemplate(name = 'Download the sheet as CSV'): Promise<Sheet> {
    return Sheet.read(await download(this.page, this.control(name)));
  }

  /** Downloads the template as an Excel workbook from the start page (checked to be a zip, as XLSX is). */
  async downloadWorkbook(name = 'Download the sheet as an Excel workbook (XLSX)'): Promise<DownloadedFile> {
    const workbook = await download(this.page, this.control(name));
    assert.equal(workbook.bytes.subarray(0, 2).toString(), 'PK', 'a zip, as an XLSX file is');
    return workbook;
  }

  /** Chooses a file in the upload form labelled so, without sending it. */
  async chooseFile(file: FileToUpload, label = 'Upload a file') {
    await chooseFile(this.page, label, file);
  }

  /**
   * Chooses the file in the form labelled so and sends it: the summary of the new upload shows,
   * naming the file. Returns the new upload's id.
   */
  async upload(file: FileToUpload, { label = 'Upload a file' }: { label?: string } = {}): Promise<string> {
    await this.chooseFile(file, label);
    await this.page.getByRole('button', { name: 'Upload and check the file' }).click();
    await expectPage(this.page, { path: UPLOAD_PAGE, heading: 'Your file has been checked' });
    assert.match(await textOf(this.page.locator('.govuk-summary-list')), new RegExp(`File ${escapeRegExp(file.name)}`));
    return this.uploadId;
  }

  /** Uploads a fixed file (often the error report, fixed) from the summary of an upload with errors. */
  async reupload(file: FileToUpload): Promise<string> {
    const before = this.uploadId;
    const id = await this.upload(file, { label: 'Upload a fixed file' });
    assert.notEqual(id, before, 'the fixed file is a new upload');
    return id;
  }

  /** The summary's three counts, read from its sentences (each starts with its number). */
  async counts(): Promise<Counts & { sentences: string[] }> {
    const items = this.page.locator('main p:has-text("Rollbook checked") + ul > li');
    const sentences = (await items.allTextContents()).map((text) => text.replace(/\s+/g, ' ').trim());
    assert.equal(sentences.length, 3, `the summary has three counts: ${sentences.join(' | ')}`);
    const [change, skip, error] = sentences.map((sentence) => {
      const n = /^([\d,]+) /.exec(sentence)?.[1];
      assert.ok(n, `“${sentence}” starts with its number`);
      return Number(n.replace(/,/g, ''));
    });
    return { change, skip, error, sentences };
  }

  /** The summary's counts are these, worded as the kind words them when it says how. */
  async expectCounts(expected: Counts) {
    const { sentences, ...counts } = await this.counts();
    assert.deepEqual(counts, expected);
    const wording = this.kind.counts;
    if (wording) {
      assert.deepEqual(sentences, [
        wording.change(expected.change),
        wording.skip(expected.skip),
        wording.error(expected.error),
      ]);
    }
  }

  /** The errors listed on the summary (a few are, as well as in the report): row, column, value, message. */
  async errorsListed(): Promise<string[][]> {
    const table = this.page.getByRole('table', { name: /^Errors in ‘/ });
    const rows = await table.getByRole('row').all();
    return Promise.all(rows.slice(1).map(async (row) => row.getByRole('cell').allTextContents()));
  }

  /**
   * Downloads the error report from the summary: the file as uploaded, named after it with
   * "-checked", with "Validation result" and "Errors" added at the end.
   */
  async downloadErrorReport(uploadedName: string): Promise<Sheet> {
    const file = await download(this.page, this.page.getByRole('link', { name: 'Download the error report' }));
    assert.equal(file.fileName, uploadedName.replace(/\.csv$/, '-checked.csv'));
    const report = Sheet.read(file);
    assert.deepEqual(report.headers.slice(-2), ['Validation result', 'Errors']);
    return report;
  }

  /** From the summary to the review: "Continue", or "Continue without the rows with errors". */
  async continueToReview({ withoutErrors = false }: { withoutErrors?: boolean } = {}) {
    const id = this.uploadId;
    if (withoutErrors) {
      await this.page.getByRole('button', { name: 'Continue without the rows with errors' }).click();
    } else {
      await this.page.getByRole('button', { name: 'Continue', exact: true }).click();
    }
    await expectPage(this.page, {
      path: `/uploads/${id}/review${withoutErrors ? '?skipErrors=true' : ''}`,
      heading: this.kind.reviewHeading,
    });
  }

  /** Submits the reviewed upload with the review's button: the confirmation shows, with its heading. */
  async submit(button: string, confirmation: string | RegExp) {
    const id = this.uploadId;
    await this.page.getByRole('button', { name: button }).click();
    await expectPage(this.page, { path: `/uploads/${id}/done`, heading: confirmation });
  }

  /**
   * Cancels the upload from its summary or review, after confirming: back on the start page, whose
   * banner it returns.
   */
  async cancel(): Promise<string> {
    const id = this.uploadId;
    await this.page.getByRole('link', { name: 'Cancel this upload' }).click();
    await expectPage(this.page, {
      path: `/uploads/${id}/cancel`,
      heading: 'Are you sure you want to cancel this upload?',
    });
    await this.page.getByRole('button', { name: 'Yes, cancel the upload' }).click();
    await this.expectStartPage();
    return textOf(this.page.locator('.govuk-notification-banner--success'));
  }

  /**
   * Undoes a submitted upload from its page, after confirming. Returns what the confirmation page
   * said would be removed; the upload's page then says it was undone.
   */
  async undo(): Promise<{ confirmation: string; banner: string }> {
    const id = this.uploadId;
    await this.page.getByRole('button', { name: 'Undo this upload' }).click();
    await expectPage(this.page, {
      path: `/uploads/${id}/undo`,
      heading: 'Are you sure you want to undo this upload?',
    });
    const confirmation = await textOf(this.page.locator('main'));
    await this.page.getByRole('button', { name: 'Yes, undo the upload' }).click();
    await expectPage(this.page, { path: `/uploads/${id}`, heading: 'Upload undone' });
    return { confirmation, banner: await textOf(this.page.locator('.govuk-notification-banner--success')) };
  }

  /** The list of uploads, from the navigation, and the text of the row of the upload of a file. */
  async uploadsRow(fileName: string): Promise<string> {
    await this.page.getByRole('navigation').getByRole('link', { name: 'Uploads' }).click();
    await expectPage(this.page, { path: '/uploads', heading: 'Uploads' });
    return this.rowOf(fileName);
  }

  /** On the list of uploads: the text of the row of the upload of a file. */
  rowOf(fileName: string): Promise<string> {
    const link = this.page.getByRole('link', { name: fileName, exact: true });
    return textOf(this.page.getByRole('row').filter({ has: link }));
  }
}
