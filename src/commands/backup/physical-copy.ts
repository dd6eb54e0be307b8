import { join } from 'node:path';
import type { Context } from '../../context.js';
import type { Manifest, ManifestDatabase, ManifestFile } from './manifest.js';
import { CliError } from '../../core/errors.js';
import { writeSmallFile } from '../../system/file-sink.js';
import { followFile } from '../../system/file-follow.js';
import type { Instance } from '../../core/instance.js';
import { physicalBlocker } from '../../core/physical-backup.js';
import type { DataArchiveRequest, Engine } from '../../engines/engine.js';
import { type DatabaseFacts, type ServerFacts, tableCounts } from '../../postgres/backup/catalog.js';
import { enterBackupMode } from '../../postgres/backup/mode.js';
import type { BackupPart } from './logical-dump.js';
import { withByteProgress } from './progress.js';
import { trace } from '../../core/trace.js';

async function archive(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  request: DataArchiveRequest,
  path: string,
  rel: string,
): Promise<{ hashed: Promise<ManifestFile> }> {
  // The engine's tar writes the file itself; it is hashed as it grows (file-follow.ts).
  const file = await followFile(path);
  const failed = await withByteProgress(
    ctx,
    request.kind === 'base' ? 'copying the data directory' : 'copying WAL',
    file.bytes,
    () => engine.archiveData!(instance, request, { fd: file.fd }),
  ).then(
    () => undefined,
    (e: unknown) => e ?? new Error('archive failed'),
  );
  // Closed either way, so no descriptor is left open on a partial file. Once tar is done the
  // hash may still be catching up: it finishes while backup mode ends and the WAL is copied.
  const info = file.close();
  if (failed) {
    await info.catch(() => {});
    throw failed;
  }
  const hashed = info.then((i) => ({ path: rel, ...i }));
  hashed.catch(() => {}); // awaited by the caller
  return { hashed };
}

/**
 * The low-level base backup: backup mode on one session, the data directory copied as root
 * while it stays open, pg_backup_stop's label and tablespace map written as files, and the
 * WAL from the backup's start to its end copied from pg_wal so the copy replays to a
 * consistent state without any archive.
 */
export async function copyPhysical(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  facts: ServerFacts,
  dbs: DatabaseFacts[],
  dir: string,
  label: string,
  signal?: AbortSignal,
): Promise<BackupPart & { physical: NonNullable<Manifest['physical']> }> {
  if (!engine.archiveData || !engine.replaceData) {
    throw new CliError('usage', `physical backups are not available on the ${engine.name} engine`, {
      hint: 'use the default logical method (pg_dump inside the container)',
    });
  }
  const blocker = physicalBlocker({ wal_level: facts.walLevel, server_major: facts.major });
  if (blocker)
    throw new CliError('failed', `instance ${instance.name} cannot take a physical backup: ${blocker}`, {
      hint: 'use --method logical, or an instance with another template',
    });
  const session = await trace.span('backup: enter backup mode', () =>
    enterBackupMode(instance, `resource-postgres ${label}`, facts.versionNum),
  );
  try {
    if (!session.slot)
      ctx.talk.warn(
        'no temporary replication slot could be made (max_replication_slots = 0?): a long copy may lose WAL to recycling',
      );
    // The row counts for the manifest overlap the copy (they are taken in backup mode either way).
    const counting = trace.span('backup: table counts', async () => {
      const out: ManifestDatabase[] = [];
      for (const db of dbs) out.push({ ...db, tables: await tableCounts(instance, db.name) });
      return out;
    });
    counting.catch(() => {}); // awaited below, after the copy
    const base = await archive(ctx, engine, instance, { kind: 'base' }, join(dir, 'base.tar'), 'base.tar');
    signal?.throwIfAborted();
    const databases = await counting;
    const stop = await trace.span('backup: stop backup mode', () => session.stop());
    const walFrom = { kind: 'wal', from: stop.startWal, to: stop.stopWal } as const;
    const wal = await archive(ctx, engine, instance, walFrom, join(dir, 'wal.tar'), 'wal.tar');
    const files = [await base.hashed, await wal.hashed];
    files.push({ path: 'backup_label', ...(await writeSmallFile(join(dir, 'backup_label'), stop.labelFile)) });
    const spcmap = stop.spcmapFile.trim() ? 'tablespace_map' : undefined;
    if (spcmap) files.push({ path: spcmap, ...(await writeSmallFile(join(dir, spcmap), stop.spcmapFile)) });
    return {
      databases,
      files,
      tool: `low-level base backup API (PostgreSQL ${facts.version})`,
      physical: {
        base: 'base.tar',
        wal: 'wal.tar',
        backup_label: 'backup_label',
        tablespace_map: spcmap,
        start_lsn: stop.startLsn,
        stop_lsn: stop.stopLsn,
        wal_from: stop.startWal,
        wal_to: stop.stopWal,
      },
    };
  } finally {
    await session.close();
  }
}
