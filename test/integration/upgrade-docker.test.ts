import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, dockerAvailability, runCli, tempHome } from '../support/cli.js';
import { expectRolledBack, fingerprint, recordedVersion, seed, serverMajor } from '../support/upgrade-fixture.js';

/**
 * manage upgrade on docker, 15 -> 17, with the offline test images of both majors: the new
 * major's container dumps the old one with its own pg_dump, and the instance keeps its name,
 * port, credentials, data, roles and extensions. A failure before the switch rolls back by
 * itself; a kill (SIGKILL through the fault hook) is rolled back by the next command.
 */
const OLD_IMAGE = 'resource-postgres-test:15';
const NEW_IMAGE = 'resource-postgres-test:17';
const run = promisify(execFile);
const docker = await dockerAvailability();
const oldImage = await run('docker', ['image', 'inspect', OLD_IMAGE]).then(
  () => true,
  () => false,
);
if (process.env.CI && (!docker.ok || !oldImage))
  throw new Error(
    `CI requires Docker and ${OLD_IMAGE} for the upgrade suite: ${docker.ok ? 'image missing' : docker.reason}`,
  );

describe.skipIf(!docker.ok || !oldImage)('manage upgrade on docker (15 -> 17)', () => {
  let home: string;
  const name = `up${randomBytes(3).toString('hex')}`;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home, env, timeoutMs: 300_000 });
  const upgrade = (...more: string[]) => [
    'manage',
    'upgrade',
    '--instance',
    name,
    '--pg-version',
    '17',
    '--image',
    NEW_IMAGE,
    ...more,
  ];
  /** The upgrade's own objects: none may be left after a rollback. */
  const leftovers = async () => {
    const c = await run('docker', ['ps', '-a', '-q', '--filter', `name=resource-postgres-${name}.pg`]);
    const v = await run('docker', ['volume', 'ls', '-q', '--filter', `name=resource-postgres-${name}.pg`]);
    const journal = await access(join(home, name, 'config', 'upgrade-journal.json')).then(
      () => true,
      () => false,
    );
    return { containers: c.stdout.trim(), volumes: v.stdout.trim(), journal };
  };
  const none = { containers: '', volumes: '', journal: false };
  let before: Record<string, unknown>;
  let versionBefore: string | undefined;

  beforeAll(async () => {
    home = await tempHome('rp-upgrade-docker-');
    const start = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      'docker',
      '--image',
      OLD_IMAGE,
      '--app-role',
      'owner',
    ]);
    expect(start.code, start.stderr).toBe(0);
    await seed(home, name);
    before = await fingerprint(home, name);
    versionBefore = await recordedVersion(home, name);
    expect(before).toMatchObject({
      customers: 500,
      orders: 2000,
      invoice_last: 1004,
      trgm_works: true,
      reporter_sees: 500,
    });
  }, 300_000);
  afterAll(async () => {
    await destroyHome(home);
    // The old major's volume is kept after an upgrade until the user removes it: the test does.
    await run('docker', ['volume', 'rm', '-f', `resource-postgres-${name}-data`]).catch(() => undefined);
  }, 300_000);

  it('refuses a missing instance, the same major and an unknown major, changing nothing', async () => {
    const missing = await cli(['manage', 'upgrade', '--instance', 'nope', '--pg-version', '17']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope/);
    const same = await cli(['manage', 'upgrade', '--instance', name, '--pg-version', '15']);
    expect(same.code).toBe(1);
    expect(same.stderr).toMatch(/already runs PostgreSQL 15; nothing to upgrade/);
    const unknown = await cli(['manage', 'upgrade', '--instance', name, '--pg-version', '99']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown PostgreSQL major --pg-version 99[\s\S]*15, 16, 17, 18/);
    expect(await leftovers()).toEqual(none);
  }, 120_000);

  it('--dry-run lists databases, roles, image and client programs and changes nothing', async () => {
    const r = await cli(upgrade('--dry-run'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/would upgrade instance .* from PostgreSQL 15 to 17/);
    expect(r.stdout).toMatch(/databases: .*second \(/);
    expect(r.stdout).toMatch(/roles: .*reporter/);
    expect(r.stdout).toMatch(new RegExp(`image ${NEW_IMAGE} \\(present\\)`));
    expect(await recordedVersion(home, name)).toBe(versionBefore);
    expect(await leftovers()).toEqual(none);
    expect(await serverMajor(home, name)).toBe(15);
  }, 120_000);

  it('a failure after the restore, before the switch, rolls back to 15 with everything as it was', async () => {
    const r = await cli(upgrade(), { RESOURCE_POSTGRES_TEST_FAULT: 'fail:upgrade:before-switch' });
    expectRolledBack(r);
    expect(r.stderr).toMatch(/injected failure at upgrade:before-switch/);
    expect(await serverMajor(home, name)).toBe(15);
    expect(await fingerprint(home, name)).toEqual(before);
    expect(await leftovers()).toEqual(none);
  }, 300_000);

  it.each(['upgrade:before-switch', 'upgrade:switched'])(
    'killed at %s: the next start brings 15 back with its data, and nothing of the upgrade stays',
    async (point) => {
      const killed = await cli(upgrade(), { RESOURCE_POSTGRES_TEST_FAULT: point });
      expect(killed.code, killed.stderr).toBe(128);
      const start = await cli(['manage', 'start', '--instance', name]);
      expect(start.code, start.stderr).toBe(0);
      expect(start.stderr).toMatch(/rolling back an interrupted upgrade to PostgreSQL 17/);
      expect(await serverMajor(home, name)).toBe(15);
      expect(await recordedVersion(home, name)).toBe(versionBefore);
      expect(await fingerprint(home, name)).toEqual(before);
      expect(await leftovers()).toEqual(none);
    },
    300_000,
  );

  /** Is the instance's own container running? (A stopped instance is left stopped by an upgrade.) */
  const running = async () =>
    (await run('docker', ['inspect', '-f', '{{.State.Running}}', `resource-postgres-${name}`])).stdout.trim() ===
    'true';

  it('a stopped instance stays stopped when its upgrade fails', async () => {
    expect((await cli(['manage', 'stop', '--instance', name])).code).toBe(0);
    const r = await cli(upgrade(), { RESOURCE_POSTGRES_TEST_FAULT: 'fail:upgrade:restored' });
    expectRolledBack(r);
    expect(await running()).toBe(false);
    expect(await recordedVersion(home, name)).toBe(versionBefore);
    expect(await leftovers()).toEqual(none);
  }, 300_000);

  it('upgrades to 17 on the same port with data, sequence, second database, extension and roles intact', async () => {
    // Still stopped from the case above: the upgrade starts it to read it and leaves the new one stopped.
    const r = await cli(upgrade());
    expect(r.code, r.stderr).toBe(0);
    expect(await running()).toBe(false);
    expect((await cli(['manage', 'start', '--instance', name])).code).toBe(0);
    expect(r.stdout).toMatch(/upgraded from PostgreSQL 15 to 17 .* table row count\(s\) match/);
    expect(r.stdout).toMatch(`docker volume rm resource-postgres-${name}-data`);
    expect(await serverMajor(home, name)).toBe(17);
    expect(await recordedVersion(home, name)).toBe('17');
    expect(await fingerprint(home, name)).toEqual(before);
    const status = await cli(['status', '--instance', name, '--json']);
    expect(JSON.parse(status.stdout).instances[0]).toMatchObject({ healthy: true });
    // The old data is still there, untouched, for going back by hand.
    await run('docker', ['volume', 'inspect', `resource-postgres-${name}-data`]);
    const down = await cli(['manage', 'upgrade', '--instance', name, '--pg-version', '16']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/older than .* PostgreSQL 17: downgrades are not supported/);
  }, 300_000);
});
