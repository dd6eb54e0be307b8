import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { start } from '../../src/commands/manage/index.js';
import { versions } from '../../src/commands/versions/index.js';
import { markRuntimeUse, withRuntimeLock } from '../../src/commands/versions/runtime-use.js';
import type { Context } from '../../src/context.js';
import { Registry } from '../../src/core/registry.js';
import { exportInstance } from '../support/export-fixtures.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

/** Root's runtimes serve every home on the machine: remove must see them all, and no create in flight. */
let w: FakeWorld;
let tmp: string;
let rtRoot: string;
let ctx: Context;
beforeEach(async () => {
  w = await fakeWorld();
  tmp = await mkdtemp(join(tmpdir(), 'rp-rt-homes-'));
  rtRoot = join(tmp, 'runtimes');
  ctx = { ...w.ctx, env: { RESOURCE_POSTGRES_RUNTIMES: rtRoot, PATH: process.env.PATH } };
  await mkdir(join(rtRoot, '15', 'bin'), { recursive: true });
  await writeFile(join(rtRoot, '15', 'bin', 'postgres'), '#!/bin/sh\n');
  await chmod(join(rtRoot, '15', 'bin', 'postgres'), 0o755);
});
afterEach(async () => {
  await w.cleanup();
  await rm(tmp, { recursive: true, force: true });
});

const native15 = (name: string) => exportInstance({ name, engine: 'native', image: undefined, version: '15' });
const marker = (home: string) => join(rtRoot, '.users', '15', createHash('sha256').update(home).digest('hex'));
const remove = (c = ctx) => versions(c, { action: 'remove', major: '15' });

describe('versions remove across homes', () => {
  it('a native create of 15 leaves a marker naming its home', async () => {
    const opts = { instance: 'main', all: false, engine: 'native' as const, pgVersion: '15' };
    await start(ctx, { ...opts, wait: false, timeoutSec: 5, force: false, dryRun: false });
    expect(await readFile(marker(ctx.home.dir), 'utf8')).toBe(`${ctx.home.dir}\n`);
  });
  it('is refused while another home has an instance of 15, naming it and its home', async () => {
    const other = join(tmp, 'other-home');
    await new Registry(other).save(native15('web'));
    await markRuntimeUse(ctx.env, '15', other);
    await expect(remove()).rejects.toThrow(
      `PostgreSQL 15 is in use by instance web of home ${other}; nothing was removed`,
    );
    expect(await readdir(rtRoot)).toContain('15');
  });
  it('ignores and cleans a marker whose home no longer has an instance of 15', async () => {
    const gone = join(tmp, 'gone-home');
    const moved = join(tmp, 'moved-home');
    await new Registry(moved).save({ ...native15('web'), version: '17' });
    await markRuntimeUse(ctx.env, '15', gone);
    await markRuntimeUse(ctx.env, '15', moved);
    await markRuntimeUse(ctx.env, '15', ctx.home.dir);
    await versions(ctx, { action: 'remove', major: '15', dryRun: true });
    expect(await readdir(join(rtRoot, '.users', '15'))).toEqual([marker(ctx.home.dir).split('/').at(-1)]);
    expect((await remove()).data).toMatchObject({ message: `removed PostgreSQL 15 from ${join(rtRoot, '15')}` });
    expect((await readdir(rtRoot)).filter((n) => !n.startsWith('.'))).toEqual([]);
    expect(await readdir(join(rtRoot, '.users'))).toEqual([]);
  });
  it('waits for a create holding the runtime, then sees its instance', async () => {
    let removed: 'pending' | 'refused' | 'removed' = 'pending';
    let attempt: Promise<unknown> | undefined;
    await withRuntimeLock(ctx.env, '15', 'shared', async () => {
      attempt = remove().then(
        () => (removed = 'removed'),
        () => (removed = 'refused'),
      );
      await sleep(300);
      expect(removed).toBe('pending');
      await ctx.registry.save(native15('late'));
    });
    await attempt;
    expect(removed).toBe('refused');
    expect(await readdir(rtRoot)).toContain('15');
  });
});
