import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { CliError } from './errors.js';

/**
 * Exclusive locks held by the kernel (flock(2)), around read-modify-write of the home and of
 * the machine-wide port ledger. A lock file is never deleted and never judged "stale": the
 * kernel drops the lock when its holder closes the descriptor or dies, however it dies, so
 * there is no takeover race and a long, legitimate holder (a slow image pull) keeps it.
 *
 * Node has no flock and a native addon cannot live in the single executable, so util-linux's
 * flock(1) takes it for us: we open the file, the child inherits our open file description
 * as fd 3, locks it and exits. The lock belongs to that description, which only we hold.
 */
export interface LockOptions {
  timeoutMs?: number;
  /** A shared (reader) lock: held by many at once, never together with an exclusive one. */
  shared?: boolean;
}

/** flock(1)'s exit code when --wait runs out (we choose it with --conflict-exit-code). */
const TIMED_OUT = 75;
const FLOCK = 'flock';

/** Opens the lock file without following a link, and refuses one that is not ours. */
async function openLockFile(path: string): Promise<FileHandle> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError('config', `cannot open the lock file ${path}: ${(e as Error).message}`, {
      cause: e,
      hint:
        code === 'ELOOP'
          ? 'it is a symbolic link, which a lock file never is: remove it'
          : 'check that the directory exists, is writable and its disk is not full',
    });
  }
  const st = await handle.stat();
  const uid = process.getuid?.();
  if (!st.isFile() || (uid !== undefined && st.uid !== uid)) {
    await handle.close();
    throw new CliError('refused', `the lock file ${path} is not a regular file of this user (uid ${st.uid})`, {
      hint: 'someone else created it: remove it, and check who can write that directory',
    });
  }
  return handle;
}

/** Runs flock(1) on our descriptor: resolves when we hold the lock, or with the timeout. */
function flock(fd: number, waitSec: number, shared = false): Promise<'locked' | 'timeout'> {
  return new Promise((resolve, reject) => {
    const args = [
      shared ? '--shared' : '--exclusive',
      '--wait',
      String(waitSec),
      '--conflict-exit-code',
      String(TIMED_OUT),
      '3',
    ];
    const child = spawn(FLOCK, args, { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) =>
      reject(
        new CliError('engine', `cannot run ${FLOCK} to take a lock: ${e.message}`, {
          hint: 'install util-linux (it provides flock), which every Linux distribution ships',
        }),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve('locked');
      else if (code === TIMED_OUT) resolve('timeout');
      else reject(new CliError('failed', `${FLOCK} failed (exit ${code}): ${err.trim()}`));
    });
  });
}

/** Who holds it, for the timeout message: the holder writes this right after locking. */
async function holderOf(handle: FileHandle): Promise<string> {
  const text = (await handle.readFile('utf8').catch(() => '')).trim();
  const [pid, ...what] = text.split('\n');
  return pid ? `process ${pid}${what.length ? ` (${what.join(' ')})` : ''}` : 'another process';
}

/** Takes the lock; the returned function releases it (closing the descriptor). */
export async function acquireLock(path: string, opts: LockOptions = {}): Promise<() => Promise<void>> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const handle = await openLockFile(path);
  try {
    if ((await flock(handle.fd, Math.max(0.001, timeoutMs / 1000), opts.shared)) === 'timeout') {
      throw new CliError('timeout', `timed out after ${timeoutMs} ms waiting for the lock ${path}`, {
        details: `held by ${await holderOf(handle)}`,
        hint: 'another resource-postgres command is still working here; retry when it ends',
      });
    }
    // For people reading the file and for the message above. Best effort: the lock itself is
    // the kernel's, and a full disk must fail the work with its own error, not here. Shared
    // holders leave it alone: each would overwrite the others.
    if (!opts.shared)
      await handle
        .truncate(0)
        .then(() => handle.write(`${process.pid}\n${process.argv.slice(2, 5).join(' ')}\n`, 0))
        .catch(() => {});
  } catch (e) {
    await handle.close().catch(() => {});
    throw e;
  }
  return () => handle.close();
}

export async function withLock<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  const release = await acquireLock(path, opts);
  try {
    return await fn();
  } finally {
    await release();
  }
}
