// The review page's reading of an upload: its staged changes, described and grouped by the kind,
// read in pages of rows so a large upload is never loaded in one query. Read-only.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import type { ReviewLine } from './kinds/kind.ts';
import { findUpload, kindFor } from './pipeline.ts';

export interface ReviewGroup {
  name: string;
  /** Every change in the group. */
  total: number;
  /** The first lines of the group, in file order: at most linesPerGroup. */
  lines: ReviewLine[];
}

export async function reviewChanges(
  db: Kysely<DB>,
  actor: Actor,
  uploadId: string,
  { linesPerGroup = 200, pageSize = 5000 }: { linesPerGroup?: number; pageSize?: number } = {},
): Promise<{ groups: ReviewGroup[]; total: number }> {
  const upload = await findUpload(db, actor, uploadId);
  const kind = kindFor(actor, upload.kind);
  const groups = new Map<string, ReviewGroup>();
  let total = 0;
  let after = 0;
  for (;;) {
    const rows = await db
      .selectFrom('upload_rows')
      .select(['row_number', 'change'])
      .where('upload_id', '=', upload.id)
      .where('outcome', '=', 'change')
      .where('row_number', '>', after)
      .orderBy('row_number')
      .limit(pageSize)
      .execute();
    for (const row of rows) {
      const line = kind.describe(row.change);
      let group = groups.get(line.group);
      if (!group) {
        group = { name: line.group, total: 0, lines: [] };
        groups.set(line.group, group);
      }
      group.total++;
      total++;
      if (group.lines.length < linesPerGroup) group.lines.push(line);
    }
    if (rows.length < pageSize) break;
    after = rows[rows.length - 1].row_number;
  }
  return { groups: [...groups.values()].sort((a, b) => a.name.localeCompare(b.name, 'en-GB')), total };
}
