import { randomBytes } from 'node:crypto';
import { access, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, runCli, tempHome } from '../support/cli.js';
import { expectRolledBack, fingerprint, recordedVersion, seed, serverMajor } from '../support/upgrade-fixture.js';

/**
 * manage upgrade on native, 16 -> 17: the new major's runtime (installed on demand) initialises
 * a cluster beside the old one as the instance's own OS user, and the PostgreSQL 17 client
 * programs that test/clients/install-pg-clients.sh provisions (/usr/lib/postgresql/17/bin)
 * move roles and every database. The old data directory is never changed: a failure or a kill
 * before the upgrade completes leaves 16 running on it as before. Runs as root (OS users).
 */
const CLIENTS = '/usr/lib/postgresql/17/bin/pg_dump';
const hasClients = await access(CLIENTS).then(
  () => true,
  () => false,
);
const root = process.getuid?.() === 0;
if (process.env.CI && (!hasClients || !root))
  throw new Error(
    `CI requires root and ${CLIENTS} (bash test/clients/install-pg-clients.sh) for the native upgrade suite`,
  );

describe.skipIf(!hasClients || !root)('manage upgrade on native (16 -> 17)', () => {
  let home: string;
  const name = `nu${randomBytes(3).toString('hex')}`;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home, env, timeoutMs: 300_000 });
  const upgrade = (...more: string[]) => ['manage', 'upgrade', '--instance', name, '--pg-version', '17', ...more];
  const dataDir = async () =>
    /^data_dir="([^"]*)"/m.exec(await readFile(join(home, name, 'config', 'instance.conf'), 'utf8'))?.[1];
  const journal = () =>
    access(join(home, name, 'config', 'upgrade-journal.json')).then(
      () => true,
      () => false,
    );
  const exists = (p: string) =>
    access(p).then(
      () => true,
      () => false,
    );
  let before: Record<string, unknown>;
  let oldData: string | undefined;
  /** The new cluster's directory, beside the old data: gone after every rollback. */
  const newTree = () => join(oldData ? dirname(oldData) : join(home, name), 'pg17');

  beforeAll(async () => {
    home = await tempHome('rp-upgrade-native-');
    const start = await cli(['manage', 'start', '--instance', name, '--engine', 'native', '--app-role', 'owner']);
    expect(start.code, start.stderr).toBe(0);
    await seed(home, name);
    before = await fingerprint(home, name);
    oldData = await dataDir();
    expect(await serverMajor(home, name)).toBe(16);
  }, 300_000);
  afterAll(async () => destroyHome(home), 300_000);

  it('--dry-run names the databases, roles, new server and the 17 client programs, and changes nothing', async () => {
    const r = await cli(upgrade('--dry-run'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/from PostgreSQL 16 to 17/);
    expect(r.stdout).toMatch(/databases: .*second/);
    expect(r.stdout).toMatch(/roles: .*reporter/);
    expect(r.stdout).toMatch(/client programs: pg_dump 17\.\d+ in \/usr\/lib\/postgresql\/17\/bin/);
    expect(await recordedVersion(home, name)).toBe('16');
    expect(await dataDir()).toBe(oldData);
    expect(await journal()).toBe(false);
  }, 120_000);

  it('a failure before the switch rolls back: 16 on the old data, the new cluster removed', async () => {
    const r = await cli(upgrade(), { RESOURCE_POSTGRES_TEST_FAULT: 'fail:upgrade:before-switch' });
    expectRolledBack(r);
    expect(await serverMajor(home, name)).toBe(16);
    expect(await fingerprint(home, name)).toEqual(before);
    expect(await dataDir()).toBe(oldData);
    expect(await journal()).toBe(false);
    expect(await exists(newTree())).toBe(false);
  }, 300_000);

  it('killed after instance.conf names the new cluster: the next start brings 16 back', async () => {
    const killed = await cli(upgrade(), { RESOURCE_POSTGRES_TEST_FAULT: 'upgrade:switched' });
    expect(killed.code, killed.stderr).toBe(128);
    expect(await recordedVersion(home, name)).toBe('17'); // the kill came after the record switched
    const start = await cli(['manage', 'start', '--instance', name]);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stderr).toMatch(/rolling back an interrupted upgrade/);
    expect(await recordedVersion(home, name)).toBe('16');
    expect(await serverMajor(home, name)).toBe(16);
    expect(await fingerprint(home, name)).toEqual(before);
    expect(await journal()).toBe(false);
    expect(await exists(newTree())).toBe(false);
  }, 300_000);

  it('upgrades to 17 on the same port, as the same OS user, with everything intact; the old data stays', async () => {
    const r = await cli(upgrade());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/upgraded from PostgreSQL 16 to 17 .* table row count\(s\) match/);
    expect(await serverMajor(home, name)).toBe(17);
    expect(await recordedVersion(home, name)).toBe('17');
    const newData = await dataDir();
    expect(newData).toMatch(/\/pg17\/data$/);
    expect(await fingerprint(home, name)).toEqual(before);
    const old = oldData ?? join(home, name, 'data');
    expect((await stat(newData!)).uid).toBe((await stat(old)).uid);
    expect(await exists(join(old, 'PG_VERSION'))).toBe(true);
    expect((await readFile(join(old, 'PG_VERSION'), 'utf8')).trim()).toBe('16');
    expect(r.stdout).toContain(`rm -rf ${old}`);
    const restart = await cli(['manage', 'restart', '--instance', name]);
    expect(restart.code, restart.stderr).toBe(0);
    expect(await fingerprint(home, name)).toEqual(before);
  }, 300_000);
});
