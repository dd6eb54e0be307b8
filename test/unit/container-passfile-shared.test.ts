import { PassThrough } from 'node:stream';
import type Dockerode from 'dockerode';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import { withContainerPassfile } from '../../src/engines/docker/container-passfile.js';
import { makeInstance } from '../support/native-instance.js';

/**
 * Client programs of one command running at once in a container (a backup's parallel dumps)
 * share one password file: copied in once, removed once, after the last of them ended.
 */
function fakeContainer(id: string, log: string[]): Dockerode.Container {
  return {
    id,
    inspect: async () => ({ Config: { User: '999' } }),
    putArchive: async () => {
      log.push('put');
    },
    exec: async (o: { Cmd: string[] }) => ({
      start: async () => {
        log.push(o.Cmd.join(' '));
        const s = new PassThrough();
        s.end();
        return s;
      },
      inspect: async () => ({ ExitCode: 0 }),
    }),
  } as unknown as Dockerode.Container;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('withContainerPassfile', () => {
  it('runs at the same time share one file, removed after the last one ends', async () => {
    const log: string[] = [];
    const container = fakeContainer('c-shared', log);
    const instance = makeInstance('pf', 5999);
    const run = (ms: number) =>
      withContainerPassfile(container, instance, async (path) => {
        log.push(`run ${ms}`);
        await sleep(ms);
        log.push(`end ${ms}`);
        return path;
      });
    const [a, b] = await Promise.all([run(30), run(5)]);
    expect(a).toBe(b);
    expect(a).toMatch(/^\/\.resource-postgres-pgpass-[0-9a-f]{16}$/);
    expect(log).toEqual(['put', 'run 30', 'run 5', 'end 5', 'end 30', `rm -f ${a}`]);
  });

  it('a later run, or another password, gets a file of its own', async () => {
    const log: string[] = [];
    const container = fakeContainer('c-apart', log);
    const instance = makeInstance('pf', 5999);
    const first = await withContainerPassfile(container, instance, async (p) => p);
    const second = await withContainerPassfile(container, instance, async (p) => p);
    expect(second).not.toBe(first);
    const other = { ...instance, password: new Secret('another-password') };
    const [x, y] = await Promise.all([
      withContainerPassfile(container, instance, async (p) => (await sleep(10), p)),
      withContainerPassfile(container, other, async (p) => (await sleep(10), p)),
    ]);
    expect(x).not.toBe(y);
    expect(log.filter((l) => l === 'put')).toHaveLength(4);
    expect(log.filter((l) => l.startsWith('rm -f'))).toHaveLength(4);
  });

  it('a failed copy fails every run waiting on it and leaves nothing shared behind', async () => {
    const log: string[] = [];
    const container = fakeContainer('c-fail', log);
    let fail = true;
    container.putArchive = (async () => {
      if (fail) throw new Error('daemon said no');
      log.push('put');
    }) as unknown as Dockerode.Container['putArchive'];
    const instance = makeInstance('pf', 5999);
    const runs = [1, 2].map(() => withContainerPassfile(container, instance, async (p) => p));
    for (const r of runs) await expect(r).rejects.toThrow('daemon said no');
    fail = false;
    await expect(withContainerPassfile(container, instance, async (p) => p)).resolves.toMatch(/pgpass/);
  });
});
