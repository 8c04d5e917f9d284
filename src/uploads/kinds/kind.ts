// The contract every upload kind fulfils. A kind owns its columns and row rules; the pipeline
// owns reading, staging, counting, reports, states and the commit transaction.
import type { Kysely, Transaction } from 'kysely';
import type { DB, OrganisationType } from '../../db/schema.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import type { ColumnSpec } from '../headers.ts';

export interface UploadContext {
  db: Kysely<DB>;
  actor: Actor;
  /** Today's date in England, yyyy-mm-dd: fixed for the whole upload. */
  today: string;
}

export interface ParsedRow {
  rowNumber: number;
  /** Each known column's cell, trimmed, by column key ('' when the column is absent). */
  cells: Record<string, string>;
  /** Whether the column is in the file at all (an absent column is not a blank cell). */
  has: (key: string) => boolean;
}

export type RowOutcome<Change> = (
  | { outcome: 'change'; change: Change }
  | { outcome: 'skip'; reason: string }
  | { outcome: 'error'; errors: RowError[] }
) & {
  /** The record the row is about, when it found one: with oneRowPerRecord, a second row for it fails both. */
  recordKey?: string;
};

export interface RowError {
  /** The column the error is about (its key), to highlight the cell; none for a whole-row error. */
  column?: string;
  message: string;
}

export interface CommitContext extends UploadContext {
  uploadId: string;
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

export interface UploadKind<Change = unknown, Lookup = unknown> {
  id: string;
  title: string;
  allowedFor: OrganisationType[];
  columns: ColumnSpec[];
  maxRows: number;
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
   * In the commit transaction: the staged rows (upload_rows, outcome 'change') whose records
   * changed since the check, by row number, with why. Set-based: read the staged rows in SQL.
   */
  recheck(tx: Transaction<DB>, ctx: CommitContext): Promise<Map<number, string>>;
  /** In the commit transaction: make every staged change, set-based, with its audit events. */
  apply(tx: Transaction<DB>, ctx: CommitContext & { expected: number }): Promise<void>;
  /** The tables apply() writes: their statistics are refreshed after a large commit. */
  writes: readonly (keyof DB & string)[];
  describe(change: Change): ReviewLine;
  /**
   * Kinds that can be undone: in one transaction, removes exactly what the upload's commit made
   * (set-based, with audit events), unless some of it changed since. Returns why it cannot be
   * undone, one line per record (then the pipeline rolls back and nothing is undone), or [].
   */
  undo?(tx: Transaction<DB>, ctx: CommitContext): Promise<string[]>;
}
