import { chmod, chown, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findClientDir } from '../../src/engines/native/client-tools.js';
import {
  assertTrustedBinDir,
  rootTrustPolicy,
  untrustedBinDirReasons,
} from '../../src/engines/native/trusted-bin-dir.js';
import { rootOnly } from '../support/isolation.js';

/**
 * As root, programs are run from a pg_bin directory only when nobody but root (or the invoking
 * user) can change it, its ancestors or its programs. Fixtures are real directories with real
 * modes and owners (chown needs root: the suite runs as root in CI, and skips otherwise).
 */
const ROOT_ONLY = !rootOnly('trusted bin dir');
const PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];
const policy = { owners: [0] };
let base: string;
let bin: string;

beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), 'rp-trust-'));
  await chmod(base, 0o755);
  bin = join(base, 'pg', 'bin');
  await mkdir(bin, { recursive: true, mode: 0o755 });
  await chmod(join(base, 'pg'), 0o755);
  for (const p of PROGRAMS) await writeFile(join(bin, p), '#!/bin/sh\n', { mode: 0o755 });
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

const reasons = (dir = bin, owners = policy) => untrustedBinDirReasons(dir, PROGRAMS, owners);

describe.skipIf(ROOT_ONLY)('untrustedBinDirReasons (as root)', () => {
  it('a root-owned 0755 tree under sticky /tmp is trusted', async () => {
    expect(await reasons()).toEqual([]);
  });

  it.each([0o775, 0o757, 0o777])('the bin directory with mode %#o is not', async (mode) => {
    await chmod(bin, mode);
    expect(await reasons()).toEqual([`${bin} is writable by group or others (mode 0${mode.toString(8)})`]);
  });

  it('the bin directory is not trusted when sticky and writable by all (its entries could be added)', async () => {
    await chmod(bin, 0o1777);
    expect(await reasons()).toEqual([`${bin} is writable by group or others (mode 01777)`]);
  });

  it('a writable ancestor is not trusted (it could swap the whole bin directory); a sticky one is', async () => {
    await chmod(join(base, 'pg'), 0o777);
    expect(await reasons()).toEqual([`${join(base, 'pg')} is writable by group or others (mode 0777)`]);
    await chmod(join(base, 'pg'), 0o1777);
    expect(await reasons()).toEqual([]);
  });

  it('a directory or program owned by another user is not; the sudo caller is accepted', async () => {
    await chown(bin, 1234, 1234);
    await chown(join(bin, 'postgres'), 1234, 1234);
    expect(await reasons()).toEqual([`${bin} is owned by uid 1234`, `${join(bin, 'postgres')} is owned by uid 1234`]);
    expect(await reasons(bin, { owners: [0, 1234] })).toEqual([]);
  });

  it('a program writable by others is not', async () => {
    await chmod(join(bin, 'pg_ctl'), 0o777);
    expect(await reasons()).toEqual([`${join(bin, 'pg_ctl')} is writable by group or others (mode 0777)`]);
  });

  it('a link to an untrusted directory is judged by where it leads', async () => {
    await chmod(bin, 0o777);
    await symlink(bin, join(base, 'link'));
    expect(await reasons(join(base, 'link'))).toContain(`${bin} is writable by group or others (mode 0777)`);
  });

  it('assertTrustedBinDir names the path, where it came from, and the fix', async () => {
    await chmod(bin, 0o775);
    await expect(assertTrustedBinDir(bin, PROGRAMS, '--pg-bin', policy)).rejects.toMatchObject({
      message: expect.stringContaining(`refusing to run PostgreSQL programs from ${bin} (--pg-bin) as root: ${bin}`),
      hint: expect.stringContaining('chmod go-w'),
      kind: 'refused',
    });
  });
});

describe.skipIf(ROOT_ONLY)('client programs from a named pg_bin (backups)', () => {
  it('findClientDir refuses a --pg-bin others can change before running its pg_dump', async () => {
    await chmod(bin, 0o777);
    await expect(findClientDir({ pgBin: bin }, 16, {})).rejects.toThrow(
      `refusing to run PostgreSQL programs from ${bin} (pg_bin (--pg-bin)) as root`,
    );
  });
});

describe('rootTrustPolicy', () => {
  it('applies only to root, and trusts the sudo caller besides root', () => {
    if (ROOT_ONLY) expect(rootTrustPolicy({})).toBeNull();
    else {
      expect(rootTrustPolicy({})).toEqual({ owners: [0] });
      expect(rootTrustPolicy({ SUDO_UID: '1000' })).toEqual({ owners: [0, 1000] });
      expect(rootTrustPolicy({ SUDO_UID: 'x' })).toEqual({ owners: [0] });
    }
  });

  it('without a policy (not root) nothing is refused', async () => {
    await chmod(bin, 0o777);
    await expect(assertTrustedBinDir(bin, PROGRAMS, '--pg-bin', null)).resolves.toBeUndefined();
  });
});
