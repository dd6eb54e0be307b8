import { open, readFile, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './errors.js';

/**
 * An exclusive lock file around read-modify-write of the home (port choice + instance.conf
 * write). O_EXCL creation is atomic on local filesystems; a lock whose owner process is gone
 * is stale and taken over, so a killed CLI never wedges the home.
 */
export interface LockOptions {
  timeoutMs?: number;
  /** A lock older than this is considered abandoned even if its pid is alive (pid reuse). */
  staleMs?: number;
}

/** How old an empty or unreadable lock file must be before it is taken over. */
const GARBLED_STALE_MS = 5_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const [pidText, host] = text.split(/\s+/);
    const pid = Number(pidText);
    const age = Date.now() - info.mtimeMs;
    if (age > staleMs) return true;
    if (host === hostname() && Number.isInteger(pid) && pid > 0) return !processAlive(pid);
    // Empty or garbled: its writer died (or hit a full disk) between creating and writing it.
    // The write follows the create at once, so a few seconds of that is proof enough.
    if (!(Number.isInteger(pid) && pid > 0 && host)) return age > GARBLED_STALE_MS;
    return false;
  } catch (e) {
    // Vanished between our attempts: not stale, just retry. Unreadable otherwise: take it over.
    return (e as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const staleMs = opts.staleMs ?? 10 * 60_000;
  const deadline = Date.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    try {
      const handle = await open(path, 'wx', 0o600);
      try {
        await handle.writeFile(`${process.pid} ${hostname()}\n`);
      } catch (e) {
        // A full disk lets the create succeed and the write fail: an empty lock left behind
        // would wedge every later command, so take it back and say why.
        await handle.close().catch(() => {});
        await rm(path, { force: true });
        throw new CliError('config', `cannot write the lock file ${path}: ${(e as Error).message}`, {
          hint: 'check that the home is writable and its disk is not full',
        });
      }
      await handle.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new CliError('config', `cannot create the lock file ${path}: ${(e as Error).message}`, {
          hint: 'check that the home directory exists, is writable and its disk is not full',
        });
      }
      if (await isStale(path, staleMs)) {
        await rm(path, { force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new CliError('timeout', `timed out after ${timeoutMs} ms waiting for the lock ${path}`, {
          hint: 'another resource-postgres command is still working in this home; retry when it ends, or remove the file if no such command runs',
        });
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 100);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
