import { type Manifest, metadata } from '../manifest.js';

/**
 * A ScheduledBackup left commented out: backups need an object store or volume snapshots
 * this export cannot know. Written as *.yaml.example so `kubectl apply -f DIR` skips it.
 */
export function scheduledBackup(cluster: string, namespace?: string): Manifest {
  return {
    file: 'scheduled-backup.yaml.example',
    stub: true,
    comment: [
      'Nightly backups: configure where they go first (the Barman Cloud plugin and an ObjectStore, or',
      'volume snapshots), then uncomment and apply. The schedule has six fields, seconds first.',
    ].join('\n'),
    body: {
      apiVersion: 'postgresql.cnpg.io/v1',
      kind: 'ScheduledBackup',
      metadata: metadata(`${cluster}-nightly`, namespace),
      spec: {
        schedule: '0 0 3 * * *',
        backupOwnerReference: 'self',
        cluster: { name: cluster },
        method: 'plugin',
        pluginConfiguration: { name: 'barman-cloud.cloudnative-pg.io' },
      },
    },
  };
}
