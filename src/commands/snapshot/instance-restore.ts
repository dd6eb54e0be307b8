import { join } from 'node:path';
import type { Context } from '../../context.js';
import { withCredentials } from '../../core/data-credentials.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, describeError } from '../../core/errors.js';
import { failPoint } from '../../core/fault-point.js';
import type { Instance } from '../../core/instance.js';
import { clearRestoreJournal, writeRestoreJournal } from '../../core/restore-journal.js';
import type { DataReplacement } from '../../engines/engine.js';
import { countSessions } from '../../postgres/backup/restore-target.js';
import { setRolePasswords } from '../../postgres/role-passwords.js';
import { finishInterruptedRestore } from '../manage/interrupted-restore.js';
import { pausePooler, resumePooler } from '../pooler/hooks.js';
import { waitReady } from '../manage/ready.js';
import { type InstanceSnapshot, snapshotCredentials } from './instance-store.js';

/**
 * Puts an instance-level snapshot's data in place of the instance's: the server is stopped
 * (said first), its data set aside (not deleted) and replaced with the snapshot's, started,
 * and its passwords set back to the ones instance.conf records now (the snapshot's roles came
 * back with their passwords of then). The old data is dropped only once the restored server
 * answers with those; any failure before puts it back. The restore journal (the one backup
 * restores keep) lets the next command finish or undo a restore that was killed.
 */
export async function restoreInstanceData(
  ctx: Context,
  instance: Instance,
  snap: InstanceSnapshot,
): Promise<{ terminated: number }> {
  const engine = await ctx.engine(instance.engine);
  // A restore killed earlier is finished or undone first: its set-aside data must not be orphaned.
  instance = await finishInterruptedRestore(ctx, instance, engine);
  const m = snap.meta;
  if (!engine.replaceData || m.engine !== instance.engine)
    throw new CliError(
      'conflict',
      `snapshot ${m.name} holds ${m.engine} data; instance ${instance.name} is ${instance.engine}`,
    );
  const major = Number.parseInt(instance.version ?? '', 10);
  if ((m.engine === 'docker' && m.image !== instance.image) || (major && major !== m.server_major))
    throw new CliError(
      'conflict',
      `snapshot ${m.name} holds the data files of PostgreSQL ${m.server_major}${m.image ? ` (image ${m.image})` : ''}; instance ${instance.name} now runs ${instance.image ?? `PostgreSQL ${instance.version}`}`,
      { hint: 'an instance-level snapshot restores only into the server version it was taken with' },
    );
  const then = await snapshotCredentials(snap);
  const home = ctx.home.dir;
  const journal = { backup: `snapshot ${m.name}` };
  let terminated = 0;
  await writeRestoreJournal(home, instance.name, { ...journal, phase: 'replacing' });
  const wasRunning = (await engine.inspect(instance)).state === 'running';
  if (wasRunning) {
    terminated = await countSessions(instance).catch(() => 0);
    await engine.stop(instance, { timeoutSec: DEFAULTS.stopTimeoutSec });
  }
  let replacement: DataReplacement;
  try {
    const p = m.physical;
    replacement = await engine.replaceData(
      instance,
      {
        baseTar: join(snap.dir, p.base),
        walTar: join(snap.dir, p.wal),
        backupLabel: join(snap.dir, p.backup_label),
        tablespaceMap: p.tablespace_map ? join(snap.dir, p.tablespace_map) : undefined,
      },
      ctx.talk.progress,
    );
  } catch (e) {
    // replaceData puts the previous data back; while it is still set aside (that undo failed)
    // the journal stays, so the next command undoes again instead of losing it.
    if (await engine.findReplacement?.(instance).catch(() => undefined)) throw e;
    await clearRestoreJournal(home, instance.name);
    if (wasRunning) await engine.start(instance).catch(() => {});
    throw e;
  }
  try {
    ctx.talk.progress(`starting instance ${instance.name}: replaying the WAL of the snapshot`);
    const restored = then ? withCredentials(instance, then) : instance;
    await engine.start(restored, { timeoutSec: DEFAULTS.startTimeoutSec * 2 });
    await waitReady(ctx, engine, restored, DEFAULTS.startTimeoutSec * 2);
    // The roles are the snapshot's: the passwords instance.conf holds now are set on them.
    await setRolePasswords(restored, instance);
    await waitReady(ctx, engine, instance, DEFAULTS.startTimeoutSec);
    failPoint('snapshot:instance-restored');
  } catch (e) {
    await engine.stop(instance, { timeoutSec: 10, force: true }).catch(() => {});
    await replacement.undo();
    await clearRestoreJournal(home, instance.name);
    if (wasRunning) await engine.start(instance).catch(() => {});
    throw new CliError(
      'failed',
      `the data of snapshot ${m.name} did not start; instance ${instance.name} has its previous data back: ${describeError(e)}`,
      { details: e instanceof CliError ? e.details : undefined },
    );
  }
  // The commit point: the credentials stay instance.conf's, so nothing is recorded but the journal.
  await writeRestoreJournal(home, instance.name, { ...journal, phase: 'committing' });
  await replacement.keep();
  await clearRestoreJournal(home, instance.name);
  // The pooler's role came back with its password of then: a running pooler restarts with a new one.
  if (wasRunning && instance.pooler) {
    await pausePooler(ctx, instance).catch(() => {});
    await resumePooler(ctx, instance);
  }
  // It ran only to be checked and given its passwords: a stopped instance is left stopped.
  if (!wasRunning) await engine.stop(instance, { timeoutSec: DEFAULTS.stopTimeoutSec });
  return { terminated };
}
