import type Dockerode from 'dockerode';
import { DEFAULTS, LABEL_PREFIX } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { containerName, dataVolumeOf, type Instance } from '../../core/instance.js';
import { type ReplicaLink, replicationPassfileLine } from '../../core/replica.js';
import type { EngineReplicaCapabilities, Progress } from '../engine.js';
import { execInContainer } from './container-exec.js';
import { containerSpec, DATA_PATH, dataMountTarget } from './container-spec.js';
import type { DockerObjects } from './docker-objects.js';
import { deliverPassword, singleFileTar } from './password-file.js';
import { deliverStandby, joinNetwork, replicationNetwork, REPLICATION_PASSFILE } from './standby.js';
import { deliverTls, postgresIds } from './tls-files.js';

const HBA_LINE = 'host replication all all scram-sha-256';

/**
 * Docker replicas: the base copy is pg_basebackup of the replica's own image, run in a
 * one-off container that mounts the replica's new volume and reaches the primary's container
 * over the replication network through the replica's slot (-X stream keeps the WAL the copy
 * needs). The primary's pg_hba gets one line letting REPLICATION roles in over the network.
 */
export function dockerReplicas(
  docker: Dockerode,
  objects: DockerObjects,
  engine: { prepare(instance: Instance, progress: Progress): Promise<void> },
): Required<EngineReplicaCapabilities> {
  return {
    async allowReplication(primary) {
      const info = await objects.inspectByName(primary.name);
      if (!info?.State.Running)
        throw new CliError(
          'failed',
          `instance ${primary.name} is not running (container ${containerName(primary.name)})`,
          {
            hint: `start it: resource-postgres manage start --instance ${primary.name}`,
          },
        );
      await joinNetwork(docker, objects.home, primary.name, info.Id);
      const container = docker.getContainer(info.Id);
      if (primary.tls) {
        await deliverTls(container, primary, objects.home); // its pg_hba (tls-files.ts) has the line
      } else {
        const script = `f="$PGDATA/pg_hba.conf"; grep -qx '${HBA_LINE}' "$f" || printf '\\n${HBA_LINE}\\n' >> "$f"`;
        const res = await execInContainer(container, { cmd: ['sh', '-c', script], user: 'postgres' });
        if (res.exitCode !== 0)
          throw new CliError('failed', `cannot let replicas into instance ${primary.name} (pg_hba.conf)`, {
            details: res.stderr.trim(),
          });
      }
      await container.kill({ signal: 'SIGHUP' });
    },

    async createReplica(replica: Instance, link: ReplicaLink, _bracket, progress: Progress, made) {
      await engine.prepare(replica, progress);
      await objects.assertNameFree(replica.name);
      if (await objects.volumeExists(dataVolumeOf(replica)))
        throw new CliError('conflict', `instance ${replica.name} already has a data volume ${dataVolumeOf(replica)}`, {
          hint: `a replica starts from an empty volume: docker volume rm ${dataVolumeOf(replica)} (it deletes that data)`,
        });
      made(); // the volume (and later the container) are this create's own
      await objects.ensureVolume(replica);
      const image = await docker.getImage(replica.image ?? DEFAULTS.image).inspect();
      const dataPath = dataMountTarget(image.Config);
      progress(`pg_basebackup of instance ${link.primary.name} into volume ${dataVolumeOf(replica)}`);
      await baseBackup(docker, replica, link, dataPath);
      const spec = containerSpec(replica, objects.home, { hostCpus: await objects.hostCpus(), dataPath });
      const container = await objects.createContainer(spec);
      try {
        await deliverPassword(container, replica);
        await deliverTls(container, replica, objects.home);
        await deliverStandby(docker, objects.home, container, replica);
        await container.start();
      } catch (e) {
        await container.remove({ force: true, v: true }).catch(() => {});
        throw objects.fail(e, `start container ${spec.name}`);
      }
    },

    // The standby flags stay in the container's command: ignored once the server left recovery.
    async forgetPrimary() {},
  };
}

/** pg_basebackup in a one-off container of the replica's image, onto the replica's volume. */
async function baseBackup(docker: Dockerode, replica: Instance, link: ReplicaLink, dataPath: string): Promise<void> {
  const script = [
    'set -e',
    `D="\${PGDATA:-${DATA_PATH}}"`,
    `pg_basebackup -h ${containerName(link.primary.name)} -p 5432 -U ${link.user} -D "$D" -X stream -S ${link.slot} -c fast -w`,
    'touch "$D/standby.signal"',
  ].join('\n');
  const c = await docker.createContainer({
    Image: replica.image ?? DEFAULTS.image,
    User: 'postgres',
    Entrypoint: ['sh', '-c'],
    Cmd: [script],
    // Only the path: the password is in the file.
    Env: [`PGPASSFILE=${REPLICATION_PASSFILE}`],
    Labels: { [`${LABEL_PREFIX}.helper`]: 'replica' },
    HostConfig: {
      Mounts: [{ Type: 'volume', Source: dataVolumeOf(replica), Target: dataPath }],
      NetworkMode: replicationNetwork(link.primary.name),
    },
  });
  try {
    const { uid, gid } = await postgresIds(c);
    await c.putArchive(
      singleFileTar(REPLICATION_PASSFILE.slice(1), replicationPassfileLine(link), 0o600, 0, uid, gid),
      {
        path: '/',
      },
    );
    await c.start();
    const { StatusCode } = (await c.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const log = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      // Frame headers are 8 bytes of binary per chunk: dropping non-printable bytes leaves the text.
      const text = log.toString('utf8').replace(/[^\x20-\x7e\n]/g, '');
      throw new CliError('failed', `pg_basebackup from instance ${link.primary.name} failed (exit ${StatusCode})`, {
        details: text.trim().split('\n').slice(-5).join('\n'),
      });
    }
  } finally {
    await c.remove({ force: true, v: true }).catch(() => {});
  }
}
