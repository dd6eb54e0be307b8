import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceSql } from '../support/instance-sql.js';
import { destroyHome, dockerAvailability, runCli, TEST_IMAGE, tempHome } from '../support/cli.js';

/**
 * A logical restore killed (SIGKILL, through the test-only fault hook) at each step of its
 * swap: the database keeps its name with the old data or the new, never neither and never a
 * mix, and the next restore works and drops what the killed one left. Logical restores run
 * with the image's own pg_dump/pg_restore, so this suite runs on the docker engine.
 */
const docker = await dockerAvailability();
if (!docker.ok && process.env.CI) throw new Error(`CI requires Docker for the killed-restore suite: ${docker.reason}`);

describe.skipIf(!docker.ok)('a logical restore killed half-way (docker)', () => {
  let home: string;
  const name = `rk${randomBytes(3).toString('hex')}`;
  const cli = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, { home, env, timeoutMs: 180_000 });
  const sql = (text: string, database?: string) => instanceSql(home, name, text, database);

  const rows = async () => (await sql('SELECT v FROM t ORDER BY v')).map((r) => r.v);
  const leftovers = async () =>
    (await sql("SELECT datname FROM pg_database WHERE datname ~ '^rp_(restore|replaced)_'", 'postgres')).map(
      (r) => r.datname,
    );

  beforeAll(async () => {
    home = await tempHome('rp-restore-killed-');
    const start = await cli(['manage', 'start', '--instance', name, '--engine', 'docker', '--image', TEST_IMAGE]);
    expect(start.code, start.stderr).toBe(0);
    await sql("CREATE TABLE t (v text); INSERT INTO t VALUES ('backed-up')");
    const backup = await cli(['backup', 'create', '--instance', name, '--name', 'b1']);
    expect(backup.code, backup.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => destroyHome(home), 240_000);

  it.each([
    ['restore:before-swap', ['changed since']],
    ['restore:swap-uncommitted', ['changed since']],
    ['restore:swapped', ['backed-up']],
  ])(
    'killed at %s: the database holds %j, whole; the next restore completes',
    async (point, expected) => {
      await sql("TRUNCATE t; INSERT INTO t VALUES ('changed since')");
      // One database, so the kill point is the swap of the database checked below.
      const killed = await cli(['backup', 'restore', 'b1', '--instance', name, '--database', 'vrooli', '--force'], {
        RESOURCE_POSTGRES_TEST_FAULT: point,
      });
      expect(killed.code, killed.stderr).toBe(128);
      expect(await rows()).toEqual(expected);
      const again = await cli(['backup', 'restore', 'b1', '--instance', name, '--force']);
      expect(again.code, again.stderr).toBe(0);
      expect(await rows()).toEqual(['backed-up']);
      expect(await leftovers()).toEqual([]);
      expect((await cli(['manage', 'start', '--instance', name])).code).toBe(0);
    },
    180_000,
  );
});
