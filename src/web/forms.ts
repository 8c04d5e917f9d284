// Turning rule failures into what the GOV.UK error summary and fields expect.
import { DomainError } from '../domain/errors.ts';
import { ValidationErrors } from '../domain/organisations/users.ts';

export interface FormErrors {
  summary: { text: string; href: string }[];
  fields: Record<string, { text: string }>;
}

export function formErrors(errors: DomainError[], firstFieldId: (field: string) => string = (f) => f): FormErrors {
  const result: FormErrors = { summary: [], fields: {} };
  for (const error of errors) {
    const field = error.field ?? 'form';
    if (result.fields[field]) continue;
    result.fields[field] = { text: error.message };
    result.summary.push({ text: error.message, href: `#${firstFieldId(field)}` });
  }
  return result;
}

/** The form errors a thrown error stands for, or undefined when it is not a broken rule. */
export function errorsFrom(error: unknown, firstFieldId?: (field: string) => string): FormErrors | undefined {
  if (error instanceof ValidationErrors) return formErrors(error.errors, firstFieldId);
  if (error instanceof DomainError) return formErrors([error], firstFieldId);
  return undefined;
}

/** A form field as a string, whatever the body held. */
export function field(body: unknown, name: string): string {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
}

/** ?page=N as a whole number from 1. */
export function pageNumber(query: unknown): number {
  const page = Number(field(query, 'page'));
  return Number.isInteger(page) && page > 0 ? Math.min(page, 100_000) : 1;
}

/** Items for govukPagination, or undefined when one page holds everything. */
export function pagination(page: number, total: number, pageSize: number, href: (page: number) => string) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages === 1) return undefined;
  const shown = [...new Set([1, page - 1, page, page + 1, pages])]
    .filter((p) => p >= 1 && p <= pages)
    .sort((a, b) => a - b);
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = [];
  shown.forEach((p, i) => {
    if (i > 0 && p - shown[i - 1] > 1) items.push({ ellipsis: true });
    items.push({ number: p, href: href(p), current: p === page });
  });
  return {
    items,
    previous: page > 1 ? { href: href(page - 1) } : undefined,
    next: page < pages ? { href: href(page + 1) } : undefined,
  };
}
