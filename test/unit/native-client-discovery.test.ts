import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { candidateDirs, findClientDir, type ClientSearch } from '../../src/engines/native/client-tools.js';
import { installHint } from '../../src/engines/native/client-install-hint.js';
import { rootOnly } from '../support/isolation.js';

/**
 * The native engine's client search order (issue 13): --pg-bin / RESOURCE_POSTGRES_PG_BIN,
 * Debian's /usr/lib/postgresql/<N>/bin (newest suitable N), Homebrew, PATH. Each place is a
 * temporary tree of tiny pg_dump/pg_dumpall/pg_restore/psql scripts reporting a version.
 */
let root: string;
let search: ClientSearch;

async function clients(dir: string, version: string, programs = ['pg_dump', 'pg_dumpall', 'pg_restore', 'psql']) {
  await mkdir(dir, { recursive: true });
  for (const p of programs) {
    await writeFile(join(dir, p), `#!/bin/sh\necho "${p} (PostgreSQL) ${version}"\n`);
    await chmod(join(dir, p), 0o755);
  }
  return dir;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rp-client-search-'));
  search = { debianRoot: join(root, 'debian'), homebrewOpt: [join(root, 'brew-a'), join(root, 'brew-b')] };
});
afterEach(async () => rm(root, { recursive: true, force: true }));

describe('client program search order', () => {
  it('lists pg_bin, the env, Debian newest first, Homebrew newest first, then PATH', async () => {
    const path = await clients(join(root, 'path'), '18.1');
    await clients(join(search.debianRoot, '15', 'bin'), '15.8');
    await clients(join(search.debianRoot, '17', 'bin'), '17.2');
    await mkdir(join(search.debianRoot, 'not-a-major', 'bin'), { recursive: true });
    await clients(join(root, 'brew-b', 'postgresql@16', 'bin'), '16.4');
    await clients(join(root, 'brew-b', 'postgresql@14', 'bin'), '14.1');
    const named = await clients(join(root, 'named'), '16.0');
    const env = await clients(join(root, 'env'), '16.1');
    const dirs = await candidateDirs({ pgBin: named }, { RESOURCE_POSTGRES_PG_BIN: env, PATH: path }, search);
    expect(dirs.map((d) => d.dir.slice(root.length + 1))).toEqual([
      'named',
      'env',
      'debian/17/bin',
      'debian/15/bin',
      'brew-b/postgresql@16/bin',
      'brew-b/postgresql@14/bin',
      'path',
    ]);
    expect(dirs[0]!.named).toBe('pg_bin (--pg-bin)');
    expect(dirs[1]!.named).toBe('RESOURCE_POSTGRES_PG_BIN');
    expect(dirs[2]!.named).toBeUndefined();
  });

  it('--pg-bin wins over a newer Debian install when it suits the server', async () => {
    await clients(join(search.debianRoot, '17', 'bin'), '17.2');
    const named = await clients(join(root, 'named'), '16.3');
    const found = await findClientDir({ pgBin: named }, 16, { PATH: '' }, search);
    expect(found).toMatchObject({ ok: true, version: '16.3', dir: named });
  });

  it('an unsuitable --pg-bin falls through to Debian, newest suitable major first', async () => {
    await clients(join(search.debianRoot, '15', 'bin'), '15.8');
    await clients(join(search.debianRoot, '17', 'bin'), '17.2');
    const named = await clients(join(root, 'named'), '15.1');
    const found = await findClientDir({ pgBin: named }, 16, { PATH: '' }, search);
    expect(found).toMatchObject({ ok: true, version: '17.2', major: 17, where: join(search.debianRoot, '17', 'bin') });
  });

  it('Debian comes before Homebrew and PATH; Homebrew before PATH', async () => {
    const path = await clients(join(root, 'path'), '18.0');
    await clients(join(root, 'brew-a', 'postgresql@17', 'bin'), '17.5');
    expect(await findClientDir({}, 16, { PATH: path }, search)).toMatchObject({ ok: true, version: '17.5' });
    await clients(join(search.debianRoot, '16', 'bin'), '16.9');
    expect(await findClientDir({}, 16, { PATH: path }, search)).toMatchObject({ ok: true, version: '16.9' });
    expect(await findClientDir({}, 18, { PATH: path }, search)).toMatchObject({ ok: true, version: '18.0' });
  });

  it('passes over a directory missing one of the four programs, and says so if nothing else suits', async () => {
    await clients(join(search.debianRoot, '17', 'bin'), '17.2', ['pg_dump', 'pg_restore']);
    const found = await findClientDir({}, 16, { PATH: '' }, search);
    expect(found.ok).toBe(false);
    if (found.ok) return;
    expect(found.reason).toContain('is 17.2 (without all of pg_dumpall, pg_restore, psql)');
  });

  it('nothing suitable: names what was found and exactly what to install', async () => {
    await clients(join(search.debianRoot, '15', 'bin'), '15.8');
    const found = await findClientDir({}, 16, { PATH: '' }, search);
    expect(found).toMatchObject({ ok: false });
    if (found.ok) return;
    expect(found.reason).toMatch(/no pg_dump 16 or newer was found .*debian\/15\/bin\/pg_dump is 15\.8/);
    expect(found.hint).toBe(installHint(16));
  });

  it.runIf(rootOnly('client discovery trust checks'))(
    'as root, a found directory others can write is skipped, never run',
    async () => {
      const dir = await clients(join(search.debianRoot, '17', 'bin'), '17.2');
      await writeFile(
        join(dir, 'pg_dump'),
        `#!/bin/sh\ntouch ${join(root, 'ran-by-root')}\necho "pg_dump (PostgreSQL) 17.2"\n`,
      );
      await chmod(dir, 0o777);
      const found = await findClientDir({}, 16, { PATH: '' }, search);
      expect(found.ok).toBe(false);
      if (!found.ok) expect(found.reason).toMatch(/debian\/17\/bin skipped: .* writable by group or others/);
      expect(existsSync(join(root, 'ran-by-root'))).toBe(false);
    },
  );
});

describe('installHint', () => {
  it('names the apt.postgresql.org package, the offline script, Homebrew, --pg-bin and a docker image', () => {
    const hint = installHint(16, 'linux');
    expect(hint).toContain('apt-get install postgresql-client-16 from apt.postgresql.org');
    expect(hint).toContain('sudo bash test/clients/install-pg-clients.sh');
    expect(hint).toContain('brew install postgresql@16');
    expect(hint).toContain('--pg-bin or RESOURCE_POSTGRES_PG_BIN');
    expect(hint).toContain('postgres:16');
  });

  it('does not offer the 17-only script for 18, and on macOS leads with Homebrew', () => {
    expect(installHint(18, 'linux')).not.toContain('install-pg-clients.sh');
    expect(installHint(17, 'darwin')).toMatch(/^install PostgreSQL 17\+ client programs: brew install postgresql@17;/);
  });
});
