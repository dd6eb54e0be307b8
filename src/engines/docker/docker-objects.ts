import type Dockerode from 'dockerode';
import { setTimeout as sleep } from 'node:timers/promises';
import { LABEL_PREFIX, LABELS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { containerName, dataVolumeOf, type Instance } from '../../core/instance.js';
import { labelFilters, volumeSpec } from './container-spec.js';
import { daemonMessage, statusOf, toEngineError } from './docker-errors.js';
import { PULL_HINT } from './image-pull.js';

/** "belongs to home /x" / "was not created by resource-postgres", for conflict messages. */
function ownerOf(labels: Record<string, string> | null | undefined): string {
  const home = labels?.[LABELS.home];
  return home ? `belongs to the resource-postgres home ${home}` : 'was not created by resource-postgres';
}

/**
 * This home's containers and volumes on the daemon: found by label, never by name alone,
 * so two homes (or a user's own container) can never be mistaken for each other.
 */
export class DockerObjects {
  #hostCpus: number | undefined;

  constructor(
    readonly docker: Dockerode,
    readonly home: string,
    readonly address: string,
  ) {}

  fail(e: unknown, what: string): CliError {
    return toEngineError(e, what, this.address);
  }

  async find(name: string): Promise<Dockerode.ContainerInfo | undefined> {
    try {
      const list = await this.docker.listContainers({ all: true, filters: labelFilters(this.home, name) });
      return list[0];
    } catch (e) {
      throw this.fail(e, 'list containers');
    }
  }

  async listAll(): Promise<Dockerode.ContainerInfo[]> {
    return this.docker.listContainers({ all: true }).catch((e: unknown) => {
      throw this.fail(e, 'list containers');
    });
  }

  /** Inspect by id; undefined when it vanished (404). */
  async inspectId(id: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    try {
      return await this.docker.getContainer(id).inspect();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw this.fail(e, `inspect container ${id.slice(0, 12)}`);
    }
  }

  async inspectByName(name: string): Promise<Dockerode.ContainerInspectInfo | undefined> {
    const found = await this.find(name);
    return found ? this.inspectId(found.Id) : undefined;
  }

  /** Container names are global on the daemon: one made elsewhere must not be adopted or touched. */
  async assertNameFree(name: string): Promise<void> {
    const other = await this.inspectId(containerName(name));
    if (!other) return;
    throw new CliError(
      'conflict',
      `a container named ${containerName(name)} already exists and ${ownerOf(other.Config.Labels)}`,
      {
        hint: `use another --instance name, or remove that container (docker rm -f ${containerName(name)}) if it is no longer needed`,
      },
    );
  }

  async createContainer(spec: Dockerode.ContainerCreateOptions): Promise<Dockerode.Container> {
    try {
      return await this.docker.createContainer(spec);
    } catch (e) {
      const status = statusOf(e);
      if (status === 409)
        throw new CliError('conflict', `a container named ${spec.name} already exists: ${daemonMessage(e)}`, {
          hint: 'retry; if it persists, see docker ps -a',
        });
      if (status === 404)
        throw new CliError('engine', `image ${spec.Image} is not present: ${daemonMessage(e)}`, { hint: PULL_HINT });
      throw this.fail(e, `create container ${spec.name}`);
    }
  }

  /** Docker rejects NanoCpus above the daemon host's CPU count; asked once per engine. */
  async hostCpus(): Promise<number | undefined> {
    this.#hostCpus ??= await this.docker.info().then(
      (i: { NCPU?: number }) => i.NCPU,
      () => undefined,
    );
    return this.#hostCpus;
  }

  /** `volume`: a volume's full name (dataVolumeOf). */
  async #inspectVolume(volume: string): Promise<Dockerode.VolumeInspectInfo | undefined> {
    try {
      return await this.docker.getVolume(volume).inspect();
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw this.fail(e, `inspect volume ${volume}`);
    }
  }

  #ours(volume: Dockerode.VolumeInspectInfo): boolean {
    return volume.Labels?.[LABELS.home] === this.home;
  }

  /** The data volume: reused when this home made it (its data survives), refused when another did. */
  async ensureVolume(instance: Instance): Promise<void> {
    const existing = await this.#inspectVolume(dataVolumeOf(instance));
    if (existing && this.#ours(existing)) return;
    if (existing) {
      throw new CliError('conflict', `the volume ${existing.Name} already exists and ${ownerOf(existing.Labels)}`, {
        hint: `use another --instance name, or remove the volume (docker volume rm ${existing.Name}) if its data is no longer needed`,
      });
    }
    await this.docker.createVolume(volumeSpec(instance, this.home)).catch((e: unknown) => {
      throw this.fail(e, `create volume ${dataVolumeOf(instance)}`);
    });
  }

  async volumeExists(volumeName: string): Promise<boolean> {
    const volume = await this.#inspectVolume(volumeName);
    return volume !== undefined && this.#ours(volume);
  }

  /** Removes this home's data volume; absent is success, another home's volume is left alone. */
  async removeVolume(volumeName: string): Promise<void> {
    const volume = await this.#inspectVolume(volumeName);
    if (!volume || !this.#ours(volume)) return;
    await this.removeLeftHelpers(volume.Name);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.docker.getVolume(volume.Name).remove();
      } catch (e) {
        const status = statusOf(e);
        if (status === 404) return;
        // 409 "in use": a container is still being torn down; give the daemon a moment.
        if (status === 409 && attempt < 10) await sleep(200);
        else if (status === 409)
          throw new CliError('conflict', `volume ${volume.Name} is still in use: ${daemonMessage(e)}`, {
            hint: `see which container uses it: docker ps -a --filter volume=${volume.Name}`,
          });
        else throw this.fail(e, `remove volume ${volume.Name}`);
      }
    }
  }

  /**
   * A restore helper (a one-off container of ours mounting the volume) outlives a CLI killed
   * mid-restore, and holds the volume: the instance's removal takes it too. The instance lock
   * the caller holds means no restore is running now.
   */
  async removeLeftHelpers(volumeName: string): Promise<void> {
    const left = await this.docker
      .listContainers({ all: true, filters: { volume: [volumeName], label: [`${LABEL_PREFIX}.helper`] } })
      .catch(() => []);
    await Promise.all(
      left.map((c) =>
        this.docker
          .getContainer(c.Id)
          .remove({ force: true, v: true })
          .catch(() => {}),
      ),
    );
  }
}
