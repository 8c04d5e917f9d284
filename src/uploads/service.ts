// The uploads service: the pipeline's round trip bound once to the database, the job queue, the
// outside systems kinds may look things up in, and the clock, so that pages, the API and jobs all
// take an upload, check it, submit it, cancel or undo it the same way, by actor and id only.
import type { Database } from '../db/database.ts';
import { today as todayInEngland } from '../domain/dates.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { checkUpload, headerBlockValues } from './check.ts';
import type { LookupAdapters } from './kinds/kind.ts';
import { streamErrorReport } from './report.ts';
import { reviewChanges } from './review.ts';
import type { SheetFormat } from './sheets/sheet.ts';
import { cancelUpload, findUpload, kindFor, listUploads } from './states.ts';
import { type ReceivedFile, receiveUpload } from './store.ts';
import { submitUpload } from './submit.ts';
import { templateFile, templateOptions } from './template.ts';
import { undoUpload } from './undo.ts';

/** What the service asks of the job queue (src/jobs/jobs.ts). */
export interface UploadJobs {
  /** Check an upload in the background. */
  checkUpload(uploadId: string): Promise<void>;
  /** Start the work that follows a submission of this kind (its afterSubmit). */
  uploadSubmitted(kindId: string): Promise<void>;
  /** Start the work that follows an undo of this kind (its afterUndo). */
  uploadUndone(kindId: string): Promise<void>;
}

export interface UploadsDependencies {
  database: Database;
  /** Without it, every file is checked in the request and nothing follows a submission. */
  jobs?: UploadJobs;
  /** The outside systems kinds may declare in `uses`. */
  adapters?: Partial<LookupAdapters>;
  /** Today's date in England, yyyy-mm-dd. */
  today?: () => string;
  /** Where a failure that does not fail the request is reported. */
  log?: (message: string, error: unknown) => void;
}

export function createUploads({
  database,
  jobs,
  adapters = {},
  today = todayInEngland,
  log = () => {},
}: UploadsDependencies) {
  const { db } = database;
  return {
    kindFor,
    find: (actor: Actor, id: string) => findUpload(db, actor, id),
    list: (actor: Actor, query: { kind?: string; state?: string; page: number }) => listUploads(db, actor, query),
    templateOptions: (actor: Actor, kindId: string, given: Record<string, unknown>) =>
      templateOptions(db, actor, kindFor(actor, kindId), given, today()),
    template: (actor: Actor, kindId: string, format: SheetFormat, given: Record<string, unknown> = {}) =>
      templateFile(db, actor, kindId, format, today(), given),
    /** Takes a file: refused (nothing stored), or recorded and checked, here or in the background. */
    receive: (
      actor: Actor,
      kindId: string,
      file: ReceivedFile,
      { via, headerBlock }: { via?: string; headerBlock?: Record<string, string> } = {},
    ) =>
      receiveUpload(database, actor, kindId, file, today(), {
        checkLater: jobs ? (id) => jobs.checkUpload(id) : undefined,
        via,
        headerBlock,
      }),
    /** Checks a received upload (what the background job does). */
    check: (actor: Actor, id: string, { heartbeatEveryMs }: { heartbeatEveryMs?: number } = {}) =>
      checkUpload(database, actor, id, today(), undefined, { adapters, heartbeatEveryMs }),
    review: (actor: Actor, id: string, options?: { linesPerGroup?: number }) => reviewChanges(db, actor, id, options),
    /** What the kind's review page shows beyond the changes (a preview of one record), if anything. */
    reviewExtras: async (actor: Actor, id: string, query: Record<string, unknown>) => {
      const upload = await findUpload(db, actor, id);
      const kind = kindFor(actor, upload.kind);
      if (!kind.review) return {};
      const headerBlock = kind.headerBlock
        ? headerBlockValues(kind.headerBlock, Array.isArray(upload.preamble) ? (upload.preamble as string[][]) : [])
        : undefined;
      return kind.review(db, { db, actor, today: today(), uploadId: id, headerBlock, options: {} }, query);
    },
    report: (actor: Actor, id: string) => streamErrorReport(database, actor, id),
    /**
     * Submits a checked upload. The work that follows it is started once the submission stands; if
     * starting it fails, the submission still stands and the job queue's own sweep picks it up.
     */
    submit: (
      actor: Actor,
      id: string,
      { skipErrors, via, options }: { skipErrors: boolean; via?: string; options?: Record<string, unknown> },
    ) =>
      submitUpload(database, actor, id, {
        skipErrors,
        options,
        today: today(),
        afterSubmit: jobs
          ? (kindId) =>
              jobs.uploadSubmitted(kindId).catch((error) => log('starting work after a submission failed', error))
          : undefined,
        via,
      }),
    /** Cancels an upload (replaced by a newer one, when `replacedBy` names it). */
    cancel: (actor: Actor, id: string, { via, replacedBy }: { via?: string; replacedBy?: string } = {}) =>
      cancelUpload(db, actor, id, via, { replacedBy }),
    /** Undoes an upload; the work that follows an undo is started once the undo stands, like a submission's. */
    undo: (actor: Actor, id: string, { via }: { via?: string } = {}) =>
      undoUpload(database, actor, id, {
        via,
        afterUndo: jobs
          ? (kindId) => jobs.uploadUndone(kindId).catch((error) => log('starting work after an undo failed', error))
          : undefined,
      }),
  };
}

export type Uploads = ReturnType<typeof createUploads>;
