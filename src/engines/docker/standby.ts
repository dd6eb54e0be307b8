import type Dockerode from 'dockerode';
import { LABELS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { containerName, type Instance } from '../../core/instance.js';
import { majorOf, primaryConninfo, replicaSlotName, replicationPassfileLine } from '../../core/replica.js';
import { singleFileTar } from './password-file.js';
import { postgresIds } from './tls-files.js';

/**
 * A docker replica reaches its primary's container by name on a user-defined network of that
 * primary's, which only the primary and its replicas join (the primary publishes on host
 * loopback only, which a container cannot reach; one network per primary keeps unrelated
 * instances from reaching each other's servers). Its standby settings are `-c` flags of its command; the replication password is a
 * file copied in before every start, 0600 and owned by the image's postgres user (libpq
 * ignores a password file others can read), at / where that user can plant nothing.
 */
/** The replication network of primary `name`: resource-postgres-<name>-replication. */
export const replicationNetwork = (primary: string) => `${containerName(primary)}-replication`;
export const REPLICATION_PASSFILE = '/.resource-postgres-replication-pgpass';
/** The port the server listens on inside every container. */
const CONTAINER_PORT = 5432;

/** The replica's standby settings (none for any other instance). Pure. */
export function standbySettings(instance: Pick<Instance, 'name' | 'replicaOf' | 'version'>): Record<string, string> {
  if (!instance.replicaOf) return {};
  const slot = replicaSlotName(instance.name);
  return {
    primary_conninfo: primaryConninfo({
      host: containerName(instance.replicaOf),
      port: CONTAINER_PORT,
      user: slot,
      passfile: REPLICATION_PASSFILE,
      applicationName: instance.name,
      major: majorOf(instance.version),
    }),
    primary_slot_name: slot,
    hot_standby: 'on',
  };
}

/** The network a replica's container joins (none for any other instance). Pure. */
export function standbyNetwork(instance: Pick<Instance, 'replicaOf'>): { NetworkMode?: string } {
  return instance.replicaOf ? { NetworkMode: replicationNetwork(instance.replicaOf) } : {};
}

type NetworkInfo = { Labels?: Record<string, string> | null; Containers?: Record<string, unknown> };

/** Made by this program for this home (labels), not merely named like one of ours. Pure. */
export function isOwnNetwork(info: NetworkInfo | undefined, home: string): boolean {
  return info?.Labels?.[LABELS.managed] === 'true' && info.Labels?.[LABELS.home] === home;
}

const inspectNetwork = (net: Dockerode.Network) =>
  net.inspect().catch(() => undefined) as Promise<NetworkInfo | undefined>;

/**
 * Makes primary's replication network exist, labelled with the home. A network of that name
 * someone else made is refused: containers on it could reach P's server and take its traffic.
 */
export async function ensureNetwork(docker: Dockerode, home: string, primary: string): Promise<Dockerode.Network> {
  const name = replicationNetwork(primary);
  const net = docker.getNetwork(name);
  let found = await inspectNetwork(net);
  if (!found) {
    try {
      await docker.createNetwork({
        Name: name,
        Driver: 'bridge',
        Labels: { [LABELS.managed]: 'true', [LABELS.home]: home },
      });
    } catch (e) {
      // 409: made meanwhile by another CLI (its labels are checked below).
      if ((e as { statusCode?: number }).statusCode !== 409) throw e;
    }
    found = await inspectNetwork(net);
  }
  if (!isOwnNetwork(found, home))
    throw new CliError('conflict', `docker network ${name} exists but was not made by resource-postgres for ${home}`, {
      hint: `replicas of instance ${primary} use that name; if nothing needs it, remove it: docker network rm ${name}`,
    });
  return net;
}

/** Attaches a container to primary's replication network; already attached is fine. */
export async function joinNetwork(
  docker: Dockerode,
  home: string,
  primary: string,
  containerId: string,
): Promise<void> {
  const net = await ensureNetwork(docker, home, primary);
  const info = (await net.inspect()) as NetworkInfo;
  if (info.Containers && Object.keys(info.Containers).some((id) => id === containerId)) return;
  try {
    await net.connect({ Container: containerId });
  } catch (e) {
    const text = String((e as Error).message ?? e);
    if (!/already exists|already attached/i.test(text)) throw e;
  }
}

/**
 * After an instance's removal: the replication networks its container was on, and its own as
 * a primary, go once no container uses them; best effort (another CLI may be using one).
 */
export async function dropIdleNetworks(
  docker: Dockerode,
  home: string,
  name: string,
  attached: Record<string, unknown> | undefined,
): Promise<void> {
  const mine = replicationNetwork(name);
  const names = new Set([
    mine,
    ...Object.keys(attached ?? {}).filter((n) => /^resource-postgres-.+-replication$/.test(n)),
  ]);
  for (const n of names) {
    const net = docker.getNetwork(n);
    const info = await inspectNetwork(net);
    // Only networks this home made: a look-alike name is never removed.
    if (isOwnNetwork(info, home) && Object.keys(info?.Containers ?? {}).length === 0)
      await net.remove().catch(() => {});
  }
}

/**
 * Before an instance's container starts. A replica: its password file, and its primary's
 * container on the network (a primary container made anew since, e.g. by a TLS change, left
 * it). A primary whose replication network exists: its container (maybe made anew) on it, so
 * its replicas reach it again. One network lookup for any other instance.
 */
export async function deliverStandby(
  docker: Dockerode,
  home: string,
  container: Dockerode.Container,
  instance: Instance,
): Promise<void> {
  if (isOwnNetwork(await inspectNetwork(docker.getNetwork(replicationNetwork(instance.name))), home))
    await joinNetwork(docker, home, instance.name, container.id);
  if (!instance.replicaOf || !instance.replicationPassword) return;
  const { uid, gid } = await postgresIds(container);
  const line = replicationPassfileLine({
    user: replicaSlotName(instance.name),
    password: instance.replicationPassword,
  });
  await container.putArchive(singleFileTar(REPLICATION_PASSFILE.slice(1), line, 0o600, 0, uid, gid), { path: '/' });
  const primary = await docker
    .getContainer(containerName(instance.replicaOf))
    .inspect()
    .catch(() => undefined);
  if (primary) await joinNetwork(docker, home, instance.replicaOf, primary.Id).catch(() => {});
}
