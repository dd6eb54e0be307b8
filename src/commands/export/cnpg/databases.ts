import { type Manifest, metadata } from '../manifest.js';
import type { ExportSource } from '../source.js';
import { objectSuffix } from './names.js';

/**
 * A Database resource for each database besides the application's (bootstrap makes that
 * one): the operator then keeps them declared. They come after the import, which already
 * created them with their data; `retain` keeps a database when its resource is deleted.
 * An owner the import does not carry over (the program's own superuser) becomes the app role.
 */
export function databases(src: ExportSource, cluster: string, namespace?: string): Manifest[] {
  const carried = new Set([src.app.user, ...src.roles]);
  return (src.databases ?? [])
    .filter((d) => d.name !== src.database)
    .map((d) => ({
      file: `database-${objectSuffix(d.name)}.yaml`,
      comment: `Database ${d.name} of instance ${src.name}: its data arrives with the import in cluster.yaml.`,
      body: {
        apiVersion: 'postgresql.cnpg.io/v1',
        kind: 'Database',
        metadata: metadata(`${cluster}-${objectSuffix(d.name)}`, namespace),
        spec: {
          name: d.name,
          owner: carried.has(d.owner) ? d.owner : src.app.user,
          cluster: { name: cluster },
          ensure: 'present',
          databaseReclaimPolicy: 'retain',
        },
      },
    }));
}
