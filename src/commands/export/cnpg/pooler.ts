import { type Manifest, metadata } from '../manifest.js';
import type { ExportSource } from '../source.js';

/** A PgBouncer Pooler in front of the primary, in the mode the instance's own pooler runs (pooler start). */
export function pooler(src: ExportSource, cluster: string, namespace?: string): Manifest | undefined {
  if (!src.pooler) return undefined;
  return {
    file: 'pooler.yaml',
    comment: `PgBouncer for cluster ${cluster}, ${src.pooler.mode} pooling as instance ${src.name}'s pooler. Applications connect to the Service ${cluster}-pooler-rw.`,
    body: {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Pooler',
      metadata: metadata(`${cluster}-pooler-rw`, namespace),
      spec: {
        cluster: { name: cluster },
        instances: 2,
        type: 'rw',
        pgbouncer: { poolMode: src.pooler.mode },
      },
    },
  };
}
