// The contract every upload kind fulfils, and defineKind, which each kind's folder calls. A kind
// owns its columns, row rules, wording and follow-up; the pipeline owns reading, staging,
// counting, reports, states and the submission transaction, and derives pages, home cards, the API's
// list of kinds and job follow-ups from the registry (index.ts).
import type { Kysely, Transaction } from 'kysely';
import type { DB, OrganisationType } from '../../db/schema.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import type { TeachingRecord } from '../../domain/ports/teaching-record.ts';
import type { CellValue } from '../cells/types.ts';
import type { ColumnSpec, FreeColumns } from '../headers.ts';

export interface UploadContext {
  db: Kysely<DB>;
  actor: Actor;
  /** Today's date in England, yyyy-mm-dd: fixed for the whole upload. */
  today: string;
  /** The file's header block, for a kind that has one. */
  headerBlock?: HeaderBlockValues;
  /** The outside systems the kind declared in `uses`, when checking. */
  adapters?: Partial<LookupAdapters>;
}

export interface ParsedRow {
  rowNumber: number;
  /** Each known column's cell, trimmed, by column key ('' when the column is absent). */
  cells: Record<string, string>;
  /**
   * Each typed column's value, parsed by its type (see cells/types.ts); undefined when the cell
   * is empty or does not parse (the pipeline reports that itself).
   */
  values: Record<string, CellValue | undefined>;
  /** Whether the column is in the file at all (an absent column is not a blank cell). */
  has: (key: string) => boolean;
}

/** Rows above the header row: label/value rows, then rows of free text. */
export interface HeaderBlock {
  /** The labels of the label/value rows (label in the first cell, value in the second), in order. */
  labels: string[];
  /** How many rows of free text may follow them (each in its first cell). */
  textRows: number;
}

export interface HeaderBlockValues {
  /** Each label's value as the file gives it ('' when absent), by label. */
  values: Record<string, string>;
  /** The free-text rows, in order. */
  text: string[];
}

/** Outside systems a kind's lookup may use; the kind names those it needs in `uses`. */
export interface LookupAdapters {
  teachingRecord: TeachingRecord;
}

/**
 * An outside lookup failed for a passing reason (a timeout, a refused connection, a 5xx): the
 * upload waits and its check is tried again later. Thrown by a kind's prepare.
 */
export class LookupUnavailable extends Error {
  /** Who did not answer, as users know it ("the Teaching Record System"). */
  readonly system: string;
  constructor(system: string, cause?: unknown) {
    super(`${system} did not answer`);
    this.name = 'LookupUnavailable';
    this.system = system;
    this.cause = cause;
  }
}

export type RowOutcome<Change> = (
  | { outcome: 'change'; change: Change }
  | { outcome: 'skip'; reason: string }
  | { outcome: 'error'; errors: RowError[] }
) & {
  /** The record the row is about, when it found one: with oneRowPerRecord, a second row for it fails both. */
  recordKey?: string;
  /**
   * Notes that do not fail the row (a cell Rollbook could not check, say): the error report shows
   * each in its Errors column as "Warning: …", and the summary page lists them.
   */
  warnings?: RowError[];
};

export interface RowError {
  /** The column the error is about (its key), to highlight the cell; none for a whole-row error. */
  column?: string;
  message: string;
}

export interface SubmitContext extends UploadContext {
  uploadId: string;
  /** The answers to the kind's submit choice (submitChoice), as parsed, when submitting. */
  options?: SubmitOptions;
}

/** The answers to a kind's choice on the submit step (say, when to publish), by name. */
export type SubmitOptions = Record<string, string>;

/**
 * A choice the user makes when submitting (publish now or at a later time): asked on the review
 * page (the kind's pages.submitPartial renders its fields inside the submit form) and accepted
 * by the API in the submit body.
 */
export interface SubmitChoice {
  /** Reads the choice from a form or an API body; throws DomainError, naming the field, when it is not valid. */
  parse(given: Record<string, unknown>, ctx: UploadContext): SubmitOptions;
  /** The API's body properties for it, as JSON Schema (merged into the submit request's schema). */
  apiProperties: Record<string, unknown>;
}

export interface ReviewLine {
  /** Lines are grouped under this heading on the review page. */
  group: string;
  title: string;
  details: string[];
}

export interface CountLabels {
  change: (n: number) => string;
  skip: (n: number) => string;
  error: (n: number) => string;
}

/** The answers to a kind's template choices, by choice name (as given in a query string). */
export type TemplateOptions = Record<string, string>;

/**
 * A choice of what the prefilled template lists, offered on the start page (radios, or a select
 * revealed under one radio) and as query parameters of the template download and the API.
 */
export interface TemplateChoice {
  /** The query parameter. */
  name: string;
  label: string;
  /** The first option is the default. */
  options: { value: string; text: string; hint?: string }[];
  /** Asked only when another choice has this value (a year, once "trainees of a year" is chosen). */
  when?: { name: string; value: string };
}

/** What the generic upload pages say for a kind, beyond its title, columns and count labels. */
export interface KindPages {
  /** The start page's count of the records the prefilled sheet lists. */
  templateCount(n: number): string;
  /** Heading of the review page. */
  reviewTitle: string;
  /** The review page's confirm button. */
  submitButton(n: number): string;
  /** The confirmation panel's heading. */
  doneTitle(n: number): string;
  /** Short names for the counts on the list of uploads: changes to make, made, skipped rows, rows in error. */
  countHeadings: { change: string; changed: string; skip: string; error: string };
  /** Where the user goes to see the records once submitted. */
  recordsLink?: { href: string; text: string };
  /**
   * Longer passages, as Nunjucks partials in the kind's folder (views/start.njk, views/done.njk),
   * named for the page that includes them, e.g. "kinds/placements/views/start.njk".
   */
  partials?: string;
  /**
   * Partials of the review page, in the kind's folder: one shown above the submit form (given
   * what the kind's review() returns, as `review`), one inside it (the submit choice's fields).
   */
  reviewPartial?: string;
  submitPartial?: string;
}

/** The kind's card on its organisations' home page. */
export interface KindCard {
  /** The card's title, when shorter than the kind's. */
  title?: string;
  description: string;
  /** Cards are shown in this order among the organisation's other tasks (lower first). */
  order: number;
}

/** Work a submitted upload starts: a job queue and what to send it. */
export interface AfterSubmit {
  queue: string;
  payload?: Record<string, unknown>;
}

/** A kind as its folder defines it: typed by the changes it stages and the lookup it prepares. */
export interface KindDefinition<Change, Lookup> {
  id: string;
  title: string;
  /** For the API's documentation: what the template lists and what a row of the sheet does. */
  apiDescription?: string;
  allowedFor: OrganisationType[];
  columns: ColumnSpec[];
  /** Columns each file may name itself (a school's own fields), after the fixed ones. */
  freeColumns?: FreeColumns;
  /** Rows above the header row: written into templates and error reports, read into ctx.headerBlock. */
  headerBlock?: HeaderBlock;
  /** The header block of a template, label by label (say, the school's name). */
  templateHeaderBlock?(ctx: UploadContext): Promise<Record<string, string>>;
  /**
   * File-level rules of the header block (it names another school, say): a message refuses the
   * file, and nothing is stored.
   */
  checkHeaderBlock?(block: HeaderBlockValues, ctx: UploadContext): Promise<string | undefined>;
  /** The free columns' headings a template starts with (a school's own fields from its last upload). */
  templateFreeHeaders?(ctx: UploadContext): Promise<string[]>;
  /**
   * For XLSX templates: a row just above the heading row, starting with `caption` (which the
   * kind's header block ignores), with `examples` of free columns' headings in grey over the
   * first free columns that have no heading yet. A template uploaded as it is reads the same.
   */
  templateExamples?: { caption: string; examples: string[] };
  /** Outside systems the kind's prepare looks things up in. */
  uses?: (keyof LookupAdapters)[];
  /**
   * Where files are checked: small ones while the user waits and large ones in the background
   * (the default), or always in the background (a kind that uses an outside system).
   */
  checkIn?: 'request-or-background' | 'background';
  /** The most data rows a file may have. */
  maxRows: number;
  /**
   * The largest file taken, in bytes: DEFAULT_MAX_FILE_BYTES (50 MB) unless the kind's files are
   * larger by nature (a school's data, a row per learner with its own fields).
   */
  maxFileBytes?: number;
  /** The file must have at least one of these columns (keys), e.g. a TRN or a trainee ID. */
  requiredOneOf?: string[];
  /** A record may appear in one row only. */
  oneRowPerRecord: boolean;
  /** The worksheet name in templates; an XLSX upload prefers a sheet of this name. */
  sheetName: string;
  countLabels: CountLabels;
  templateFileName(actor: Actor, options: TemplateOptions): string;
  /** What the template can list, when there is a choice; options are checked against these. */
  templateChoices?(ctx: UploadContext): Promise<TemplateChoice[]>;
  /** The rows of the (prefilled or blank) template, in column order. */
  template(ctx: UploadContext, options: TemplateOptions): Promise<string[][]>;
  /** How many rows the template has, without building it (for the start page). */
  templateRowCount(ctx: UploadContext, options: TemplateOptions): Promise<number>;
  /**
   * Set-based lookups for the whole file: never a query per row. The rows come asynchronously,
   * so that reading 100,000 of them lets other requests in along the way.
   */
  prepare(ctx: UploadContext, rows: AsyncIterable<ParsedRow>): Promise<Lookup>;
  /**
   * The outcome of one row. Pure, except that a kind whose records may take several rows may note
   * in its lookup what earlier rows added (rows are checked in file order), to skip repeats.
   */
  check(row: ParsedRow, lookup: Lookup, ctx: UploadContext): RowOutcome<Change>;
  /**
   * Rules across rows that the one-row-per-record rule does not cover (the same trainee added in
   * two rows, say), run once every row is staged: set-based, in SQL over the staged rows (outcome
   * 'change'), so no row's outcome is kept in memory for it. The rows it names fail with these
   * errors (and so no longer count for the one-row-per-record rule).
   */
  checkStaged?(db: Kysely<DB>, ctx: UploadContext & { uploadId: string }): Promise<Map<number, RowError[]>>;
  /**
   * In the submission transaction: the staged rows (upload_rows, outcome 'change') whose records
   * changed since the check, by row number, with why. Set-based: read the staged rows in SQL.
   */
  recheck(tx: Transaction<DB>, ctx: SubmitContext): Promise<Map<number, string>>;
  /** In the submission transaction: make every staged change, set-based, with its audit events. */
  apply(tx: Transaction<DB>, ctx: SubmitContext & { expected: number }): Promise<void>;
  /** The tables apply() writes: their statistics are refreshed after a large submission. */
  writes: readonly (keyof DB & string)[];
  describe(change: Change): ReviewLine;
  /**
   * Kinds that can be undone: in one transaction, removes exactly what the upload's submission made
   * (set-based, with audit events), unless some of it changed since. Returns why it cannot be
   * undone, one line per record (then the pipeline rolls back and nothing is undone), or [].
   */
  undo?(tx: Transaction<DB>, ctx: SubmitContext): Promise<string[]>;
  /**
   * Kinds that can be undone: what undoing would remove now, for the confirmation page, as a
   * phrase ("7 placements of 4 trainees").
   */
  undoPreview?(db: Kysely<DB>, ctx: SubmitContext): Promise<string>;
  /** A choice on the submit step; its answers reach apply() as ctx.options. */
  submitChoice?: SubmitChoice;
  /**
   * What the review page shows beyond the list of changes (a preview of one record, chosen by
   * the query), for pages.reviewPartial.
   */
  review?(db: Kysely<DB>, ctx: SubmitContext, query: Record<string, unknown>): Promise<Record<string, unknown>>;
  /**
   * What the kind kept only so that its uploads could be undone, deleted once they no longer can:
   * run with the uploads' purge.
   */
  forgetAfterUndo?(db: Kysely<DB>, now: Date): Promise<void>;
  pages: KindPages;
  /** A card on the home page of the organisations it is for; none for a kind reached from another page. */
  card?: KindCard;
  afterSubmit?: AfterSubmit;
  /** Work an undone upload starts (telling an outside system what the undo changed), like afterSubmit. */
  afterUndo?: AfterSubmit;
}

/** A kind's check of one row, its lookup inside. */
export type RowCheck = (row: ParsedRow) => RowOutcome<unknown>;

/**
 * A kind as the pipeline, pages and API use it, whatever its Change and Lookup: the lookup stays
 * inside the checker that prepare made, and staged changes are described by the kind that staged them.
 */
export interface UploadKind extends Omit<KindDefinition<unknown, unknown>, 'prepare' | 'check' | 'describe'> {
  /** Runs the kind's one lookup for the whole file, then gives the check of one row against it. */
  startCheck(ctx: UploadContext, rows: AsyncIterable<ParsedRow>): Promise<RowCheck>;
  /** The review line of a change this kind staged (read back from upload_rows). */
  describe(staged: unknown): ReviewLine;
}

/** The largest file a kind takes unless it says otherwise. */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;

/** The largest file this kind takes. */
export function maxFileBytesOf(kind: Pick<UploadKind, 'maxFileBytes'>): number {
  return kind.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
}

/** A size in MB as limits are told to users: "50 MB". */
export function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 / 1024)} MB`;
}

/** What refuses a file over a kind's limit: one message on the pages, in the pipeline and the API. */
export function fileTooLargeMessage(maxBytes: number): string {
  return `The file is larger than ${megabytes(maxBytes)}. Split it into smaller files and upload each one`;
}

export function defineKind<Change, Lookup>(definition: KindDefinition<Change, Lookup>): UploadKind {
  const { prepare, check, describe, ...rest } = definition;
  return {
    ...rest,
    async startCheck(ctx, rows) {
      const lookup = await prepare(ctx, rows);
      return (row) => check(row, lookup, ctx);
    },
    // The JSON this kind's own check staged for the row: a Change, read back.
    describe: (staged) => describe(staged as Change),
  };
}
