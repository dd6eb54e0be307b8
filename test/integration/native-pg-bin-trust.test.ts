import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledBinDir } from '../../src/engines/native/binaries.js';
import { destroyHome, runCli, tempHome } from '../support/cli.js';
import { rootOnly } from '../support/isolation.js';

/**
 * As root, a --pg-bin directory that another user could change is refused before anything of
 * it runs and before anything is created: no instance, no OS user, no files in the home. The
 * same programs from a directory only root can change start normally.
 */
describe.runIf(rootOnly('pg_bin trust'))('manage start refuses a pg_bin others can change', () => {
  let home: string;
  let fixtures: string;
  const name = `tr${randomBytes(3).toString('hex')}`;
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 180_000 });

  beforeAll(async () => {
    home = await tempHome('rp-pg-bin-trust-');
    fixtures = await mkdtemp(join(tmpdir(), 'rp-pg-bin-fixtures-'));
    await chmod(fixtures, 0o755);
    // The real bundled programs, reached through a link in a directory we loosen or tighten.
    await symlink(bundledBinDir()!, join(fixtures, 'bin'));
  });
  afterAll(async () => {
    await destroyHome(home);
    await rm(fixtures, { recursive: true, force: true });
  }, 120_000);

  it('a group-writable directory holding the link: refused, naming it and the fix; nothing changed', async () => {
    await chmod(fixtures, 0o775);
    // The instance's lock file (flock: it outlives every command by design) is not a change.
    const entries = async () => (await readdir(home)).filter((e) => !e.startsWith('.lock-'));
    const before = await entries();
    const r = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      'native',
      '--pg-bin',
      join(fixtures, 'bin'),
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${fixtures} is writable by group or others (mode 0775)`);
    expect(r.stderr).toMatch(/refusing to run PostgreSQL programs from .* as root[\s\S]*chmod go-w/);
    expect(await entries()).toEqual(before);
    const users = await promisify(execFile)('getent', ['passwd']);
    expect(users.stdout).not.toContain(`rp-${name}`);
    const status = await cli(['status', '--json', '--instance', name]);
    expect(JSON.parse(status.stdout).installed).toBe(false);
  });

  it('the same programs once only root can change the directory: started', async () => {
    await chmod(fixtures, 0o755);
    const r = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      'native',
      '--pg-bin',
      join(fixtures, 'bin'),
    ]);
    expect(r.code, r.stderr).toBe(0);
  }, 180_000);
});
