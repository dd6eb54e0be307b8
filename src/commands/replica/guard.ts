import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { replicasByPrimary } from './slot.js';

/**
 * Uninstalling a primary whose replicas stay would leave them following nothing: refused
 * without --force (naming them), warned about with it. Replicas removed in the same run do
 * not count.
 */
export async function guardPrimaries(ctx: Context, removing: string[], force: boolean): Promise<void> {
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
  ctx.talk.warn(
    `${what}; they stay readable, frozen at their last replayed change (manage promote makes one writable)`,
  );
}
