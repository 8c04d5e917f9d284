// The one place that reads process.env. Everything else receives a Config.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  port: number;
  /** The interface to listen on: localhost by default; 0.0.0.0 in a container. */
  host: string;
  /** postgres://… for PostgreSQL; undefined for embedded PGlite in dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  demoData: boolean;
  sessionSecret: string;
  logLevel: LogLevel;
  govukBranding: boolean;
  /** The address people use to reach the service, for links in emails and the CLI. */
  baseUrl: string;
  /**
   * Believe X-Forwarded-For for the client's address (behind a load balancer). Off by default:
   * otherwise anyone could pick their own address and dodge the per-address sign-in throttle.
   */
  trustProxy: boolean;
  /** Where people write for help, shown on the "Get help" page and wherever a page sends them there. */
  supportEmail: string;
  /** When the support team answers, in words: "Monday to Friday, 9am to 5pm". */
  supportHours: string;
  /**
   * The Teaching Record System: `local` (teachers in Rollbook's own tables, the default) or `http`
   * (its API at url, with key), for finding ECTs and sending their induction status.
   */
  teachingRecord: { kind: 'local' } | { kind: 'http'; url: string; apiKey: string };
  /** Who is emailed when an appropriate body records a failed induction (the regulator). */
  inductionFailEmail: string;
}

export const DEFAULT_SUPPORT_EMAIL = 'support@rollbook.example';
export const DEFAULT_SUPPORT_HOURS = 'Monday to Friday, 9am to 5pm (except public holidays)';

export const DEFAULT_INDUCTION_FAIL_EMAIL = 'induction-outcomes@regulator.example';

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseBoolean(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, not "${value}"`);
}

/** Reads a session secret kept in the data directory, making one on first start. */
function embeddedSessionSecret(dataDir: string): string {
  const file = path.join(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Env = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`PORT must be a whole number from 0 to 65535, not "${env.PORT}"`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const dataDir = path.resolve(env.DATA_DIR || '.data');
  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  let sessionSecret = env.SESSION_SECRET;
  if (!sessionSecret) {
    if (databaseUrl) throw new ConfigError('SESSION_SECRET is required when DATABASE_URL is set');
    sessionSecret = embeddedSessionSecret(dataDir);
  }
  if (sessionSecret.length < 32) throw new ConfigError('SESSION_SECRET must be at least 32 characters');
  const supportEmail = (env.SUPPORT_EMAIL || DEFAULT_SUPPORT_EMAIL).trim();
  if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(supportEmail) || supportEmail.length > 254) {
    throw new ConfigError(
      `SUPPORT_EMAIL must be an email address, like support@example.com, not "${env.SUPPORT_EMAIL}"`,
    );
  }
  const supportHours = (env.SUPPORT_HOURS || DEFAULT_SUPPORT_HOURS).trim();
  if (supportHours.length > 200) throw new ConfigError('SUPPORT_HOURS must be 200 characters or fewer');
  const recordKind = (env.TEACHING_RECORD || 'local').trim();
  let teachingRecord: Config['teachingRecord'] = { kind: 'local' };
  if (recordKind === 'http') {
    const url = (env.TEACHING_RECORD_URL ?? '').trim();
    const apiKey = (env.TEACHING_RECORD_API_KEY ?? '').trim();
    if (!/^https?:\/\//.test(url)) {
      throw new ConfigError('TEACHING_RECORD_URL must be the API’s address, starting http:// or https://');
    }
    if (!apiKey) throw new ConfigError('TEACHING_RECORD_API_KEY is required when TEACHING_RECORD is http');
    teachingRecord = { kind: 'http', url, apiKey };
  } else if (recordKind !== 'local') {
    throw new ConfigError(`TEACHING_RECORD must be local or http, not "${recordKind}"`);
  }
  const inductionFailEmail = (env.INDUCTION_FAIL_EMAIL || DEFAULT_INDUCTION_FAIL_EMAIL).trim();
  if (!/^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$/.test(inductionFailEmail)) {
    throw new ConfigError(`INDUCTION_FAIL_EMAIL must be an email address, not "${env.INDUCTION_FAIL_EMAIL}"`);
  }
  return {
    port,
    host: env.HOST || 'localhost',
    databaseUrl,
    dataDir,
    demoData: parseBoolean('DEMO_DATA', env.DEMO_DATA, !databaseUrl),
    sessionSecret,
    logLevel,
    govukBranding: parseBoolean('GOVUK_BRANDING', env.GOVUK_BRANDING, false),
    baseUrl: (env.BASE_URL || `http://localhost:${port}`).replace(/\/$/, ''),
    trustProxy: parseBoolean('TRUST_PROXY', env.TRUST_PROXY, false),
    supportEmail,
    supportHours,
    teachingRecord,
    inductionFailEmail,
  };
}
