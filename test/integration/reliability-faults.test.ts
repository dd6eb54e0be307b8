import { access, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import {
  credentials,
  docker,
  dockerObjects,
  engineArgs,
  expectRefused,
  forceCleanup,
  nativePid,
  processesMentioning,
  psql,
  relocationBase,
  statusJson,
  waitUntil,
  type EngineName,
} from '../support/reliability.js';

/**
 * Faults the real world brings: servers killed, containers removed, ports stolen, no daemon,
 * a hand-edited password (the CLI killed half-way: reliability-faults-cli-killed). After
 * each, status tells the truth, the next command completes or fails cleanly, no data is lost.
 */
const engines = await enginesUnderTest();
const withDocker = engines.includes('docker');

/** Writes a marker row and returns the cluster's identity: a re-initialised cluster gets a new one. */
async function seed(home: string, name: string): Promise<string> {
  const env = await credentials(home, name);
  const r = await psql(
    env.DATABASE_URL!,
    "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('survives'); SELECT system_identifier FROM pg_control_system()",
  );
  expect(r.code, r.out).toBe(0);
  return r.out.split('\n').pop()!;
}

/** The marker row is there and the cluster is the same one. */
async function expectIntact(home: string, name: string, identity: string): Promise<void> {
  const env = await credentials(home, name);
  const r = await psql(env.DATABASE_URL!, 'SELECT v FROM kept; SELECT system_identifier FROM pg_control_system()');
  expect(r).toEqual({ code: 0, out: `survives\n${identity}` });
}

/** Where an instance's data lives: its volume, or its data directory. */
async function dataExists(home: string, engine: EngineName, name: string): Promise<boolean> {
  if (engine === 'docker') return (await dockerObjects(home)).volumes.includes(`resource-postgres-${name}-data`);
  return access(join(relocationBase(home), name, 'data', 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

const instanceOf = (doc: { instances: Array<{ name: string }> }, name: string) =>
  doc.instances.find((i) => i.name === name) as Record<string, unknown>;

describe.each(engines)('faults on the %s engine', (engine) => {
  let home: string;
  const cli = (...args: string[]) => runCli(args, { home });
  const create = async (name: string) => {
    const r = await cli('manage', 'start', '--instance', name, '--template', 'minimal', ...engineArgs(engine));
    expect(r.code, r.stderr).toBe(0);
  };

  beforeAll(async () => {
    home = await tempHome(`rp-fault-${engine}-`);
  });
  afterAll(async () => {
    await forceCleanup(home);
  }, 120_000);

  it('server killed with -9: status is truthful, start recovers with the data', async () => {
    await create('k9');
    const identity = await seed(home, 'k9');
    const pid =
      engine === 'native'
        ? await nativePid(home, 'k9')
        : Number(await docker('inspect', '-f', '{{.State.Pid}}', 'resource-postgres-k9'));
    process.kill(pid, 'SIGKILL');
    if (engine === 'native') {
      await waitUntil(
        'the postmaster to die',
        async () => !(await processesMentioning(`-D ${relocationBase(home)}/k9/`)).length,
      );
      const status = await statusJson(home, '--instance', 'k9');
      expect(status.code).toBe(1);
      expect(status.doc).toMatchObject({ running: false, healthy: false });
      expect(instanceOf(status.doc, 'k9')).toMatchObject({
        state: 'stopped',
        healthy: false,
        health_message: expect.stringMatching(/stopped unexpectedly/),
      });
      expect((await cli('manage', 'start', '--instance', 'k9')).code).toBe(0);
    } else {
      // Docker restarts it (unless-stopped). Whatever status says meanwhile must be true:
      // "healthy" only when the server answers, never exit 0 otherwise.
      const untrue: string[] = []; // collected: waitUntil swallows a throwing expect
      await waitUntil(
        'the container to come back healthy',
        async () => {
          const status = await statusJson(home, '--instance', 'k9');
          const answers = (await psql((await credentials(home, 'k9')).DATABASE_URL!, 'SELECT 1')).code === 0;
          if (status.code === 0 && !answers) untrue.push(`healthy while psql fails: ${status.raw}`);
          if (status.code !== 0 && status.doc.healthy) untrue.push(`exit ${status.code} yet healthy`);
          return status.code === 0;
        },
        60_000,
        200,
      );
      expect(untrue).toEqual([]);
      expect((await cli('manage', 'start', '--instance', 'k9')).code).toBe(0);
    }
    await expectIntact(home, 'k9', identity);
  }, 120_000);

  if (engine === 'docker')
    it('container removed behind our back: status says absent, start recreates it on the same volume', async () => {
      await create('gone');
      const identity = await seed(home, 'gone');
      await docker('rm', '-f', 'resource-postgres-gone');
      const status = await statusJson(home, '--instance', 'gone');
      expect(status.code).toBe(1);
      expect(instanceOf(status.doc, 'gone')).toMatchObject({
        state: 'absent',
        healthy: false,
        health_message: expect.stringMatching(/no container found \(its data is kept\)/),
      });
      const start = await cli('manage', 'start', '--instance', 'gone');
      expect(start.code, start.stderr).toBe(0);
      expect(start.stdout).toMatch(/created/);
      expect(await dataExists(home, 'docker', 'gone')).toBe(true);
      await expectIntact(home, 'gone', identity);
    }, 120_000);

  it('a port taken by a foreign process while stopped: start names the process and offers a fix', async () => {
    await create('stolen');
    const port = instanceOf((await statusJson(home, '--instance', 'stolen')).doc, 'stolen').port as number;
    expect((await cli('manage', 'stop', '--instance', 'stolen')).code).toBe(0);
    const server: Server = await new Promise((resolve) => {
      const s = createServer().listen(port, '127.0.0.1', () => resolve(s));
    });
    try {
      const r = await cli('manage', 'start', '--instance', 'stolen');
      expectRefused(r, `port ${port} is taken by pid ${process.pid}`);
      expect(r.stderr).toMatch(new RegExp(`hint: .*kill ${process.pid}.*instance\\.conf`));
      expect(await dataExists(home, engine, 'stolen')).toBe(true);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await cli('manage', 'start', '--instance', 'stolen')).code).toBe(0);
  }, 120_000);

  it('a hand-changed password: unhealthy, and neither status, start nor stop touches the data', async () => {
    await create('pw');
    const identity = await seed(home, 'pw');
    const conf = join(home, 'pw', 'config', 'instance.conf');
    const original = await readFile(conf, 'utf8');
    await writeFile(conf, original.replace(/^password=".*"$/m, 'password="not-the-password"'), { mode: 0o600 });
    const status = await statusJson(home, '--instance', 'pw');
    expect(status.code).toBe(1);
    expect(instanceOf(status.doc, 'pw')).toMatchObject({
      state: 'unhealthy',
      health_message: expect.stringMatching(/password authentication failed/),
    });
    const start = await cli('manage', 'start', '--instance', 'pw', '--timeout', '3');
    expectRefused(start, /password authentication failed/);
    expect(await dataExists(home, engine, 'pw')).toBe(true);
    expect((await cli('manage', 'stop', '--instance', 'pw')).code).toBe(0);
    expect(await dataExists(home, engine, 'pw')).toBe(true);
    await writeFile(conf, original, { mode: 0o600 });
    expect((await cli('manage', 'start', '--instance', 'pw')).code).toBe(0);
    await expectIntact(home, 'pw', identity);
  }, 120_000);
});

if (withDocker)
  describe('no Docker daemon at all (DOCKER_HOST=unix:///nonexistent.sock)', () => {
    let home: string;
    const noDaemon = { DOCKER_HOST: 'unix:///nonexistent.sock' };
    const cli = (...args: string[]) => runCli(args, { home, env: noDaemon });
    beforeAll(async () => {
      home = await tempHome('rp-nodaemon-');
      for (const e of engines)
        expect(
          (await runCli(['manage', 'start', '--instance', e, '--template', 'minimal', ...engineArgs(e)], { home }))
            .code,
        ).toBe(0);
    }, 120_000);
    afterAll(async () => {
      await forceCleanup(home);
    }, 120_000);

    it('status: the docker instance is unhealthy and not counted as running; native stays healthy', async () => {
      const r = await cli('status', '--json');
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout);
      expect(instanceOf(doc, 'docker')).toMatchObject({
        healthy: false,
        health_message: expect.stringContaining('/nonexistent.sock'),
      });
      expect(instanceOf(doc, 'native')).toMatchObject({ state: 'running', healthy: true });
      expect(doc.running_instances).toBe(1);
    });

    it('docker verbs fail with one clear message naming the socket, changing nothing', async () => {
      const conf = await readFile(join(home, 'docker', 'config', 'instance.conf'), 'utf8');
      for (const args of [
        ['manage', 'start', '--instance', 'docker'],
        ['manage', 'stop', '--instance', 'docker'],
        ['manage', 'start', '--instance', 'new', '--engine', 'docker'],
        ['logs', '--instance', 'docker'],
      ]) {
        expectRefused(await cli(...args), '/nonexistent.sock');
      }
      expect((await dockerObjects(home)).containers).toEqual(['resource-postgres-docker running']);
      expect(await readFile(join(home, 'docker', 'config', 'instance.conf'), 'utf8')).toBe(conf);
    });

    if (engines.includes('native'))
      it('native still works, and auto picks native saying why', async () => {
        expect((await cli('manage', 'restart', '--instance', 'native')).code).toBe(0);
        const r = await cli('manage', 'start', '--instance', 'auto', '--template', 'minimal');
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toMatch(
          /docker: no Docker daemon answers at unix:\/\/\/nonexistent\.sock.*using the native engine/,
        );
        expect(instanceOf((await statusJson(home, '--instance', 'auto')).doc, 'auto')).toMatchObject({
          engine: 'native',
          healthy: true,
        });
      }, 60_000);
  });
