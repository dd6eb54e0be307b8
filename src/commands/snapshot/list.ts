import type { Context } from '../../context.js';
import { validateSnapshotName } from '../../postgres/snapshot-names.js';
import { dropSnapshotDatabase, listSnapshots } from '../../postgres/snapshots.js';
import { withAdmin } from '../content/session.js';
import { type CommandResult, result } from '../result.js';
import type { SnapshotChangeData, SnapshotListData, SnapshotOptionsOf } from './options.js';
import {
  findInstanceSnapshot,
  type InstanceSnapshot,
  listInstanceSnapshots,
  removeInstanceSnapshot,
} from './instance-store.js';
import { lockedInstanceSnapshot, requireSnapshot, withSnapshotSession } from './target.js';

/** `snapshot list` and `snapshot remove NAME`. */
export async function listSnapshotsCommand(
  ctx: Context,
  opts: SnapshotOptionsOf<'list'>,
  signal?: AbortSignal,
): Promise<CommandResult<SnapshotListData>> {
  const instance = await ctx.registry.get(opts.instance);
  const whole = await listInstanceSnapshots(ctx, instance.name);
  const engine = await ctx.engine(instance.engine);
  // Database-level snapshots live in the server: a stopped one still lists its instance-level ones.
  const running = whole.length === 0 || (await engine.inspect(instance)).state === 'running';
  const rows = running ? await withAdmin(ctx, instance, signal, (s) => listSnapshots(s.client)) : [];
  if (!running)
    ctx.talk.warn(
      `instance ${instance.name} is stopped: its database-level snapshots are not listed (start it to see them)`,
    );
  const snapshots = [
    ...rows.map((r) => ({
      name: r.name,
      instance: instance.name,
      level: 'database' as const,
      database: r.database,
      created: r.created,
      size_bytes: r.size_bytes,
    })),
    ...whole.map((w) => ({
      name: w.meta.name,
      instance: instance.name,
      level: 'instance' as const,
      database: '',
      created: w.meta.created,
      size_bytes: w.meta.size_bytes,
    })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  return result('snapshot-list', { instance: instance.name, snapshots });
}

export async function removeSnapshot(
  ctx: Context,
  opts: SnapshotOptionsOf<'remove'>,
  signal?: AbortSignal,
): Promise<CommandResult<SnapshotChangeData>> {
  const name = validateSnapshotName(opts.name);
  const instance = await ctx.registry.get(opts.instance);
  const whole = await findInstanceSnapshot(ctx, instance.name, name);
  if (whole)
    return ctx.registry.lockedInstance(instance.name, async () =>
      removeWhole(instance.name, await lockedInstanceSnapshot(ctx, instance, name, signal), opts.dryRun),
    );
  return withSnapshotSession(ctx, instance, signal, async (s) => {
    const snap = await requireSnapshot(s.client, instance, name);
    const base = {
      action: 'remove' as const,
      level: 'database' as const,
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

async function removeWhole(
  instance: string,
  snap: InstanceSnapshot,
  dryRun: boolean,
): Promise<CommandResult<SnapshotChangeData>> {
  const what = `instance-level snapshot ${snap.meta.name} of instance ${instance}`;
  const base = {
    action: 'remove' as const,
    level: 'instance' as const,
    instance,
    snapshot: snap.meta.name,
    database: '',
    terminated_sessions: 0,
    size_bytes: snap.meta.size_bytes,
    duration_ms: 0,
  };
  if (dryRun)
    return result('snapshot-change', {
      ...base,
      outcome: 'dry-run' as const,
      message: `would remove ${what} (dry run: nothing changed)`,
    });
  await removeInstanceSnapshot(snap);
  return result('snapshot-change', { ...base, outcome: 'removed' as const, message: `removed ${what}` });
}
