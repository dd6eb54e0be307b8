import type Dockerode from 'dockerode';
import { DEFAULTS } from '../../core/defaults.js';
import { dataVolumeOf, type Instance, volumeName } from '../../core/instance.js';
import type { Engine, EngineUpgradeCapabilities } from '../engine.js';
import { pipeInContainer } from './container-pipe.js';
import type { DockerObjects } from './docker-objects.js';
import { hasImage } from './image-pull.js';

/**
 * Major upgrades on docker. The new major runs beside the instance in a container and volume
 * of its own, named `<instance>.pg<major>` ('.' never appears in an instance name, so it can
 * never meet a real instance's objects), on a temporary port. Once it holds every row, the
 * instance is recorded with the new image and that volume (data_volume): its own container is
 * recreated from them on its own port, and the old volume stays untouched until the user
 * removes it.
 */
export function upgradeTargetName(name: string, major: number): string {
  return `${name}.pg${major}`;
}

export function dockerUpgradeTarget(
  instance: Instance,
  major: number,
  opts: { port: number; image?: string },
): Instance {
  const extra = { ...instance.extra };
  delete extra.data_volume; // the target's volume is its own name's
  return {
    ...instance,
    name: upgradeTargetName(instance.name, major),
    image: opts.image ?? `postgres:${major}-alpine`,
    version: String(major),
    port: opts.port,
    desiredState: 'running',
    extra,
  };
}

export function dockerUpgradedInstance(instance: Instance, target: Instance): Instance {
  return {
    ...instance,
    image: target.image,
    version: target.version,
    extra: { ...instance.extra, data_volume: volumeName(target.name) },
  };
}

/**
 * Another container of this daemon's default bridge reaches the server at the container's
 * address on 5432 (the port is published on the host's loopback only, which other containers
 * cannot reach). The image's pg_hba.conf admits password logins from any address.
 */
export async function containerPeerEnv(objects: DockerObjects, instance: Instance): Promise<Record<string, string>> {
  const info = await objects.inspectByName(instance.name);
  const networks = Object.values(info?.NetworkSettings?.Networks ?? {});
  const address = info?.NetworkSettings?.IPAddress || networks.find((n) => n.IPAddress)?.IPAddress;
  if (!address) throw new Error(`container of instance ${instance.name} has no network address`);
  return { PGHOST: address, PGPORT: '5432' };
}

export async function describeDockerTarget(
  docker: Dockerode,
  address: string,
  target: Instance,
): Promise<{ server: string; ready: boolean }> {
  const image = target.image ?? DEFAULTS.image;
  const present = await hasImage(docker, image, address).catch(() => false);
  return {
    server: `image ${image} (${present ? 'present' : 'not present: it would be pulled'}); client programs from inside it; volume ${dataVolumeOf(target)}`,
    ready: present,
  };
}

/** The upgrade capabilities of the docker engine (engine.ts EngineUpgradeCapabilities), over its daemon objects. */
export function dockerUpgrades(
  docker: Dockerode,
  objects: DockerObjects,
  running: (instance: Instance) => Promise<Dockerode.Container>,
  engine: Pick<Engine, 'remove'>,
): EngineUpgradeCapabilities {
  return {
    upgradeTarget: dockerUpgradeTarget,
    upgradedInstance: dockerUpgradedInstance,
    upgradeTargetExists: async (target) =>
      (await objects.find(target.name)) !== undefined || objects.volumeExists(dataVolumeOf(target)),
    // The target's own container and volume: its name is never an instance's.
    discardUpgradeTarget: (target) => engine.remove(target, { keepData: false }),
    peerEnv: (instance) => containerPeerEnv(objects, instance),
    pipeClients: async (instance, from, to, signal) =>
      pipeInContainer(await running(instance), instance, from, to, signal),
    describeUpgradeTarget: (target) => describeDockerTarget(docker, objects.address, target),
  };
}
