import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.js';
import { dropIfExists, STAGING_PREFIX, swapInWith } from '../../postgres/backup/restore-target.js';
import { copyDatabase, copyDatabaseGrants, roleExists, sessionsOn } from '../../postgres/snapshots.js';
import { validateSnapshotName } from '../../postgres/snapshot-names.js';
import { type CommandResult, result } from '../result.js';
import { plural, type SnapshotChangeData, type SnapshotOptionsOf } from './options.js';
import { restoreInstanceSnapshot } from './instance-restore-command.js';
import { findInstanceSnapshot } from './instance-store.js';
import { lockedInstanceSnapshot, requireSnapshot, withSnapshotSession } from './target.js';

/**
 * `snapshot restore NAME`: the database it was taken of becomes the snapshot again. The copy
 * is made first under a staging name (the user's database is untouched until it exists), then
 * swapped in the way a backup restore swaps: the database's sessions are ended and both
 * renames commit in one transaction, so the name always holds the old or the new data (no
 * window without it); the old copy is dropped after. The snapshot itself stays for next time.
 */
export async function restoreSnapshot(
  ctx: Context,
  opts: SnapshotOptionsOf<'restore'>,
  signal?: AbortSignal,
): Promise<CommandResult<SnapshotChangeData>> {
  const name = validateSnapshotName(opts.name);
  const instance = await ctx.registry.get(opts.instance);
  const started = Date.now();
  const whole = await findInstanceSnapshot(ctx, instance.name, name);
  if (whole)
    return ctx.registry.lockedInstance(instance.name, async () =>
      restoreInstanceSnapshot(ctx, opts, await lockedInstanceSnapshot(ctx, instance, name, signal)),
    );
  return withSnapshotSession(ctx, instance, signal, async (s) => {
    const snap = await requireSnapshot(s.client, instance, name);
    const database = snap.mark.database;
    const open = await sessionsOn(s.client, database);
    const base = {
      action: 'restore' as const,
      level: 'database' as const,
      instance: instance.name,
      snapshot: name,
      database,
    };
    const what = `database ${database} of instance ${instance.name} from snapshot ${name} (taken ${snap.mark.created})`;
    const ending = open ? `, ending its ${plural(open, 'open session')}` : '';
    if (opts.dryRun)
      return result('snapshot-change', {
        ...base,
        outcome: 'dry-run' as const,
        message: `would restore ${what}${ending} (dry run: nothing changed)`,
        terminated_sessions: 0,
        size_bytes: snap.size_bytes,
        duration_ms: 0,
      });
    // Said before anything happens: clients connected to the database are about to be cut off.
    ctx.talk.info(`restoring ${what}${ending}`);
    const staging = `${STAGING_PREFIX}${randomBytes(5).toString('hex')}`;
    const owner = (await roleExists(s.client, snap.mark.owner)) ? snap.mark.owner : undefined;
    let swapped = false;
    try {
      await copyDatabase(s.client, { target: staging, source: snap.database, owner });
      // Who may connect is the live database's setting, not the snapshot's data: it carries over.
      await copyDatabaseGrants(s.client, database, staging);
      // The session is on the maintenance database, never the one swapped (checkCopySource).
      const { terminated } = await swapInWith(s.client, staging, database);
      swapped = true;
      const ended = terminated ? ` (ended ${plural(terminated, 'session')})` : '';
      return result('snapshot-change', {
        ...base,
        outcome: 'restored' as const,
        message: `restored ${what}${ended}`,
        terminated_sessions: terminated,
        size_bytes: snap.size_bytes,
        duration_ms: Date.now() - started,
      });
    } finally {
      if (!swapped) await dropIfExists(instance, staging).catch(() => {});
    }
  });
}
