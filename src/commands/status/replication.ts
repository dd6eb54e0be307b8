import type { Context } from '../../context.js';
import { describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { groupReplicas, replicasByPrimary } from '../replica/slot.js';

/** status: each instance's role; a replica's primary and lag; a primary's replicas. */
export interface ReplicationStatus {
  role: 'primary' | 'replica';
  /** A primary's replicas recorded in this home (only when it has any). */
  replicas?: string[];
  /** A replica's view of its stream (only for replicas). */
  replication?: {
    primary: string;
    /** Is the replica streaming from its primary right now? null: not asked (--fast, not running). */
    primary_reachable: boolean | null;
    lag_bytes: number | null;
    lag_seconds: number | null;
  };
}

/**
 * Who replicates whom, from instance.conf files only (no connection). `all`: the instances are
 * every one of the home already, so nothing more is read.
 */
export async function replicaMap(ctx: Context, instances: Instance[], all: boolean): Promise<Map<string, string[]>> {
  return all ? groupReplicas(instances) : replicasByPrimary(ctx);
}

/**
 * The role of one instance; for a healthy replica one query on the replica itself (never on
 * the primary, which may be gone). Plain instances cost nothing: no connection is made.
 */
export async function replicationOf(
  instance: Instance,
  replicas: Map<string, string[]>,
  ask: boolean,
): Promise<ReplicationStatus & { note?: string }> {
  if (!instance.replicaOf) {
    const mine = replicas.get(instance.name);
    return { role: 'primary', ...(mine?.length ? { replicas: mine } : {}) };
  }
  const base = { primary: instance.replicaOf, primary_reachable: null, lag_bytes: null, lag_seconds: null };
  if (!ask) return { role: 'replica', replication: base };
  try {
    const { replicaState } = await import('../../postgres/replication.js');
    const s = await replicaState(instance);
    const replication = {
      primary: instance.replicaOf,
      primary_reachable: s.streaming,
      lag_bytes: s.streaming ? s.lagBytes : null,
      lag_seconds: s.streaming ? s.lagSeconds : null,
    };
    const note = s.streaming
      ? `replica of ${instance.replicaOf}, streaming, lag ${s.lagBytes ?? '?'} bytes / ${s.lagSeconds ?? '?'} s`
      : `replica of ${instance.replicaOf}: primary unreachable (still readable; promote it with: resource-postgres manage promote --instance ${instance.name})`;
    return { role: 'replica', replication, note };
  } catch (e) {
    return { role: 'replica', replication: base, note: `replication state unknown: ${describeError(e)}` };
  }
}
