import { readdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CliError } from '../../core/errors.js';
import type { DataReplacement, PhysicalBackupFiles, Progress } from '../engine.js';
import { extractInto } from './data-archive.js';
import { runAsServer, type ServerUser } from './run-as.js';
import { removeTree, settleDir } from './safe-fs.js';

/**
 * Swaps a stopped server's data directory for a physical backup. The old directory is moved
 * aside (same root-owned parent, so a rename) rather than deleted, so a restore that fails to
 * start can be undone; the caller decides with keep() or undo() once the server answered (or
 * did not). backup_label makes the server replay the WAL shipped in pg_wal up to the backup's
 * end. Everything inside the new directory is written by the server user, never by root.
 */
export async function replaceDataDir(
  dataDir: string,
  files: PhysicalBackupFiles,
  user: ServerUser | undefined,
  progress: Progress,
): Promise<DataReplacement> {
  const aside = `${dataDir}${ASIDE_MARK}${Date.now()}`;
  await rename(dataDir, aside);
  const { keep, undo } = replacementOf(dataDir, aside);
  try {
    await settleDir(dataDir, { mode: 0o700, uid: user?.uid, gid: user?.gid, acceptOwners: [] });
    progress(`extracting the base backup into ${dataDir}`);
    await extractInto(files.baseTar, dataDir, user);
    await extractInto(files.walTar, dataDir, user);
    await copyAsServer(user, files.backupLabel, join(dataDir, 'backup_label'));
    if (files.tablespaceMap) await copyAsServer(user, files.tablespaceMap, join(dataDir, 'tablespace_map'));
    await runAsServer(user, 'rm', ['-f', '--', join(dataDir, 'postmaster.pid')], 30_000);
  } catch (e) {
    await undo().catch(() => {});
    throw e;
  }
  return { keep, undo };
}

const ASIDE_MARK = '.pre-restore-';

/** keep() drops the previous directory; undo() puts it back in place of whatever is there. */
function replacementOf(dataDir: string, aside: string): DataReplacement {
  return {
    keep: () => removeTree(aside),
    undo: async () => {
      await removeTree(dataDir); // rm -f: nothing there (killed right after the rename) is fine
      await rename(aside, dataDir);
    },
  };
}

/**
 * A replacement a killed restore left: the previous directory still beside the data
 * directory. The newest one is the one to act on (restores hold the instance's lock, so
 * there is at most one in flight); undefined when there is none.
 */
export async function findReplacement(dataDir: string): Promise<DataReplacement | undefined> {
  const prefix = `${basename(dataDir)}${ASIDE_MARK}`;
  const asides = (await readdir(dirname(dataDir)).catch(() => [] as string[]))
    .filter((e) => e.startsWith(prefix) && /^\d+$/.test(e.slice(prefix.length)))
    .sort((a, b) => Number(b.slice(prefix.length)) - Number(a.slice(prefix.length)));
  return asides[0] ? replacementOf(dataDir, join(dirname(dataDir), asides[0])) : undefined;
}

/** Writes `to` (in the server's directory) as the server user, from a file only root can read. */
async function copyAsServer(user: ServerUser | undefined, from: string, to: string): Promise<void> {
  const res = await runAsServer(user, 'sh', ['-c', 'umask 077 && cat > "$1"', 'sh', to], 60_000, {
    inputFile: from,
  });
  if (res.exitCode !== 0) throw new CliError('failed', `cannot write ${to}`, { details: res.output.trim() });
}
