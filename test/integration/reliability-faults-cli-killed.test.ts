import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import {
  dockerObjects,
  engineArgs,
  forceCleanup,
  freePort,
  processesMentioning,
  rawLines,
  relocationBase,
  spawnCli,
  statusJson,
  waitUntil,
} from '../support/reliability.js';

/** Faults, continued: the CLI itself killed half-way (split from reliability-faults for time and size). */
const engines = await enginesUnderTest();
const withDocker = engines.includes('docker');
const instanceOf = (doc: { instances: Array<{ name: string }> }, name: string) =>
  doc.instances.find((i) => i.name === name) as Record<string, unknown>;

/**
 * The CLI killed (SIGKILL) at a point of `manage start` of a new instance. Then either the
 * next start completes, or uninstall --force removes every trace; instance.conf is never
 * half-written.
 */
describe.each(engines)('the CLI killed during manage start of a new %s instance', (engine) => {
  let home: string;
  beforeAll(async () => {
    home = await tempHome(`rp-kill-${engine}-`);
  });
  afterAll(async () => {
    await forceCleanup(home);
  }, 120_000);

  const conf = (name: string) => join(home, name, 'config', 'instance.conf');
  const exists = (p: string) =>
    access(p).then(
      () => true,
      () => false,
    );
  const portOf = async (name: string) => Number(/^port="(\d+)"$/m.exec(await readFile(conf(name), 'utf8'))?.[1]);
  const listening = async (port: number) =>
    (await readFile('/proc/net/tcp', 'utf8')).includes(
      `:${port.toString(16).toUpperCase().padStart(4, '0')} 00000000:0000 0A`,
    );

  const points: Record<string, (name: string) => Promise<boolean>> = {
    'instance.conf written': (name) => exists(conf(name)),
    ...(engine === 'native'
      ? { 'initdb running': (name: string) => exists(join(relocationBase(home), name, 'data', 'PG_VERSION')) }
      : {
          'volume created': async (name: string) =>
            (await dockerObjects(home)).volumes.includes(`resource-postgres-${name}-data`),
          'container created': async (name: string) =>
            (await dockerObjects(home)).containers.some((c) => c.startsWith(`resource-postgres-${name} `)),
        }),
    'server listening': async (name) => (await exists(conf(name))) && listening(await portOf(name)),
  };

  /** No directory (not even a half-deleted one), process, container or volume of `name` is left. */
  const expectGone = async (name: string) => {
    expect((await readdir(home)).filter((e) => e === name || e.startsWith('.removing-'))).toEqual([]);
    expect(await exists(join(relocationBase(home), name))).toBe(false);
    expect(await processesMentioning(`${relocationBase(home)}/${name}/`, `${home}/${name}/`)).toEqual([]);
    if (withDocker) {
      const objects = await dockerObjects(home);
      expect(objects.containers.filter((c) => c.startsWith(`resource-postgres-${name} `))).toEqual([]);
      expect(objects.volumes).not.toContain(`resource-postgres-${name}-data`);
    }
  };

  /** Children of the killed CLI (initdb, pg_ctl) finish on their own; wait for them like a user would. */
  const settle = async (name: string) => {
    if (engine === 'native') {
      await waitUntil(
        'orphaned initdb/pg_ctl to finish',
        async () =>
          !(await processesMentioning(`${relocationBase(home)}/${name}/`)).some((p) => /initdb|pg_ctl/.test(p.args)),
        30_000,
        50,
      );
    }
  };

  // Explicit ports from the top of the range: automatic choice goes bottom-up, so instances of
  // other homes (other suites running meanwhile) do not take a port this home has only recorded.
  const startArgs = async (name: string) => [
    'manage',
    'start',
    '--instance',
    name,
    '--port',
    String(await freePort(5490)),
    '--template',
    'minimal',
    ...engineArgs(engine),
  ];

  /** Starts the CLI and SIGKILLs it once `point` is reached (a CLI that finished first must have succeeded). */
  const killAt = async (point: string, name: string, args: string[]) => {
    const cliRun = spawnCli(args, home);
    let ended = false;
    void cliRun.done.then(() => {
      ended = true;
    });
    await waitUntil(point, async () => ended || points[point]!(name), 60_000, 5);
    cliRun.child.kill('SIGKILL');
    const r = await cliRun.done;
    if (r.code !== 128 && r.code !== 0) throw new Error(`the CLI failed before ${point} (exit ${r.code}): ${r.stderr}`);
  };

  let n = 0;
  it.each(Object.keys(points))(
    'killed once %s: the next start completes',
    async (point) => {
      const name = `ks${n++}`;
      await killAt(point, name, await startArgs(name));
      await settle(name);
      const status = await statusJson(home, '--instance', name);
      expect(rawLines(status.raw.slice(status.raw.lastIndexOf('}') + 1))).toEqual([]);
      expect(JSON.stringify(status.doc)).not.toMatch(/damaged/); // never a half-written instance.conf
      const next = await runCli(['manage', 'start', '--instance', name, '--timeout', '60'], { home });
      expect(next.code, next.stderr).toBe(0);
      expect(rawLines(next.stderr)).toEqual([]);
      expect(instanceOf((await statusJson(home, '--instance', name)).doc, name)).toMatchObject({
        state: 'running',
        healthy: true,
      });
      expect((await runCli(['manage', 'uninstall', '--instance', name, '--force'], { home })).code).toBe(0); // frees the port
    },
    120_000,
  );

  let m = 0;
  it.each(Object.keys(points))(
    'killed once %s: uninstall --force leaves nothing behind',
    async (point) => {
      const name = `ku${m++}`;
      await killAt(point, name, await startArgs(name));
      await settle(name);
      const un = await runCli(['manage', 'uninstall', '--instance', name, '--force'], { home });
      expect(un.code, un.stderr).toBe(0);
      await expectGone(name);
    },
    120_000,
  );

  it('killed during uninstall: the next uninstall --force finishes the job', async () => {
    const name = 'kun';
    expect(
      (await runCli(['manage', 'start', '--instance', name, '--template', 'minimal', ...engineArgs(engine)], { home }))
        .code,
    ).toBe(0);
    const cliRun = spawnCli(['manage', 'uninstall', '--instance', name, '--force'], home);
    // Past the point of no return for the server, before the record goes.
    await waitUntil(
      'the server to be gone',
      async () =>
        engine === 'docker'
          ? !(await dockerObjects(home)).containers.some((c) => c.startsWith(`resource-postgres-${name} running`))
          : !(await processesMentioning(`-D ${relocationBase(home)}/${name}/`)).length,
      60_000,
      5,
    );
    cliRun.child.kill('SIGKILL');
    await cliRun.done;
    await sleep(500);
    const status = await statusJson(home);
    expect(status.doc.instances.every((i: { health_message: string }) => !/damaged/.test(i.health_message))).toBe(true);
    const un = await runCli(['manage', 'uninstall', '--instance', name, '--force'], { home });
    expect(un.code, un.stderr).toBe(0);
    await expectGone(name);
  }, 120_000);
});
