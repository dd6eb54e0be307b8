import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { passfileLine } from '../../src/core/passfile.js';
import { Secret } from '../../src/core/secret.js';
import { execUidOf } from '../../src/engines/docker/container-passfile.js';
import { singleFileTar } from '../../src/engines/docker/password-file.js';
import { withHostPassfile } from '../../src/engines/native/host-passfile.js';
import { makeInstance } from '../support/native-instance.js';

/** Client programs read the password from a 0600 libpq password file that lives only for their run. */
describe('passfileLine', () => {
  it.each([
    ['app', 'pw', '*:*:*:app:pw\n'],
    ['app', 'a:b\\c', '*:*:*:app:a\\:b\\\\c\n'],
    ['we:ird', 'x', '*:*:*:we\\:ird:x\n'],
  ])('%s / %s', (user, password, line) => {
    expect(passfileLine(user, password)).toBe(line);
  });
});

describe('execUidOf (the uid a docker exec runs as without --user)', () => {
  it.each([
    [undefined, 0],
    ['', 0],
    ['root', 0],
    ['root:root', 0],
    ['999', 999],
    ['70:70', 70],
    ['postgres', 'ask'],
  ])('%s -> %s', (user, uid) => {
    expect(execUidOf(user)).toBe(uid);
  });
});

describe('singleFileTar owner', () => {
  it('carries the uid and gid it is given', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rp-tar-owner-'));
    try {
      await writeFile(join(dir, 'a.tar'), singleFileTar('pgpass', 'x', 0o600, 0, 999, 70));
      const { stdout } = await promisify(execFile)('tar', ['--numeric-owner', '-tvf', 'a.tar'], { cwd: dir });
      expect(stdout).toMatch(/^-rw------- 999\/70 /);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('withHostPassfile', () => {
  const instance = makeInstance('pf', 5480, { user: 'app', password: new Secret('s:cret') });

  it('gives a 0600 file in a 0700 directory of ours, holding the line, removed after', async () => {
    let seen = '';
    await withHostPassfile(instance, async (path) => {
      seen = path;
      const [file, dir] = [await stat(path), await stat(dirname(path))];
      expect(file.mode & 0o777).toBe(0o600);
      expect(dir.mode & 0o777).toBe(0o700);
      expect([file.uid, dir.uid]).toEqual([process.getuid!(), process.getuid!()]);
      expect(await readFile(path, 'utf8')).toBe('*:*:*:app:s\\:cret\n');
    });
    await expect(stat(dirname(seen))).rejects.toThrow(/ENOENT/);
  });

  it('removes it when the run fails too', async () => {
    let seen = '';
    await expect(
      withHostPassfile(instance, async (path) => {
        seen = path;
        throw new Error('pg_dump failed');
      }),
    ).rejects.toThrow('pg_dump failed');
    await expect(stat(dirname(seen))).rejects.toThrow(/ENOENT/);
  });
});
