import { join } from 'node:path';
import type { Context } from '../../context.js';
import type { StoredBackup } from './store.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { credentialsOf, withCredentials } from '../../core/data-credentials.js';
import type { DataReplacement, Engine } from '../../engines/engine.js';
import { countSessions } from '../../postgres/backup/restore-target.js';
import { waitReady } from '../manage/ready.js';
import { saveCredentials } from '../manage/interrupted-restore.js';
import { clearRestoreJournal, writeRestoreJournal } from '../../core/restore-journal.js';
import { faultPoint } from '../../core/fault-point.js';
import { backupCredentials, withPortRetry } from './clone-target.js';

/**
 * Replaces the whole data directory of an instance with a physical backup: stop
 * (ending every session, said first), swap the directory, start and wait until it answers;
 * on failure the previous directory comes back. The roles come back exactly as they were,
 * so instance.conf takes the backup's credentials (both roles, with app role owner).
 */
export async function restorePhysical(
  ctx: Context,
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  fresh = false,
): Promise<{ terminated: number }> {
  const m = backup.manifest;
  if (!engine.replaceData || !m.physical || target.engine !== m.engine) {
    throw new CliError(
      'usage',
      `a physical backup of a ${m.engine} instance restores only into a ${m.engine} instance (${target.name} is ${target.engine})`,
      { hint: `restore it into a new instance: resource-postgres backup restore ${backup.name} --to-instance NEW` },
    );
  }
  const targetMajor = Number.parseInt(target.version ?? '', 10);
  if (m.engine === 'native' ? targetMajor && targetMajor !== m.server_major : target.image !== m.image) {
    const what = m.engine === 'native' ? `PostgreSQL ${target.version}` : `image ${target.image}`;
    throw new CliError(
      'conflict',
      `backup ${backup.name} holds the data files of ${m.engine === 'native' ? `PostgreSQL ${m.server_major}` : `image ${m.image}`}; instance ${target.name} runs ${what}`,
      { hint: 'a physical backup restores only into the same server version; use --to-instance NEW' },
    );
  }
  const home = ctx.home.dir;
  let terminated = 0;
  await writeRestoreJournal(home, target.name, { backup: backup.name, phase: 'replacing' });
  if ((await engine.inspect(target)).state === 'running') {
    terminated = await countSessions(target).catch(() => 0);
    ctx.talk.info(
      `stopping instance ${target.name} to replace its data directory${terminated ? `: ${terminated} open session(s) will be ended` : ''}`,
    );
    await engine.stop(target, { timeoutSec: DEFAULTS.stopTimeoutSec });
  }
  const p = m.physical;
  const files = {
    baseTar: join(backup.dir, p.base),
    walTar: join(backup.dir, p.wal),
    backupLabel: join(backup.dir, p.backup_label),
    tablespaceMap: p.tablespace_map ? join(backup.dir, p.tablespace_map) : undefined,
  };
  let replacement: DataReplacement;
  try {
    replacement = await engine.replaceData(target, files, ctx.talk.progress);
  } catch (e) {
    await clearRestoreJournal(home, target.name); // replaceData put the previous data back
    throw e;
  }
  faultPoint('restore:physical-replaced');
  const creds = await backupCredentials(backup);
  let restored: Instance = creds ? withCredentials(target, creds) : target;
  const startRestored = async () => {
    // A fresh clone may be moved to another port if its own was taken while it was stopped.
    const current = fresh ? await ctx.registry.get(target.name) : target;
    restored = { ...restored, port: current.port };
    await engine.start(restored, { timeoutSec: DEFAULTS.startTimeoutSec * 2 });
  };
  try {
    ctx.talk.progress(`starting instance ${target.name}: replaying the WAL of the backup`);
    if (fresh) await withPortRetry(ctx, target.name, startRestored);
    else await startRestored();
    await waitReady(ctx, engine, restored, DEFAULTS.startTimeoutSec * 2);
  } catch (e) {
    await engine.stop(target, { timeoutSec: 10, force: true }).catch(() => {});
    await replacement.undo();
    await clearRestoreJournal(home, target.name);
    await engine.start(target).catch(() => {});
    throw new CliError(
      'failed',
      `the restored data of backup ${backup.name} did not start; instance ${target.name} has its previous data back: ${describeError(e)}`,
      { details: e instanceof CliError ? e.details : undefined },
    );
  }
  // The commit point: from here on, a killed restore is completed, not undone.
  const committed = creds ? credentialsOf(restored) : undefined;
  await writeRestoreJournal(home, target.name, { backup: backup.name, phase: 'committing', credentials: committed });
  faultPoint('restore:physical-committing');
  if (committed) await saveCredentials(ctx, target.name, committed);
  await replacement.keep();
  await clearRestoreJournal(home, target.name);
  return { terminated };
}
