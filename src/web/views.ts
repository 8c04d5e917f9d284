// Nunjucks with govuk-frontend's macros. Templates are named from src/web, e.g. "home/views/provider.njk",
// or, for an upload kind's partials, from src/uploads, e.g. "kinds/placements/views/start.njk".
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyView from '@fastify/view';
import type { FastifyInstance } from 'fastify';
import nunjucks from 'nunjucks';
import type { Config } from '../config.ts';

const webDir = path.dirname(fileURLToPath(import.meta.url));
/** Upload kinds keep their own partials: "kinds/<id>/views/start.njk" is found from here. */
const uploadsDir = path.resolve(webDir, '../uploads');
export const govukFrontendDir = path.join(
  path.dirname(createRequire(import.meta.url).resolve('govuk-frontend/package.json')),
  'dist',
);

const DATE_FORMAT = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
});
const TIME_FORMAT = new Intl.DateTimeFormat('en-GB', {
  hour: 'numeric',
  minute: '2-digit',
  hour12: true,
  timeZone: 'Europe/London',
});

/** 31 January 2024 */
export function formatDate(value: Date | string | null | undefined): string {
  return value ? DATE_FORMAT.format(new Date(value)) : '';
}

/** 31 January 2024 at 2:05pm */
export function formatDateTime(value: Date | string | null | undefined): string {
  if (!value) return '';
  const date = new Date(value);
  return `${DATE_FORMAT.format(date)} at ${TIME_FORMAT.format(date).replace(' ', '').toLowerCase()}`;
}

const NUMBER_FORMAT = new Intl.NumberFormat('en-GB');

/** 1,234: whole numbers with thousands separators, as GOV.UK writes them. */
export function formatNumber(value: number | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '';
  const n = Number(value);
  return Number.isFinite(n) ? NUMBER_FORMAT.format(n) : String(value);
}

export async function registerViews(app: FastifyInstance, config: Config): Promise<void> {
  await app.register(fastifyView, {
    engine: { nunjucks },
    templates: [webDir, uploadsDir, govukFrontendDir],
    production: true,
    options: {
      autoescape: true,
      throwOnUndefined: false,
      onConfigure: (env: nunjucks.Environment) => {
        env.addFilter('date', formatDate);
        env.addFilter('dateTime', formatDateTime);
        env.addFilter('number', formatNumber);
        env.addFilter('json', (value: unknown) => JSON.stringify(value));
      },
    },
    defaultContext: {
      serviceName: 'Rollbook',
      govukBranding: config.govukBranding,
      // The "Get help" page and every message that sends people there.
      support: { email: config.supportEmail, hours: config.supportHours },
    },
  });
}
