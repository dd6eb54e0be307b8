import type { Context } from '../../context.js';
import { describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { replicaSlotName } from '../../core/replica.js';
import { dropReplicaLink, RoleDropError } from '../../postgres/replication.js';

/**
 * Drops a replica's slot and role on its primary, which otherwise keeps WAL for it forever.
 * Never fails: says what it did, or why it could not and how to finish by hand.
 */
export async function dropLinkOnPrimary(
  ctx: Context,
  replica: Pick<Instance, 'name' | 'replicaOf'>,
): Promise<string | undefined> {
  if (!replica.replicaOf) return undefined;
  const slot = replicaSlotName(replica.name);
  const primary = await ctx.registry.find(replica.replicaOf).catch(() => undefined);
  if (!primary) return `its primary ${replica.replicaOf} no longer exists: no slot to drop`;
  try {
    await dropReplicaLink(primary, slot);
    return `dropped its replication slot and role ${slot} on ${primary.name}`;
  } catch (e) {
    if (e instanceof RoleDropError)
      return `dropped its replication slot ${slot} on ${primary.name} but not its role (${e.message}): run DROP ROLE IF EXISTS ${slot}; as its superuser`;
    // Re-runnable as it stands: a slot dropped meanwhile makes no error.
    return (
      `could not drop its replication slot ${slot} on ${primary.name} (${describeError(e)}); ` +
      `${primary.name} keeps WAL for it until dropped: run SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '${slot}'; DROP ROLE IF EXISTS ${slot}; ` +
      `as its superuser once it answers`
    );
  }
}

/** Replicas recorded in this home for each primary (from instance.conf files only: no connections). */
export async function replicasByPrimary(ctx: Context): Promise<Map<string, string[]>> {
  const recorded = [];
  for (const entry of await ctx.registry.list()) if (!('error' in entry)) recorded.push(entry);
  return groupReplicas(recorded);
}

/** Each primary's replicas among `instances`, by name. */
export function groupReplicas(instances: Array<{ name: string; replicaOf?: string }>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of instances) if (i.replicaOf) out.set(i.replicaOf, [...(out.get(i.replicaOf) ?? []), i.name]);
  return out;
}
