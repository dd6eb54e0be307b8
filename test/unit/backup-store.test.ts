import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkFiles } from '../../src/commands/backup/checksums.js';
import { pruneBackups, removeBackup } from '../../src/commands/backup/catalog.js';
import type { Manifest } from '../../src/commands/backup/manifest.js';
import { BackupStore } from '../../src/commands/backup/store.js';
import { openSink } from '../../src/system/file-sink.js';
import { fakeWorld, type FakeWorld } from '../support/fake-context.js';

let world: FakeWorld;
afterEach(async () => world?.cleanup());

function manifest(name: string, finished: string, files: Manifest['files']): Manifest {
  return {
    format: 1,
    name,
    instance: 'main',
    engine: 'docker',
    template: 'development',
    user: 'u',
    database: 'd',
    server_version: '17.1',
    server_major: 17,
    method: 'logical',
    scope: 'all-databases',
    databases: [],
    tool: 'pg_dump',
    files,
    total_bytes: 0,
    started_at: finished,
    finished_at: finished,
    status: 'complete',
  };
}

/** A complete backup with one data file written through the hashing sink, as create does. */
async function makeBackup(store: BackupStore, name: string, finished: string) {
  const partial = await store.begin('main', name, new Date(finished));
  const sink = openSink(join(partial.dir, 'data.dump'));
  sink.stream.write('some dump bytes');
  const info = await sink.close();
  return partial.finish(manifest(name, finished, [{ path: 'data.dump', ...info }]));
}

describe('backup store', () => {
  it('a writer killed while writing its marker leaves an incomplete entry, not a crash', async () => {
    world = await fakeWorld();
    const store = new BackupStore(world.ctx.home.dir);
    const partial = await store.begin('main', 'torn', new Date());
    await writeFile(join(partial.dir, 'in-progress.json'), '{"name":"to');
    const { partial: listed } = await store.list();
    expect(listed.map((p) => p.name)).toEqual(['torn']);
    await partial.abandon();
  });

  it('a backup lists as complete only after finish; an abandoned or killed one never does', async () => {
    world = await fakeWorld();
    const store = new BackupStore(world.ctx.home.dir);
    const partial = await store.begin('main', 'b1', new Date());
    expect((await store.list()).complete).toHaveLength(0);
    // A live writer (this process) is "in progress"; a dead pid is "incomplete".
    expect((await store.list()).partial.map((p) => p.status)).toEqual(['in progress']);
    await writeFile(join(partial.dir, 'in-progress.json'), JSON.stringify({ name: 'b1', pid: 2 ** 22 + 7 }));
    expect((await store.list()).partial.map((p) => p.status)).toEqual(['incomplete']);
    await partial.abandon();
    expect((await store.list()).partial).toHaveLength(0);
    await makeBackup(store, 'b2', '2026-01-01T00:00:00Z');
    const listed = await store.list();
    expect(listed.complete.map((b) => b.name)).toEqual(['b2']);
    expect(await readdir(store.dirOf('main'))).toEqual(['b2']);
  });

  it('verify detects a corrupted, a missing and an unlisted file', async () => {
    world = await fakeWorld();
    const store = new BackupStore(world.ctx.home.dir);
    await makeBackup(store, 'b1', '2026-01-01T00:00:00Z');
    const backup = await store.find('b1');
    expect((await checkFiles(backup)).every((c) => c.ok)).toBe(true);
    await writeFile(join(backup.dir, 'data.dump'), 'some dump bytez');
    await writeFile(join(backup.dir, 'stray'), 'x');
    const checks = await checkFiles(backup);
    expect(checks.find((c) => c.path === 'data.dump')?.problem).toMatch(/sha256 differs/);
    expect(checks.find((c) => c.path === 'stray')?.problem).toMatch(/not listed/);
  });

  it('backups can live under a --backup-dir', async () => {
    world = await fakeWorld();
    const custom = join(world.ctx.home.dir, 'elsewhere');
    await mkdir(custom);
    const store = new BackupStore(world.ctx.home.dir, custom);
    await makeBackup(store, 'b1', '2026-01-01T00:00:00Z');
    expect((await store.find('b1')).dir).toBe(join(custom, 'main', 'b1'));
    await expect(new BackupStore(world.ctx.home.dir).find('b1')).rejects.toThrow(/no complete backup named b1/);
  });

  it('prune keeps the newest and clears dead partial backups; remove needs --force without a TTY', async () => {
    world = await fakeWorld();
    const store = new BackupStore(world.ctx.home.dir);
    for (const [n, t] of [
      ['b1', '2026-01-01T00:00:00Z'],
      ['b2', '2026-01-02T00:00:00Z'],
      ['b3', '2026-01-03T00:00:00Z'],
    ] as const)
      await makeBackup(store, n, t);
    const dead = await store.begin('main', 'b4', new Date());
    await writeFile(join(dead.dir, 'in-progress.json'), JSON.stringify({ name: 'b4', pid: 2 ** 22 + 7 }));
    const dry = await pruneBackups(world.ctx, { action: 'prune', keep: 1, dryRun: true });
    expect(dry.data.removed.map((r) => r.name)).toEqual(['b2', 'b1', 'b4']);
    expect((await store.list()).complete).toHaveLength(3);
    await pruneBackups(world.ctx, { action: 'prune', keep: 1, dryRun: false });
    const after = await store.list();
    expect(after.complete.map((b) => b.name)).toEqual(['b3']);
    expect(after.partial).toHaveLength(0);
    await expect(
      removeBackup(world.ctx, { action: 'remove', name: 'b3', force: false, dryRun: false }),
    ).rejects.toThrow(/without confirmation/);
    await removeBackup(world.ctx, { action: 'remove', name: 'b3', force: true, dryRun: false });
    expect((await store.list()).complete).toHaveLength(0);
  });
});

describe('partial backup names', () => {
  it('come from the directory name when the marker file was never written', async () => {
    const { partialName } = await import('../../src/commands/backup/store.js');
    expect(partialName('.partial-main-2026-x-1234-a1b2c3')).toBe('main-2026-x');
    expect(partialName('.partial-killed-99-ffffff')).toBe('killed');
  });
});

describe('finding a backup by name and --instance', () => {
  /** The same backup name for two instances: the case --instance exists for. */
  async function twins(store: BackupStore) {
    for (const instance of ['main', 'app']) {
      const partial = await store.begin(instance, 'nightly', new Date('2026-01-01T00:00:00Z'));
      await partial.finish({ ...manifest('nightly', '2026-01-01T00:00:00Z', []), instance });
    }
  }

  it('a name two instances share needs --instance, which verify and remove now take', async () => {
    world = await fakeWorld();
    const store = new BackupStore(world.ctx.home.dir);
    await twins(store);
    await expect(store.find('nightly')).rejects.toThrow(/exists for several instances \(app, main\)/);
    expect((await store.find('nightly', 'app')).instance).toBe('app');
    expect((await store.find('nightly', 'main', 'prefer')).instance).toBe('main');
    await removeBackup(world.ctx, { action: 'remove', name: 'nightly', instance: 'app', force: true, dryRun: false });
    expect((await store.list()).complete.map((b) => b.instance)).toEqual(['main']);
  });

  it('only: another instance named is not found, saying whose backup it is; prefer: falls back to it', async () => {
    world = await fakeWorld();
    const store = new BackupStore(world.ctx.home.dir);
    await makeBackup(store, 'b1', '2026-01-01T00:00:00Z');
    await expect(store.find('b1', 'other')).rejects.toMatchObject({
      exitCode: 2,
      message: expect.stringMatching(/no complete backup named b1 of instance other .*\(there is one of main\)/),
      hint: 'see resource-postgres backup list --instance other',
    });
    expect((await store.find('b1', 'other', 'prefer')).instance).toBe('main');
  });
});
