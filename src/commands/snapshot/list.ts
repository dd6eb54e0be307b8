import type { Context } from '../../context.js';
import { validateSnapshotName } from '../../postgres/snapshot-names.js';
import { dropSnapshotDatabase, listSnapshots } from '../../postgres/snapshots.js';
import { withAdmin } from '../content/session.js';
import { type CommandResult, result } from '../result.js';
import type { SnapshotChangeData, SnapshotListData, SnapshotOptionsOf } from './options.js';
import { requireSnapshot, withSnapshotSession } from './target.js';

/** `snapshot list` and `snapshot remove NAME`. */
export async function listSnapshotsCommand(
  ctx: Context,
  opts: SnapshotOptionsOf<'list'>,
  signal?: AbortSignal,
): Promise<CommandResult<SnapshotListData>> {
  const instance = await ctx.registry.get(opts.instance);
  const rows = await withAdmin(ctx, instance, signal, (s) => listSnapshots(s.client));
  return result('snapshot-list', {
    instance: instance.name,
    snapshots: rows.map((r) => ({
      name: r.name,
      instance: instance.name,
      database: r.database,
      created: r.created,
      size_bytes: r.size_bytes,
    })),
  });
}

export async function removeSnapshot(
  ctx: Context,
  opts: SnapshotOptionsOf<'remove'>,
  signal?: AbortSignal,
): Promise<CommandResult<SnapshotChangeData>> {
  const name = validateSnapshotName(opts.name);
  const instance = await ctx.registry.get(opts.instance);
  return withSnapshotSession(ctx, instance, signal, async (s) => {
    const snap = await requireSnapshot(s.client, instance, name);
    const base = {
      action: 'remove' as const,
      instance: instance.name,
      snapshot: name,
      database: snap.mark.database,
      terminated_sessions: 0,
      size_bytes: snap.size_bytes,
      duration_ms: 0,
    };
    const what = `snapshot ${name} (of database ${snap.mark.database}) from instance ${instance.name}`;
    if (opts.dryRun)
      return result('snapshot-change', {
        ...base,
        outcome: 'dry-run' as const,
        message: `would remove ${what} (dry run: nothing changed)`,
      });
    await dropSnapshotDatabase(s.client, snap.database);
    return result('snapshot-change', { ...base, outcome: 'removed' as const, message: `removed ${what}` });
  });
}
