import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Instance } from '../../src/core/instance.js';
import { Secret } from '../../src/core/secret.js';
import { waitFor } from '../../src/core/wait.js';
import { PortTakenError } from '../../src/engines/engine.js';
import { layoutOf, RELOCATION_ROOT } from '../../src/engines/native/layout.js';
import { NativeEngine } from '../../src/engines/native/native-engine.js';
import { lookupUser } from '../../src/engines/native/os-users.js';
import { probe } from '../../src/postgres/probe.js';
import { ensureInstanceDatabase } from '../../src/postgres/databases.js';
import {
  DEBIAN_15,
  freePort,
  makeInstance,
  PASSWORD,
  postmasterPid,
  processesShowingPassword,
  quiet,
  ready,
  sql,
} from '../support/native-instance.js';

/** Real binaries, real servers, as root on this machine, no Docker. */

// Everything created is torn down whatever happens: servers first, then directories.
const created: Array<{ engine: NativeEngine; instance: Instance }> = [];
/** What the context gives the engine in production: SQL stays in postgres/. */
const sqlDeps = { createDatabase: ensureInstanceDatabase };
const dirs: string[] = [];
async function newHome(parent: string, mode?: number): Promise<string> {
  const home = await mkdtemp(join(parent, 'rp-native-'));
  if (mode !== undefined) await chmod(home, mode);
  dirs.push(home);
  return home;
}
function track(engine: NativeEngine, instance: Instance) {
  created.push({ engine, instance });
  return instance;
}
afterEach(async () => {
  for (const { engine, instance } of created.splice(0))
    await engine.remove(instance, { keepData: false }).catch(() => {});
});
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('native engine lifecycle (home under /tmp)', () => {
  it('creates, serves, stops, restarts, survives kill -9, refuses bad passwords and removes', async () => {
    const home = await newHome('/tmp', 0o755); // traversable: data stays in the home
    const engine = new NativeEngine({ ...sqlDeps, home });
    const instance = track(engine, makeInstance('life', await freePort()));

    expect(await engine.inspect(instance)).toEqual({ state: 'absent', dataExists: false });
    await engine.create(instance, quiet);
    expect(instance.dataDir).toBeUndefined();
    expect(instance.version).toBe('16');
    await ready(instance);
    await sql(instance, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')");

    // Files: logs in the home, config root-only, data the server user's.
    const root = join(home, 'life');
    expect(await readFile(join(root, 'logs', 'postgresql.log'), 'utf8')).toMatch(/ready to accept connections/);
    expect((await stat(join(root, 'config'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(root, 'config', 'postgresql.conf'))).mode & 0o777).toBe(0o600);
    if (process.getuid?.() === 0) {
      expect((await stat(join(root, 'data'))).uid).not.toBe(0);
      expect((await stat(join(root, 'config'))).uid).toBe(0);
    }

    // The password is on no process's argv, the postmaster's included.
    const pid = await postmasterPid(engine, instance);
    expect(readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain(PASSWORD);
    expect(processesShowingPassword()).toEqual([]);

    // Wrong password over TCP is refused.
    const wrong = await probe({ ...instance, password: new Secret('not-the-password') });
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/password authentication failed/);

    await engine.stop(instance, { timeoutSec: 30 });
    expect(await engine.inspect(instance)).toEqual({ state: 'stopped', dataExists: true });
    await engine.stop(instance, { timeoutSec: 30 }); // already stopped: fine

    await engine.start(instance);
    await engine.start(instance); // already running: no-op
    await ready(instance);
    expect(await sql(instance, 'SELECT v FROM t')).toEqual([{ v: 'kept' }]);

    // kill -9: a stale postmaster.pid must be reported and must not block the next start.
    const victim = await postmasterPid(engine, instance);
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => ((await engine.inspect(instance)).state === 'stopped' ? undefined : 'still running'), {
      timeoutMs: 10_000,
      what: 'the postmaster to die',
    });
    const dead = await engine.inspect(instance);
    expect(dead.detail).toBe(`postmaster.pid left by pid ${victim} which is gone (crashed?)`);
    expect(existsSync(join(root, 'data', 'postmaster.pid'))).toBe(true);
    await engine.start(instance);
    await ready(instance);
    expect(await sql(instance, 'SELECT v FROM t')).toEqual([{ v: 'kept' }]);

    const logs: string[] = [];
    for await (const line of engine.logs(instance, { tail: 200 })) logs.push(line);
    expect(logs.join('\n')).toMatch(/database system was interrupted|not properly shut down/);

    await engine.remove(instance, { keepData: false });
    expect(existsSync(join(root, 'data'))).toBe(false);
    expect(existsSync(join(root, 'config', 'postgresql.conf'))).toBe(true); // the registry's to remove
    expect(await engine.inspect(instance)).toEqual({ state: 'absent', dataExists: false });
  }, 120_000);

  it('throws PortTakenError when the port is held', async () => {
    const home = await newHome('/tmp', 0o755);
    const engine = new NativeEngine({ ...sqlDeps, home });
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
    try {
      const instance = track(engine, makeInstance('busy', port));
      const err = await engine.create(instance, quiet).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PortTakenError);
      expect((err as PortTakenError).message).toMatch(/could not bind IPv4 address/);
    } finally {
      holder.close();
    }
  }, 60_000);
});

describe('native engine socket directory', () => {
  it('moves the socket to a short /tmp directory when the home path is too long, and removes it', async () => {
    const home = join(await newHome('/tmp', 0o755), 'x'.repeat(90));
    await mkdir(home, { mode: 0o755 });
    const engine = new NativeEngine({ ...sqlDeps, home });
    const instance = track(engine, makeInstance('deep', await freePort()));
    const socketDir = layoutOf(home, instance).socketDir;
    expect(socketDir).toMatch(/^\/tmp\/resource-postgres-[0-9a-f]{16}$/);
    await engine.create(instance, quiet);
    await ready(instance);
    expect(existsSync(join(socketDir, `.s.PGSQL.${instance.port}`))).toBe(true);
    await engine.remove(instance, { keepData: false });
    expect(existsSync(socketDir)).toBe(false);
  }, 60_000);

  it('refuses a socket directory someone planted as a symlink', async () => {
    const home = join(await newHome('/tmp', 0o755), 'y'.repeat(90));
    await mkdir(home, { mode: 0o755 });
    const engine = new NativeEngine({ ...sqlDeps, home });
    const instance = track(engine, makeInstance('planted', await freePort()));
    const socketDir = layoutOf(home, instance).socketDir;
    const target = await newHome('/tmp');
    await symlink(target, socketDir);
    try {
      await expect(engine.create(instance, quiet)).rejects.toMatchObject({
        kind: 'refused',
        message: expect.stringContaining('not a directory'),
      });
      expect((await stat(target)).uid).toBe(process.getuid?.());
    } finally {
      await rm(socketDir, { force: true });
    }
  }, 60_000);
});

if (process.getuid?.() !== 0 && process.env.CI)
  throw new Error('CI runs as root: the root-home case of the native engine must run there');
describe.runIf(process.getuid?.() === 0)('native engine as root with a home under /root', () => {
  it('relocates data the server user can reach, keeps it with keepData, reuses it, then removes it', async () => {
    const home = await newHome('/root');
    const engine = new NativeEngine({ ...sqlDeps, home });
    const instance = track(engine, makeInstance('main', await freePort()));
    await engine.create(instance, quiet);
    expect(instance.dataDir).toMatch(new RegExp(`^${RELOCATION_ROOT}/[0-9a-f]{12}/main/data$`));
    await ready(instance);
    await sql(instance, 'CREATE TABLE survivor (v int); INSERT INTO survivor VALUES (42)');

    const logs = join(home, 'main', 'logs');
    expect((await lstat(logs)).isSymbolicLink()).toBe(true);
    expect(await readlink(logs)).toBe(join(instance.dataDir!, '..', 'logs'));

    // The server's own OS user may use the socket (peer, mapped to the superuser); root may not.
    const psql = join(DEBIAN_15, 'psql');
    if (existsSync(psql)) {
      const sock = join(instance.dataDir!, '..', 'run');
      const args = [
        '-h',
        sock,
        '-p',
        String(instance.port),
        '-U',
        instance.user,
        '-d',
        'postgres',
        '-Atc',
        'SELECT current_user',
        '-w',
      ];
      // The instance's own OS user, recorded on the instance by create().
      const owner = await lookupUser(instance.extra.server_user!);
      expect(owner?.name).toMatch(/^rp-main/);
      const asServer = spawnSync(psql, args, {
        uid: owner!.uid,
        gid: owner!.gid,
        cwd: '/',
        encoding: 'utf8',
        env: { PATH: '/usr/bin:/bin' },
      });
      expect(asServer.stdout.trim()).toBe('vrooli');
      const asRoot = spawnSync(psql, args, { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
      expect(asRoot.status).not.toBe(0);
    }

    await engine.remove(instance, { keepData: true });
    expect(existsSync(join(instance.dataDir!, 'PG_VERSION'))).toBe(true);
    expect((await engine.inspect(instance)).state).toBe('stopped');

    // create again: the surviving data directory is reused, never re-initialised.
    await engine.create(instance, quiet);
    await ready(instance);
    expect(await sql(instance, 'SELECT v FROM survivor')).toEqual([{ v: 42 }]);

    const relocatedRoot = join(instance.dataDir!, '..');
    await engine.remove(instance, { keepData: false });
    expect(existsSync(relocatedRoot)).toBe(false);
  }, 120_000);
});

describe.runIf(existsSync(join(DEBIAN_15, 'postgres')))('native engine with --pg-bin (Debian PostgreSQL 15)', () => {
  it('records binaries named by RESOURCE_POSTGRES_PG_BIN on the instance', async () => {
    const engine = new NativeEngine({
      ...sqlDeps,
      home: await newHome('/tmp'),
      env: { RESOURCE_POSTGRES_PG_BIN: DEBIAN_15 },
    });
    const instance = makeInstance('env15', 5480);
    await engine.prepare(instance, quiet);
    expect(instance).toMatchObject({ pgBin: DEBIAN_15, version: '15' });
  });

  it('runs 15 and refuses to start its data with 16', async () => {
    const home = await newHome('/tmp');
    const engine = new NativeEngine({ ...sqlDeps, home });
    const instance = track(engine, makeInstance('pg15', await freePort(), { pgBin: DEBIAN_15, template: 'testing' }));
    await engine.create(instance, quiet);
    expect(instance.version).toBe('15');
    await ready(instance);
    expect((await probe(instance)).version).toMatch(/^15\./);
    await engine.stop(instance, { timeoutSec: 30 });

    // No pg_bin and no recorded major: the bundled 16 (an instance of 15 would look for 15's runtime).
    const bundled = { ...instance, pgBin: undefined, version: undefined };
    const err = await engine.start(bundled).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/was created by PostgreSQL 15, but the binaries in .* are PostgreSQL 16/);
    expect((await engine.inspect(instance)).state).toBe('stopped');
  }, 120_000);
});
