import type { Context } from '../../context.js';
import { validateIdentifier } from '../../postgres/identifiers.js';
import { snapshotDatabase, validateSnapshotName } from '../../postgres/snapshot-names.js';
import { databaseFacts, dropSnapshotDatabase, markSnapshot, sessionsOn } from '../../postgres/snapshots.js';
import { type CommandResult, result } from '../result.js';
import { copyEndingSessions } from './copy.js';
import { plural, type SnapshotChangeData, type SnapshotOptionsOf } from './options.js';
import { createInstanceSnapshot, taken } from './instance-create.js';
import { findInstanceSnapshot } from './instance-store.js';
import { checkCopySource, hasDatabaseSnapshot, requireDatabase, withSnapshotSession } from './target.js';

/**
 * `snapshot create NAME`: the database copied into rp_snap_NAME inside the same instance,
 * owned by the program's superuser (the application cannot drop or alter it) and closed to
 * connections, so it stays exactly as taken and can serve as a template.
 */
export async function createSnapshot(
  ctx: Context,
  opts: SnapshotOptionsOf<'create'>,
  signal?: AbortSignal,
): Promise<CommandResult<SnapshotChangeData>> {
  const name = validateSnapshotName(opts.name);
  const instance = await ctx.registry.get(opts.instance);
  // One name space for both levels: restore and remove find a snapshot by its name alone.
  if (await findInstanceSnapshot(ctx, instance.name, name)) throw taken(name, instance.name);
  if (opts.level === 'instance')
    return ctx.registry.lockedInstance(instance.name, async () => {
      // A database-level snapshot of that name is asked of the server, when it runs.
      if (await hasDatabaseSnapshot(ctx, instance, name, signal)) throw taken(name, instance.name);
      return createInstanceSnapshot(ctx, instance, name, opts.dryRun, signal);
    });
  const database = validateIdentifier(opts.database ?? instance.database);
  checkCopySource(database);
  const target = snapshotDatabase(name);
  const started = Date.now();
  return withSnapshotSession(ctx, instance, signal, async (s) => {
    const facts = await requireDatabase(s.client, instance, database);
    if (await databaseFacts(s.client, target)) throw taken(name, instance.name);
    const base = {
      action: 'create' as const,
      level: 'database' as const,
      instance: instance.name,
      snapshot: name,
      database,
    };
    const what = `database ${database} of instance ${instance.name} as snapshot ${name}`;
    if (opts.dryRun) {
      const open = await sessionsOn(s.client, database);
      const sessions = !open
        ? ''
        : opts.force
          ? `, ending its ${plural(open, 'open session')} (--force)`
          : `; it has ${plural(open, 'open session')}, so it would be refused without --force`;
      return result('snapshot-change', {
        ...base,
        outcome: 'dry-run' as const,
        message: `would snapshot ${what}${sessions} (dry run: nothing changed)`,
        terminated_sessions: 0,
        size_bytes: facts.size_bytes,
        duration_ms: 0,
      });
    }
    const retry = `resource-postgres snapshot create ${name} --instance ${instance.name} --database ${database}`;
    const { terminated } = await copyEndingSessions(ctx, s.client, instance.name, {
      source: database,
      target,
      force: opts.force,
      retry,
    });
    try {
      await markSnapshot(s.client, target, {
        tool: 'resource-postgres',
        database,
        owner: facts.owner,
        created: new Date().toISOString(),
      });
    } catch (e) {
      // Unmarked it would be invisible to list and remove: take it back.
      await dropSnapshotDatabase(s.client, target).catch(() => {});
      throw e;
    }
    const ended = terminated ? ` (ended ${plural(terminated, 'session')})` : '';
    return result('snapshot-change', {
      ...base,
      outcome: 'created' as const,
      message: `snapshot ${name} taken of database ${database} of instance ${instance.name}${ended}`,
      terminated_sessions: terminated,
      size_bytes: facts.size_bytes,
      duration_ms: Date.now() - started,
    });
  });
}
