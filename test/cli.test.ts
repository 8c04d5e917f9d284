import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import iconv from 'iconv-lite';
import { apiRoutes } from '../src/api/routes.ts';
import { runCli } from '../src/cli.ts';
import { type Config, loadConfig } from '../src/config.ts';
import type { Database } from '../src/db/database.ts';
import { findActorByToken } from '../src/domain/organisations/api-tokens.ts';
import { hashToken, verifyPassword } from '../src/domain/organisations/passwords.ts';
import { findUserBySetupToken } from '../src/domain/organisations/users.ts';
import { localAccounts } from '../src/integrations/sign-in/local-accounts.ts';
import { createUploads } from '../src/uploads/service.ts';
import { testDatabase, testDatabaseUrl } from './support/database.ts';

const BASE_URL = 'https://rollbook.example';
const config: Config = loadConfig({ SESSION_SECRET: 's'.repeat(32), BASE_URL, DATA_DIR: tmpdir() });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HEADER =
  'URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (code),' +
  'TypeOfEstablishment (name),EstablishmentStatus (code),EstablishmentStatus (name),PhaseOfEducation (code),' +
  'PhaseOfEducation (name),Street,Town,Postcode,UKPRN';

function giasRow(urn: string, name: string, extra: { postcode?: string; phase?: string; ukprn?: string } = {}) {
  const phase = extra.phase ?? 'Primary';
  return [
    urn,
    '881',
    'Northshire',
    '2001',
    name.includes(',') ? `"${name}"` : name,
    '2',
    'Community school',
    '1',
    'Open',
    phase === 'Primary' ? '2' : '4',
    phase,
    '1 School Lane',
    'Ashby Vale',
    extra.postcode ?? 'ls1 4ab',
    extra.ukprn ?? '',
  ].join(',');
}

interface Run {
  code: number;
  out: string;
  err: string;
}

describe('the operator command line', () => {
  let database: Database;
  let dir: string;
  const file = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    return file;
  };
  const cli = async (...argv: string[]): Promise<Run> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, {
      database,
      config,
      out: (line) => out.push(line),
      err: (line) => err.push(line),
    });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };
  const organisationCount = async () =>
    Number(
      (
        await database.db
          .selectFrom('organisations')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const school = (urn: string) =>
    database.db.selectFrom('schools').selectAll().where('urn', '=', urn).executeTakeFirst();

  before(async () => {
    database = await testDatabase();
    dir = mkdtempSync(path.join(tmpdir(), 'rollbook-cli-'));
  });
  after(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('help', () => {
    it('prints the usage for help, and for a command’s help', async () => {
      const run = await cli('help');
      assert.equal(run.code, 0);
      assert.match(run.out, /Usage: npm run cli -- <command>/);
      for (const command of ['create-organisation', 'create-user', 'create-token', 'import-schools', 'demo-data']) {
        assert.match(run.out, new RegExp(`^ {2}${command} `, 'm'));
      }
      const commandHelp = await cli('create-user', '--help');
      assert.equal(commandHelp.code, 0);
      assert.match(commandHelp.out, /--org REF/);
      assert.equal((await cli('help', 'import-schools')).code, 0);
    });

    it('prints the usage with exit code 2 for no command or an unknown one', async () => {
      const none = await cli();
      assert.equal(none.code, 2);
      assert.match(none.err, /Usage:/);
      const unknown = await cli('make-coffee');
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /Unknown command "make-coffee"/);
      assert.match(unknown.err, /Usage:/);
      assert.equal((await cli('constructor')).code, 2);
    });
  });

  describe('import-schools', () => {
    it('inserts schools, then updates them on a second run, keeping leading zeros', async () => {
      const csv = file(
        'schools.csv',
        [
          HEADER,
          giasRow('000123', 'Zero Lane Primary School', { ukprn: '10012345' }),
          giasRow('100001', 'Rollbook Test Primary School'),
          giasRow('100002', 'Hill Top Academy, Upper Site', { phase: 'Secondary', postcode: 'NR21 1DX' }),
          '',
        ].join('\r\n'),
      );
      const first = await cli('import-schools', csv);
      assert.equal(first.code, 0, first.err);
      assert.match(first.out, /inserted: 3\b/);
      assert.match(first.out, /updated: +0\b/);
      assert.match(first.out, /skipped: +0 rows/);
      assert.match(first.out, /Took \d+\.\d seconds/);
      const zero = await school('000123');
      assert.equal(zero?.name, 'Zero Lane Primary School');
      assert.equal(zero?.ukprn, '10012345');
      assert.equal(zero?.postcode, 'LS1 4AB');
      assert.equal((await school('100002'))?.name, 'Hill Top Academy, Upper Site');

      const renamed = file(
        'schools-2.csv',
        [
          HEADER,
          giasRow('000123', 'Zero Lane Primary School'),
          giasRow('100001', 'Rollbook Test Primary School'),
          giasRow('100002', 'Hill Top Academy', { phase: 'Secondary' }),
          giasRow('100003', 'New Free School'),
        ].join('\n'),
      );
      const second = await cli('import-schools', renamed);
      assert.equal(second.code, 0, second.err);
      assert.match(second.out, /inserted: 1\b/);
      assert.match(second.out, /updated: +3\b/);
      assert.equal((await school('100002'))?.name, 'Hill Top Academy');
      assert.equal((await school('000123'))?.ukprn, null);
    });

    it('reads a file saved by Excel in Windows-1252', async () => {
      const csv = file(
        'windows.csv',
        iconv.encode(`${HEADER}\r\n${giasRow('100004', 'École Saint-Jérôme')}\r\n`, 'win1252'),
      );
      const run = await cli('import-schools', csv);
      assert.equal(run.code, 0, run.err);
      assert.equal((await school('100004'))?.name, 'École Saint-Jérôme');
    });

    it('skips rows with problems, naming their line numbers, and imports the rest', async () => {
      const csv = file(
        'problems.csv',
        [
          HEADER,
          giasRow('100010', 'Good School'),
          giasRow('12345', 'Short URN School'),
          giasRow('100011', ''),
          giasRow('100010', 'Good School Again'),
          giasRow('100012', 'Another Good School'),
        ].join('\n'),
      );
      const run = await cli('import-schools', csv);
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /inserted: 2\b/);
      assert.match(run.out, /skipped: +3 rows/);
      assert.match(run.out, /Line 3: URN "12345" is not 6 digits/);
      assert.match(run.out, /Line 4: URN 100011 has no EstablishmentName/);
      assert.match(run.out, /Line 5: URN 100010 appears more than once/);
      assert.equal((await school('100010'))?.name, 'Good School');
      assert.equal(await school('012345'), undefined);
    });

    it('shows only the first problems of a file with many', async () => {
      const rows = Array.from({ length: 25 }, (_, i) => giasRow(String(i), 'Bad URN'));
      const csv = file('many-problems.csv', [HEADER, giasRow('100013', 'Fine School'), ...rows].join('\n'));
      const run = await cli('import-schools', csv);
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /skipped: +25 rows/);
      assert.match(run.out, /Line 12: /);
      assert.doesNotMatch(run.out, /Line 13: /);
      assert.match(run.out, /…and 15 more/);
    });

    it('refuses a file without a URN column, one with no usable rows, and a missing file', async () => {
      const noUrn = file('no-urn.csv', 'EstablishmentName,Postcode\nSomewhere School,LS1 4AB\n');
      const run = await cli('import-schools', noUrn);
      assert.equal(run.code, 1);
      assert.match(run.err, /no URN column/);
      assert.match(run.err, /edubasealldata/);
      assert.doesNotMatch(run.err, /\n\s+at /, 'no stack trace');

      const allBad = await cli('import-schools', file('all-bad.csv', `${HEADER}\n${giasRow('1', 'X')}\n`));
      assert.equal(allBad.code, 1);
      assert.match(allBad.err, /Line 2: URN "1" is not 6 digits/);
      assert.match(allBad.err, /No schools imported/);

      const headerOnly = await cli('import-schools', file('header-only.csv', `${HEADER}\n`));
      assert.equal(headerOnly.code, 1);
      assert.match(headerOnly.err, /no schools/);

      const missing = await cli('import-schools', path.join(dir, 'not-there.csv'));
      assert.equal(missing.code, 1);
      assert.match(missing.err, /Cannot read .*not-there\.csv: there is no such file/);
    });

    it('needs exactly one file', async () => {
      const none = await cli('import-schools');
      assert.equal(none.code, 2);
      assert.match(none.err, /Give the CSV file to import/);
      assert.equal((await cli('import-schools', 'a.csv', 'b.csv')).code, 2);
    });
  });

  describe('create-organisation', () => {
    it('creates a SCITT and an HEI provider, printing the id and name', async () => {
      const run = await cli(
        'create-organisation',
        '--type',
        'provider',
        '--provider-type',
        'scitt',
        '--name',
        'Northshire SCITT',
        '--ukprn',
        '10000101',
        '--provider-code',
        'n1s',
      );
      assert.equal(run.code, 0, run.err);
      const scitt = await database.db
        .selectFrom('organisations')
        .selectAll()
        .where('ukprn', '=', '10000101')
        .executeTakeFirstOrThrow();
      assert.equal(scitt.type, 'provider');
      assert.equal(scitt.provider_type, 'scitt');
      assert.equal(scitt.provider_code, 'N1S');
      assert.match(run.out, /Created Northshire SCITT \(ITT provider\)/);
      assert.match(run.out, new RegExp(`Id: +${scitt.id}`));

      const hei = await cli(
        'create-organisation',
        '--type=provider',
        '--provider-type=hei',
        '--name=University of Northshire',
        '--ukprn=10000102',
      );
      assert.equal(hei.code, 0, hei.err);
      const university = await database.db
        .selectFrom('organisations')
        .selectAll()
        .where('ukprn', '=', '10000102')
        .executeTakeFirstOrThrow();
      assert.equal(university.provider_type, 'hei');
      assert.equal(university.provider_code, null);
    });

    it('records an audit event for the organisation it creates, by the system via the CLI', async () => {
      const organisation = await database.db
        .selectFrom('organisations')
        .select('id')
        .where('ukprn', '=', '10000101')
        .executeTakeFirstOrThrow();
      const event = await database.db
        .selectFrom('events')
        .selectAll()
        .where('subject_type', '=', 'organisation')
        .where('subject_id', '=', organisation.id)
        .executeTakeFirstOrThrow();
      assert.equal(event.action, 'created');
      assert.equal(event.via, 'cli');
      assert.equal(event.actor_user_id, null);
      assert.equal(event.organisation_id, organisation.id);
      const changes = (typeof event.changes === 'string' ? JSON.parse(event.changes) : event.changes) as Record<
        string,
        { to: unknown }
      >;
      assert.equal(changes.name.to, 'Northshire SCITT');
      assert.equal(changes.provider_code.to, 'N1S');
    });

    it('creates a school from the schools register, named from it unless a name is given', async () => {
      const run = await cli('create-organisation', '--type', 'school', '--urn', '000123');
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /Created Zero Lane Primary School \(School\)/);
      const organisation = await database.db
        .selectFrom('organisations')
        .selectAll()
        .where('urn', '=', '000123')
        .executeTakeFirstOrThrow();
      assert.equal(organisation.type, 'school');

      const named = await cli('create-organisation', '--type', 'school', '--urn', '100001', '--name', 'Test Primary');
      assert.equal(named.code, 0, named.err);
      assert.match(named.out, /Created Test Primary \(School\)/);
    });

    it('refuses a school that is not in the schools register', async () => {
      const run = await cli('create-organisation', '--type', 'school', '--urn', '999999');
      assert.equal(run.code, 1);
      assert.match(run.err, /No school with URN 999999 is in the schools register: import it first \(--urn\)/);
    });

    it('creates an appropriate body and a support organisation', async () => {
      const hub = await cli(
        'create-organisation',
        '--type',
        'appropriate-body',
        '--ab-type',
        'teaching-school-hub',
        '--name',
        'Northshire Teaching School Hub',
      );
      assert.equal(hub.code, 0, hub.err);
      const la = await cli(
        'create-organisation',
        '--type',
        'appropriate-body',
        '--ab-type',
        'local-authority',
        '--name',
        'Northshire Council',
      );
      assert.equal(la.code, 0, la.err);
      const support = await cli('create-organisation', '--type', 'support', '--name', 'Rollbook Support Team');
      assert.equal(support.code, 0, support.err);
      const rows = await database.db
        .selectFrom('organisations')
        .select(['name', 'type', 'appropriate_body_type'])
        .where('name', 'in', ['Northshire Teaching School Hub', 'Northshire Council', 'Rollbook Support Team'])
        .orderBy('name')
        .execute();
      assert.deepEqual(rows, [
        { name: 'Northshire Council', type: 'appropriate_body', appropriate_body_type: 'local_authority' },
        {
          name: 'Northshire Teaching School Hub',
          type: 'appropriate_body',
          appropriate_body_type: 'teaching_school_hub',
        },
        { name: 'Rollbook Support Team', type: 'support', appropriate_body_type: null },
      ]);
    });

    it('refuses an invalid UKPRN with exit code 1, naming the problem, and creates nothing', async () => {
      const before = await organisationCount();
      const run = await cli(
        'create-organisation',
        '--type',
        'provider',
        '--provider-type',
        'scitt',
        '--name',
        'Bad SCITT',
        '--ukprn',
        '1234',
      );
      assert.equal(run.code, 1);
      assert.match(run.err, /Enter a UKPRN of 8 digits starting with 1, like 10012345 \(--ukprn\)/);
      assert.doesNotMatch(run.err, /\n\s+at /, 'no stack trace');
      assert.equal(run.out, '');
      assert.equal(await organisationCount(), before);
    });

    it('refuses a UKPRN or provider code that another organisation has', async () => {
      const before = await organisationCount();
      const ukprn = await cli(
        'create-organisation',
        '--type=provider',
        '--provider-type=scitt',
        '--name=Copy SCITT',
        '--ukprn=10000101',
      );
      assert.equal(ukprn.code, 1);
      assert.match(ukprn.err, /Northshire SCITT already has UKPRN 10000101/);
      const code = await cli(
        'create-organisation',
        '--type=provider',
        '--provider-type=scitt',
        '--name=Copy SCITT',
        '--ukprn=10000199',
        '--provider-code=N1S',
      );
      assert.equal(code.code, 1);
      assert.match(code.err, /already has provider code N1S \(--provider-code\)/);
      assert.equal(await organisationCount(), before);
    });

    it('refuses a missing required option with exit code 2 and the usage', async () => {
      const before = await organisationCount();
      const noName = await cli('create-organisation', '--type', 'support');
      assert.equal(noName.code, 2);
      assert.match(noName.err, /--name is required/);
      assert.match(noName.err, /Usage: npm run cli -- create-organisation/);

      const noType = await cli('create-organisation', '--name', 'Anything');
      assert.equal(noType.code, 2);
      assert.match(noType.err, /--type is required/);

      const noProviderType = await cli(
        'create-organisation',
        '--type',
        'provider',
        '--name',
        'X',
        '--ukprn',
        '10000150',
      );
      assert.equal(noProviderType.code, 2);
      assert.match(noProviderType.err, /--provider-type is required/);

      const noAbType = await cli('create-organisation', '--type', 'appropriate-body', '--name', 'X');
      assert.equal(noAbType.code, 2);
      assert.match(noAbType.err, /--ab-type is required/);
      assert.equal(await organisationCount(), before);
    });

    it('refuses unknown options and values, and options for another type, with exit code 2', async () => {
      const badType = await cli('create-organisation', '--type', 'charity', '--name', 'X');
      assert.equal(badType.code, 2);
      assert.match(badType.err, /--type must be one of provider, school, appropriate-body, support, not "charity"/);

      const unknown = await cli('create-organisation', '--type', 'support', '--name', 'X', '--colour', 'red');
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /Unknown option '--colour'/);

      const noValue = await cli('create-organisation', '--type', 'support', '--name');
      assert.equal(noValue.code, 2);
      assert.match(noValue.err, /--name/);

      const wrongType = await cli('create-organisation', '--type', 'support', '--name', 'X', '--urn', '100001');
      assert.equal(wrongType.code, 2);
      assert.match(wrongType.err, /--urn is only for --type school/);

      const stray = await cli('create-organisation', '--type', 'support', '--name', 'X', 'extra');
      assert.equal(stray.code, 2);
      assert.match(stray.err, /Unexpected argument "extra"/);
    });
  });

  describe('create-user', () => {
    it('creates a user with a password, who can then sign in', async () => {
      const run = await cli(
        'create-user',
        '--org',
        '10000101',
        '--email',
        'Amira.Khan@Example.com',
        '--first-name',
        'Amira',
        '--last-name',
        'Khan',
        '--role',
        'admin',
        '--password',
        'a long enough password',
      );
      assert.equal(run.code, 0, run.err);
      assert.match(
        run.out,
        /Created an account for Amira Khan <Amira\.Khan@Example\.com> as admin of Northshire SCITT/,
      );
      assert.doesNotMatch(run.out, /set-password/);
      const user = await database.db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', 'Amira.Khan@Example.com')
        .executeTakeFirstOrThrow();
      assert.notEqual(user.password_hash, null);
      const signIn = await localAccounts(database.db).signIn({
        email: 'amira.khan@example.com',
        password: 'a long enough password',
        address: '192.0.2.1',
      });
      assert.equal(signIn.outcome, 'signed-in');
      const membership = await database.db
        .selectFrom('memberships')
        .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
        .select(['memberships.role', 'organisations.name'])
        .where('memberships.user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(membership, { role: 'admin', name: 'Northshire SCITT' });
    });

    it('prints a one-time set-up link for a user without a password', async () => {
      const run = await cli(
        'create-user',
        '--org',
        'n1s',
        '--email',
        'ben@example.com',
        '--first-name',
        'Ben',
        '--last-name',
        'Lee',
      );
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /as member of Northshire SCITT/);
      assert.match(run.out, /valid for 7 days/);
      const link = /^(https:\/\/rollbook\.example\/set-password\/([\w-]+))$/m.exec(run.out);
      assert.ok(link, run.out);
      const user = await findUserBySetupToken(database.db, link[2]);
      assert.equal(user?.email, 'ben@example.com');
      assert.equal(user?.password_hash, null);
    });

    it('finds the organisation by UKPRN, provider code, name in any case, URN or id', async () => {
      const hei = await database.db
        .selectFrom('organisations')
        .select('id')
        .where('ukprn', '=', '10000102')
        .executeTakeFirstOrThrow();
      const cases: [string, string][] = [
        ['10000102', 'University of Northshire'],
        ['N1S', 'Northshire SCITT'],
        ['university of northshire', 'University of Northshire'],
        ['000123', 'Zero Lane Primary School'],
        [hei.id, 'University of Northshire'],
      ];
      for (const [i, [reference, name]] of cases.entries()) {
        const run = await cli(
          'create-user',
          '--org',
          reference,
          '--email',
          `ref${i}@example.com`,
          '--first-name',
          'Ref',
          '--last-name',
          String(i),
        );
        assert.equal(run.code, 0, run.err);
        assert.match(run.out, new RegExp(`as member of ${name}\\.`), `--org ${reference}`);
      }
    });

    it('refuses an unknown or ambiguous organisation with exit code 1', async () => {
      const unknown = await cli(
        'create-user',
        '--org',
        'Nowhere SCITT',
        '--email',
        'x@example.com',
        '--first-name',
        'X',
        '--last-name',
        'Y',
      );
      assert.equal(unknown.code, 1);
      assert.match(unknown.err, /No organisation matches "Nowhere SCITT"/);

      // A support organisation named like the SCITT's provider code.
      assert.equal((await cli('create-organisation', '--type', 'support', '--name', 'N1S')).code, 0);
      const ambiguous = await cli(
        'create-user',
        '--org',
        'n1s',
        '--email',
        'x@example.com',
        '--first-name',
        'X',
        '--last-name',
        'Y',
      );
      assert.equal(ambiguous.code, 1);
      assert.match(ambiguous.err, /More than one organisation matches "n1s": use its UKPRN, URN or id/);
      const user = await database.db
        .selectFrom('users')
        .select('id')
        .where('email', '=', 'x@example.com')
        .executeTakeFirst();
      assert.equal(user, undefined);
    });

    it('explains invalid details, a short password and a person already in the organisation', async () => {
      const invalid = await cli(
        'create-user',
        '--org',
        '10000101',
        '--email',
        'not-an-email',
        '--first-name',
        'A',
        '--last-name',
        'B',
      );
      assert.equal(invalid.code, 1);
      assert.match(invalid.err, /Enter an email address in the correct format, like name@example\.com \(--email\)/);

      const short = await cli(
        'create-user',
        '--org',
        '10000101',
        '--email',
        'short@example.com',
        '--first-name',
        'A',
        '--last-name',
        'B',
        '--password',
        'short',
      );
      assert.equal(short.code, 1);
      assert.match(short.err, /Password must be 12 characters or more \(--password\)/);

      const again = await cli(
        'create-user',
        '--org',
        '10000101',
        '--email',
        'amira.khan@example.com',
        '--first-name',
        'Amira',
        '--last-name',
        'Khan',
      );
      assert.equal(again.code, 1);
      assert.match(again.err, /Amira\.Khan@Example\.com is already a user of Northshire SCITT/);

      const badRole = await cli(
        'create-user',
        '--org',
        '10000101',
        '--email',
        'role@example.com',
        '--first-name',
        'A',
        '--last-name',
        'B',
        '--role',
        'owner',
      );
      assert.equal(badRole.code, 2);
      assert.match(badRole.err, /--role must be one of member, admin/);

      const missing = await cli('create-user', '--org', '10000101', '--email', 'missing@example.com');
      assert.equal(missing.code, 2);
      assert.match(missing.err, /--first-name is required/);
      assert.match(missing.err, /Usage: npm run cli -- create-user/);
    });

    it('adds an existing user to another organisation, leaving their password alone', async () => {
      const run = await cli(
        'create-user',
        '--org',
        '10000102',
        '--email',
        'amira.khan@example.com',
        '--first-name',
        'Amira',
        '--last-name',
        'Khan',
        '--password',
        'a different password',
      );
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /already had an account: added them as member of University of Northshire/);
      assert.match(run.out, /existing password was not changed/);
      const user = await database.db
        .selectFrom('users')
        .select('password_hash')
        .where('email', '=', 'Amira.Khan@Example.com')
        .executeTakeFirstOrThrow();
      assert.ok(await verifyPassword('a long enough password', user.password_hash));
    });
  });

  describe('create-token', () => {
    it('prints only the new token, which acts for the organisation and is stored hashed', async () => {
      const run = await cli('create-token', '--org', '10000101', '--name', 'Student record system');
      assert.equal(run.code, 0, run.err);
      assert.match(run.out, /^rbk_[\w-]{43}$/, 'only the token, on one line');
      assert.equal(run.err, '');
      const actor = await findActorByToken(database.db, run.out);
      assert.equal(actor?.organisation.name, 'Northshire SCITT');
      assert.equal(actor?.role, 'member');
      const row = await database.db
        .selectFrom('api_tokens')
        .select(['name', 'token_hash', 'created_by'])
        .where('token_hash', '=', hashToken(run.out))
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { name: 'Student record system', token_hash: hashToken(run.out), created_by: null });
      const event = await database.db
        .selectFrom('events')
        .select(['action', 'via'])
        .where('subject_type', '=', 'api_token')
        .executeTakeFirstOrThrow();
      assert.deepEqual(event, { action: 'created', via: 'cli' });
    });

    it('finds the organisation as create-user does, and refuses an unknown one with exit code 1', async () => {
      const byName = await cli('create-token', '--org', 'university of northshire', '--name', 'By name');
      assert.equal(byName.code, 0, byName.err);
      assert.equal((await findActorByToken(database.db, byName.out))?.organisation.name, 'University of Northshire');
      const unknown = await cli('create-token', '--org', 'Nowhere SCITT', '--name', 'X');
      assert.equal(unknown.code, 1);
      assert.equal(unknown.out, '');
      assert.match(unknown.err, /No organisation matches "Nowhere SCITT"/);
    });

    it('refuses a missing option with exit code 2, and a name too long or in use with exit code 1', async () => {
      const noName = await cli('create-token', '--org', '10000101');
      assert.equal(noName.code, 2);
      assert.equal(noName.out, '');
      assert.match(noName.err, /--name is required/);
      assert.match(noName.err, /Usage: npm run cli -- create-token/);
      const noOrg = await cli('create-token', '--name', 'X');
      assert.equal(noOrg.code, 2);
      assert.match(noOrg.err, /--org is required/);
      const long = await cli('create-token', '--org', '10000101', '--name', 'x'.repeat(101));
      assert.equal(long.code, 1);
      assert.equal(long.out, '');
      assert.match(long.err, /Token name must be 100 characters or fewer \(--name\)/);
      const again = await cli('create-token', '--org', '10000101', '--name', 'Student record system');
      assert.equal(again.code, 1);
      assert.match(again.err, /already has a token called "Student record system"/);
      const help = await cli('create-token', '--help');
      assert.equal(help.code, 0);
      assert.match(help.out, /Prints the new token and nothing else/);
    });

    it('allows a token to read learners’ data only when asked, and only for a school', async () => {
      const provider = await cli('create-token', '--org', '10000101', '--name', 'Learners', '--allow', 'learner-data');
      assert.equal(provider.code, 1);
      assert.match(provider.err, /Only a school’s token can read learners’ data/);
      const other = await cli('create-token', '--org', '10000101', '--name', 'Learners', '--allow', 'everything');
      assert.equal(other.code, 2);
      assert.match(other.err, /--allow must be one of learner-data/);
    });
  });
});

describe('demo-data', () => {
  let database: Database;
  before(async () => {
    database = await testDatabase();
  });
  after(() => database.close());

  const cli = async (...argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { database, config, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  };

  it('loads the demo data into an empty database, and refuses to a second time', async () => {
    const first = await cli('demo-data');
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /Rollbook Demo SCITT \(UKPRN 10000001, provider code 1DS\)/);
    const scitt = await database.db
      .selectFrom('organisations')
      .select('name')
      .where('provider_code', '=', '1DS')
      .executeTakeFirst();
    assert.equal(scitt?.name, 'Rollbook Demo SCITT');

    const second = await cli('demo-data');
    assert.equal(second.code, 1);
    assert.match(second.err, /already has organisations: demo data can only be loaded into an empty database/);
    assert.doesNotMatch(second.err, /\n\s+at /, 'no stack trace');
  });

  it('adds users to the demo organisations by their identifiers', async () => {
    const run = await cli(
      'create-user',
      '--org',
      '1DS',
      '--email',
      'new@example.com',
      '--first-name',
      'New',
      '--last-name',
      'Person',
    );
    assert.equal(run.code, 0, run.err);
    assert.match(run.out, /as member of Rollbook Demo SCITT/);
  });

  it('makes a token that the API accepts for the organisation', async () => {
    const run = await cli('create-token', '--org', '1DS', '--name', 'Student record system');
    assert.equal(run.code, 0, run.err);
    const app = Fastify();
    await app.register(apiRoutes, {
      prefix: '/api/v1',
      database,
      uploads: createUploads({ database }),
      baseUrl: BASE_URL,
    });
    try {
      const response = await app.inject({
        method: 'GET',
        url: '/api/v1/templates/qts-recommendations',
        headers: { authorization: `Bearer ${run.out}` },
      });
      assert.equal(response.statusCode, 200, response.body);
      assert.match(response.body, /^\uFEFF?TRN,/);
      const refused = await app.inject({
        method: 'GET',
        url: '/api/v1/uploads',
        headers: { authorization: `Bearer ${run.out}x` },
      });
      assert.equal(refused.statusCode, 401);
    } finally {
      await app.close();
    }
  });
});

describe('the cli entry point', () => {
  it('runs as a program, with exit codes', () => {
    const cliFile = path.join(root, 'src/cli.ts');
    const help = spawnSync(process.execPath, [cliFile, 'help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: npm run cli -- <command>/);
    const unknown = spawnSync(process.execPath, [cliFile, 'nonsense'], { encoding: 'utf8' });
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown command "nonsense"/);
  });

  it('prints nothing but the token on standard output for create-token', {
    skip: testDatabaseUrl ? 'only on embedded PGlite' : false,
  }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-cli-token-'));
    try {
      const env = { SESSION_SECRET: 's'.repeat(32), DATA_DIR: dataDir };
      const lines: string[] = [];
      const io = { config: loadConfig(env), out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
      const created = await runCli(['create-organisation', '--type', 'support', '--name', 'Token Org'], io);
      assert.equal(created, 0, lines.join('\n'));
      const run = spawnSync(
        process.execPath,
        [path.join(root, 'src/cli.ts'), 'create-token', '--org', 'Token Org', '--name', 'Export'],
        { encoding: 'utf8', env: { ...process.env, ...env, DATABASE_URL: '' } },
      );
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /^rbk_[\w-]{43}\n$/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('opens, migrates and closes the configured database when given none', {
    skip: testDatabaseUrl ? 'only on embedded PGlite' : false,
  }, async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'rollbook-cli-data-'));
    try {
      const own = loadConfig({ SESSION_SECRET: 's'.repeat(32), DATA_DIR: dataDir });
      const lines: string[] = [];
      const io = { config: own, out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
      assert.equal(
        await runCli(['create-organisation', '--type', 'support', '--name', 'On Disk'], io),
        0,
        lines.join('\n'),
      );
      // A second run sees what the first wrote and closed.
      assert.equal(await runCli(['demo-data'], io), 1);
      assert.match(lines.join('\n'), /already has organisations/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
