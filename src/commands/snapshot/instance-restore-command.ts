import type { Context } from '../../context.js';
import type { Instance } from '../../core/instance.js';
import { listSnapshots } from '../../postgres/snapshots.js';
import { withAdmin } from '../content/session.js';
import { guardDataReplace } from '../replica/guard.js';
import { type CommandResult, result } from '../result.js';
import { restoreInstanceData } from './instance-restore.js';
import type { InstanceSnapshot } from './instance-store.js';
import { plural, type SnapshotChangeData, type SnapshotOptionsOf } from './options.js';

/**
 * `snapshot restore NAME` of an instance-level snapshot: says first that the instance is
 * stopped and started again (every session ends), then replaces its data (instance-restore.ts).
 * The instance keeps its port and the credentials instance.conf records now.
 */
export async function restoreInstanceSnapshot(
  ctx: Context,
  opts: SnapshotOptionsOf<'restore'>,
  snap: InstanceSnapshot,
): Promise<CommandResult<SnapshotChangeData>> {
  const instance = await ctx.registry.get(opts.instance);
  const started = Date.now();
  const base = {
    action: 'restore' as const,
    level: 'instance' as const,
    instance: instance.name,
    snapshot: snap.meta.name,
    database: '',
    size_bytes: snap.meta.size_bytes,
  };
  await guardDataReplace(ctx, instance, `snapshot ${snap.meta.name}`);
  const what = `all data of instance ${instance.name} from snapshot ${snap.meta.name} (taken ${snap.meta.created})`;
  const running = (await (await ctx.engine(instance.engine)).inspect(instance)).state === 'running';
  const how = running
    ? `stopping instance ${instance.name} (every session ends), replacing its data and starting it again`
    : `replacing the data of the stopped instance ${instance.name}, starting it to check it, and stopping it again`;
  const before = running ? await databaseSnapshots(ctx, instance) : undefined;
  if (opts.dryRun)
    return result('snapshot-change', {
      ...base,
      outcome: 'dry-run' as const,
      message: `would restore ${what}: ${how}; database-level snapshots live in the data and go back to the ones it held then${before ? ` (now: ${before.join(', ') || 'none'})` : ''} (dry run: nothing changed)`,
      terminated_sessions: 0,
      duration_ms: 0,
    });
  // Said before anything happens: every client of the instance is about to be cut off.
  ctx.talk.info(`restoring ${what}: ${how}`);
  const { terminated } = await restoreInstanceData(ctx, instance, snap);
  const ended = terminated ? ` (ended ${plural(terminated, 'session')})` : '';
  const after = running ? await databaseSnapshots(ctx, instance) : undefined;
  const rolled =
    before && after
      ? rolledBack(before, after)
      : '; database-level snapshots went back with the data to the ones it held then';
  return result('snapshot-change', {
    ...base,
    outcome: 'restored' as const,
    message: `restored ${what}; ${running ? `it answers on port ${instance.port} with its recorded credentials` : 'it is stopped again, as it was, and answers with its recorded credentials once started'}${ended}${rolled}`,
    terminated_sessions: terminated,
    duration_ms: Date.now() - started,
  });
}

/** The database-level snapshots (rp_snap_* databases, in the data an instance restore replaces); undefined when unreadable. */
async function databaseSnapshots(ctx: Context, instance: Instance): Promise<string[] | undefined> {
  return withAdmin(ctx, instance, undefined, async (s) => (await listSnapshots(s.client)).map((r) => r.name)).catch(
    () => undefined,
  );
}

/** Which database-level snapshots the restore took away and brought back. */
export function rolledBack(before: string[], after: string[]): string {
  const lost = before.filter((n) => !after.includes(n));
  const back = after.filter((n) => !before.includes(n));
  if (!lost.length && !back.length) return '';
  const parts = [lost.length ? `lost ${lost.join(', ')}` : '', back.length ? `brought back ${back.join(', ')}` : ''];
  return `; database-level snapshots went back with the data: ${parts.filter(Boolean).join('; ')}`;
}
