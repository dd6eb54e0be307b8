import type { Manifest } from '../manifest.js';
import type { ExportSource } from '../source.js';
import { cluster, type ClusterOptions } from './cluster.js';
import { databases } from './databases.js';
import { clusterName } from './names.js';
import { pooler } from './pooler.js';
import { scheduledBackup } from './scheduled-backup.js';
import { basicAuthSecret, sourceCaSecret } from './secret.js';

export interface CnpgOptions extends ClusterOptions {
  showSecrets: boolean;
}

/** Every document of `export cnpg`, in the order they apply: Secrets, Cluster, Databases, Pooler; the backup stub last. */
export function cnpgManifests(src: ExportSource, opts: CnpgOptions): { manifests: Manifest[]; warnings: string[] } {
  const name = clusterName(src.name);
  const names = {
    cluster: name,
    appSecret: `${name}-app-user`,
    sourceSecret: `${name}-source-superuser`,
    ...(src.tls ? { sourceCa: `${name}-source-ca` } : {}),
  };
  const ns = opts.namespace;
  const common = { namespace: ns, instance: src.name, showSecrets: opts.showSecrets };
  const app = basicAuthSecret({
    ...common,
    name: names.appSecret,
    file: 'secret-app-user.yaml',
    what: `The application role ${src.app.user} of instance ${src.name}: the cluster's database owner, same password`,
    user: src.app.user,
    password: src.app.password,
    admin: false,
  });
  const source = basicAuthSecret({
    ...common,
    name: names.sourceSecret,
    file: 'secret-source-superuser.yaml',
    what: `The superuser ${src.admin.user} of instance ${src.name}, which the import connects as; delete it after the import`,
    user: src.admin.user,
    password: src.admin.password,
    admin: src.appRole === 'owner',
  });
  const ca = names.sourceCa ? sourceCaSecret(src, names.sourceCa, ns) : undefined;
  const c = cluster(src, names, opts);
  const warnings = [...c.warnings];
  if (src.reach.loopbackOnly)
    warnings.push(
      `instance ${src.name} listens on 127.0.0.1 only: the cluster cannot reach it for the import until you forward a reachable address to port ${src.reach.port} (see cluster.yaml)`,
    );
  if (src.databases === undefined)
    warnings.push(
      `instance ${src.name} does not answer (${src.unanswered ?? 'not running'}), so its databases and roles are unknown: the import covers only database ${src.database}; start it (resource-postgres manage start --instance ${src.name}) and export again for every database`,
    );
  const poolerManifest = pooler(src, name, ns);
  const manifests = [
    app,
    source,
    ...(ca ? [ca] : []),
    c.manifest,
    ...databases(src, name, ns),
    ...(poolerManifest ? [poolerManifest] : []),
    scheduledBackup(name, ns),
  ];
  return { manifests, warnings };
}
