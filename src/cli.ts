// Operator commands: npm run cli -- <command> [options]. Every change goes through the domain
// functions (which write the audit events) as the system actor, via 'cli'.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { type Config, ConfigError, loadConfig } from './config.ts';
import { DataDirInUseError } from './db/data-dir-lock.ts';
import { type Database, migrateToLatest, openDatabase } from './db/database.ts';
import type { AppropriateBodyType, DB, OrganisationType, ProviderType, Role } from './db/schema.ts';
import { DEMO, DEMO_PASSWORD, isDatabaseEmpty, loadDemoData } from './demo/index.ts';
import { DomainError, NotFoundError } from './domain/errors.ts';
import { SYSTEM } from './domain/organisations/actor.ts';
import { createApiToken, MAX_TOKEN_NAME_LENGTH } from './domain/organisations/api-tokens.ts';
import {
  APPROPRIATE_BODY_TYPE_NAMES,
  createOrganisation,
  findOrganisationByReference,
  ORGANISATION_TYPE_NAMES,
  PROVIDER_TYPE_NAMES,
} from './domain/organisations/organisations.ts';
import { MIN_PASSWORD_LENGTH } from './domain/organisations/passwords.ts';
import { addUserToOrganisation, ROLE_NAMES, ValidationErrors } from './domain/organisations/users.ts';
import { upsertSchools } from './domain/schools/schools.ts';
import { parseGiasCsv } from './integrations/schools-register/gias-csv.ts';

export interface CliIo {
  /** The database to work on; without one, the command opens (and migrates) the one in config. */
  database?: Database;
  out(line: string): void;
  err(line: string): void;
  /** Defaults to loadConfig() from the environment. */
  config?: Config;
}

const VIA = 'cli';
const SHOWN_PROBLEMS = 10;
const CLI = 'npm run cli --';

/** The command line was wrong: exit code 2, with the command's usage. */
class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface Context {
  io: CliIo;
  config(): Config;
  db(): Promise<Kysely<DB>>;
}

interface Command {
  summary: string;
  usage: string;
  run(args: string[], context: Context): Promise<number>;
}

// The option each domain field comes from, so a message can say what to change.
const FIELD_OPTIONS: Record<string, string> = {
  type: '--type',
  name: '--name',
  providerType: '--provider-type',
  ukprn: '--ukprn',
  providerCode: '--provider-code',
  urn: '--urn',
  appropriateBodyType: '--ab-type',
  email: '--email',
  firstName: '--first-name',
  lastName: '--last-name',
  role: '--role',
  password: '--password',
};

const ORGANISATION_TYPES = ['provider', 'school', 'appropriate-body', 'support'] as const;
const PROVIDER_TYPES = Object.keys(PROVIDER_TYPE_NAMES) as ProviderType[];
const APPROPRIATE_BODY_TYPES = Object.keys(APPROPRIATE_BODY_TYPE_NAMES).map(dashed);
const ROLES = Object.keys(ROLE_NAMES) as Role[];

function dashed(value: string): string {
  return value.replaceAll('_', '-');
}

function parse<T extends ParseArgsOptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
  } catch (error) {
    // parseArgs explains unknown options and missing values well; drop its hint about '--'.
    const message = (error as Error).message.replace(/\s*To specify an? (option|positional) argument .*$/s, '');
    throw new UsageError(message);
  }
}

/** A required option with something in it. */
function required(values: Record<string, unknown>, option: string): string {
  const value = values[option];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${option} is required`);
  return value;
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  const found = allowed.find((a) => a === value.trim().toLowerCase().replaceAll('_', '-'));
  if (!found) throw new UsageError(`--${option} must be one of ${allowed.join(', ')}, not "${value}"`);
  return found;
}

function noPositionals(positionals: string[]): void {
  if (positionals.length) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
}

const createOrganisationCommand: Command = {
  summary: 'Create an ITT provider, school, appropriate body or support organisation',
  usage: `Usage: ${CLI} create-organisation --type provider|school|appropriate-body|support [options]

  --type TYPE              provider, school, appropriate-body or support (required)
  --name NAME              the organisation's name (required, except for a school, which
                           takes its name from the schools register unless given)
  --provider-type TYPE     provider only (required): scitt or hei
  --ukprn N                8 digits starting with 1 (required for a provider)
  --provider-code ABC      provider only: 3 letters or digits
  --urn N                  school only (required): the school's 6-digit URN, already in the
                           schools register (see import-schools)
  --ab-type TYPE           appropriate-body only (required): teaching-school-hub,
                           local-authority or national

Examples:
  ${CLI} create-organisation --type provider --provider-type scitt --name "Example SCITT" --ukprn 10012345 --provider-code 1EX
  ${CLI} create-organisation --type school --urn 100001
  ${CLI} create-organisation --type appropriate-body --ab-type teaching-school-hub --name "Example Hub"
  ${CLI} create-organisation --type support --name "Rollbook Support"`,
  async run(args, context) {
    const command = 'create-organisation';
    const { values, positionals } = parse(args, {
      type: { type: 'string' },
      name: { type: 'string' },
      'provider-type': { type: 'string' },
      ukprn: { type: 'string' },
      'provider-code': { type: 'string' },
      urn: { type: 'string' },
      'ab-type': { type: 'string' },
    });
    if (values.help) return help(context.io, command);
    noPositionals(positionals);
    const type = oneOf('type', required(values, 'type'), ORGANISATION_TYPES);
    const onlyFor: Record<string, (typeof ORGANISATION_TYPES)[number]> = {
      'provider-type': 'provider',
      'provider-code': 'provider',
      urn: 'school',
      'ab-type': 'appropriate-body',
    };
    for (const [option, forType] of Object.entries(onlyFor)) {
      if (values[option as keyof typeof values] !== undefined && type !== forType) {
        throw new UsageError(`--${option} is only for --type ${forType}`);
      }
    }
    if (type !== 'school') required(values, 'name');
    if (type === 'provider') {
      required(values, 'provider-type');
      required(values, 'ukprn');
    }
    if (type === 'school') required(values, 'urn');
    if (type === 'appropriate-body') required(values, 'ab-type');
    const providerType = values['provider-type'] && oneOf('provider-type', values['provider-type'], PROVIDER_TYPES);
    const abType = values['ab-type'] && oneOf('ab-type', values['ab-type'], APPROPRIATE_BODY_TYPES);

    const organisation = await createOrganisation(
      await context.db(),
      SYSTEM,
      {
        type: type.replaceAll('-', '_') as OrganisationType,
        name: values.name,
        providerType: providerType || undefined,
        ukprn: values.ukprn,
        providerCode: values['provider-code'],
        urn: values.urn,
        appropriateBodyType: abType ? (abType.replaceAll('-', '_') as AppropriateBodyType) : undefined,
      },
      VIA,
    );
    const { out } = context.io;
    out(`Created ${organisation.name} (${ORGANISATION_TYPE_NAMES[organisation.type]})`);
    out(`  Id:            ${organisation.id}`);
    if (organisation.provider_type) out(`  Provider type: ${PROVIDER_TYPE_NAMES[organisation.provider_type]}`);
    if (organisation.ukprn) out(`  UKPRN:         ${organisation.ukprn}`);
    if (organisation.provider_code) out(`  Provider code: ${organisation.provider_code}`);
    if (organisation.urn) out(`  URN:           ${organisation.urn}`);
    if (organisation.appropriate_body_type) {
      out(`  Kind:          ${APPROPRIATE_BODY_TYPE_NAMES[organisation.appropriate_body_type]}`);
    }
    out(
      `Add its first admin with: ${CLI} create-user --org ${organisation.ukprn ?? organisation.urn ?? organisation.id} …`,
    );
    return 0;
  },
};

const createUserCommand: Command = {
  summary: 'Add a user to an organisation (a new account, or a membership for an existing one)',
  usage: `Usage: ${CLI} create-user --org REF --email EMAIL --first-name NAME --last-name NAME [options]

  --org REF                the organisation: its UKPRN, URN, provider code, exact name or id (required)
  --email EMAIL            (required)
  --first-name NAME        (required; not changed if the person already has an account)
  --last-name NAME         (required; not changed if the person already has an account)
  --role ROLE              member or admin (default member)
  --password PASSWORD      set a password now (${MIN_PASSWORD_LENGTH} characters or more). Without it, the
                           command prints a one-time link for them to set their own, valid for 7 days

Examples:
  ${CLI} create-user --org 10000001 --email priya@example.com --first-name Priya --last-name Shah --role admin
  ${CLI} create-user --org 1DS --email tom@example.com --first-name Tom --last-name Okafor`,
  async run(args, context) {
    const command = 'create-user';
    const { values, positionals } = parse(args, {
      org: { type: 'string' },
      email: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
      role: { type: 'string' },
      password: { type: 'string' },
    });
    if (values.help) return help(context.io, command);
    noPositionals(positionals);
    const reference = required(values, 'org');
    const email = required(values, 'email');
    const firstName = required(values, 'first-name');
    const lastName = required(values, 'last-name');
    const role = values.role === undefined ? 'member' : oneOf('role', values.role, ROLES);
    const { baseUrl } = context.config();

    const db = await context.db();
    const organisation = await findOrganisationByReference(db, reference);
    const added = await addUserToOrganisation(
      db,
      SYSTEM,
      organisation.id,
      { email, firstName, lastName, role, password: values.password },
      VIA,
    );
    const { out } = context.io;
    const { user } = added;
    const person = `${user.first_name} ${user.last_name} <${user.email}>`;
    out(
      added.created
        ? `Created an account for ${person} as ${ROLE_NAMES[role].toLowerCase()} of ${organisation.name}.`
        : `${person} already had an account: added them as ${ROLE_NAMES[role].toLowerCase()} of ${organisation.name}.`,
    );
    if (!added.created && values.password !== undefined) {
      out('Their existing password was not changed: --password is only used for a new account.');
    }
    if (added.setupToken) {
      out('They have no password yet. Send them this one-time link to set one (valid for 7 days):');
      out(`${baseUrl}/set-password/${added.setupToken}`);
    } else if (added.created) {
      out(`They can sign in at ${baseUrl}/sign-in with the password given.`);
    }
    return 0;
  },
};

const createTokenCommand: Command = {
  summary: 'Create an API token for an organisation, printing only the token',
  usage: `Usage: ${CLI} create-token --org REF --name LABEL [--allow learner-data]

  --org REF                the organisation: its UKPRN, URN, provider code, exact name or id (required)
  --name LABEL             what the token is for, to tell it apart on the API tokens page, like
                           "Student record system" (required; ${MAX_TOKEN_NAME_LENGTH} characters or fewer)
  --allow learner-data     a school's token only: it may also read learners' school data
                           (GET /api/v1/learners/{upn}/school-data)

Prints the new token and nothing else on standard output, so that a script can keep it
(npm's --silent stops npm printing its own lines first). The token is shown only this once:
Rollbook keeps only its hash. The organisation's admins see it, and can revoke it, on the
API tokens page.

Examples:
  ${CLI} create-token --org 1DS --name "Student record system"
  ROLLBOOK_TOKEN=$(npm run --silent cli -- create-token --org 10000001 --name "Nightly export")`,
  async run(args, context) {
    const command = 'create-token';
    const { values, positionals } = parse(args, {
      org: { type: 'string' },
      name: { type: 'string' },
      allow: { type: 'string' },
    });
    if (values.help) return help(context.io, command);
    noPositionals(positionals);
    const reference = required(values, 'org');
    const name = required(values, 'name');
    const allow =
      typeof values.allow === 'string' ? oneOf('allow', values.allow, ['learner-data'] as const) : undefined;
    const db = await context.db();
    const organisation = await findOrganisationByReference(db, reference);
    const { token } = await createApiToken(db, SYSTEM, organisation.id, name, VIA, {
      allowLearnerData: allow === 'learner-data',
    });
    context.io.out(token);
    return 0;
  },
};

const importSchoolsCommand: Command = {
  summary: 'Import or update the schools register from a GIAS "edubasealldata" CSV',
  usage: `Usage: ${CLI} import-schools FILE.csv

Reads the "edubasealldata" CSV extract from Get Information about Schools and inserts or
updates each school by URN. Rows with a problem (a URN that is not 6 digits, no name, a URN
repeated) are skipped and listed by line number; the other rows are imported.

Example:
  ${CLI} import-schools ~/Downloads/edubasealldata20250101.csv`,
  async run(args, context) {
    const command = 'import-schools';
    const { values, positionals } = parse(args, {});
    if (values.help) return help(context.io, command);
    if (positionals.length === 0) throw new UsageError('Give the CSV file to import');
    if (positionals.length > 1) throw new UsageError(`Give one file, not ${positionals.length}`);
    const file = positionals[0];
    const { out } = context.io;
    const db = await context.db();
    const started = performance.now();
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new DomainError(`Cannot read ${file}: ${fileProblem(error)}`);
    }
    const { schools, problems } = parseGiasCsv(bytes);
    if (schools.length === 0) {
      if (problems.length === 0) throw new DomainError(`${file} has a header row but no schools`);
      printProblems(context.io.err, problems);
      throw new DomainError(`No schools imported: every row of ${file} has a problem`);
    }
    const { inserted, updated } = await upsertSchools(db, schools);
    const seconds = (performance.now() - started) / 1000;
    out(`Imported ${count(schools.length)} schools from ${path.basename(file)}:`);
    out(`  inserted: ${count(inserted)}`);
    out(`  updated:  ${count(updated)}`);
    out(`  skipped:  ${count(problems.length)} rows`);
    printProblems(out, problems);
    out(`Took ${seconds.toFixed(1)} seconds.`);
    return 0;
  },
};

function printProblems(print: (line: string) => void, problems: string[]): void {
  if (problems.length === 0) return;
  print(`Rows skipped${problems.length > SHOWN_PROBLEMS ? ` (the first ${SHOWN_PROBLEMS})` : ''}:`);
  for (const problem of problems.slice(0, SHOWN_PROBLEMS)) print(`  ${problem}`);
  if (problems.length > SHOWN_PROBLEMS) print(`  …and ${count(problems.length - SHOWN_PROBLEMS)} more`);
}

function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'there is no such file (check the path)';
  if (code === 'EISDIR') return 'it is a folder, not a file';
  if (code === 'EACCES') return 'permission denied';
  return (error as Error).message;
}

const count = (n: number) => n.toLocaleString('en-GB');

const demoDataCommand: Command = {
  summary: 'Load the demo organisations, schools and users into an empty database',
  usage: `Usage: ${CLI} demo-data

Loads the demo organisations, schools and users (password "${DEMO_PASSWORD}") into a database
with no organisations. It refuses a database that already has any.`,
  async run(args, context) {
    const command = 'demo-data';
    const { values, positionals } = parse(args, {});
    if (values.help) return help(context.io, command);
    noPositionals(positionals);
    const db = await context.db();
    if (!(await isDatabaseEmpty(db))) {
      throw new DomainError(
        'The database already has organisations: demo data can only be loaded into an empty database. ' +
          'Point DATA_DIR or DATABASE_URL at a new database to use the demo data.',
      );
    }
    await loadDemoData(db);
    const { out } = context.io;
    out('Loaded the demo data:');
    out(`  ${DEMO.scitt.name} (UKPRN ${DEMO.scitt.ukprn}, provider code ${DEMO.scitt.providerCode})`);
    out(`  ${DEMO.university.name} (UKPRN ${DEMO.university.ukprn}, provider code ${DEMO.university.providerCode})`);
    out(`  ${DEMO.school.name} (URN ${DEMO.school.urn})`);
    out(`  ${DEMO.appropriateBody.name}`);
    out(`  ${DEMO.support.name}`);
    out(
      `Sign in as provider@, university@, school@, ab@, support@ or multi@example.com with the password "${DEMO_PASSWORD}".`,
    );
    return 0;
  },
};

const COMMANDS: Record<string, Command> = {
  'create-organisation': createOrganisationCommand,
  'create-user': createUserCommand,
  'create-token': createTokenCommand,
  'import-schools': importSchoolsCommand,
  'demo-data': demoDataCommand,
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length)) + 2;
  return [
    `Usage: ${CLI} <command> [options]`,
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}${command.summary}`),
    `  ${'help'.padEnd(width)}Show this help, or a command's options: help <command>`,
    '',
    "The database is the service's own: DATABASE_URL for PostgreSQL, otherwise embedded PGlite",
    'in DATA_DIR (default .data; stop the service first, as only one process may open it).',
    'Exit codes: 0 done, 1 refused or failed (the message says why), 2 wrong command line.',
  ].join('\n');
}

function help(io: CliIo, command?: string): number {
  io.out(command && COMMANDS[command] ? COMMANDS[command].usage : usage());
  return 0;
}

function describeError(error: DomainError | NotFoundError): string {
  const option = error instanceof DomainError && error.field ? FIELD_OPTIONS[error.field] : undefined;
  return option ? `${error.message} (${option})` : error.message;
}

/** Problems reaching the database that an operator can fix, told without a stack trace. */
function connectionProblem(error: unknown): string | undefined {
  const { code, message } = error as { code?: string; message?: string };
  const problems: Record<string, string> = {
    ECONNREFUSED: 'nothing is listening at that address: is PostgreSQL running?',
    ENOTFOUND: 'the host name was not found',
    ETIMEDOUT: 'the connection timed out',
    '28P01': 'the password was refused',
    '28000': 'the user was refused',
    '3D000': 'the database does not exist',
  };
  return code && problems[code]
    ? `Could not open the database (check DATABASE_URL): ${problems[code]} (${message})`
    : undefined;
}

/**
 * Runs one command and returns its exit code: 0 done, 1 refused or failed, 2 a wrong command line.
 * Without io.database it opens the configured database, migrates it, and closes it afterwards.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.err(usage());
    return 2;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    if (args[0] && !COMMANDS[args[0]]) {
      io.err(`Unknown command "${args[0]}"\n\n${usage()}`);
      return 2;
    }
    return help(io, args[0]);
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(`Unknown command "${name}"\n\n${usage()}`);
    return 2;
  }

  let config = io.config;
  let opened: Database | undefined;
  const context: Context = {
    io,
    config: () => {
      config ??= loadConfig();
      return config;
    },
    async db() {
      if (io.database) return io.database.db;
      if (!opened) {
        const { databaseUrl, dataDir } = context.config();
        opened = await openDatabase({ databaseUrl, dataDir: databaseUrl ? undefined : dataDir });
        await migrateToLatest(opened.db);
      }
      return opened.db;
    },
  };
  try {
    return await command.run(args, context);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`Error: ${error.message}\n`);
      io.err(command.usage);
      return 2;
    }
    if (error instanceof ValidationErrors) {
      for (const problem of error.errors) io.err(`Error: ${describeError(problem)}`);
      return 1;
    }
    if (error instanceof DomainError || error instanceof NotFoundError) {
      io.err(`Error: ${describeError(error)}`);
      return 1;
    }
    if (error instanceof ConfigError) {
      io.err(`Configuration error: ${error.message}`);
      return 1;
    }
    if (error instanceof DataDirInUseError) {
      io.err(`Error: ${error.message}`);
      return 1;
    }
    const problem = connectionProblem(error);
    if (problem) {
      io.err(problem);
      return 1;
    }
    io.err(`Unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 1;
  } finally {
    await opened?.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
}
