import type { ExportSource } from '../source.js';

/**
 * bootstrap.initdb with an import from the instance, and the externalClusters entry it
 * reads from. One database: the microservice import (pg_dump of that database restored into
 * the application database, owned by the application role). Several: the monolith import
 * (every database with its owners, plus the roles users made), which needs a superuser on the
 * source, as the program's own superuser is.
 */
export interface BootstrapNames {
  cluster: string;
  appSecret: string;
  sourceSecret: string;
  sourceCa?: string;
}

export const sourceName = (cluster: string) => `${cluster}-source`;

export function importType(src: ExportSource): 'microservice' | 'monolith' {
  return (src.databases?.length ?? 1) > 1 ? 'monolith' : 'microservice';
}

export function bootstrap(src: ExportSource, names: BootstrapNames): Record<string, unknown> {
  const type = importType(src);
  const databases = type === 'monolith' ? src.databases!.map((d) => d.name) : [src.database];
  const roles = type === 'monolith' && src.roles.length ? { roles: src.roles } : {};
  return {
    initdb: {
      database: src.database,
      owner: src.app.user,
      secret: { name: names.appSecret },
      import: { type, databases, ...roles, source: { externalCluster: sourceName(names.cluster) } },
    },
  };
}

export function externalClusters(src: ExportSource, names: BootstrapNames): Array<Record<string, unknown>> {
  const tls = src.tls && names.sourceCa ? { sslRootCert: { name: names.sourceCa, key: 'ca.crt' } } : {};
  return [
    {
      name: sourceName(names.cluster),
      connectionParameters: {
        host: src.reach.host,
        port: String(src.reach.port),
        user: src.admin.user,
        dbname: 'postgres',
        // verify-full against the CA in the source-ca Secret when the instance serves TLS (manage tls).
        sslmode: src.tls ? 'verify-full' : 'disable',
      },
      password: { name: names.sourceSecret, key: 'password' },
      ...tls,
    },
  ];
}

/** What must hold for the import to run, said in the Cluster's comment and as warnings. */
export function reachNotes(src: ExportSource): string[] {
  const notes = [
    `The import connects from the cluster to ${src.reach.host}:${src.reach.port} as ${src.admin.user}: pods must reach that address.`,
  ];
  if (src.reach.loopbackOnly)
    notes.push(
      `Instance ${src.name} listens on 127.0.0.1 only, so nothing outside this machine reaches it. Forward a reachable`,
      `address to it for the import (e.g. socat TCP-LISTEN:${src.reach.port},bind=<this machine's address>,fork TCP:127.0.0.1:${src.reach.port},`,
      `or an SSH tunnel), and set externalClusters[0].connectionParameters.host to that address.`,
    );
  if (!src.tls)
    notes.push('The instance has no TLS (sslmode disable): carry the import over a private network or a tunnel.');
  return notes;
}
