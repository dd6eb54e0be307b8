import { rename } from 'node:fs/promises';
import { join } from 'node:path';
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
  const aside = `${dataDir}.pre-restore-${Date.now()}`;
  await rename(dataDir, aside);
  const undo = async () => {
    await removeTree(dataDir);
    await rename(aside, dataDir);
  };
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
  return { keep: () => removeTree(aside), undo };
}

/** Writes `to` (in the server's directory) as the server user, from a file only root can read. */
async function copyAsServer(user: ServerUser | undefined, from: string, to: string): Promise<void> {
  const res = await runAsServer(user, 'sh', ['-c', 'umask 077 && cat > "$1"', 'sh', to], 60_000, {
    inputFile: from,
  });
  if (res.exitCode !== 0) throw new CliError('failed', `cannot write ${to}`, { details: res.output.trim() });
}
