import { availableParallelism } from 'node:os';
import { connectHost } from '../../../core/connection.js';
import type { Instance } from '../../../core/instance.js';
import type { PoolerMode } from '../../../core/pooler.js';
import { POOLER_AUTH_USER } from '../../../core/pooler.js';
import type { Secret } from '../../../core/secret.js';
import { ensureInstanceUser, findInstanceUser, removeInstanceUser } from '../os-users.js';
import type { ServerUser } from '../run-as.js';
import { ensurePoolerDirs, poolerPaths, removePoolerFiles, writeAuthFile, writeIni } from './files.js';
import { defaultPoolSize, renderAuthFile, renderPgbouncerIni } from './ini.js';
import { findPgbouncer, logSince, runningPid, startPgbouncer, stopPgbouncer } from './process.js';

export interface PoolerStart {
  port: number;
  mode: PoolerMode;
  /** A new password of POOLER_AUTH_USER for the auth_file; without it the file on disk is kept. */
  authPassword?: Secret;
}

/**
 * One PgBouncer per instance on the host, for both engines: it reaches a native server over
 * loopback and a docker server through its published port, so one tested path serves both
 * and no image beyond the server's is needed. It runs as the instance's own OS user (the one
 * a native server runs as; made for a docker instance too), never as root (PgBouncer refuses).
 */
export class PoolerHost {
  constructor(
    readonly home: string,
    readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Is PgBouncer here? Throws the error naming the package otherwise. */
  async check(): Promise<void> {
    await findPgbouncer(this.env);
  }

  /** Writes the pooler's files and starts it (a no-op when it runs); returns its pid. */
  async start(instance: Instance, opts: PoolerStart): Promise<number> {
    const bin = await findPgbouncer(this.env);
    const user = await this.#user(instance, true);
    const paths = await poolerPaths(this.home, instance);
    await ensurePoolerDirs(this.home, paths, user);
    const ini = renderPgbouncerIni({
      listenHost: instance.host,
      listenPort: opts.port,
      serverHost: connectHost(instance.host),
      serverPort: instance.port,
      mode: opts.mode,
      poolSize: defaultPoolSize(availableParallelism()),
      authFile: paths.authFile,
      logFile: paths.logFile,
      pidFile: paths.pidFile,
    });
    await writeIni(paths, ini, user);
    if (opts.authPassword)
      await writeAuthFile(paths, renderAuthFile(POOLER_AUTH_USER, opts.authPassword.reveal()), user);
    return startPgbouncer(bin, paths, user, opts.port);
  }

  /** Stops the instance's PgBouncer; false when none ran. Its files stay (a later start reuses them). */
  async stop(instance: Instance): Promise<boolean> {
    const user = await this.#user(instance, false);
    return stopPgbouncer(await poolerPaths(this.home, instance), user);
  }

  async pid(instance: Instance): Promise<number | undefined> {
    const user = await this.#user(instance, false);
    return runningPid(await poolerPaths(this.home, instance), user);
  }

  /** The last lines of the pooler's log, for evidence. */
  async logTail(instance: Instance, lines = 20): Promise<string> {
    return logSince((await poolerPaths(this.home, instance)).logFile, 0, lines);
  }

  /**
   * Stops it and removes its files. A docker instance's OS user exists only for its pooler
   * and goes too (unless `keepUser`); a native instance's belongs to its server.
   */
  async remove(instance: Instance, opts: { keepUser?: boolean } = {}): Promise<void> {
    await this.stop(instance);
    await removePoolerFiles(await poolerPaths(this.home, instance));
    if (instance.engine === 'docker' && !opts.keepUser && process.geteuid?.() === 0)
      await removeInstanceUser(this.home, instance.name);
  }

  /** Whom the pooler runs as: the instance's OS user when we are root, else us. */
  async #user(instance: Instance, create: boolean): Promise<ServerUser | undefined> {
    if (process.geteuid?.() !== 0) return undefined;
    const recorded = instance.extra.server_user;
    return create
      ? ensureInstanceUser(this.home, instance.name, recorded)
      : findInstanceUser(this.home, instance.name, recorded);
  }
}
