import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, enginesUnderTest, runCli, TEST_IMAGE, tempHome } from '../support/cli.js';

const engines = await enginesUnderTest();

/**
 * A logical backup of a superuser-mode instance restored into an owner-mode one replays a
 * role definition that makes the application's role a superuser: the restore must leave it an
 * owner. Docker only: the native engine's logical path needs a newer pg_dump than this machine has.
 */
describe.runIf(engines.includes('docker'))('a superuser-mode backup restored into an owner instance', () => {
  let home: string;
  const id = randomBytes(3).toString('hex');
  const [su, owner] = [`su${id}`, `ow${id}`];
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 240_000 });
  const connect = async (name: string, admin = false) => {
    const r = await cli(['credentials', '--instance', name, '--json', '--show-secrets', ...(admin ? ['--admin'] : [])]);
    const c = JSON.parse(r.stdout).connections[0];
    const client = new pg.Client({
      host: '127.0.0.1',
      port: c.connection.port,
      user: c.auth.username,
      password: c.auth.password,
      database: c.connection.database,
    });
    await client.connect();
    return client;
  };
  const query = async (name: string, text: string, admin = false) => {
    const client = await connect(name, admin);
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    home = await tempHome('rp-approle-x-');
    const made: Array<[string, string]> = [
      [su, 'superuser'],
      [owner, 'owner'],
    ];
    for (const [name, role] of made) {
      const r = await cli([
        'manage',
        'start',
        '--instance',
        name,
        '--engine',
        'docker',
        '--image',
        TEST_IMAGE,
        '--app-role',
        role!,
      ]);
      expect(r.code, r.stderr).toBe(0);
    }
  }, 300_000);
  afterAll(async () => destroyHome(home), 240_000);

  it('keeps the application role an owner and both roles working', async () => {
    await query(su, 'CREATE TABLE from_su (id int); INSERT INTO from_su VALUES (1), (2)');
    const made = await cli(['backup', 'create', '--instance', su, '--name', 'sb']);
    expect(made.code, made.stderr).toBe(0);
    const r = await cli(['backup', 'restore', 'sb', '--instance', owner, '--force']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await query(owner, 'SELECT count(*)::int AS n FROM from_su')).toEqual([{ n: 2 }]);
    expect(await query(owner, 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).toEqual([
      { rolsuper: false },
    ]);
    const copy = await query(owner, "COPY (SELECT 1) TO PROGRAM 'true'").then(
      () => 'allowed',
      (e: { code?: string }) => e.code,
    );
    expect(copy).toBe('42501');
    expect(await query(owner, 'SELECT 1 AS ok', true)).toEqual([{ ok: 1 }]);
    const s = JSON.parse((await cli(['status', '--instance', owner, '--json'])).stdout).instances[0];
    expect(s).toMatchObject({ healthy: true, app_role: 'owner' });
  }, 300_000);
});
