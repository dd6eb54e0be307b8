import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chmod, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError, notFound } from './errors.js';
import { type Instance, instancePaths, validateInstanceName } from './instance.js';
import { parseInstanceConf, serializeInstanceConf } from './instance-conf.js';
import { withLock } from './lock.js';
import { trace } from './trace.js';

/** Prefix of an instance directory being deleted (hidden: never listed as an instance). */
const REMOVING = '.removing-';

/** The instances recorded under one home directory. */
export class Registry {
  constructor(readonly home: string) {}

  paths(name: string) {
    return instancePaths(this.home, name);
  }

  /** Names of directories that hold a config/instance.conf, sorted. */
  names(): Promise<string[]> {
    return trace.span('home scan', () => this.#scan());
  }

  async #scan(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.home, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new CliError('config', `cannot read the home ${this.home}: ${(e as Error).message}`, {
        hint: 'check its permissions, or choose another with --home',
      });
    }
    const names: string[] = [];
    await Promise.all(
      entries
        .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
        .map(async (d) => {
          try {
            await access(this.paths(d.name).conf);
            names.push(d.name);
          } catch {
            /* not an instance directory */
          }
        }),
    );
    return names.sort();
  }

  async exists(name: string): Promise<boolean> {
    try {
      await access(this.paths(name).conf);
      return true;
    } catch {
      return false;
    }
  }

  /** Reads one instance; undefined when it does not exist, an error when it is damaged. */
  async find(name: string): Promise<Instance | undefined> {
    validateInstanceName(name);
    const path = this.paths(name).conf;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CliError('config', `cannot read ${path}: ${(e as Error).message}`, { hint: 'check its permissions' });
    }
    const instance = parseInstanceConf(text, path, { home: this.home, name });
    return instance;
  }

  async get(name: string): Promise<Instance> {
    const instance = await this.find(name);
    if (!instance)
      throw notFound(
        `no instance named ${JSON.stringify(name)} in ${this.home}`,
        `create it with: resource-postgres manage start --instance ${name}`,
      );
    return instance;
  }

  /** Every instance; a damaged one is returned as its error so one bad file does not hide the rest. */
  async list(): Promise<Array<Instance | { name: string; error: CliError }>> {
    const names = await this.names();
    return Promise.all(
      names.map(async (name) => {
        try {
          return await this.get(name);
        } catch (e) {
          if (e instanceof CliError) return { name, error: e };
          throw e;
        }
      }),
    );
  }

  /** Writes instance.conf atomically (temp file + rename), 0600 inside 0700 directories. */
  async save(instance: Instance): Promise<void> {
    const p = this.paths(instance.name);
    const text = serializeInstanceConf(instance);
    await this.ensureHome();
    const tmp = join(p.config, `.instance.conf.${process.pid}.${randomBytes(4).toString('hex')}`);
    // The first directory this call made, so a failed first write leaves nothing behind.
    let made: string | undefined;
    try {
      made = await mkdir(p.root, { recursive: true, mode: 0o700 });
      await mkdir(p.config, { recursive: true, mode: 0o700 });
      await chmod(p.config, 0o700);
      await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
      await rename(tmp, p.conf);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => {});
      if (made) await rm(made, { recursive: true, force: true }).catch(() => {});
      throw new CliError('config', `cannot write ${p.conf}: ${(e as Error).message}`, {
        hint: 'check that the home is writable and the disk is not full',
      });
    }
  }

  /**
   * Fails before anything is removed when the instance's files cannot be changed (read-only
   * mount, immutable file): otherwise the engine would delete the data and leave the record.
   */
  async assertWritable(name: string): Promise<void> {
    for (const dir of [this.home, this.paths(name).root, this.paths(name).config]) {
      try {
        await access(dir, constants.W_OK);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
        throw new CliError('config', `cannot change ${dir}: ${(e as Error).message}`, {
          hint: 'make the home writable (is it mounted read-only?) and retry; nothing was removed',
        });
      }
    }
  }

  /** Removes the instance directory (config, logs and native data under it). */
  async remove(name: string): Promise<void> {
    validateInstanceName(name);
    // Renamed away first (atomic), then deleted: a CLI killed half-way leaves a hidden
    // .removing-* directory that sweepRemoved() finishes, never a half-deleted instance.
    const trash = join(this.home, `${REMOVING}${name}-${randomBytes(4).toString('hex')}`);
    try {
      await rename(this.paths(name).root, trash);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new CliError('config', `cannot remove ${this.paths(name).root}: ${(e as Error).message}`, {
        hint: 'make the home writable and run the uninstall again',
      });
    }
    await this.sweepRemoved();
  }

  /** Deletes what removals cut short left behind (see remove). */
  async sweepRemoved(): Promise<void> {
    const entries = await readdir(this.home).catch(() => [] as string[]);
    for (const entry of entries.filter((e) => e.startsWith(REMOVING))) {
      await rm(join(this.home, entry), { recursive: true, force: true }).catch(() => {});
    }
  }

  /**
   * The home is enter-only for others (0711): the native engine's unprivileged server user must
   * reach <home>/<name>/data, while nothing in the home can be listed and config/ stays 0700.
   */
  async ensureHome(): Promise<void> {
    try {
      await mkdir(this.home, { recursive: true, mode: 0o711 });
    } catch (e) {
      throw new CliError('config', `cannot create the home ${this.home}: ${(e as Error).message}`, {
        hint: 'choose a writable directory with --home or RESOURCE_POSTGRES_HOME',
      });
    }
  }

  /** Runs fn holding the home's exclusive lock (port choice + instance.conf write). */
  async locked<T>(fn: () => Promise<T>): Promise<T> {
    await this.ensureHome();
    return withLock(join(this.home, '.lock'), fn);
  }

  /**
   * Runs fn holding one instance's own lock, so a start, stop and uninstall of the same
   * instance never interleave their engine calls. Always taken before the home lock, never
   * inside it. The file sits in the home (the instance directory may not exist yet).
   */
  async lockedInstance<T>(name: string, fn: () => Promise<T>, timeoutMs = 10 * 60_000): Promise<T> {
    validateInstanceName(name);
    await this.ensureHome();
    return withLock(join(this.home, `.lock-${name}`), fn, { timeoutMs });
  }
}
