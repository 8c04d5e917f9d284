// The shared bulk-upload pipeline, by stage: states.ts (uploads as records), read-file.ts (reading
// a file), store.ts (taking an upload), check.ts, submit.ts, undo.ts, purge.ts. Every kind goes
// through here; a kind only supplies its definition (kinds/kind.ts). This module gathers them for
// the pages, the API and jobs.
export { checkUpload, headerBlockValues, LOOKUP_RETRY_FIRST_MS } from './check.ts';
export { KEEP_UPLOAD_DAYS, purgeOldUploads } from './purge.ts';
export { MAX_FILE_BYTES, type ReadFile, readStoredFile, storedColumns } from './read-file.ts';
export {
  cancelUpload,
  findUpload,
  kindFor,
  listUploads,
  UPLOAD_STATE_NAMES,
  UPLOADS_PAGE_SIZE,
  uploadActor,
} from './states.ts';
export { CHECK_IN_REQUEST_MAX_ROWS, type ReceivedFile, receiveUpload, uploadFileName } from './store.ts';
export { type SubmitResult, submitUpload } from './submit.ts';
// Pages and the API catch it from here.
export { UploadConflict } from './upload-conflict.ts';
