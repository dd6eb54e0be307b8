import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { replicasByPrimary } from './slot.js';

/**
 * Uninstalling a primary whose replicas stay would leave them following nothing: refused
 * without --force (naming them), warned about with it. Replicas removed in the same run do
 * not count.
 */
export async function guardPrimaries(
  ctx: Context,
  removing: string[],
  force: boolean,
  keepData = false,
): Promise<void> {
  const map = await replicasByPrimary(ctx);
  const left: string[] = [];
  for (const name of removing) {
    const staying = (map.get(name) ?? []).filter((r) => !removing.includes(r));
    if (staying.length) left.push(`${name} (replicas: ${staying.join(', ')})`);
  }
  if (left.length === 0) return;
  const what = `instance ${left.join('; ')} has streaming replicas that would lose their primary`;
  if (!force)
    throw new CliError('refused', `refusing to remove a primary: ${what}`, {
      hint: 'promote or remove the replicas first (resource-postgres manage promote --instance NAME), or pass --force: they stay readable, frozen at their last replayed change',
    });
  const after = keepData
    ? 'they stay readable and go on streaming once it is started again'
    : 'they stay readable, frozen at their last replayed change (manage promote makes one writable)';
  ctx.talk.warn(`${what}; ${after}`);
}

/**
 * A major upgrade rebuilds the data by dump and restore: a new system, which no replica can
 * follow, and a replica cannot be rebuilt that way while it follows its primary.
 */
export async function guardUpgrade(ctx: Context, instance: Instance): Promise<void> {
  if (instance.replicaOf)
    throw new CliError(
      'usage',
      `instance ${instance.name} is a streaming replica of ${instance.replicaOf}: it runs its primary's major`,
      {
        hint: `upgrade ${instance.replicaOf}, then make the replica again (manage uninstall --instance ${instance.name} --force, then manage start --instance ${instance.name} --replica-of ${instance.replicaOf}); or promote it first`,
      },
    );
  const replicas = (await replicasByPrimary(ctx)).get(instance.name);
  if (replicas?.length)
    throw new CliError(
      'refused',
      `instance ${instance.name} has streaming replicas (${replicas.join(', ')}): they cannot follow a new major`,
      {
        hint: `remove them first (manage uninstall --instance NAME --force), upgrade, then make them again with --replica-of ${instance.name}`,
      },
    );
}

/**
 * Replacing an instance's whole data (a physical backup, an instance-level snapshot) breaks
 * replication both ways: a replica's data must come from its primary, and a primary's
 * replicas cannot follow data that went back in time. Refused, naming the way out.
 */
export async function guardDataReplace(ctx: Context, instance: Instance, what: string): Promise<void> {
  if (instance.replicaOf)
    throw new CliError(
      'refused',
      `instance ${instance.name} is a streaming replica of ${instance.replicaOf}: its data comes from its primary, not from ${what}`,
      { hint: `promote it first (manage promote --instance ${instance.name}), or restore ${instance.replicaOf}` },
    );
  const replicas = (await replicasByPrimary(ctx)).get(instance.name);
  if (replicas?.length)
    throw new CliError(
      'refused',
      `instance ${instance.name} has streaming replicas (${replicas.join(', ')}) that cannot follow its data back to ${what}`,
      {
        hint: `remove them first (manage uninstall --instance NAME --force), restore, then make them again with --replica-of ${instance.name}`,
      },
    );
}

/**
 * A recorded replica whose data is gone (volume or data directory deleted by hand) must not
 * come back as an empty, writable cluster of the same name: its data comes only from its primary.
 * Kept data (a docker volume after uninstall --keep-data) gets a new server as for any instance.
 */
export function guardLostReplica(instance: Instance, dataExists: boolean | undefined): void {
  if (!instance.replicaOf || dataExists) return;
  const name = instance.name;
  throw new CliError('failed', `instance ${name} is a replica of ${instance.replicaOf} but its data is gone`, {
    hint: `make it again from its primary: resource-postgres manage uninstall --instance ${name} --force && resource-postgres manage start --instance ${name} --replica-of ${instance.replicaOf}`,
  });
}
