import type { Context } from '../../context.js';
import { listInstanceSnapshots } from '../snapshot/instance-store.js';

/**
 * For uninstall's prompt and dry run: the instance-level snapshots kept in the instances'
 * directories, which go with their data (or stay with --keep-data). Empty when there are none.
 */
export async function snapshotsNote(ctx: Context, names: string[]): Promise<string> {
  const parts: string[] = [];
  for (const name of names) {
    const snaps = await listInstanceSnapshots(ctx, name).catch(() => []);
    if (snaps.length) parts.push(`${name}: ${snaps.map((s) => s.meta.name).join(', ')}`);
  }
  return parts.length ? ` (with their instance-level snapshots: ${parts.join('; ')})` : '';
}
