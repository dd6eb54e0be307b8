import { chmod, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { CliError } from '../../core/errors.js';
import type { DataReplacement, PhysicalBackupFiles, Progress } from '../engine.js';
import { extractInto } from './data-archive.js';
import type { ServerUser } from './run-as.js';

/**
 * Swaps a stopped server's data directory for a physical backup. The old directory is moved
 * aside (same parent, so a rename) rather than deleted, so a restore that fails to start can
 * be undone; the caller decides with keep() or undo() once the server answered (or did not).
 * backup_label makes the server replay the WAL shipped in pg_wal up to the backup's end.
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
    await rm(dataDir, { recursive: true, force: true });
    await rename(aside, dataDir);
  };
  try {
    await mkdir(dataDir, { mode: 0o700 });
    progress(`extracting the base backup into ${dataDir}`);
    await extractInto(files.baseTar, dataDir);
    await mkdir(join(dataDir, 'pg_wal'), { recursive: true, mode: 0o700 });
    await extractInto(files.walTar, dataDir);
    await copyFile(files.backupLabel, join(dataDir, 'backup_label'));
    if (files.tablespaceMap) await copyFile(files.tablespaceMap, join(dataDir, 'tablespace_map'));
    await rm(join(dataDir, 'postmaster.pid'), { force: true });
    if (user) {
      const res = await execa('chown', ['-R', '--no-dereference', `${user.uid}:${user.gid}`, dataDir], {
        reject: false,
        all: true,
      });
      if (res.exitCode !== 0)
        throw new CliError('failed', `cannot give ${dataDir} to ${user.name}: ${String(res.all).trim()}`);
    }
    await chmod(dataDir, 0o700);
  } catch (e) {
    await undo().catch(() => {});
    throw e;
  }
  return {
    keep: () => rm(aside, { recursive: true, force: true }),
    undo,
  };
}
