import Dockerode from 'dockerode';
import { deliverPassword, neverStarted } from './password-file.js';
import { commandHasTls, deliverTls } from './tls-files.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { containerName, dataVolumeOf, type Instance } from '../../core/instance.js';
import type { PortHolder } from '../../core/ports.js';
import {
  PortTakenError,
  type ClientIo,
  type ClientProgram,
  type ClientResult,
  type ClientToolsCheck,
  type DataArchiveRequest,
  type DataReplacement,
  type Engine,
  type EngineState,
  type LogOptions,
  type OfferedExtensions,
  type PhysicalBackupFiles,
  type Progress,
  type StopOptions,
} from '../engine.js';
import { containerClientTools, runContainerClient } from './container-clients.js';
import { archiveContainerData, findVolumeReplacement, replaceVolumeData } from './container-data.js';
import { containerLogLines } from './container-logs.js';
import { runningStates, stateFromListed } from './list-state.js';
import { containerSpec, dataMountTarget } from './container-spec.js';
import { DockerObjects } from './docker-objects.js';
import {
  daemonAddress,
  daemonMessage,
  isPortConflict,
  NO_DAEMON_HINT,
  noDaemonMessage,
  statusOf,
} from './docker-errors.js';
import { checkImageMajor } from './image-major.js';
import { hasImage, pullImage } from './image-pull.js';
import { imageExtensions } from './image-extensions.js';
import { boundTcpPorts, holderFix, mapInspect } from './inspect-state.js';
import { startableContainer } from './startable.js';
import { dockerUpgrades } from './docker-upgrade.js';
import { dockerReplicas } from './docker-replica.js';
import { deliverStandby, dropIdleNetworks, ensureNetwork } from './standby.js';
import { dockerSpares } from './docker-spares.js';

export interface DockerEngineOptions {
  /** The home whose instances this engine manages: every object it creates is labelled with it. */
  home: string;
  /** Injected for tests; the default honours DOCKER_HOST like the docker CLI. */
  docker?: Dockerode;
}

const PING_TIMEOUT_MS = 2_000;
/** Grace for a clean shutdown before a container is removed with its data kept. */
const REMOVE_STOP_SEC = 10;

/** Instances as containers from the instance's image, each with a labelled named volume. */
export class DockerEngine implements Engine {
  readonly name = 'docker' as const;
  readonly #docker: Dockerode;
  readonly #objects: DockerObjects;
  readonly #address: string;

  constructor(opts: DockerEngineOptions) {
    this.#docker = opts.docker ?? new Dockerode();
    this.#address = daemonAddress(this.#docker.modem as object);
    this.#objects = new DockerObjects(this.#docker, opts.home, this.#address);
    // Major upgrades (docker-upgrade.ts): the new major in a container and volume of its own.
    // Replicas (docker-replica.ts); spares (docker-spares.ts): volumes initialised ahead of time.
    const [docker, objects, running] = [this.#docker, this.#objects, (i: Instance) => this.#runningContainer(i)];
    Object.assign(this, dockerUpgrades(docker, objects, running, this), dockerReplicas(docker, objects, this));
    Object.assign(this, dockerSpares(docker, objects));
  }

  async check(): Promise<{ ok: true } | { ok: false; reason: string; hint: string }> {
    try {
      // ping's typings omit its options; dockerode passes abortSignal through to the request.
      await (this.#docker.ping as (opts: { abortSignal: AbortSignal }) => Promise<unknown>)({
        abortSignal: AbortSignal.timeout(PING_TIMEOUT_MS),
      });
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: noDaemonMessage(this.#address, e), hint: NO_DAEMON_HINT };
    }
  }

  async prepare(instance: Instance, progress: Progress): Promise<void> {
    const image = instance.image ?? DEFAULTS.image;
    if (!(await hasImage(this.#docker, image, this.#address))) {
      progress(`image ${image} is not present: pulling it`);
      await pullImage(this.#docker, image, progress, this.#address);
    }
    await checkImageMajor(this.#docker, image, instance);
  }

  async create(instance: Instance, progress: Progress): Promise<void> {
    // Already created in this home: creating again means starting what is there.
    if (await this.#objects.find(instance.name)) return this.start(instance);
    await this.#objects.assertNameFree(instance.name);
    await this.prepare(instance, progress);
    await this.#objects.ensureVolume(instance);
    const image = await this.#docker.getImage(instance.image ?? DEFAULTS.image).inspect();
    const spec = containerSpec(instance, this.#objects.home, {
      hostCpus: await this.#objects.hostCpus(),
      dataPath: dataMountTarget(image.Config),
    });
    if (instance.replicaOf) await ensureNetwork(this.#docker, this.#objects.home, instance.replicaOf); // a replica's container joins it (standby.ts)
    const container = await this.#objects.createContainer(spec);
    try {
      await deliverPassword(container, instance);
      await deliverTls(container, instance, this.#objects.home);
      await deliverStandby(this.#docker, this.#objects.home, container, instance);
      await container.start();
    } catch (e) {
      // Never leave a half-made container behind: the next create would find and retry it.
      // The volume stays: it may hold data from before.
      await container.remove({ force: true, v: true }).catch(() => {});
      if (isPortConflict(e)) throw new PortTakenError(instance.port, daemonMessage(e));
      throw this.#objects.fail(e, `start container ${spec.name}`);
    }
  }

  /** Starts the existing container. Throws CliError('not-found') when there is none: call create. */
  async start(instance: Instance): Promise<void> {
    const name = containerName(instance.name);
    const info = startableContainer(await this.#objects.inspectByName(instance.name), instance);
    if (!info.State.Running && commandHasTls(info.Config.Cmd) !== Boolean(instance.tls)) {
      // TLS turned on or off while it was stopped: its command changes, so it is made anew on its volume.
      await this.remove(instance, { keepData: true });
      return this.create(instance, () => {});
    }
    const container = this.#docker.getContainer(info.Id);
    try {
      if (info.State.Paused) await container.unpause();
      else if (!info.State.Running) {
        // A CLI killed between creating the container and copying the password in left one
        // whose first boot cannot read it: copy it (again) before starts until one has happened.
        if (neverStarted(info)) await deliverPassword(container, instance);
        await deliverTls(container, instance, this.#objects.home);
        await deliverStandby(this.#docker, this.#objects.home, container, instance);
        await container.start();
      }
    } catch (e) {
      if (statusOf(e) === 304) return; // started meanwhile: the goal holds
      if (isPortConflict(e)) throw new PortTakenError(instance.port, daemonMessage(e));
      throw this.#objects.fail(e, `start container ${name}`);
    }
  }

  async stop(instance: Instance, opts: StopOptions): Promise<void> {
    const found = await this.#objects.find(instance.name); // the list says enough: no inspect
    if (!found) return;
    const container = this.#docker.getContainer(found.Id);
    try {
      if (!opts.force) await container.stop({ t: opts.timeoutSec });
      else if (found.State === 'running' || found.State === 'restarting') await container.kill();
    } catch (e) {
      // 304: already stopped; 404: removed meanwhile; 409 (kill): not running. All mean "stopped".
      if ([304, 404, 409].includes(statusOf(e) ?? 0)) return;
      throw this.#objects.fail(e, `stop container ${containerName(instance.name)}`);
    }
  }

  async inspect(instance: Instance): Promise<EngineState> {
    const found = await this.#objects.find(instance.name);
    // A running container's list entry says what its inspect would: one daemon call, not two.
    const info = found && (stateFromListed(found) ?? (await this.#objects.inspectId(found.Id)));
    if (info) return 'state' in info ? info : mapInspect(info);
    return { state: 'absent', dataExists: await this.#objects.volumeExists(dataVolumeOf(instance)) };
  }

  async remove(instance: Instance, opts: { keepData: boolean }): Promise<void> {
    const found = await this.#objects.find(instance.name);
    if (found) {
      const container = this.#docker.getContainer(found.Id);
      try {
        // A clean shutdown first when the data stays, so the next start needs no crash recovery.
        if (opts.keepData && found.State === 'running') await container.stop({ t: REMOVE_STOP_SEC }).catch(() => {});
        // v: true removes the anonymous volumes an image VOLUME may create; Docker never removes
        // named volumes this way, so the data volume is untouched here.
        await container.remove({ force: true, v: true });
      } catch (e) {
        if (statusOf(e) !== 404) throw this.#objects.fail(e, `remove container ${containerName(instance.name)}`);
      }
    }
    if (!opts.keepData) await this.#objects.removeVolume(dataVolumeOf(instance));
    // Replication networks it was on (standby.ts), once unused; a promoted replica stays on its old primary's.
    await dropIdleNetworks(this.#docker, this.#objects.home, instance.name, found?.NetworkSettings?.Networks);
  }

  async *logs(instance: Instance, opts: LogOptions): AsyncIterable<string> {
    const found = await this.#objects.find(instance.name);
    if (!found) return; // no container: no logs (the caller says so)
    const fail = (e: unknown, what: string) => this.#objects.fail(e, what);
    yield* containerLogLines(this.#docker.getContainer(found.Id), opts, containerName(instance.name), fail);
  }

  /** The control files and modules of the instance's image, read by a helper container. */
  offeredExtensions(instance: Instance): Promise<OfferedExtensions | undefined> {
    return imageExtensions(this.#docker, instance.image ?? DEFAULTS.image);
  }

  /** Backups and self-tests run the image's own client programs inside the container. */
  async clientTools(instance: Instance, serverMajor: number): Promise<ClientToolsCheck> {
    return containerClientTools(await this.#runningContainer(instance), serverMajor);
  }

  async runClient(instance: Instance, program: ClientProgram, args: string[], io: ClientIo): Promise<ClientResult> {
    return runContainerClient(await this.#runningContainer(instance), instance, program, args, io);
  }

  /** Physical backups: the image's find and tar read the data directory inside the running container. */
  async archiveData(instance: Instance, request: DataArchiveRequest, out: Parameters<typeof archiveContainerData>[2]) {
    await archiveContainerData(await this.#runningContainer(instance), request, out);
  }

  /** Physical restores: helper containers of the same image rewrite the stopped instance's volume. */
  async replaceData(instance: Instance, files: PhysicalBackupFiles, progress: Progress): Promise<DataReplacement> {
    const info = await this.#objects.inspectByName(instance.name);
    if (info?.State.Running) {
      throw new CliError(
        'failed',
        `instance ${instance.name} is running; its data can only be replaced while it is stopped`,
        { hint: `stop it first: resource-postgres manage stop --instance ${instance.name}` },
      );
    }
    if (!(await this.#objects.volumeExists(dataVolumeOf(instance))))
      throw new CliError('not-found', `instance ${instance.name} has no data volume ${dataVolumeOf(instance)}`);
    return replaceVolumeData(this.#docker, instance.image ?? DEFAULTS.image, dataVolumeOf(instance), files, progress);
  }

  /**
   * Certificate, key and pg_hba.conf are copied in and the server reloads (SIGHUP to PID 1, the
   * postmaster). Turning TLS on or off changes the container's command: it is made anew on its
   * volume (the data stays), which restarts a running server.
   */
  async applyTls(instance: Instance): Promise<'reloaded' | 'restarted' | 'written'> {
    const info = await this.#objects.inspectByName(instance.name);
    if (!info) return 'written';
    const container = this.#docker.getContainer(info.Id);
    if (commandHasTls(info.Config.Cmd) === Boolean(instance.tls)) {
      await deliverTls(container, instance, this.#objects.home);
      if (!info.State.Running) return 'written';
      await container.kill({ signal: 'SIGHUP' });
      return 'reloaded';
    }
    if (!info.State.Running) return 'written'; // start() makes it anew
    await this.remove(instance, { keepData: true });
    await this.create(instance, () => {});
    return 'restarted';
  }

  async findReplacement(instance: Instance): Promise<DataReplacement | undefined> {
    if (!(await this.#objects.volumeExists(dataVolumeOf(instance)))) return undefined;
    // Only an interrupted restore asks: the killed CLI's helper containers are garbage now.
    await this.#objects.removeLeftHelpers(dataVolumeOf(instance));
    return findVolumeReplacement(this.#docker, instance.image ?? DEFAULTS.image, dataVolumeOf(instance));
  }

  async #runningContainer(instance: Instance): Promise<Dockerode.Container> {
    const info = await this.#objects.inspectByName(instance.name);
    if (!info?.State.Running) {
      throw new CliError(
        'failed',
        `instance ${instance.name} is not running (container ${containerName(instance.name)})`,
        {
          hint: `start it: resource-postgres manage start --instance ${instance.name}`,
        },
      );
    }
    return this.#docker.getContainer(info.Id);
  }

  /** One list call for the whole home answers every running instance (status over many instances). */
  async inspectMany(instances: Instance[]): Promise<Map<string, EngineState>> {
    return runningStates(
      this.#docker,
      this.#objects.home,
      instances.map((i) => i.name),
    ).catch((e: unknown) => {
      throw this.#objects.fail(e, 'list containers');
    });
  }

  async heldPorts(): Promise<Map<number, PortHolder>> {
    const held = new Map<number, PortHolder>();
    const containers = await this.#objects.listAll();
    const perContainer = await Promise.all(
      containers.map(async (c) => {
        const name = (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
        const running = c.State === 'running';
        let ports = c.Ports.filter((p) => p.PublicPort && p.Type === 'tcp').map((p) => p.PublicPort);
        // A stopped container lists no ports, yet it takes its bindings back when started.
        if (!running) ports = boundTcpPorts((await this.#objects.inspectId(c.Id))?.HostConfig.PortBindings);
        const fix = holderFix(name, running, c.Labels);
        return ports.map((port) => [port, { kind: 'container', name, fix }] as const);
      }),
    );
    for (const [port, holder] of perContainer.flat()) if (!held.has(port)) held.set(port, holder);
    return held;
  }
}
