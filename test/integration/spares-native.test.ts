import { access, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RELOCATION_ROOT } from '../../src/core/defaults.js';
import { pathHash } from '../../src/engines/native/layout.js';
import { runCli, tempHome } from '../support/cli.js';
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
 * Instant native instances: a create served from a spare (a cluster initdb'd in the
 * background after the previous create) gets its own system identifier, password and port;
 * a stale spare is discarded, never used; --no-spare; uninstall and a destroyed home leave no
 * spare, builder, or builder user behind. One home for the file, instances shared by the cases.
 */
const ENGINE = ['--engine', 'native'];
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const spareStores = (home: string) => [join(home, '.spare-data'), join(RELOCATION_ROOT, pathHash(home), '.spare-data')];
const builderUser = async () => (await run('getent', ['passwd', 'rp-_spare'])).code === 0;

let home: string;

beforeAll(async () => {
  home = await tempHome('rp-spares-native-');
  const first = await create(home, 'first', ENGINE);
  expect(first.item.from_spare).toBeUndefined(); // nothing to take yet: initdb, then a spare is built
}, 240_000);

afterAll(async () => {
  await teardown(home);
  await waitNoBuilder('native').catch(() => {});
}, 240_000);

describe('native spares', () => {
  it('serve creates: each instance its own system identifier, password and port', async () => {
    await readySpare(home, 'native');
    const a = await create(home, 'a', ENGINE);
    expect(a.item.from_spare).toBe(true);
    await readySpare(home, 'native');
    const b = await create(home, 'b', ENGINE);
    expect(b.item.from_spare).toBe(true);
    const ids = await Promise.all(['first', 'a', 'b'].map((n) => systemIdentifier(home, n)));
    expect(new Set(ids).size).toBe(3);
    const [ca, cb] = [await creds(home, 'a'), await creds(home, 'b')];
    expect(new Set([ca.port, cb.port, (await creds(home, 'first')).port]).size).toBe(3);
    expect(ca.password).not.toBe(cb.password);
    expect(await query(ca, 'select 1 as one')).toEqual([{ one: 1 }]);
    await expect(query(ca, 'select 1', cb.password)).rejects.toThrow(/password authentication failed/);
  }, 300_000);

  it('never uses a stale spare: it is discarded and the create runs initdb', async () => {
    const [id] = await readySpare(home, 'native');
    const { location } = await readRecord(home, id!);
    await makeStale(home, id!);
    const c = await create(home, 'c', ENGINE);
    expect(c.item.from_spare).toBeUndefined();
    expect(await exists(location!)).toBe(false);
    expect(await recordIds(home)).not.toContain(id);
  }, 300_000);

  it('--no-spare neither takes the spare nor builds another', async () => {
    const before = await readySpare(home, 'native');
    const d = await create(home, 'd', [...ENGINE, '--no-spare']);
    expect(d.item.from_spare).toBeUndefined();
    expect(await builders('native')).toEqual([]);
    expect(await recordIds(home)).toEqual(before);
    // The home-level switch does the same for every create of the home.
    await writeFile(join(home, 'spares-off'), '');
    const g = await create(home, 'g', ENGINE);
    expect(g.item.from_spare).toBeUndefined();
    expect(await builders('native')).toEqual([]);
    expect(await recordIds(home)).toEqual(before);
    await rm(join(home, 'spares-off'));
    // A bad value of the switch is refused before anything is made.
    const bad = await runCli(['manage', 'start', '--instance', 'h', ...ENGINE], {
      home,
      env: { RESOURCE_POSTGRES_SPARES: 'maybe' },
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/RESOURCE_POSTGRES_SPARES/);
    expect(
      await access(join(home, 'h')).then(
        () => true,
        () => false,
      ),
    ).toBe(false);
  }, 300_000);

  it('uninstall removes the spares and stops a builder at work; no builder user is left', async () => {
    await create(home, 'e', ENGINE);
    expect((await builders('native')).length).toBeGreaterThan(0); // the next spare is being built
    const r = await cli(home, ['manage', 'uninstall', '--instance', 'e', '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(await builders('native')).toEqual([]);
    expect(await spares(home)).toEqual([]);
    for (const store of spareStores(home)) expect(await readdir(store).catch(() => [])).toEqual([]);
    expect(await builderUser()).toBe(false);
  }, 300_000);

  it('a builder whose home is destroyed under it leaves nothing behind', async () => {
    await create(home, 'f', ENGINE);
    expect((await builders('native')).length).toBeGreaterThan(0);
    await destroyUnderBuilder(home, 'native');
    for (const store of spareStores(home)) expect(await exists(store)).toBe(false);
    expect(await builderUser()).toBe(false);
  }, 300_000);
});
