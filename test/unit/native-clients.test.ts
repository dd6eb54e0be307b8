import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientToolsCheck, ImageClientRunner } from '../../src/engines/engine.js';
import { imageCandidates, tagMajor } from '../../src/engines/docker/image-clients.js';
import type { ClientSearch } from '../../src/engines/native/client-tools.js';
import { NativeClients } from '../../src/engines/native/native-clients.js';
import { makeInstance, PASSWORD } from '../support/native-instance.js';

/**
 * The native engine's client programs: the host's first, a local docker image's only when the
 * host has none that suits (the runner is a stand-in here; the real one is exercised in
 * test/integration/native-image-clients.test.ts), else an error saying what to install.
 */
let root: string;
let search: ClientSearch;
const instance = () => makeInstance('nc', 5999, { version: '16' });

function fakeRunner(found: ClientToolsCheck & { image?: string }) {
  const calls: { find: unknown[][]; run: unknown[][]; passfile: string[] } = { find: [], run: [], passfile: [] };
  const runner: ImageClientRunner = {
    async find(...args) {
      calls.find.push(args);
      return found;
    },
    async run(image, program, args, io) {
      calls.run.push([image, program, args, io.env, io.files]);
      calls.passfile.push(await readFile(io.files[0]!, 'utf8'));
      return { exitCode: 0, stderr: '', stdout: 'dumped' };
    },
  };
  return { runner, calls };
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rp-native-clients-'));
  search = { debianRoot: join(root, 'debian'), homebrewOpt: [] };
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('NativeClients', () => {
  it('uses the host programs when they suit, without asking Docker', async () => {
    const dir = join(search.debianRoot, '17', 'bin');
    await mkdir(dir, { recursive: true });
    for (const p of ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql']) {
      await writeFile(join(dir, p), `#!/bin/sh\necho "${p} (PostgreSQL) 17.2"\n`);
      await chmod(join(dir, p), 0o755);
    }
    const { runner, calls } = fakeRunner({ ok: true, version: '17.0', major: 17, where: 'img', image: 'img' });
    const clients = new NativeClients({ PATH: '' }, async () => runner, search);
    expect(await clients.check(instance(), 16)).toEqual({ ok: true, version: '17.2', major: 17, where: dir });
    expect(calls.find).toHaveLength(0);
  });

  it("falls back to a local image's programs, preferring the configured image; the password only in a mounted file", async () => {
    const { runner, calls } = fakeRunner({ ok: true, version: '17.1', major: 17, where: 'image x', image: 'x:17' });
    const clients = new NativeClients({ PATH: '', RESOURCE_POSTGRES_IMAGE: 'mine:17' }, async () => runner, search);
    expect(await clients.check(instance(), 16)).toEqual({ ok: true, version: '17.1', major: 17, where: 'image x' });
    expect(calls.find).toEqual([[16, ['mine:17']]]);
    const r = await clients.run(instance(), 'pg_dump', ['--schema-only'], { env: { PGDATABASE: 'appdb' } });
    expect(r.stdout).toBe('dumped');
    const [image, program, args, env, files] = calls.run[0]!;
    expect([image, program, args]).toEqual(['x:17', 'pg_dump', ['--schema-only']]);
    expect(env).toMatchObject({
      PGHOST: '127.0.0.1',
      PGPORT: '5999',
      PGDATABASE: 'appdb',
      PGPASSFILE: (files as string[])[0],
    });
    expect(JSON.stringify(env)).not.toContain(PASSWORD);
    expect(calls.passfile[0]).toContain(PASSWORD);
    expect(calls.find).toHaveLength(1); // resolved once per process, not per program run
  });

  it('neither host nor image: both reasons, and the hint says what to install', async () => {
    const { runner } = fakeRunner({ ok: false, reason: 'no local image has pg_dump 16 or newer', hint: 'x' });
    const clients = new NativeClients({ PATH: '' }, async () => runner, search);
    const check = await clients.check(instance(), 16);
    expect(check).toMatchObject({ ok: false });
    if (check.ok) return;
    expect(check.reason).toMatch(/no pg_dump 16 or newer was found on this machine.*; no local image has pg_dump 16/);
    expect(check.hint).toContain('postgresql-client-16');
    await expect(clients.run(instance(), 'psql', [], {})).rejects.toMatchObject({
      message: expect.stringContaining('cannot run psql for instance nc'),
      hint: expect.stringContaining('postgresql-client-16'),
    });
  });

  it('without a Docker module (or when loading it fails) only the host is searched', async () => {
    const clients = new NativeClients({ PATH: '' }, async () => Promise.reject(new Error('no dockerode')), search);
    expect(await clients.check(instance(), 16)).toMatchObject({ ok: false });
  });
});

describe('which local images are probed', () => {
  it('reads the major a tag promises', () => {
    expect(tagMajor('postgres:17-alpine')).toBe(17);
    expect(tagMajor('pgvector/pgvector:pg16')).toBe(16);
    expect(tagMajor('postgres:latest')).toBeUndefined();
    expect(tagMajor('registry:5000/postgres')).toBeUndefined();
  });

  it('preferred local images first, then postgres images that can suit, newest first; never absent ones', () => {
    const local = [
      'postgres:15',
      'postgres:17-alpine',
      'postgres:latest',
      'redis:7',
      'mine:1',
      'pgvector/pgvector:pg18',
    ];
    expect(imageCandidates(local, ['absent:17', 'mine:1'], 16)).toEqual([
      'mine:1',
      'postgres:latest',
      'pgvector/pgvector:pg18',
      'postgres:17-alpine',
    ]);
  });
});
