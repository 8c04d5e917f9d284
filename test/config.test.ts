import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration', () => {
  it('defaults to the embedded database with demo data and no GOV.UK branding', () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-config-'));
    const config = loadConfig({ DATA_DIR: dataDir });
    assert.equal(config.port, 3000);
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.demoData, true);
    assert.equal(config.govukBranding, false);
    assert.equal(config.logLevel, 'info');
    // The generated session secret is kept, so sessions survive a restart.
    assert.equal(readFileSync(path.join(dataDir, 'session-secret'), 'utf8').trim(), config.sessionSecret);
    assert.equal(loadConfig({ DATA_DIR: dataDir }).sessionSecret, config.sessionSecret);
  });

  it('turns demo data off and requires a session secret on PostgreSQL', () => {
    assert.throws(() => loadConfig({ DATABASE_URL: 'postgres://localhost/rollbook' }), /SESSION_SECRET is required/);
    const config = loadConfig({ DATABASE_URL: 'postgres://localhost/rollbook', SESSION_SECRET: 'x'.repeat(32) });
    assert.equal(config.demoData, false);
  });

  it('refuses values it cannot use, naming the variable', () => {
    const secret = { SESSION_SECRET: 'x'.repeat(32) };
    assert.throws(() => loadConfig({ ...secret, PORT: 'eighty' }), ConfigError);
    assert.throws(() => loadConfig({ ...secret, DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ ...secret, LOG_LEVEL: 'loud' }), /LOG_LEVEL/);
    assert.throws(() => loadConfig({ ...secret, GOVUK_BRANDING: 'maybe' }), /GOVUK_BRANDING must be true or false/);
    assert.throws(() => loadConfig({ SESSION_SECRET: 'short' }), /at least 32 characters/);
    assert.throws(
      () => loadConfig({ ...secret, SUPPORT_EMAIL: 'help desk' }),
      /SUPPORT_EMAIL must be an email address/,
    );
    assert.throws(() => loadConfig({ ...secret, SUPPORT_HOURS: 'x'.repeat(201) }), /SUPPORT_HOURS/);
  });

  it('has a support email address and opening hours, which a deployment sets', () => {
    const secret = { SESSION_SECRET: 'x'.repeat(32) };
    const defaults = loadConfig(secret);
    assert.equal(defaults.supportEmail, 'support@rollbook.example');
    assert.equal(defaults.supportHours, 'Monday to Friday, 9am to 5pm (except public holidays)');
    const own = loadConfig({
      ...secret,
      SUPPORT_EMAIL: ' help@school.example ',
      SUPPORT_HOURS: 'Weekdays, 8am to 6pm',
    });
    assert.equal(own.supportEmail, 'help@school.example');
    assert.equal(own.supportHours, 'Weekdays, 8am to 6pm');
  });

  it('uses the local teaching record unless told to use its API, which needs an address and a key', () => {
    const secret = { SESSION_SECRET: 'x'.repeat(32) };
    assert.deepEqual(loadConfig(secret).teachingRecord, { kind: 'local' });
    assert.deepEqual(
      loadConfig({
        ...secret,
        TEACHING_RECORD: 'http',
        TEACHING_RECORD_URL: 'https://trs.example',
        TEACHING_RECORD_API_KEY: 'k',
      }).teachingRecord,
      { kind: 'http', url: 'https://trs.example', apiKey: 'k' },
    );
    assert.throws(
      () => loadConfig({ ...secret, TEACHING_RECORD: 'http', TEACHING_RECORD_API_KEY: 'k' }),
      /TEACHING_RECORD_URL/,
    );
    assert.throws(
      () => loadConfig({ ...secret, TEACHING_RECORD: 'http', TEACHING_RECORD_URL: 'https://trs.example' }),
      /TEACHING_RECORD_API_KEY/,
    );
    assert.throws(() => loadConfig({ ...secret, TEACHING_RECORD: 'soap' }), /local or http/);
    assert.equal(loadConfig(secret).inductionFailEmail, 'induction-outcomes@regulator.example');
    assert.throws(() => loadConfig({ ...secret, INDUCTION_FAIL_EMAIL: 'nobody' }), /INDUCTION_FAIL_EMAIL/);
  });
});
