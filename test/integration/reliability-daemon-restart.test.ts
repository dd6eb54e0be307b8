import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import {
  credentials,
  engineArgs,
  type EngineName,
  expectRefused,
  forceCleanup,
  psql,
  rawLines,
  run,
  statusJson,
  waitUntil,
} from '../support/reliability.js';

/**
 * The Docker daemon restarted while instances run. Restarting the daemon stops every
 * container on the machine, so this runs only when asked (RESOURCE_POSTGRES_TEST_DOCKER_RESTART=1),
 * alone, after the other suites: .ci/run does that as its own step. The daemon is stopped with
 * SIGTERM and started again the way .ci/docker-up.sh starts it.
 */
const wanted = process.env.RESOURCE_POSTGRES_TEST_DOCKER_RESTART === '1';
const engines = wanted ? await enginesUnderTest() : [];
const dockerdPid = async () => Number((await run('pgrep', ['-x', 'dockerd'])).out.split('\n')[0]) || undefined;
const runnable = wanted && engines.includes('docker') && process.getuid?.() === 0 && (await dockerdPid()) !== undefined;
if (wanted && !runnable)
  throw new Error('RESOURCE_POSTGRES_TEST_DOCKER_RESTART=1 needs root, a local dockerd process and the test image');

const dockerUp = () => run('bash', [`${ROOT}.ci/docker-up.sh`], 120_000);
const alive = (pid: number) =>
  readFile(`/proc/${pid}/stat`, 'utf8').then(
    (s) => !/^\d+ \(.*\) Z/.test(s),
    () => false,
  );
const entry = (doc: { instances: Array<{ name: string }> }, name: string) =>
  doc.instances.find((i) => i.name === name) as Record<string, unknown>;

describe.runIf(runnable)('the Docker daemon restarted while instances run', () => {
  let home: string;
  const cli = (...args: string[]) => runCli(args, { home });
  const native = engines.includes('native');

  beforeAll(async () => {
    home = await tempHome('rp-daemon-');
    const plan: Array<[string, EngineName]> = [
      ['up', 'docker'],
      ['down', 'docker'],
      ...(native ? [['nat', 'native'] as [string, EngineName]] : []),
    ];
    for (const [name, engine] of plan) {
      const r = await cli('manage', 'start', '--instance', name, '--template', 'minimal', ...engineArgs(engine));
      expect(r.code, r.stderr).toBe(0);
    }
    expect((await cli('manage', 'stop', '--instance', 'down')).code).toBe(0);
    const env = await credentials(home, 'up');
    expect((await psql(env.DATABASE_URL!, "CREATE TABLE kept AS SELECT 'survives' AS v")).code).toBe(0);
  }, 180_000);

  afterAll(async () => {
    if ((await run('docker', ['info'])).code !== 0) await dockerUp();
    await forceCleanup(home);
  }, 180_000);

  it('status is truthful while the daemon is down; the containers come back; data intact', async () => {
    const pid = (await dockerdPid())!;
    process.kill(pid, 'SIGTERM');
    // Gone for pgrep too (docker-up.sh decides by pgrep), not merely a zombie.
    await waitUntil(
      'dockerd to exit',
      async () => !(await alive(pid)) && (await dockerdPid()) === undefined,
      90_000,
      100,
    );

    const down = await statusJson(home);
    expect(down.code).toBe(1);
    expect(entry(down.doc, 'up')).toMatchObject({
      healthy: false,
      health_message: expect.stringMatching(/no Docker daemon answers/),
    });
    expect(down.doc.running_instances).toBe(native ? 1 : 0);
    if (native) expect(entry(down.doc, 'nat')).toMatchObject({ state: 'running', healthy: true });
    expectRefused(await cli('manage', 'start', '--instance', 'up'), /no Docker daemon answers/);

    const up = await dockerUp();
    expect(up.code, up.err).toBe(0);
    // unless-stopped: the daemon restarts "up" by itself; "down" was stopped on purpose and stays so.
    const leaks: string[] = []; // collected: waitUntil swallows a throwing expect
    await waitUntil(
      'instance up to be healthy again',
      async () => {
        const s = await statusJson(home).catch((e: Error) => {
          leaks.push(`status output is not one JSON document: ${e.message}`);
          throw e;
        });
        leaks.push(...rawLines(s.raw.slice(s.raw.lastIndexOf('}') + 1)));
        if (s.code === 0 && !entry(s.doc, 'up').healthy) leaks.push('exit 0 while up is not healthy');
        return entry(s.doc, 'up').healthy === true;
      },
      90_000,
      500,
    );
    expect(leaks).toEqual([]);
    const after = await statusJson(home);
    expect(after.code).toBe(0);
    expect(entry(after.doc, 'down')).toMatchObject({ state: 'stopped', health_message: 'stopped (on purpose)' });
    expect((await psql((await credentials(home, 'up')).DATABASE_URL!, 'SELECT v FROM kept')).out).toBe('survives');
  }, 300_000);
});
