// One process at a time per embedded data folder. PGlite keeps the whole database in the memory of
// the process that opened it and writes it back to the folder; a second process opening the same
// folder would work on its own copy, and whichever wrote last would silently undo the other.
//
// The lock is a file in the folder, created only if absent (O_EXCL), holding who made it. It is
// removed on close and when the process exits. A lock left by a process that died is taken over:
// on the same host when its process is gone (or is a newer process that reused the number); from
// another host (a folder on a shared disk, a container replaced by a new one) when its holder has
// not refreshed it for STALE_AFTER_MS.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  linkSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

export const LOCK_FILE = 'rollbook.lock';
/** How often a holder touches its lock, and how long another host's lock may go untouched. */
const REFRESH_EVERY_MS = 30_000;
const STALE_AFTER_MS = 5 * 60_000;

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  /** When the lock was taken, as an ISO timestamp. */
  since: string;
  /** Tells this holding apart from an earlier one by the same pid. */
  token: string;
}

export class DataDirInUseError extends Error {
  readonly dataDir: string;
  readonly holder: LockHolder | undefined;
  constructor(dataDir: string, holder: LockHolder | undefined) {
    super(describeHolder(dataDir, holder));
    this.name = 'DataDirInUseError';
    this.dataDir = dataDir;
    this.holder = holder;
  }
}

function describeHolder(dataDir: string, holder: LockHolder | undefined): string {
  const who = holder
    ? `process ${holder.pid} on ${holder.host} (${holder.command}), since ${formatSince(holder.since)}`
    : 'another process (its lock file cannot be read)';
  return [
    `The embedded database in ${dataDir} is in use by ${who}.`,
    'Only one process at a time can open an embedded database. Stop that process (for example the ' +
      'service started with npm start), then try again.',
    'To run the command line while the service is running, use PostgreSQL (set DATABASE_URL for both).',
    ...(holder && holder.host !== hostname()
      ? [
          `If nothing on ${holder.host} is using it (it was moved or copied from there), delete ` +
            `${path.join(dataDir, LOCK_FILE)} and try again.`,
        ]
      : []),
  ].join('\n');
}

function formatSince(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return 'an unknown time';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export interface DataDirLock {
  readonly file: string;
  readonly holder: LockHolder;
  /** Removes the lock if it is still this one. Safe to call more than once. */
  release(): void;
}

function readHolder(file: string): LockHolder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return {
      pid: parsed.pid,
      host: parsed.host,
      command: String(parsed.command ?? 'unknown command'),
      since: String(parsed.since ?? ''),
      token: String(parsed.token ?? ''),
    };
  } catch {
    return undefined;
  }
}

/** When a process started, from /proc on Linux; undefined where that cannot be told. */
function processStartedAt(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which is in brackets and may hold spaces); starttime is the 22nd.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const bootTime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    // Clock ticks are 1/100 s on every Linux Node runs on.
    return Number.isFinite(ticks) && Number.isFinite(bootTime) ? bootTime * 1000 + ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A process that has ended but not been waited for (a zombie) still answers: ask Linux.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** Whether a lock's holder has gone, so the lock can be taken over. */
function isStale(holder: LockHolder | undefined, file: string, held: Set<string>): boolean {
  if (!holder) {
    // Unreadable: being written this instant, or damaged. Only an old one is taken over.
    return ageOf(file) > STALE_AFTER_MS;
  }
  if (holder.host !== hostname()) return ageOf(file) > STALE_AFTER_MS;
  // This process's own number but not a lock it holds: left by an earlier process with the same
  // number (as the first process in a restarted container always is).
  if (holder.pid === process.pid) return !held.has(holder.token);
  if (!isAlive(holder.pid)) return true;
  // Alive, but started after the lock was taken: the number has been reused by another process.
  const startedAt = processStartedAt(holder.pid);
  const since = Date.parse(holder.since);
  return startedAt !== undefined && Number.isFinite(since) && startedAt > since + 1000;
}

function ageOf(file: string): number {
  try {
    return Date.now() - statSync(file).mtimeMs;
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Tokens of the locks this process holds, so a stale one of the same pid can be told apart. */
const heldHere = new Set<string>();

/**
 * Takes the lock of an embedded data folder, or throws DataDirInUseError naming its holder. The
 * folder must exist.
 */
export function lockDataDir(dataDir: string, command = commandLine()): DataDirLock {
  const file = path.join(dataDir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    command,
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  // Twice at most: once as it is, and once after taking over a stale lock.
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      try {
        writeSync(fd, `${JSON.stringify(holder)}\n`);
      } finally {
        closeSync(fd);
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const current = readHolder(file);
      if (attempt > 0 || !isStale(current, file, heldHere) || !removeStale(file, current)) {
        throw new DataDirInUseError(dataDir, readHolder(file) ?? current);
      }
    }
  }
  heldHere.add(holder.token);

  const refresh = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      // Gone (the folder was removed): nothing to keep fresh.
    }
  }, REFRESH_EVERY_MS);
  refresh.unref();

  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    clearInterval(refresh);
    process.off('exit', release);
    heldHere.delete(holder.token);
    if (readHolder(file)?.token === holder.token) {
      try {
        unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
  };
  process.on('exit', release);
  return { file, holder, release };
}

/**
 * Moves a stale lock aside and removes it, unless another process replaced it with a live one in
 * the meantime (then that one is put back). Answers whether the lock is now free.
 */
function removeStale(file: string, stale: LockHolder | undefined): boolean {
  const aside = `${file}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(file, aside);
  } catch {
    return true; // Someone else removed it first: try to create it again.
  }
  const moved = readHolder(aside);
  if (stale && moved?.token !== stale.token) {
    // Not the one judged stale: a process took it over between our read and the rename.
    try {
      linkSync(aside, file);
    } catch {
      // Another process holds it now; it is theirs either way.
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

/**
 * What this process is, for the message another opener sees: the script and, for the command line,
 * the command's name. Never its options, which may hold a password.
 */
function commandLine(): string {
  const [, script, first] = process.argv;
  const name = script ? path.relative(process.cwd(), script) || script : '';
  const command = first && /^[a-z][a-z-]*$/.test(first) ? first : '';
  return ['node', name, command].filter(Boolean).join(' ').slice(0, 200);
}
