import { describe, expect, it } from 'vitest';
import { ALLOWED, unknownKeys } from '../../src/commands/export/strict-keys.js';
import { declaredKeys } from '../support/cnpg-models.js';

/** Each object node of the allowed-keys table and the models' interface it must be a subset of. */
const TYPES: Record<string, string> = {
  Secret: 'core/Secret',
  Cluster: 'Cluster',
  'Cluster.spec': 'ClusterSpec',
  'Cluster.spec.postgresql': 'PostgresConfiguration',
  'Cluster.spec.resources': 'core/ResourceRequirements',
  'Cluster.spec.ephemeralVolumesSizeLimit': 'EphemeralVolumesSizeLimitConfiguration',
  'Cluster.spec.storage': 'StorageConfiguration',
  'Cluster.spec.bootstrap': 'BootstrapConfiguration',
  'Cluster.spec.bootstrap.initdb': 'BootstrapInitDB',
  'Cluster.spec.bootstrap.initdb.secret': 'core/LocalObjectReference',
  'Cluster.spec.bootstrap.initdb.import': 'Import',
  'Cluster.spec.bootstrap.initdb.import.source': 'ImportSource',
  'Cluster.spec.externalClusters[]': 'ExternalCluster',
  'Cluster.spec.externalClusters[].password': 'core/SecretKeySelector',
  'Cluster.spec.externalClusters[].sslRootCert': 'core/SecretKeySelector',
  Database: 'Database',
  'Database.spec': 'DatabaseSpec',
  'Database.spec.cluster': 'core/LocalObjectReference',
  Pooler: 'Pooler',
  'Pooler.spec': 'PoolerSpec',
  'Pooler.spec.cluster': 'core/LocalObjectReference',
  'Pooler.spec.pgbouncer': 'PgBouncerSpec',
  ScheduledBackup: 'ScheduledBackup',
  'ScheduledBackup.spec': 'ScheduledBackupSpec',
  'ScheduledBackup.spec.cluster': 'core/LocalObjectReference',
  'ScheduledBackup.spec.pluginConfiguration': 'BackupPluginConfiguration',
};

/** Every object node of the table by path (metadata is ObjectMeta's name and namespace: not listed). */
function objectNodes(shape: unknown, path: string, out: Map<string, string[]>): Map<string, string[]> {
  if (Array.isArray(shape)) return objectNodes(shape[0], `${path}[]`, out);
  if (shape === null || typeof shape !== 'object') return out;
  if (!path.endsWith('.metadata')) out.set(path, Object.keys(shape));
  for (const [k, v] of Object.entries(shape)) objectNodes(v, `${path}.${k}`, out);
  return out;
}

describe('the strict unknown-key check', () => {
  it('allows only keys the pinned models declare, for every object it describes', () => {
    const nodes = new Map<string, string[]>();
    for (const [kind, shape] of Object.entries(ALLOWED)) objectNodes(shape, kind, nodes);
    for (const [path, keys] of nodes) {
      const type = TYPES[path];
      expect(type, `no model type mapped for ${path}`).toBeDefined();
      const declared = declaredKeys(type!);
      expect(declared.size, type).toBeGreaterThan(0);
      expect(
        keys.filter((k) => !declared.has(k)),
        `${path} vs ${type}`,
      ).toEqual([]);
    }
  });

  it('names a misspelt or misplaced key by its path, which the models let through', () => {
    const doc = {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'Cluster',
      metadata: { name: 'a' },
      spec: { instances: 1, storage: { size: '1Gi', sise: '2Gi' }, bootstrap: { initdb: { imprt: {} } } },
    };
    expect(unknownKeys(doc, ALLOWED.Cluster!)).toEqual(['spec.storage.sise', 'spec.bootstrap.initdb.imprt']);
    expect(unknownKeys({ ...doc, spec: { instances: { n: 1 } } }, ALLOWED.Cluster!)).toEqual([
      'spec.instances (not a value)',
    ]);
  });
});
