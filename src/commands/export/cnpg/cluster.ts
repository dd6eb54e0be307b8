import { parseSize } from '../../../core/templates.js';
import { type Manifest, metadata } from '../manifest.js';
import type { ExportSource } from '../source.js';
import { type BootstrapNames, bootstrap, externalClusters, importType, reachNotes } from './bootstrap.js';
import { cnpgImage } from './names.js';
import { clusterParameters } from './parameters.js';

export interface ClusterOptions {
  namespace?: string;
  instances: number;
  storage: string;
}

/** "1g" / "256m" (the templates' container sizes) -> a Kubernetes quantity ("1Gi", "256Mi"). */
export function quantity(size: string): string {
  const bytes = parseSize(size);
  const gi = bytes / 1024 ** 3;
  return Number.isInteger(gi) ? `${gi}Gi` : `${Math.ceil(bytes / 1024 ** 2)}Mi`;
}

/**
 * The Cluster: the instance's major, its template's settings (less what the operator
 * manages), its container limits as requests and limits alike (the operator's advice: a
 * database should not be the first thing evicted), and a bootstrap that imports its data.
 * enableSuperuserAccess follows the app role: an instance whose application had a superuser
 * keeps one reachable (the operator's <cluster>-superuser Secret); an owner-mode instance does not.
 */
export function cluster(
  src: ExportSource,
  names: BootstrapNames,
  opts: ClusterOptions,
): { manifest: Manifest; warnings: string[] } {
  const params = clusterParameters(src.settings);
  const memory = quantity(src.container.memory);
  const cpu = String(src.container.cpus);
  const postgresql: Record<string, unknown> = { parameters: params.parameters };
  if (src.sharedPreloadLibraries.length) postgresql.shared_preload_libraries = [...src.sharedPreloadLibraries];
  const body = {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: metadata(names.cluster, opts.namespace),
    spec: {
      instances: opts.instances,
      imageName: cnpgImage(src.name, src.major),
      enableSuperuserAccess: src.appRole === 'superuser',
      postgresql,
      resources: { requests: { memory, cpu }, limits: { memory, cpu } },
      ephemeralVolumesSizeLimit: { shm: quantity(src.container.shm_size) },
      storage: { size: opts.storage },
      bootstrap: bootstrap(src, names),
      externalClusters: externalClusters(src, names),
    },
  };
  const warnings: string[] = [];
  if (params.managed.length)
    warnings.push(`left to the operator (it manages them itself): ${params.managed.join(', ')}`);
  if (params.unsafe.length)
    warnings.push(
      `left out, a cluster exists to keep its data: ${params.unsafe.join(', ')} (template ${src.template})`,
    );
  if (src.appRole === 'superuser')
    warnings.push(
      `in the cluster, ${src.app.user} owns its database but is no superuser; the superuser is postgres (Secret ${names.cluster}-superuser)`,
    );
  const type = importType(src);
  const comment = [
    `CloudNativePG Cluster for instance ${src.name} (PostgreSQL ${src.major}, template ${src.template}, app role ${src.appRole}).`,
    `Bootstrap: initdb, then a ${type} import of ${type === 'monolith' ? 'every database and the roles users made' : `database ${src.database}`} from the instance.`,
    ...reachNotes(src),
    'Stop writes to the instance before applying: the import copies one snapshot, later writes stay behind.',
    'Alternative: bootstrap.pg_basebackup clones the whole data directory (same major, a replication connection',
    'and a pg_hba entry for it); prefer it for large databases, the import for a clean start or a newer major.',
    ...warnings.map((w) => `Note: ${w}.`),
  ];
  return { manifest: { file: 'cluster.yaml', comment: comment.join('\n'), body }, warnings };
}
