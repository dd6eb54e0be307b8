import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli, tempHome } from '../support/cli.js';
import {
  credentials,
  dockerObjects,
  engineArgs,
  forceCleanup,
  psql,
  rawLines,
  statusJson,
} from '../support/reliability.js';

/**
 * Many CLIs at once in one home: creates never share a port, and start/stop races on one
 * instance end in a state that status, instance.conf and the server agree on.
 */
const engines = await enginesUnderTest();

describe.each(engines)('concurrency on the %s engine', (engine) => {
  let home: string;
  const cli = (...args: string[]) => runCli(args, { home, timeoutMs: 300_000 });
  beforeAll(async () => {
    home = await tempHome(`rp-conc-${engine}-`);
  });
  afterAll(async () => {
    await forceCleanup(home);
  }, 180_000);

  it('12 parallel starts of new instances: 12 distinct ports, all healthy', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const runs = await Promise.all(
      names.map((n) =>
        cli('manage', 'start', '--instance', n, '--template', 'minimal', '--timeout', '180', ...engineArgs(engine)),
      ),
    );
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(rawLines(r.stderr)).toEqual([]);
    }
    const { code, doc } = await statusJson(home);
    expect(code).toBe(0);
    expect(doc.instances).toHaveLength(12);
    expect(new Set(doc.instances.map((i: { port: number }) => i.port)).size).toBe(12);
    for (const i of doc.instances) expect(i.healthy, `${i.name}: ${i.health_message}`).toBe(true);
    // Free the machine for the next case (and check a parallel-created home uninstalls whole).
    expect((await cli('manage', 'uninstall', '--force')).code).toBe(0);
    if (engine === 'docker') expect(await dockerObjects(home)).toEqual({ containers: [], volumes: [] });
  }, 400_000);

  it('parallel starts of the same new instance create it once', async () => {
    const runs = await Promise.all(
      Array.from({ length: 4 }, () =>
        cli('manage', 'start', '--instance', 'twin', '--template', 'minimal', ...engineArgs(engine)),
      ),
    );
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(rawLines(r.stderr)).toEqual([]);
    }
    expect(runs.filter((r) => /created/.test(r.stdout))).toHaveLength(1);
    const { doc } = await statusJson(home, '--instance', 'twin');
    expect(doc.instances[0]).toMatchObject({ state: 'running', healthy: true });
    if (engine === 'docker')
      expect(
        (await dockerObjects(home)).containers.filter((c) => c.startsWith('resource-postgres-twin ')),
      ).toHaveLength(1);
  }, 180_000);

  it('parallel start and stop of one instance end consistent, with no raw errors', async () => {
    expect(
      (await cli('manage', 'start', '--instance', 'flip', '--template', 'minimal', ...engineArgs(engine))).code,
    ).toBe(0);
    const env = await credentials(home, 'flip');
    expect((await psql(env.DATABASE_URL!, "CREATE TABLE kept AS SELECT 'survives' AS v")).code).toBe(0);
    const orders = [
      ['start', 'stop', 'start', 'stop'],
      ['stop', 'start', 'stop', 'start'],
      ['start', 'start', 'stop', 'stop'],
    ];
    for (const order of orders) {
      const runs = await Promise.all([
        ...order.map((verb) => cli('manage', verb, '--instance', 'flip')),
        runCli(['status', '--json', '--instance', 'flip'], { home }),
      ]);
      for (const r of runs) {
        expect(rawLines(r.stderr), r.stderr).toEqual([]);
        expect([0, 1, 2]).toContain(r.code);
      }
      for (const r of runs.slice(0, order.length)) expect(r.code, r.stderr).toBe(0);
      JSON.parse(runs[order.length]!.stdout); // one JSON document even mid-race
      // Consistent: what instance.conf wants is what runs, and status says so.
      const desired = /^desired_state="(\w+)"$/m.exec(
        await readFile(join(home, 'flip', 'config', 'instance.conf'), 'utf8'),
      )?.[1];
      const { code, doc } = await statusJson(home, '--instance', 'flip');
      if (desired === 'running') {
        expect(code).toBe(0);
        expect(doc.instances[0]).toMatchObject({ state: 'running', healthy: true });
      } else {
        expect(desired).toBe('stopped');
        expect(code).toBe(2);
        expect(doc.instances[0]).toMatchObject({ state: 'stopped', health_message: 'stopped (on purpose)' });
      }
    }
    expect((await cli('manage', 'start', '--instance', 'flip')).code).toBe(0);
    expect((await psql(env.DATABASE_URL!, 'SELECT v FROM kept')).out).toBe('survives');
  }, 240_000);
});
