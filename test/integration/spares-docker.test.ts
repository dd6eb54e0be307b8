import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerAvailability, TEST_IMAGE, tempHome } from '../support/cli.js';
import {
  builders,
  cli,
  create,
  creds,
  destroyUnderBuilder,
  makeStale,
  query,
  readRecord,
  readySpare,
  recordIds,
  run,
  spares,
  systemIdentifier,
  teardown,
  waitNoBuilder,
} from '../support/spare-suite.js';

/**
 * Instant docker instances: a create served from a spare volume (the image's entrypoint
 * initialised it in the background) gets its own system identifier, password and port; a
 * stale spare is discarded; --no-spare; uninstall and a destroyed home leave no spare volume,
 * helper container or builder behind. In CI docker is mandatory: these fail, never skip.
 */
const ENGINE = ['--engine', 'docker', '--image', TEST_IMAGE];
const volumes = async (home: string) =>
  (
    await run('docker', [
      'volume',
      'ls',
      '-q',
      '--filter',
      'dangling=true',
      '--filter',
      'label=io.resource-postgres.spare',
      '--filter',
      `label=io.resource-postgres.home=${home}`,
    ])
  ).out
    .split('\n')
    .filter(Boolean);
const helpers = async (home: string) =>
  (await run('docker', ['ps', '-aq', '--filter', `label=io.resource-postgres.spare-home=${home}`])).out
    .split('\n')
    .filter(Boolean);

const docker = await dockerAvailability();
if (!docker.ok && process.env.CI) throw new Error(`CI requires the Docker suites to run, but ${docker.reason}`);

let home: string;

describe.skipIf(!docker.ok)('docker spares', () => {
  beforeAll(async () => {
    home = await tempHome('rp-spares-docker-');
    const first = await create(home, 'first', ENGINE);
    expect(first.item.from_spare).toBeUndefined();
  }, 240_000);

  afterAll(async () => {
    await teardown(home);
    await waitNoBuilder('docker').catch(() => {});
  }, 240_000);

  it('serve creates: each instance its own system identifier, password and port', async () => {
    await readySpare(home, 'docker');
    const a = await create(home, 'a', ENGINE);
    expect(a.item.from_spare).toBe(true);
    await readySpare(home, 'docker');
    const b = await create(home, 'b', ENGINE);
    expect(b.item.from_spare).toBe(true);
    const ids = await Promise.all(['first', 'a', 'b'].map((n) => systemIdentifier(home, n)));
    expect(new Set(ids).size).toBe(3);
    const [ca, cb] = [await creds(home, 'a'), await creds(home, 'b')];
    expect(new Set([ca.port, cb.port, (await creds(home, 'first')).port]).size).toBe(3);
    expect(ca.password).not.toBe(cb.password);
    expect(await query(ca, 'select 1 as one')).toEqual([{ one: 1 }]);
    await expect(query(ca, 'select 1', cb.password)).rejects.toThrow(/password authentication failed/);
    // Never in the container's environment: only the file the entrypoint reads.
    const env = await run('docker', ['inspect', '--format', '{{json .Config.Env}}', 'resource-postgres-a']);
    expect(env.out).not.toContain(ca.password);
  }, 300_000);

  it('never uses a stale spare: its volume is removed and the create initialises', async () => {
    const [id] = await readySpare(home, 'docker');
    const { location } = await readRecord(home, id!);
    await makeStale(home, id!);
    const c = await create(home, 'c', ENGINE);
    expect(c.item.from_spare).toBeUndefined();
    expect(await volumes(home)).not.toContain(location);
    expect(await recordIds(home)).not.toContain(id);
  }, 300_000);

  it("never shares or discards an instance's data, whatever a spare record names", async () => {
    const [id] = await readySpare(home, 'docker');
    const record = await readRecord(home, id!);
    const taken = JSON.parse(
      (await run('docker', ['inspect', '--format', '{{json .Mounts}}', 'resource-postgres-a'])).out,
    )[0].Name;
    for (const key of [record.key, record.key!.replace(/^./, (c) => (c === '0' ? '1' : '0'))]) {
      await writeFile(join(home, '.spares', `${id}.json`), JSON.stringify({ ...record, key, location: taken }));
      const x = await create(home, `x${key === record.key ? 1 : 2}`, ENGINE);
      expect(x.item.from_spare).toBeUndefined();
      expect(await query(await creds(home, 'a'), 'select 1 as one')).toEqual([{ one: 1 }]);
    }
    await run('docker', ['volume', 'rm', '-f', record.location!]); // the spare the forged records replaced
  }, 300_000);

  it('--no-spare neither takes the spare nor builds another', async () => {
    const before = await readySpare(home, 'docker');
    const d = await create(home, 'd', [...ENGINE, '--no-spare']);
    expect(d.item.from_spare).toBeUndefined();
    expect(await builders('docker')).toEqual([]);
    expect(await recordIds(home)).toEqual(before);
  }, 300_000);

  it('uninstall removes the spare volumes and stops a builder at work', async () => {
    await create(home, 'e', ENGINE);
    expect((await builders('docker')).length).toBeGreaterThan(0);
    const r = await cli(home, ['manage', 'uninstall', '--instance', 'e', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(await builders('docker')).toEqual([]);
    expect(await spares(home)).toEqual([]);
    expect(await volumes(home)).toEqual([]);
    expect(await helpers(home)).toEqual([]);
  }, 300_000);

  it('a builder whose home is destroyed under it leaves nothing behind', async () => {
    await create(home, 'f', ENGINE);
    expect((await builders('docker')).length).toBeGreaterThan(0);
    await destroyUnderBuilder(home, 'docker');
    expect(await volumes(home)).toEqual([]);
    expect(await helpers(home)).toEqual([]);
  }, 300_000);
});
