/**
 * Every key an export may emit, per kind. The models' own validation lets unknown keys
 * through (a typo would reach the API server, which drops or rejects it), so each document
 * is walked against this table before it is written. A unit test checks the table against
 * the pinned models' type declarations, so it can allow nothing the operator does not know.
 */
type Shape = 'leaf' | 'map' | { [key: string]: Shape } | [Shape];

const META: Shape = { name: 'leaf', namespace: 'leaf' };
const REF: Shape = { name: 'leaf' };
const KEY_REF: Shape = { name: 'leaf', key: 'leaf' };
const head = { apiVersion: 'leaf', kind: 'leaf', metadata: META } as const;

export const ALLOWED: Record<string, Shape> = {
  Secret: { ...head, type: 'leaf', stringData: 'map' },
  Cluster: {
    ...head,
    spec: {
      instances: 'leaf',
      imageName: 'leaf',
      enableSuperuserAccess: 'leaf',
      postgresql: { parameters: 'map', shared_preload_libraries: 'leaf' },
      resources: { requests: 'map', limits: 'map' },
      ephemeralVolumesSizeLimit: { shm: 'leaf' },
      storage: { size: 'leaf' },
      bootstrap: {
        initdb: {
          database: 'leaf',
          owner: 'leaf',
          secret: REF,
          import: { type: 'leaf', databases: 'leaf', roles: 'leaf', source: { externalCluster: 'leaf' } },
        },
      },
      externalClusters: [{ name: 'leaf', connectionParameters: 'map', password: KEY_REF, sslRootCert: KEY_REF }],
    },
  },
  Database: {
    ...head,
    spec: { name: 'leaf', owner: 'leaf', cluster: REF, ensure: 'leaf', databaseReclaimPolicy: 'leaf' },
  },
  Pooler: { ...head, spec: { cluster: REF, instances: 'leaf', type: 'leaf', pgbouncer: { poolMode: 'leaf' } } },
  ScheduledBackup: {
    ...head,
    spec: {
      schedule: 'leaf',
      backupOwnerReference: 'leaf',
      cluster: REF,
      method: 'leaf',
      pluginConfiguration: { name: 'leaf' },
    },
  },
};

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** Paths in `doc` the shape does not allow, e.g. "spec.bootstrap.initdb.imprt". */
export function unknownKeys(doc: unknown, shape: Shape, path = ''): string[] {
  if (shape === 'leaf')
    return isScalar(doc) || (Array.isArray(doc) && doc.every(isScalar)) ? [] : [`${path} (not a value)`];
  if (doc === null || typeof doc !== 'object') return [`${path} (not an object)`];
  if (Array.isArray(shape)) {
    if (!Array.isArray(doc)) return [`${path} (not a list)`];
    return doc.flatMap((item, i) => unknownKeys(item, shape[0], `${path}[${i}]`));
  }
  const entries = Object.entries(doc as Record<string, unknown>);
  if (shape === 'map') return entries.filter(([, v]) => !isScalar(v)).map(([k]) => `${path}.${k} (not a value)`);
  return entries.flatMap(([k, v]) => {
    const where = path ? `${path}.${k}` : k;
    const sub = shape[k];
    return sub === undefined ? [where] : unknownKeys(v, sub, where);
  });
}

/** Throws (a bug of ours, not the user's) when a document holds a key the table does not allow. */
export function assertKnownKeys(doc: Record<string, unknown>): void {
  const kind = String(doc.kind);
  const shape = ALLOWED[kind];
  const bad = shape ? unknownKeys(doc, shape) : [`kind ${kind}`];
  if (bad.length) throw new Error(`export produced ${kind} keys outside the known schema: ${bad.join(', ')}`);
}
