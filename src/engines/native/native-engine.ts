import { access, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULTS, ENV } from '../../core/defaults.js';
import { trace } from '../../core/trace.js';
import { CliError, describeError, isCliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { PortHolder } from '../../core/ports.js';
import type {
  ArchiveOutput,
  ClientIo,
  ClientProgram,
  ClientResult,
  ClientToolsCheck,
  DataArchiveRequest,
  DataReplacement,
  Engine,
  EngineState,
  ImageClientRunner,
  LogOptions,
  OfferedExtensions,
  PhysicalBackupFiles,
  Progress,
  StopOptions,
} from '../engine.js';
import type { ClientSearch } from './client-tools.js';
import { NativeClients } from './native-clients.js';
import { archiveDataDir } from './data-archive.js';
import { findReplacement, replaceDataDir } from './data-replace.js';
import { locateBinaries, type PgBinaries } from './binaries.js';
import { assertSearchableByOthers } from './bin-reach.js';
import { npmOnPath } from './npm-bin.js';
import { readPidFile, startServer, stopInstanceServer } from './control.js';
import { checkMajor, dataMajor, initCluster } from './initdb.js';
import { installedExtensions } from './extension-files.js';
import { findLayout, layoutOf } from './layout.js';
import { removeServerFiles } from './remove-files.js';
import { legacyUidsFor } from './legacy-owner.js';
import { ensureInstanceUser, killUserProcesses, lookupUser, removeInstanceUser } from './os-users.js';
import type { ServerUser } from './run-as.js';
import { openDirNoFollow } from './safe-fs.js';
import { checkReachable, ensureDirs, planLayout, writeServerConfig } from './server-files.js';
import { readServerLog } from './server-log.js';
import { mapNativeState } from './state.js';
import { nativeUpgrades } from './native-upgrade.js';
import { nativeReplicas } from './native-replica.js';
import { nativeSpares } from './native-spares.js';

export interface NativeEngineOptions {
  home: string;
  env?: NodeJS.ProcessEnv;
  startTimeoutSec?: number;
  /**
   * Creates the instance's database in its running server (idempotent). SQL is postgres/'s
   * job: the context passes it in, so the engine only runs processes.
   */
  createDatabase: (instance: Instance) => Promise<void>;
  /** The docker engine's image client runner, the last resort for client programs (native-clients.ts). */
  imageClients?: () => Promise<ImageClientRunner | undefined>;
  /** Where to look for host client programs (tests). */
  clientSearch?: ClientSearch;
}

/**
 * PostgreSQL from initdb + pg_ctl, one data directory per instance. As root, each instance
 * runs as its own system user (os-users.ts). After create(), the passed instance may carry a
 * new dataDir (relocated out of an untraversable home), version (the data directory's major),
 * pgBin (binaries named by RESOURCE_POSTGRES_PG_BIN) and extra.server_user (its OS user):
 * the caller persists them in instance.conf.
 */
export class NativeEngine implements Engine {
  readonly name = 'native' as const;
  readonly home: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #startTimeoutSec: number;
  readonly #createDatabase: NativeEngineOptions['createDatabase'];
  readonly #clients: NativeClients;
  readonly #bins = new Map<string, Promise<PgBinaries>>();

  constructor(opts: NativeEngineOptions) {
    this.home = resolve(opts.home);
    this.#createDatabase = opts.createDatabase;
    this.#env = opts.env ?? process.env;
    this.#startTimeoutSec = opts.startTimeoutSec ?? DEFAULTS.startTimeoutSec;
    this.#clients = new NativeClients(this.#env, opts.imageClients, opts.clientSearch);
    // Major upgrades (native-upgrade.ts), streaming replicas (native-replica.ts) and spares
    // (native-spares.ts: clusters initdb'd ahead of time that a create takes).
    const locate = (t: Instance) => this.#locate(t.pgBin, t.version);
    Object.assign(this, nativeUpgrades(this.home, locate, this), nativeSpares(this.home, locate));
    Object.assign(this, nativeReplicas(this.home, locate, this.#startTimeoutSec, this));
  }

  async check(): Promise<{ ok: true } | { ok: false; reason: string; hint: string }> {
    try {
      // Cached: create() right after must not ask postgres --version again. Binaries named by
      // RESOURCE_POSTGRES_PG_BIN are whatever major they are.
      await this.#locate(undefined, this.#env[ENV.pgBin] ? undefined : DEFAULTS.majorVersion);
      return { ok: true };
    } catch (e) {
      if (!isCliError(e)) throw e;
      // A missing runtime is no reason to pick another engine when creating can install it.
      if (!this.#env[ENV.pgBin] && (await npmOnPath(this.#env))) return { ok: true };
      return { ok: false, reason: e.message, hint: e.hint ?? '' };
    }
  }

  async prepare(instance: Instance, progress: Progress): Promise<void> {
    const bins = await this.#binaries(instance, progress);
    if (process.geteuid?.() === 0) await assertSearchableByOthers(bins.dir);
    // The instance's OS user is made by create(): nothing is left behind for an instance never made.
    progress(`PostgreSQL ${bins.version} binaries in ${bins.dir}`);
  }

  async create(instance: Instance, progress: Progress): Promise<void> {
    const bins = await this.#binaries(instance, progress);
    const user = await this.#serverUser(instance);
    const layout = await planLayout(this.home, instance, user);
    await ensureDirs(this.home, instance, layout, user, await legacyUidsFor(user));
    await checkReachable(layout, user);
    const major = await dataMajor(layout.data);
    if (major) {
      checkMajor(layout.data, major, bins);
      progress(`reusing the existing data directory ${layout.data}`);
    } else {
      progress(`initialising ${layout.data} with PostgreSQL ${bins.version}`);
      await initCluster(bins, layout, instance, user);
    }
    instance.version = major ?? bins.major;
    await writeServerConfig(this.home, instance, layout, user);
    progress(`starting PostgreSQL on ${instance.host}:${instance.port}`);
    await startServer({ instance, layout, bins, user, timeoutSec: this.#startTimeoutSec });
    await this.#ensureDatabase(instance);
  }

  async start(instance: Instance, opts: { timeoutSec?: number } = {}): Promise<void> {
    const layout = await findLayout(this.home, instance);
    // A create cut short (CLI killed after initdb or after the first start) leaves a cluster
    // without the instance's database: the readiness wait makes it when its probe finds none.
    if ((await readPidFile(layout.data)).liveness === 'alive') return;
    const major = await dataMajor(layout.data);
    if (!major) {
      throw new CliError('failed', `instance ${instance.name} has no initialised data directory at ${layout.data}`, {
        hint: `recreate it with: resource-postgres manage uninstall --instance ${instance.name} --force && resource-postgres manage start --instance ${instance.name}`,
      });
    }
    // `postgres --version` (a process start) runs while the user, directories and config are
    // settled: none of them depends on the binaries, and a failure of either is reported as before.
    const located = trace.span('native binaries', () => this.#binaries(instance));
    const settled = trace.span('native user, dirs, config', async () => {
      const user = await this.#serverUser(instance);
      // The socket directory may live in /tmp, which a reboot empties; an older version's layout moves here.
      await ensureDirs(this.home, instance, layout, user, await legacyUidsFor(user));
      await writeServerConfig(this.home, instance, layout, user);
      return user;
    });
    settled.catch(() => {}); // awaited below, after the binaries' verdict
    const bins = await located;
    checkMajor(layout.data, major, bins);
    const user = await settled;
    await startServer({ instance, layout, bins, user, timeoutSec: opts.timeoutSec ?? this.#startTimeoutSec });
  }

  async stop(instance: Instance, opts: StopOptions): Promise<void> {
    await stopInstanceServer({
      instance,
      layout: await findLayout(this.home, instance),
      timeoutSec: opts.timeoutSec,
      force: opts.force,
      binaries: () => this.#binaries(instance),
      owner: (dataDir) => this.#dataOwner(dataDir),
    });
  }

  async inspect(instance: Instance): Promise<EngineState> {
    const layout = await findLayout(this.home, instance);
    const initialised = await access(join(layout.data, 'PG_VERSION')).then(
      () => true,
      () => false,
    );
    const dataDirNonEmpty = await readdir(layout.data).then(
      (e) => e.length > 0,
      () => false,
    );
    const pid = initialised ? await readPidFile(layout.data) : {};
    return mapNativeState({ dataDir: layout.data, initialised, dataDirNonEmpty, ...pid });
  }

  async remove(instance: Instance, opts: { keepData: boolean }): Promise<void> {
    const timeoutSec = DEFAULTS.stopTimeoutSec;
    await this.stop(instance, { timeoutSec }).catch(() => this.stop(instance, { timeoutSec, force: true }));
    // The instance's user and its data are kept together: with --keep-data both stay.
    if (opts.keepData) return;
    const layout = await findLayout(this.home, instance);
    const owner = await this.#dataOwner(layout.data);
    if (owner?.comment?.startsWith('resource-postgres ')) await killUserProcesses(owner);
    await removeServerFiles(this.home, instance, layout);
    if (process.geteuid?.() === 0) await removeInstanceUser(this.home, instance.name, instance.extra.server_user);
  }

  logs(instance: Instance, opts: LogOptions): AsyncIterable<string> {
    return readServerLog(layoutOf(this.home, instance).logFile, opts);
  }

  /** The control files and modules next to the binaries this instance runs (its major's runtime). */
  async offeredExtensions(instance: Instance): Promise<OfferedExtensions> {
    return installedExtensions((await this.#binaries(instance)).dir);
  }

  /** Client programs come from the host, else a local docker image (native-clients.ts): the npm package has none. */
  async clientTools(instance: Instance, serverMajor: number): Promise<ClientToolsCheck> {
    return this.#clients.check(instance, serverMajor);
  }

  async runClient(instance: Instance, program: ClientProgram, args: string[], io: ClientIo): Promise<ClientResult> {
    return this.#clients.run(instance, program, args, io);
  }

  /** Read as root straight from the data directory while the backup session holds the server in backup mode. */
  async archiveData(instance: Instance, request: DataArchiveRequest, out: ArchiveOutput): Promise<void> {
    const data = layoutOf(this.home, instance).data;
    await archiveDataDir(data, request, out, await this.#dataOwner(data));
  }

  async replaceData(instance: Instance, files: PhysicalBackupFiles, progress: Progress): Promise<DataReplacement> {
    const layout = layoutOf(this.home, instance);
    if ((await readPidFile(layout.data)).liveness === 'alive') {
      throw new CliError(
        'failed',
        `instance ${instance.name} is running; its data directory can only be replaced while it is stopped`,
        { hint: `stop it first: resource-postgres manage stop --instance ${instance.name}` },
      );
    }
    return replaceDataDir(layout.data, files, await this.#serverUser(instance), progress);
  }

  /** ssl, its files and pg_hba are all reloadable: rewrite server-conf/ and SIGHUP the postmaster. */
  async applyTls(instance: Instance): Promise<'reloaded' | 'written'> {
    const layout = await findLayout(this.home, instance);
    await writeServerConfig(this.home, instance, layout, await this.#serverUser(instance));
    const { pidFile, liveness } = await readPidFile(layout.data);
    if (liveness !== 'alive' || !pidFile) return 'written';
    process.kill(pidFile.pid, 'SIGHUP');
    return 'reloaded';
  }

  findReplacement(instance: Instance): Promise<DataReplacement | undefined> {
    return findReplacement(layoutOf(this.home, instance).data);
  }

  async heldPorts(): Promise<Map<number, PortHolder>> {
    return new Map(); // every native port is recorded in some instance.conf
  }

  /**
   * Binaries of this instance's major; records the major and an env-chosen bin dir on the
   * instance. `install`: creating, so a missing runtime is installed (talking through it).
   */
  async #binaries(instance: Instance, install?: Progress): Promise<PgBinaries> {
    const bins = await this.#locate(instance.pgBin, instance.version, install);
    if (bins.source === 'env' && !instance.pgBin) instance.pgBin = bins.dir;
    instance.version ??= bins.major;
    return bins;
  }

  /** One lookup (and one `postgres --version`) per bin dir per process, for --all over many instances. */
  #locate(pgBin: string | undefined, major: string | undefined, install?: Progress): Promise<PgBinaries> {
    const key = `${pgBin ?? ''}\0${major ?? ''}`;
    let found = this.#bins.get(key);
    if (!found) {
      found = locateBinaries({ pgBin, major, install, env: this.#env });
      this.#bins.set(key, found);
      found.catch(() => this.#bins.delete(key));
    }
    return found;
  }

  /** Whom the instance's server runs as: its own system user when we are root (created on first need), else us. */
  async #serverUser(instance: Instance): Promise<ServerUser | undefined> {
    if (process.geteuid?.() !== 0) return undefined;
    const user = await ensureInstanceUser(this.home, instance.name, instance.extra.server_user);
    instance.extra.server_user = user.name;
    return user;
  }

  /** The owner of a data directory, when it is not us: the user its server runs as. */
  async #dataOwner(dataDir: string): Promise<ServerUser | undefined> {
    const fh = await openDirNoFollow(dataDir).catch(() => undefined);
    if (!fh) return undefined;
    const { uid, gid } = await fh.stat().finally(() => fh.close());
    if (uid === process.geteuid?.()) return undefined;
    return (await lookupUser(String(uid))) ?? { name: String(uid), uid, gid, home: '/' };
  }

  /** The instance's own database, created over TCP as its superuser right after the first start. */
  async #ensureDatabase(instance: Instance): Promise<void> {
    if (instance.database === 'postgres') return;
    try {
      await this.#createDatabase(instance);
    } catch (e) {
      throw new CliError(
        'failed',
        `could not create database ${instance.database} in instance ${instance.name}: ${describeError(e)}`,
        {
          hint: `the server is running; retry with: resource-postgres content create-database ${instance.database} --instance ${instance.name}`,
        },
      );
    }
  }
}
