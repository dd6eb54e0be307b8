import Dockerode from 'dockerode';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import { volumeName, type Instance } from '../../src/core/instance.js';
import { DockerEngine } from '../../src/engines/docker/docker-engine.js';
import { PortTakenError } from '../../src/engines/engine.js';
import { withClient } from '../../src/postgres/client.js';
import {
  availability,
  cleanHome,
  docker,
  freePorts,
  makeInstance,
  suffix,
  volumeExists,
  waitReady,
} from '../support/docker-daemon.js';

// Decided once at load: vitest needs to know whether the suite runs before any hook does.
const unavailable = await availability();
if (unavailable && !process.env.CI) console.warn(`skipping docker engine integration tests: ${unavailable}`);

const homes: string[] = [];
const progress = (): void => {};
const timings: Record<string, number> = {};

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await fn();
  } finally {
    timings[label] = Math.round(performance.now() - t0);
  }
}

describe.runIf(!unavailable || process.env.CI)('DockerEngine against the real daemon', () => {
  let home: string;
  let engine: DockerEngine;
  let main: Instance;
  let spare: number;

  beforeAll(async () => {
    if (unavailable) throw new Error(`docker engine integration tests cannot run in CI: ${unavailable}`);
    home = await mkdtemp(join(tmpdir(), 'rp-docker-'));
    homes.push(home);
    engine = new DockerEngine({ home });
    const [a, b] = await freePorts(engine, 2);
    main = makeInstance(`t-docker-${suffix}`, a!);
    spare = b!;
  });

  afterAll(async () => {
    for (const h of homes) {
      await cleanHome(h);
      await rm(h, { recursive: true, force: true });
    }
    if (Object.keys(timings).length) console.info(`docker engine timings (ms): ${JSON.stringify(timings)}`);
  });

  it('check() answers ok here, and names the socket when no daemon answers', async () => {
    expect(await engine.check()).toEqual({ ok: true });
    const nowhere = new DockerEngine({ home, docker: new Dockerode({ socketPath: '/nonexistent/docker.sock' }) });
    const r = await nowhere.check();
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.reason).toMatch(/no Docker daemon answers at unix:\/\/\/nonexistent\/docker.sock: .*ENOENT/);
      expect(r.hint).toMatch(/--engine native/);
    }
    await expect(nowhere.inspect(main)).rejects.toMatchObject({
      kind: 'engine',
      message: expect.stringMatching(/no Docker daemon/),
    });
  });

  it('prepare() finds a present image and reports an unpullable one as a CliError', async () => {
    await engine.prepare(main, progress);
    const missing = { ...main, image: `resource-postgres-missing-${suffix}:0` };
    await expect(engine.prepare(missing, progress)).rejects.toMatchObject({
      kind: 'engine',
      message: expect.stringMatching(/^cannot pull image resource-postgres-missing/),
      hint: expect.stringMatching(/docker load/),
    });
  });

  it('creates, runs and answers an authenticated query', async () => {
    expect(await engine.inspect(main)).toEqual({ state: 'absent', dataExists: false });
    await timed('create-to-ready', async () => {
      await engine.create(main, progress);
      await waitReady(main);
    });
    const state = await engine.inspect(main);
    expect(state).toMatchObject({ state: 'running', port: main.port });
    // The named volume covers the image's VOLUME path, so no anonymous volume is made.
    const info = await docker.getContainer(state.containerId!).inspect();
    // The password reached the entrypoint as a file: `docker inspect` does not show it.
    expect(JSON.stringify(info)).not.toContain(main.password.reveal());
    expect(info.Config.Env).toContain('POSTGRES_PASSWORD_FILE=/.resource-postgres-password');
    const mounts = info.Mounts;
    expect(mounts.map((m) => [m.Type, m.Name, m.Destination])).toEqual([
      ['volume', volumeName(main.name), '/var/lib/postgresql/data'],
    ]);
    await withClient(main, { asApp: true }, (c) =>
      c.query("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives')"),
    );
  }, 90_000);

  it('reports the port as held and shows the server log', async () => {
    const held = await engine.heldPorts();
    expect(held.get(main.port)).toMatchObject({ kind: 'container', name: `resource-postgres-${main.name}` });
    const lines: string[] = [];
    for await (const line of engine.logs(main, { tail: 0 })) lines.push(line);
    expect(lines.join('\n')).toMatch(/database system is ready to accept connections/);
    const two: string[] = [];
    for await (const line of engine.logs(main, { tail: 2 })) two.push(line);
    expect(two.length).toBeLessThanOrEqual(2);
  });

  it('follows the log until the signal aborts', async () => {
    const ac = new AbortController();
    const seen: string[] = [];
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 500);
    for await (const line of engine.logs(main, { tail: 1, follow: true, signal: ac.signal })) seen.push(line);
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('stops (idempotently), keeps the port claim, and starts again with the data', async () => {
    await timed('stop', () => engine.stop(main, { timeoutSec: 20 }));
    const stopped = await engine.inspect(main);
    expect(stopped).toMatchObject({ state: 'stopped', port: main.port });
    expect(stopped.detail).toMatch(/^exited with code 0 at /);
    await engine.stop(main, { timeoutSec: 20 });
    await engine.stop(main, { timeoutSec: 20, force: true });
    expect((await engine.heldPorts()).has(main.port)).toBe(true);
    await timed('start-to-ready', async () => {
      await engine.start(main);
      await waitReady(main);
    });
    await engine.start(main);
    await engine.create(main, progress); // existing container: create means start
    const rows = await withClient(main, { asApp: true }, (c) => c.query<{ v: string }>('SELECT v FROM kept'));
    expect(rows.rows).toEqual([{ v: 'survives' }]);
  }, 90_000);

  it('refuses to start a container whose published port differs from the record', async () => {
    await expect(engine.start({ ...main, port: spare })).rejects.toMatchObject({
      kind: 'conflict',
      message: expect.stringMatching(`publishes port ${main.port}`),
    });
  });

  it('refuses a container name that belongs to another home', async () => {
    const otherHome = await mkdtemp(join(tmpdir(), 'rp-docker-other-'));
    homes.push(otherHome);
    const other = new DockerEngine({ home: otherHome });
    const err = await other.create({ ...main, port: spare }, progress).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect(err).toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining(`belongs to the resource-postgres home ${home}`),
    });
    expect(await other.inspect(main)).toEqual({ state: 'absent', dataExists: false });
    await other.remove(main, { keepData: false }); // finds nothing of its own: touches nothing
    expect((await engine.inspect(main)).state).toBe('running');
  });

  it('throws PortTakenError when a process listens on the port, removing only the container', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(spare, '127.0.0.1', resolve));
    const second = makeInstance(`t-docker-${suffix}-b`, spare);
    try {
      const err = await engine.create(second, progress).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortTakenError);
      expect((err as PortTakenError).port).toBe(spare);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
    expect(await engine.inspect(second)).toEqual({ state: 'absent', dataExists: true });
    await engine.remove(second, { keepData: false });
    expect(await volumeExists(second.name)).toBe(false);
  }, 60_000);

  it('remove({keepData:true}) keeps the volume and a later create reuses its data', async () => {
    await engine.remove(main, { keepData: true });
    expect(await engine.inspect(main)).toEqual({ state: 'absent', dataExists: true });
    expect(await volumeExists(main.name)).toBe(true);
    const lines: string[] = [];
    for await (const line of engine.logs(main, {})) lines.push(line);
    expect(lines).toEqual([]);
    await engine.create(main, progress);
    await waitReady(main);
    const rows = await withClient(main, { asApp: true }, (c) => c.query<{ v: string }>('SELECT v FROM kept'));
    expect(rows.rows).toEqual([{ v: 'survives' }]);
  }, 90_000);

  it('remove() deletes container, named and anonymous volumes; again is a no-op', async () => {
    const before = new Set((await docker.listVolumes()).Volumes?.map((v) => v.Name));
    await timed('remove', () => engine.remove(main, { keepData: false }));
    expect(await volumeExists(main.name)).toBe(false);
    expect(await engine.inspect(main)).toEqual({ state: 'absent', dataExists: false });
    const after = new Set((await docker.listVolumes()).Volumes?.map((v) => v.Name));
    expect([...after].filter((v) => !before.has(v))).toEqual([]);
    await engine.remove(main, { keepData: false });
    await engine.stop(main, { timeoutSec: 1 });
  }, 60_000);
});
