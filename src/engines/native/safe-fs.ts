import { constants, type Stats } from 'node:fs';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { execa } from './exec.js';
import { CliError } from '../../core/errors.js';

/**
 * File operations root may do next to what a server user controls. O_NOFOLLOW refuses a link
 * in the last component, O_NONBLOCK keeps a planted FIFO from hanging us, and every change of
 * owner or mode goes through the opened descriptor (fchown/fchmod), so what was checked is
 * what gets changed. Callers only pass paths whose parent directories root owns.
 */

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK, O_DIRECTORY } = constants;

/** Opens a file for reading without following a link; undefined when absent, a link, or not a regular file. */
export async function openRegularNoFollow(path: string): Promise<{ fh: FileHandle; st: Stats } | undefined> {
  let fh: FileHandle;
  try {
    fh = await open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch {
    return undefined; // ENOENT, ELOOP (a link), EACCES
  }
  const st = await fh.stat();
  if (st.isFile()) return { fh, st };
  await fh.close();
  return undefined;
}

/** A small file's text (at most `max` bytes), read without following links. */
export async function readSmallNoFollow(path: string, max = 64 * 1024): Promise<string | undefined> {
  const opened = await openRegularNoFollow(path);
  if (!opened) return undefined;
  try {
    const buf = Buffer.alloc(Math.min(max, opened.st.size));
    const { bytesRead } = await opened.fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await opened.fh.close();
  }
}

/** Opens a directory itself, never a link to one; undefined when absent. */
export async function openDirNoFollow(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, O_RDONLY | O_NOFOLLOW | O_DIRECTORY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'ENOTDIR') {
      throw new CliError('refused', `${path} exists but is not a directory (a link?); not using it for the server`, {
        hint: 'remove or rename it, then run the command again',
      });
    }
    throw e;
  }
}

export interface DirSpec {
  mode: number;
  uid?: number;
  gid?: number;
  /** Owners an existing directory may have to be taken over (uids), or any owner. */
  acceptOwners: readonly number[] | 'any';
}

/**
 * Makes `path` a real directory with exactly this owner and mode, through its descriptor.
 * An existing entry owned by someone not in acceptOwners, or that is not a directory, is
 * refused, never adopted. Returns the owner it had before (undefined when created).
 */
export async function settleDir(path: string, spec: DirSpec): Promise<{ previousUid?: number }> {
  let fh = await openDirNoFollow(path);
  let previousUid: number | undefined;
  if (!fh) {
    await mkdir(path, { mode: 0o700 }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    fh = await openDirNoFollow(path);
    if (!fh) throw new CliError('failed', `${path} vanished while it was being created`);
  } else {
    previousUid = (await fh.stat()).uid;
  }
  try {
    const st = await fh.stat();
    if (previousUid !== undefined && spec.acceptOwners !== 'any' && !spec.acceptOwners.includes(st.uid)) {
      throw new CliError('refused', `${path} exists but is owned by uid ${st.uid}; not using it for the server`, {
        hint: 'remove or rename it, then run the command again',
      });
    }
    if (spec.uid !== undefined && (st.uid !== spec.uid || st.gid !== spec.gid))
      await fh.chown(spec.uid, spec.gid ?? st.gid);
    await fh.chmod(spec.mode);
    return { previousUid };
  } finally {
    await fh.close();
  }
}

/**
 * Writes a file in a directory only root can write: a fresh temporary name, then a rename,
 * so readers see the old file or the new one. Owner and mode are set on the descriptor.
 */
export async function writeRootFile(path: string, text: string, mode: number, gid?: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}`);
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text);
    if (gid !== undefined) await fh.chown(process.geteuid?.() ?? 0, gid);
    await fh.chmod(mode);
  } catch (e) {
    await fh.close();
    await rm(tmp, { force: true });
    throw e;
  }
  await fh.close();
  await rename(tmp, path);
}

/**
 * Deletes a tree the server user could write into. GNU rm walks it with openat/unlinkat
 * relative to directory descriptors and never follows a link, so a link or a directory
 * swapped in during the walk cannot point it at anything outside the tree.
 */
export async function removeTree(path: string): Promise<void> {
  const res = await execa('rm', ['-rf', '--one-file-system', '--', path], {
    reject: false,
    all: true,
    timeout: 600_000,
  });
  if (res.exitCode !== 0)
    throw new CliError('failed', `cannot remove ${path}`, { details: String(res.all ?? res.shortMessage).trim() });
}
