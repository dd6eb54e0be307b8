import { access, readdir, rm } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, describeError, isCliError } from '../../core/errors.js';
import { type Instance, instancePaths } from '../../core/instance.js';
import type { PortHolder } from '../../core/ports.js';
import { withClient } from '../../postgres/client.js';
import type { Engine, EngineState, LogOptions, Progress, StopOptions } from '../engine.js';
import { locateBinaries, type PgBinaries } from './binaries.js';
import { readPidFile, signalStop, startServer, stopServer } from './control.js';
import { checkMajor, dataMajor, initCluster } from './initdb.js';
import { layoutOf, type NativeLayout, RELOCATION_ROOT } from './layout.js';
import { findServerUser, type ServerUser } from './run-as.js';
import { checkReachable, ensureDirs, planLayout, writeServerConfig } from './server-files.js';
import { readServerLog } from './server-log.js';
import { mapNativeState } from './state.js';

/**
 * PostgreSQL from initdb + pg_ctl, one data directory per instance. After create(), the
 * passed instance may carry a new dataDir (relocated out of an untraversable home), version
 * (the data directory's major) and pgBin (binaries named by RESOURCE_POSTGRES_PG_BIN):
 * the caller persists them in instance.conf.
 */
export class NativeEngine implements Engine {
  readonly name = 'native' as const;
  readonly home: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #startTimeoutSec: number;
  #user?: Promise<ServerUser | undefined>;
  readonly #bins = new Map<string, Promise<PgBinaries>>();

  constructor(opts: { home: string; env?: NodeJS.ProcessEnv; startTimeoutSec?: number }) {
    this.home = resolve(opts.home);
    this.#env = opts.env ?? process.env;
    this.#startTimeoutSec = opts.startTimeoutSec ?? DEFAULTS.startTimeoutSec;
  }

  async check(): Promise<{ ok: true } | { ok: false; reason: string; hint: string }> {
    try {
      await locateBinaries({ env: this.#env });
      return { ok: true };
    } catch (e) {
      if (!isCliError(e)) throw e;
      return { ok: false, reason: e.message, hint: e.hint ?? '' };
    }
  }

  async prepare(instance: Instance, progress: Progress): Promise<void> {
    const bins = await this.#binaries(instance);
    progress(`PostgreSQL ${bins.version} binaries in ${bins.dir}`);
    await this.#serverUser();
  }

  async create(instance: Instance, progress: Progress): Promise<void> {
    const bins = await this.#binaries(instance);
    const user = await this.#serverUser();
    const layout = await planLayout(this.home, instance, user);
    await ensureDirs(this.home, instance, layout, user);
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
    const layout = layoutOf(this.home, instance);
    if ((await readPidFile(layout.data)).liveness === 'alive') return;
    const major = await dataMajor(layout.data);
    if (!major) {
      throw new CliError('failed', `instance ${instance.name} has no initialised data directory at ${layout.data}`, {
        hint: `recreate it with: resource-postgres manage uninstall --instance ${instance.name} --force && resource-postgres manage start --instance ${instance.name}`,
      });
    }
    const bins = await this.#binaries(instance);
    checkMajor(layout.data, major, bins);
    const user = await this.#serverUser();
    // The socket directory may live in /tmp, which a reboot empties.
    await ensureDirs(this.home, instance, layout, user);
    await writeServerConfig(this.home, instance, layout, user);
    await startServer({ instance, layout, bins, user, timeoutSec: opts.timeoutSec ?? this.#startTimeoutSec });
  }

  async stop(instance: Instance, opts: StopOptions): Promise<void> {
    const layout = layoutOf(this.home, instance);
    const { pidFile, liveness } = await readPidFile(layout.data);
    if (liveness !== 'alive' || !pidFile) return;
    let bins: PgBinaries;
    try {
      bins = await this.#binaries(instance);
    } catch {
      if (await signalStop(pidFile.pid, opts.timeoutSec, opts.force)) return;
      throw new CliError('timeout', `instance ${instance.name} (pid ${pidFile.pid}) did not stop within ${opts.timeoutSec} s`, { hint: 'retry with --force' });
    }
    await stopServer({ instance, layout, bins, user: await this.#serverUser(), timeoutSec: opts.timeoutSec, force: opts.force });
  }

  async inspect(instance: Instance): Promise<EngineState> {
    const layout = layoutOf(this.home, instance);
    const initialised = await access(join(layout.data, 'PG_VERSION')).then(() => true, () => false);
    const dataDirNonEmpty = await readdir(layout.data).then((e) => e.length > 0, () => false);
    const pid = initialised ? await readPidFile(layout.data) : {};
    return mapNativeState({ dataDir: layout.data, initialised, dataDirNonEmpty, ...pid });
  }

  async remove(instance: Instance, opts: { keepData: boolean }): Promise<void> {
    const timeoutSec = DEFAULTS.stopTimeoutSec;
    await this.stop(instance, { timeoutSec }).catch(() => this.stop(instance, { timeoutSec, force: true }));
    if (opts.keepData) return;
    const layout = layoutOf(this.home, instance);
    await this.#removeDir(layout.relocatedRoot ?? layout.data, instance, layout);
    if (layout.socketDir.startsWith('/tmp/resource-postgres-')) await rm(layout.socketDir, { recursive: true, force: true });
    if (layout.relocatedRoot) {
      const base = dirname(layout.relocatedRoot);
      const left = await readdir(base).catch(() => ['?']);
      if (left.every((e) => e === 'HOME')) await rm(base, { recursive: true, force: true });
    }
  }

  logs(instance: Instance, opts: LogOptions): AsyncIterable<string> {
    return readServerLog(layoutOf(this.home, instance).logFile, opts);
  }

  async heldPorts(): Promise<Map<number, PortHolder>> {
    return new Map(); // every native port is recorded in some instance.conf
  }

  /** Deletes only what is plainly ours: under the instance's directory or the relocation root, or a cluster. */
  async #removeDir(dir: string, instance: Instance, layout: NativeLayout): Promise<void> {
    const inside = (parent: string) => {
      const rel = relative(parent, dir);
      return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
    };
    const isCluster = await access(join(layout.data, 'PG_VERSION')).then(() => true, () => false);
    if (!inside(instancePaths(this.home, instance.name).root) && !inside(RELOCATION_ROOT) && !isCluster) {
      throw new CliError('refused', `not deleting ${dir}: it is outside the instance's directories and holds no cluster`, { hint: 'remove it by hand if it is yours' });
    }
    await rm(dir, { recursive: true, force: true });
  }

  /** Binaries for this instance; records the major and an env-chosen bin dir on the instance. */
  async #binaries(instance: Instance): Promise<PgBinaries> {
    const key = instance.pgBin ?? '';
    let found = this.#bins.get(key);
    if (!found) {
      // One lookup (and one `postgres --version`) per bin dir per process, for --all over many instances.
      found = locateBinaries({ pgBin: instance.pgBin, env: this.#env });
      this.#bins.set(key, found);
      found.catch(() => this.#bins.delete(key));
    }
    const bins = await found;
    if (bins.source === 'env' && !instance.pgBin) instance.pgBin = bins.dir;
    instance.version ??= bins.major;
    return bins;
  }

  #serverUser(): Promise<ServerUser | undefined> {
    this.#user ??= findServerUser().catch((e) => {
      this.#user = undefined;
      throw e;
    });
    return this.#user;
  }

  /** The instance's own database, created over TCP as its superuser right after the first start. */
  async #ensureDatabase(instance: Instance): Promise<void> {
    if (instance.database === 'postgres') return;
    try {
      await withClient(instance, { database: 'postgres', timeoutMs: 15_000 }, async (client) => {
        const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [instance.database]);
        if (found.rowCount) return;
        await client.query(`CREATE DATABASE "${instance.database.replace(/"/g, '""')}"`);
      });
    } catch (e) {
      if ((e as { code?: string }).code === '42P04') return; // created concurrently
      throw new CliError('failed', `could not create database ${instance.database} in instance ${instance.name}: ${describeError(e)}`, {
        hint: `the server is running; retry with: resource-postgres content create-database ${instance.database} --instance ${instance.name}`,
      });
    }
  }
}

