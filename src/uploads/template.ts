// The sheet to download and fill in: the kind's columns, prefilled with its rows.
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import { kindFor } from './pipeline.ts';
import type { ReportFile } from './report.ts';
import { writeCsv } from './sheets/csv.ts';
import type { SheetFormat } from './sheets/sheet.ts';
import { writeXlsx } from './sheets/xlsx.ts';

export async function templateFile(
  db: Kysely<DB>,
  actor: Actor,
  kindId: string,
  format: SheetFormat,
  today: string,
): Promise<ReportFile> {
  const kind = kindFor(actor, kindId);
  const rows = await kind.template({ db, actor, today });
  const headers = kind.columns.map((column) => column.header);
  const name = kind.templateFileName(actor);
  if (format === 'xlsx') {
    return {
      fileName: `${name}.xlsx`,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: await writeXlsx(
        kind.sheetName,
        headers,
        rows.map((cells) => ({ cells })),
      ),
    };
  }
  return { fileName: `${name}.csv`, contentType: 'text/csv; charset=utf-8', body: writeCsv(headers, rows) };
}
