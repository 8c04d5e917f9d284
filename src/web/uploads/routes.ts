// The upload journey every kind shares: start page and template downloads → upload → summary
// with counts → error report, fix or skip → review → submit → confirmation; the list of uploads;
// cancelling. Pages are for the actor's organisation only: another organisation's upload is a 404.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/database.ts';
import type { Upload, UploadState } from '../../db/schema.ts';
import { today } from '../../domain/dates.ts';
import { DomainError, NotFoundError } from '../../domain/errors.ts';
import type { Actor } from '../../domain/organisations/actor.ts';
import { allKinds, findKind, kindsLike } from '../../uploads/kinds/index.ts';
import { maxFileBytesOf, type UploadKind } from '../../uploads/kinds/kind.ts';
import { kindFor, UPLOAD_STATE_NAMES, UPLOADS_PAGE_SIZE, UploadConflict } from '../../uploads/pipeline.ts';
import {
  attachmentHeader,
  type ReportFile,
  type ReportStream,
  SHORT_LIST_ROWS,
  shortList,
} from '../../uploads/report.ts';
import type { Uploads } from '../../uploads/service.ts';
import { FileRefusal } from '../../uploads/sheets/sheet.ts';
import { UndoBlocked, undoability } from '../../uploads/undo.ts';
import { errorsFrom, type FormErrors, field, formErrors, pageNumber, pagination } from '../forms.ts';
import { actorOf, requireActor } from '../guards.ts';
import { closeIfBodyUnread } from '../request-body.ts';
import type { UploadsInFlight } from '../uploads-in-flight.ts';
import { kindLink } from './kind-link.ts';
import { type ChosenFile, chosenFile, registerUploadForm } from './upload-form.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** On /uploads/:id pages: the upload and its kind (see the preHandler in uploadRoutes). */
    loadedUpload: { upload: Upload; kind: UploadKind } | null;
  }
}

/** The upload a /uploads/:id page is about, loaded by the preHandler. */
function loaded(request: FastifyRequest): { upload: Upload; kind: UploadKind } {
  if (!request.loadedUpload) throw new NotFoundError('Upload');
  return request.loadedUpload;
}

const VIEW = 'uploads/views';

/** The review page lists all changes in one list up to this many, and in an accordion by group above it. */
const ACCORDION_FROM = 26;
/** The most lines the review page shows in one group. */
const LINES_PER_GROUP = 200;

const STATE_TAG_COLOURS: Record<UploadState, string> = {
  received: 'govuk-tag--grey',
  checking: 'govuk-tag--grey',
  waiting: 'govuk-tag--yellow',
  checked: 'govuk-tag--blue',
  submitting: 'govuk-tag--light-blue',
  submitted: 'govuk-tag--green',
  cancelled: 'govuk-tag--yellow',
  failed: 'govuk-tag--red',
  undone: 'govuk-tag--orange',
};

const SUMMARY_TITLES: Record<UploadState, string> = {
  received: 'Your file is being checked',
  checking: 'Your file is being checked',
  waiting: 'Your file is waiting to be checked',
  checked: 'Your file has been checked',
  submitting: 'Your upload is being submitted',
  submitted: 'Upload submitted',
  cancelled: 'Upload cancelled',
  failed: 'Your file could not be checked',
  undone: 'Upload undone',
};

type Params = { Params: { kind: string } };
type IdParams = { Params: { id: string } };

/** A download: the browser saves it under its own name rather than showing it. */
function sendAttachment(reply: FastifyReply, file: ReportFile | ReportStream) {
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', attachmentHeader(file.fileName))
    .header('cache-control', 'no-store')
    .send(file.body);
}

function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${Number((bytes / 1024 / 1024).toFixed(1))} MB`;
}

function fileErrors(message: string): FormErrors {
  return formErrors([new DomainError(message, 'file')]);
}

/** What every page about one upload shows of it; `replacedByName`: the file of the upload that replaced it. */
function describeUpload(upload: Upload, kind: UploadKind, replacedByName?: string | null) {
  const unknown = (upload.unknown_columns as string[] | null) ?? [];
  const replacedBy =
    upload.state === 'cancelled' && upload.replaced_by && replacedByName
      ? { href: `/uploads/${upload.replaced_by}`, fileName: replacedByName }
      : undefined;
  return {
    id: upload.id,
    kindId: kind.id,
    fileName: upload.file_name,
    fileSize: fileSize(upload.file_size),
    createdAt: upload.created_at,
    submittedAt: upload.submitted_at,
    endedAt: upload.ended_at,
    state: upload.state,
    stateName: replacedBy ? 'Replaced' : UPLOAD_STATE_NAMES[upload.state],
    stateTag: STATE_TAG_COLOURS[upload.state],
    /** The upload of the fixed file that replaced this one: pages say "Replaced by <file>", not "Cancelled". */
    replacedBy,
    rows: upload.row_count,
    rowsChecked: upload.rows_checked,
    changes: upload.change_count,
    skips: upload.skip_count,
    errors: upload.error_count,
    warnings: upload.warning_count,
    counts: {
      change: kind.countLabels.change(upload.change_count),
      skip: kind.countLabels.skip(upload.skip_count),
      error: kind.countLabels.error(upload.error_count),
    },
    unknownColumns: unknown,
    failureMessage: upload.failure_message,
    purged: Boolean(upload.purged_at),
    summaryHref: `/uploads/${upload.id}`,
    startHref: `/bulk/${kind.id}`,
    undoneAt: upload.undone_at,
    undo: undoView(upload, kind),
  };
}

/** What the pages say about undoing an upload: only for kinds that can be undone. */
function undoView(upload: Upload, kind: UploadKind) {
  if (!kind.undo || !['submitted', 'undone'].includes(upload.state)) return undefined;
  const able = undoability(upload, kind);
  return able.can ? { can: true, until: able.until } : { can: false, message: able.message };
}

export interface UploadRoutesOptions {
  database: Database;
  /** The uploads service, as the API and the jobs use it. */
  uploads: Uploads;
  /** Counts uploads in progress; without it, none are counted. */
  uploadsInFlight?: UploadsInFlight;
}

export async function uploadRoutes(app: FastifyInstance, { database, uploads, uploadsInFlight }: UploadRoutesOptions) {
  const db = database.db;

  // Read a posted file only for someone who may post it: not for a stranger, nor for an
  // organisation the kind is not for.
  app.addHook('onRequest', async (request, reply) => {
    if (request.method !== 'POST' || !request.headers['content-type']?.startsWith('multipart/')) return;
    if (!request.session?.actor) return requireActor(request, reply);
    const kind = (request.params as { kind?: string }).kind;
    if (kind) kindFor(request.session.actor, kind);
    const refusal = uploadsInFlight?.enter(request, reply, `user ${request.session.actor.userId}`);
    if (refusal) {
      reply.code(429).header('retry-after', '60');
      closeIfBodyUnread(request, reply);
      return reply.viewAsync('layout/views/error.njk', {
        title: 'Too many uploads at once',
        paragraphs: [`${refusal}.`],
      });
    }
  });
  await registerUploadForm(app);
  app.addHook('preHandler', requireActor);
  // Every page about one upload gets it (only the actor's organisation's) and its kind, loaded once.
  app.decorateRequest('loadedUpload', null);
  app.addHook('preHandler', async (request) => {
    const id = (request.params as { id?: unknown }).id;
    if (typeof id !== 'string' || !request.routeOptions.url?.startsWith('/uploads/:id')) return;
    const actor = actorOf(request);
    const upload = await uploads.find(actor, id);
    request.loadedUpload = { upload, kind: kindFor(actor, upload.kind) };
  });

  async function startPage(
    reply: FastifyReply,
    actor: Actor,
    kind: UploadKind,
    { errors, chosen, given = {} }: { errors?: FormErrors; chosen?: ChosenFile; given?: Record<string, unknown> } = {},
  ) {
    const pages = kind.pages;
    const ctx = { db, actor, today: today() };
    const { choices, options } = await uploads.templateOptions(actor, kind.id, {});
    const eligible = await kind.templateRowCount(ctx, options);
    const chosenOptions = { ...options, ...Object.fromEntries(Object.entries(given).map(([k, v]) => [k, String(v)])) };
    return reply.viewAsync(`${VIEW}/start.njk`, {
      kind,
      pages,
      templateCount: pages.templateCount(eligible),
      // Other ways to add the same records, by their cards.
      otherKinds: kindsLike(kind, actor.organisation.type).map(kindLink),
      choices,
      options: chosenOptions,
      maxFileSize: fileSize(maxFileBytesOf(kind)),
      chosen,
      backLink: '/',
      ...(errors ? { errors } : {}),
    });
  }

  /** The file name of the upload that replaced another (the actor's organisation's only). */
  async function replacementName(actor: Actor, id: string): Promise<string | undefined> {
    try {
      return (await uploads.find(actor, id)).file_name;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  async function summaryPage(
    reply: FastifyReply,
    actor: Actor,
    upload: Upload,
    { errors, chosen, changed }: { errors?: FormErrors; chosen?: ChosenFile; changed?: number } = {},
  ) {
    const kind = kindFor(actor, upload.kind);
    const pages = kind.pages;
    let shownErrors = errors;
    if (!shownErrors && changed && upload.state === 'checked') {
      const records = changed === 1 ? '1 record has' : `${changed.toLocaleString('en-GB')} records have`;
      shownErrors = {
        summary: [
          {
            text: `${records} changed since the file was checked, so ${changed === 1 ? 'its row is' : 'their rows are'} now errors. Download the error report, then continue without the rows with errors or upload the file again`,
            href: '#what-next',
          },
        ],
        fields: {},
      };
    }
    // A few errors (or warnings) are listed on the page itself, as well as in the report.
    const checked = upload.state === 'checked' && !upload.purged_at;
    const [errorList, warningList, replacedByName] = await Promise.all([
      checked && upload.error_count > 0 && upload.error_count <= SHORT_LIST_ROWS
        ? shortList(db, upload, 'errors')
        : undefined,
      checked && upload.warning_count > 0 && upload.warning_count <= SHORT_LIST_ROWS
        ? shortList(db, upload, 'warnings')
        : undefined,
      upload.replaced_by ? replacementName(actor, upload.replaced_by) : undefined,
    ]);
    const uploadView = describeUpload(upload, kind, replacedByName);
    return reply.viewAsync(`${VIEW}/summary.njk`, {
      kind,
      pages,
      title: uploadView.replacedBy ? 'Upload replaced' : SUMMARY_TITLES[upload.state],
      upload: uploadView,
      errorList,
      warningList,
      maxFileSize: fileSize(maxFileBytesOf(kind)),
      chosen,
      backLink: upload.state === 'checked' ? `/bulk/${kind.id}` : '/uploads',
      ...(shownErrors ? { errors: shownErrors } : {}),
    });
  }

  // --- Start: the explanation, the template and the upload form ---

  app.get<Params>('/bulk/:kind', async (request, reply) => {
    const actor = actorOf(request);
    return startPage(reply, actor, kindFor(actor, request.params.kind));
  });

  app.get<Params>('/bulk/:kind/guidance', async (request, reply) => {
    const kind = kindFor(actorOf(request), request.params.kind);
    const oneOf = kind.requiredOneOf ?? [];
    const headerOf = (key: string) => kind.columns.find((c) => c.key === key)?.header ?? key;
    return reply.viewAsync(`${VIEW}/guidance.njk`, {
      kind,
      backLink: `/bulk/${kind.id}`,
      columns: kind.columns.map((column) => ({
        header: column.header,
        aliases: column.aliases ?? [],
        hint: column.hint,
        required: column.required
          ? 'Yes'
          : oneOf.includes(column.key)
            ? `This or ${oneOf
                .filter((k) => k !== column.key)
                .map((k) => `“${headerOf(k)}”`)
                .join(' or ')}`
            : 'No',
      })),
      hasDates: kind.columns.some((c) => /date/i.test(c.key)),
      maxRows: kind.maxRows.toLocaleString('en-GB'),
      maxFileSize: fileSize(maxFileBytesOf(kind)),
    });
  });

  for (const format of ['csv', 'xlsx'] as const) {
    app.get<Params>(`/bulk/:kind/template.${format}`, async (request, reply) => {
      const actor = actorOf(request);
      const kind = kindFor(actor, request.params.kind);
      const given = (request.query ?? {}) as Record<string, unknown>;
      try {
        return sendAttachment(reply, await uploads.template(actor, kind.id, format, given));
      } catch (error) {
        const errors = errorsFrom(error);
        if (!errors) throw error;
        reply.code(400);
        return startPage(reply, actor, kind, { errors, given });
      }
    });
  }

  app.post<Params>('/bulk/:kind', async (request, reply) => {
    const actor = actorOf(request);
    const kind = kindFor(actor, request.params.kind);
    const replacesId = field(request.body, 'replaces');
    const replaces = replacesId ? await uploads.find(actor, replacesId) : undefined;
    if (replaces && replaces.kind !== kind.id) throw new NotFoundError('Upload');
    const refuse = async (message: string, chosen?: ChosenFile) => {
      reply.code(chosen ? 422 : 400);
      return replaces?.state === 'checked'
        ? summaryPage(reply, actor, replaces, { errors: fileErrors(message), chosen })
        : startPage(reply, actor, kind, { errors: fileErrors(message), chosen });
    };
    const file = chosenFile(request.body);
    if (!file) return refuse('Select a CSV or XLSX file');
    let upload: Upload;
    try {
      // A kind's header block may be typed on the start page, for a file that has none at the top.
      const headerBlock = Object.fromEntries(
        (kind.headerBlock?.labels ?? []).map((label) => [label, field(request.body, label)]),
      );
      upload = await uploads.receive(actor, kind.id, file, { headerBlock });
    } catch (error) {
      if (error instanceof FileRefusal) return refuse(error.message, file);
      throw error;
    }
    if (replaces && replaces.id !== upload.id) {
      try {
        await uploads.cancel(actor, replaces.id, { replacedBy: upload.id });
      } catch (error) {
        // Submitted meanwhile (in another tab): it stays submitted, and the new file stands alone.
        if (!(error instanceof UploadConflict)) throw error;
      }
    }
    return reply.redirect(`/uploads/${upload.id}`, 303);
  });

  // --- The organisation's uploads ---

  app.get('/uploads', async (request, reply) => {
    const actor = actorOf(request);
    const page = pageNumber(request.query);
    const { uploads: listed, total } = await uploads.list(actor, { page });
    return reply.viewAsync(`${VIEW}/list.njk`, {
      total,
      backLink: '/',
      uploads: listed.flatMap((upload) => {
        const kind = findKind(upload.kind);
        if (!kind) return [];
        const headings = kind.pages.countHeadings;
        const n = (count: number) => count.toLocaleString('en-GB');
        return [
          {
            ...describeUpload(upload, kind, upload.replaced_by_name),
            kindTitle: kind.title,
            uploadedBy: upload.uploaded_by_name ?? 'Unknown',
            counts: [
              // An undone upload did make its changes (its state says they were reversed).
              `${upload.state === 'submitted' || upload.state === 'undone' ? headings.changed : headings.change}: ${n(upload.change_count)}`,
              `${headings.skip}: ${n(upload.skip_count)}`,
              `${headings.error}: ${n(upload.error_count)}`,
            ],
          },
        ];
      }),
      startLinks: allKinds()
        .filter((kind) => kind.allowedFor.includes(actor.organisation.type))
        .map((kind) => ({ href: `/bulk/${kind.id}`, text: kind.title })),
      pagination: pagination(page, total, UPLOADS_PAGE_SIZE, (p) => (p === 1 ? '/uploads' : `/uploads?page=${p}`)),
    });
  });

  // --- One upload ---

  app.get<IdParams>('/uploads/:id', async (request, reply) => {
    const actor = actorOf(request);
    const { upload } = loaded(request);
    const changed = Number(field(request.query, 'changed'));
    return summaryPage(reply, actor, upload, {
      changed: Number.isInteger(changed) && changed > 0 ? changed : undefined,
    });
  });

  app.get<IdParams>('/uploads/:id/report', async (request, reply) => {
    return sendAttachment(reply, await uploads.report(actorOf(request), request.params.id));
  });

  /** The review page: the changes, what the kind adds (a preview), and the submit form with its choice. */
  async function reviewPage(
    request: FastifyRequest,
    reply: FastifyReply,
    { skipErrors, errors, values = {} }: { skipErrors: boolean; errors?: FormErrors; values?: Record<string, unknown> },
  ) {
    const actor = actorOf(request);
    const { upload, kind } = loaded(request);
    const { groups, total } = await uploads.review(actor, upload.id, { linesPerGroup: LINES_PER_GROUP });
    const review = kind.review
      ? await uploads.reviewExtras(actor, upload.id, request.query as Record<string, unknown>)
      : {};
    const pages = kind.pages;
    return reply.viewAsync(`${VIEW}/review.njk`, {
      kind,
      pages,
      title: pages.reviewTitle,
      upload: describeUpload(upload, kind),
      groups: groups.map((group) => ({ ...group, more: group.total - group.lines.length })),
      total,
      accordion: total >= ACCORDION_FROM && groups.length > 0,
      submitButton: pages.submitButton(total),
      skipErrors,
      review,
      values,
      ...(errors ? { errors } : {}),
      backLink: `/uploads/${upload.id}`,
    });
  }

  app.get<IdParams>('/uploads/:id/review', async (request, reply) => {
    const { upload } = loaded(request);
    const skipErrors = field(request.query, 'skipErrors') === 'true';
    if (upload.state === 'submitted') return reply.redirect(`/uploads/${upload.id}/done`, 303);
    if (upload.state !== 'checked' || upload.change_count === 0 || (upload.error_count > 0 && !skipErrors)) {
      return reply.redirect(`/uploads/${upload.id}`, 303);
    }
    return reviewPage(request, reply, { skipErrors });
  });

  app.post<IdParams>('/uploads/:id/submit', async (request, reply) => {
    const actor = actorOf(request);
    const { upload, kind } = loaded(request);
    const skipErrors = field(request.body, 'skipErrors') === 'true';
    const options =
      kind.submitChoice && request.body && typeof request.body === 'object'
        ? (request.body as Record<string, unknown>)
        : {};
    try {
      const result = await uploads.submit(actor, upload.id, { skipErrors, options });
      if (result.state === 'submitted') return reply.redirect(`/uploads/${upload.id}/done`, 303);
      return reply.redirect(`/uploads/${upload.id}?changed=${result.stale}`, 303);
    } catch (error) {
      // The submit choice's answer is not valid: the review page again, with the error.
      const choiceErrors = error instanceof DomainError ? errorsFrom(error) : undefined;
      if (choiceErrors && upload.state === 'checked') {
        reply.code(400);
        return reviewPage(request, reply, { skipErrors, errors: choiceErrors, values: options });
      }
      if (!(error instanceof UploadConflict)) throw error;
      reply.code(409);
      return summaryPage(reply, actor, await uploads.find(actor, upload.id), {
        errors: { summary: [{ text: error.message, href: '#what-next' }], fields: {} },
      });
    }
  });

  app.get<IdParams>('/uploads/:id/done', async (request, reply) => {
    const { upload, kind } = loaded(request);
    if (upload.state !== 'submitted') return reply.redirect(`/uploads/${upload.id}`, 303);
    const pages = kind.pages;
    return reply.viewAsync(`${VIEW}/done.njk`, {
      kind,
      pages,
      title: pages.doneTitle(upload.change_count),
      upload: describeUpload(upload, kind),
    });
  });

  // --- Cancelling ---

  const cancellable = (upload: Upload) =>
    ['received', 'checking', 'waiting', 'checked', 'failed'].includes(upload.state);

  async function cancelPage(reply: FastifyReply, actor: Actor, upload: Upload, errors?: FormErrors) {
    const kind = kindFor(actor, upload.kind);
    return reply.viewAsync(`${VIEW}/cancel.njk`, {
      kind,
      upload: describeUpload(upload, kind),
      backLink: `/uploads/${upload.id}`,
      ...(errors ? { errors } : {}),
    });
  }

  app.get<IdParams>('/uploads/:id/cancel', async (request, reply) => {
    const actor = actorOf(request);
    const { upload } = loaded(request);
    if (!cancellable(upload)) return reply.redirect(`/uploads/${upload.id}`, 303);
    return cancelPage(reply, actor, upload);
  });

  app.post<IdParams>('/uploads/:id/cancel', async (request, reply) => {
    const actor = actorOf(request);
    const { upload } = loaded(request);
    try {
      await uploads.cancel(actor, upload.id);
    } catch (error) {
      if (!(error instanceof UploadConflict)) throw error;
      reply.code(409);
      return cancelPage(reply, actor, await uploads.find(actor, upload.id), {
        summary: [{ text: error.message, href: '#cancel' }],
        fields: {},
      });
    }
    await reply.setFlash({ success: `You cancelled the upload of ‘${upload.file_name}’. Nothing was changed` });
    return reply.redirect(`/bulk/${upload.kind}`, 303);
  });

  // --- Undoing a submitted upload (kinds that can be undone, for 7 days) ---

  async function undoPage(
    reply: FastifyReply,
    actor: Actor,
    upload: Upload,
    { errors, reasons }: { errors?: FormErrors; reasons?: string[] } = {},
  ) {
    const kind = kindFor(actor, upload.kind);
    const able = upload.state === 'submitted' && !reasons;
    // What undoing would remove, counted now: a record changed or removed since is not counted.
    const removes = able ? await kind.undoPreview?.(db, { db, actor, today: today(), uploadId: upload.id }) : undefined;
    return reply.viewAsync(`${VIEW}/undo.njk`, {
      kind,
      pages: kind.pages,
      upload: describeUpload(upload, kind),
      removes,
      reasons,
      backLink: `/uploads/${upload.id}`,
      ...(errors ? { errors } : {}),
    });
  }

  app.get<IdParams>('/uploads/:id/undo', async (request, reply) => {
    const actor = actorOf(request);
    const { upload, kind } = loaded(request);
    // Nothing to confirm: the summary page says why it cannot be undone.
    if (!undoability(upload, kind).can) return reply.redirect(`/uploads/${upload.id}`, 303);
    return undoPage(reply, actor, upload);
  });

  app.post<IdParams>('/uploads/:id/undo', async (request, reply) => {
    const actor = actorOf(request);
    const { upload } = loaded(request);
    try {
      await uploads.undo(actor, upload.id);
    } catch (error) {
      if (!(error instanceof UploadConflict)) throw error;
      reply.code(409);
      return undoPage(reply, actor, await uploads.find(actor, upload.id), {
        errors: {
          summary: [{ text: error.message, href: error instanceof UndoBlocked ? '#changed-since' : '#undo' }],
          fields: {},
        },
        reasons: error instanceof UndoBlocked ? error.reasons : undefined,
      });
    }
    await reply.setFlash({
      success: `You undid the upload of ‘${upload.file_name}’. Everything it added has been removed`,
    });
    return reply.redirect(`/uploads/${upload.id}`, 303);
  });
}
