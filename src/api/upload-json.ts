// An upload as the API shows it: camelCase keys, ISO 8601 times.
import type { Upload } from '../db/schema.ts';

export interface UploadJson {
  id: string;
  kind: string;
  state: Upload['state'];
  fileName: string;
  fileFormat: Upload['file_format'];
  createdAt: string;
  checkedAt: string | null;
  submittedAt: string | null;
  undoneAt: string | null;
  counts: { rows: number; changes: number; skipped: number; errors: number };
  unknownColumns: string[];
  failureMessage: string | null;
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

export function uploadJson(upload: Upload): UploadJson {
  return {
    id: upload.id,
    kind: upload.kind,
    state: upload.state,
    fileName: upload.file_name,
    fileFormat: upload.file_format,
    createdAt: new Date(upload.created_at).toISOString(),
    checkedAt: iso(upload.checked_at),
    submittedAt: iso(upload.submitted_at),
    undoneAt: iso(upload.undone_at),
    counts: {
      rows: upload.row_count,
      changes: upload.change_count,
      skipped: upload.skip_count,
      errors: upload.error_count,
    },
    unknownColumns: Array.isArray(upload.unknown_columns) ? (upload.unknown_columns as string[]) : [],
    failureMessage: upload.failure_message,
  };
}
