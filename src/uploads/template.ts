// The sheet to download and fill in: the kind's columns, prefilled with its rows, as chosen
// (for kinds that offer a choice of what the template lists).
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { DomainError } from '../domain/errors.ts';
import type { Actor } from '../domain/organisations/actor.ts';
import type { TemplateChoice, TemplateOptions, UploadKind } from './kinds/kind.ts';
import { kindFor } from './pipeline.ts';
import type { ReportFile } from './report.ts';
import { writeCsv } from './sheets/csv.ts';
import type { SheetFormat } from './sheets/sheet.ts';
import { writeXlsx, type XlsxAboveRow } from './sheets/xlsx.ts';

/** Whether a choice is asked, given the answers to the others. */
export function choiceApplies(choice: TemplateChoice, options: TemplateOptions): boolean {
  return !choice.when || options[choice.when.name] === choice.when.value;
}

/**
 * The template options from a query (or form): each choice's value, its first option when not
 * given. A value that is not one of the options is refused, naming the choice and what is valid.
 */
export async function templateOptions(
  db: Kysely<DB>,
  actor: Actor,
  kind: UploadKind,
  given: Record<string, unknown>,
  today: string,
): Promise<{ choices: TemplateChoice[]; options: TemplateOptions }> {
  const choices = (await kind.templateChoices?.({ db, actor, today })) ?? [];
  const options: TemplateOptions = {};
  for (const choice of choices) {
    if (!choiceApplies(choice, options)) continue;
    const raw = given[choice.name];
    const value = typeof raw === 'string' && raw !== '' ? raw : undefined;
    if (value === undefined) {
      if (choice.options.length === 0) {
        throw new DomainError(`${choice.label}: there is nothing to choose from yet`, choice.name);
      }
      options[choice.name] = choice.options[0].value;
    } else if (choice.options.some((option) => option.value === value)) {
      options[choice.name] = value;
    } else {
      const valid = choice.options.map((option) => option.value).join(', ');
      throw new DomainError(`${choice.name} must be one of: ${valid}`, choice.name);
    }
  }
  return { choices, options };
}

export async function templateFile(
  db: Kysely<DB>,
  actor: Actor,
  kindId: string,
  format: SheetFormat,
  today: string,
  given: Record<string, unknown> = {},
): Promise<ReportFile> {
  const kind = kindFor(actor, kindId);
  const { options } = await templateOptions(db, actor, kind, given, today);
  const ctx = { db, actor, today };
  const freeHeaders = (await kind.templateFreeHeaders?.(ctx)) ?? [];
  const rows = await kind.template(ctx, options);
  const headers = [...kind.columns.map((column) => column.header), ...freeHeaders];
  const name = kind.templateFileName(actor, options);
  // A header block: each label with its value (as far as the kind knows it), then room for text.
  const values = kind.headerBlock ? ((await kind.templateHeaderBlock?.(ctx)) ?? {}) : {};
  const above = kind.headerBlock ? [...kind.headerBlock.labels.map((label) => [label, values[label] ?? '']), []] : [];
  if (format === 'xlsx') {
    // Examples of the free columns' headings, in grey, over the first ones without a heading.
    const examples = kind.templateExamples;
    const exampleRow: XlsxAboveRow[] = [];
    if (examples) {
      const cells = Array.from({ length: headers.length + examples.examples.length }, () => '');
      cells[0] = examples.caption;
      examples.examples.forEach((example, i) => {
        cells[headers.length + i] = example;
      });
      exampleRow.push({
        cells,
        muted: examples.examples.map((_, i) => headers.length + i),
      });
    }
    return {
      fileName: `${name}.xlsx`,
      contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      body: await writeXlsx(
        kind.sheetName,
        headers,
        rows.map((cells) => ({ cells })),
        { above: [...above, ...exampleRow] },
      ),
    };
  }
  return {
    fileName: `${name}.csv`,
    contentType: 'text/csv; charset=utf-8',
    // Long identifiers and leading zeros as text formulas, so that Excel keeps them (csv.ts).
    body: writeCsv(headers, rows, { above, keepIdentifiers: true }),
  };
}
