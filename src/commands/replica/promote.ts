import type { Context } from '../../context.js';
import { CliError, usageError } from '../../core/errors.js';
import type { ManageData } from '../manage/index.js';
import type { PromoteOptions } from '../options.js';
import { type CommandResult, result } from '../result.js';
import { promoteReplica } from '../../postgres/replication.js';
import { dropLinkOnPrimary } from './slot.js';

const DEFAULT_WAIT_SEC = 60;

/**
 * `manage promote --instance R`: pg_promote (waiting until R leaves recovery), then R forgets
 * its primary (instance.conf and the engine's standby files), then its slot and role on the
 * primary are dropped if the primary answers; when it does not (it may be why R is promoted),
 * the message says what is left and how to finish.
 */
export async function promote(ctx: Context, opts: PromoteOptions): Promise<CommandResult<ManageData>> {
  const name = opts.instance;
  const item = await ctx.registry.lockedInstance(name, async () => {
    const replica = await ctx.registry.get(name);
    if (!replica.replicaOf)
      throw usageError(
        `instance ${name} is not a replica: there is nothing to promote`,
        'promote an instance made with manage start --replica-of',
      );
    const engine = await ctx.engine(replica.engine);
    if ((await engine.inspect(replica)).state !== 'running')
      throw new CliError('failed', `instance ${name} is not running: a replica is promoted while it runs`, {
        hint: `start it first: resource-postgres manage start --instance ${name}`,
      });
    await promoteReplica(replica, opts.timeoutSec ?? DEFAULT_WAIT_SEC);
    await engine.forgetPrimary?.(replica);
    await ctx.registry.locked(async () => {
      const fresh = await ctx.registry.get(name);
      await ctx.registry.save({ ...fresh, replicaOf: undefined, replicationPassword: undefined });
    });
    const note = await dropLinkOnPrimary(ctx, replica);
    return {
      name,
      result: 'promoted',
      message: `instance ${name} promoted: it no longer follows ${replica.replicaOf} and accepts writes${note ? `; ${note}` : ''}`,
      port: replica.port,
      engine: replica.engine,
    };
  });
  return result('manage', { action: 'promote', dry_run: false, instances: [item], message: item.message });
}
