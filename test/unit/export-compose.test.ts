import { lstat, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportInstance as runExport } from '../../src/commands/export/index.js';
import type { Instance } from '../../src/core/instance.js';
import { render } from '../../src/output/render.js';
import {
  ADMIN_PASSWORD,
  APP_PASSWORD,
  exportInstance,
  facts,
  fakeDeps,
  ownerMode,
} from '../support/export-fixtures.js';
import { composeCommand, runCompose } from '../support/compose-cli.js';
import { fakeWorld, type FakeWorld } from '../support/fake-context.js';

let world: FakeWorld;
const dirs: string[] = [];
afterEach(async () => {
  await world?.cleanup();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'rp-export-'));
  dirs.push(d);
  return d;
}

const compose = composeCommand();

async function exportCompose(instance: Instance, out?: string, f = facts()) {
  await world?.cleanup(); // a test may export twice
  world = await fakeWorld();
  await world.ctx.registry.save(instance);
  return runExport(world.ctx, { target: 'compose', instance: instance.name, out }, undefined, fakeDeps(f));
}

describe('export compose', () => {
  it('a service with the same image, settings, limits, loopback port and a TCP health check', async () => {
    const res = await exportCompose(exportInstance(ownerMode));
    const text = render(res, { format: 'text', color: false });
    expect(text).toMatchSnapshot();
    const service = parse(text).services.postgres;
    expect(service.image).toBe('postgres:16-alpine');
    expect(service.command).toContain('shared_buffers=128MB');
    expect(service.ports).toEqual(['127.0.0.1:5433:5432']);
    expect(service.environment).toEqual({
      POSTGRES_USER: 'resource_admin',
      POSTGRES_DB: 'vrooli',
      POSTGRES_PASSWORD_FILE: '/run/secrets/postgres-password',
    });
    expect(text).not.toContain(APP_PASSWORD);
    expect(text).not.toContain(ADMIN_PASSWORD);
  });

  it('a native instance runs the official image of its major; 18 mounts the volume where that image keeps PGDATA', async () => {
    const native = exportInstance({ engine: 'native', image: undefined, version: '17' });
    // The running server's major wins over instance.conf's.
    const on16 = (await exportCompose(native)).data.documents[0] as any;
    expect(on16.services.postgres.image).toBe('postgres:16-alpine');
    expect(on16.services.postgres.volumes).toEqual(['main-data:/var/lib/postgresql/data']);
    const on18 = (await exportCompose(native, undefined, facts({ versionNum: 180001 }))).data.documents[0] as any;
    expect(on18.services.postgres.image).toBe('postgres:18-alpine');
    expect(on18.services.postgres.volumes).toEqual(['main-data:/var/lib/postgresql']);
  });

  it.skipIf(!compose && process.env.CI !== 'true')('is accepted by docker compose config', async () => {
    expect(compose, 'CI installs docker-compose (Debian bookworm) or the compose plugin').toBeDefined();
    const dir = await tempDir();
    await exportCompose(exportInstance({ template: 'production' }), dir);
    const res = runCompose(compose!, ['-f', join(dir, 'compose.yaml'), 'config']);
    expect(res.stderr).not.toMatch(/invalid|unsupported/i);
    expect(res.status).toBe(0);
    expect(parse(res.stdout).services.postgres.healthcheck.test).toEqual([
      'CMD-SHELL',
      'pg_isready -h 127.0.0.1 -p 5432 -U vrooli -d vrooli',
    ]);
  });

  it('--out writes 0600 files in a 0700 directory, and refuses a link in place of the directory', async () => {
    const dir = join(await tempDir(), 'new');
    const res = await exportCompose(exportInstance(), dir);
    expect(await readdir(dir)).toEqual(['compose.yaml']);
    expect((await lstat(dir)).mode & 0o777).toBe(0o700);
    expect((await lstat(join(dir, 'compose.yaml'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'compose.yaml'), 'utf8')).toContain('services:');
    expect(render(res, { format: 'text', color: false })).toMatch(/^wrote 1 file for instance main:/);
    const link = join(await tempDir(), 'link');
    await symlink(dir, link);
    await expect(exportCompose(exportInstance(), link)).rejects.toThrow(/is not a directory \(a link or a file\)/);
    const file = join(dir, 'compose.yaml');
    await expect(exportCompose(exportInstance(), file)).rejects.toThrow(/is not a directory \(a link or a file\)/);
  });
});
