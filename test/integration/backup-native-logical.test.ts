import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, dockerAvailability, runCli, tempHome } from '../support/cli.js';
import { makePg17ClientBin } from '../support/pg17-client-bin.js';

/**
 * The native engine's logical path. This machine has no pg_dump 16+ on the host (Debian's
 * is 15, which refuses a 16 server), so a --pg-bin directory of tiny fixture executables
 * (makePg17ClientBin) runs the PostgreSQL 17 client programs of the offline test image on
 * the host network: a real pg_dump newer than the server, as a PGDG installation would provide. pg_restore 17
 * into a 16 server also exercises the script path that drops 17-only session settings.
 */
const docker = await dockerAvailability();
if (!docker.ok && process.env.CI)
  throw new Error(`CI requires Docker for the native logical backup suite: ${docker.reason}`);

describe.skipIf(!docker.ok)('native engine, logical backups with a newer pg_dump from --pg-bin', () => {
  let home: string;
  let bin: string;
  const name = `nl${randomBytes(3).toString('hex')}`;
  const cli = (args: string[]) => runCli(args, { home, timeoutMs: 240_000 });
  async function sql(text: string, instance = name): Promise<Array<Record<string, unknown>>> {
    const c = JSON.parse((await cli(['credentials', '--instance', instance, '--json', '--show-secrets'])).stdout)
      .connections[0];
    const client = new pg.Client({
      host: '127.0.0.1',
      port: c.connection.port,
      user: c.auth.username,
      password: c.auth.password,
      database: c.connection.database,
    });
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    home = await tempHome('rp-native-logical-');
    bin = await makePg17ClientBin();
    const start = await cli(['manage', 'start', '--instance', name, '--engine', 'native']);
    expect(start.code, start.stderr).toBe(0);
    await sql(
      "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, E'line\\t' || g FROM generate_series(1, 300) g; CREATE ROLE auditor",
    );
  }, 240_000);
  afterAll(async () => {
    await destroyHome(home);
    await rm(bin, { recursive: true, force: true });
  }, 240_000);

  it('without --pg-bin the native default is physical, and logical says what it needs', async () => {
    const r = await cli(['backup', 'create', '--instance', name, '--method', 'logical', '--name', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/needs pg_dump\/pg_restore 16 or newer[\s\S]*--method physical/);
  });

  it('backs up and restores logically, and clones', async () => {
    const made = await cli(['backup', 'create', '--instance', name, '--name', 'logical1', '--pg-bin', bin]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('logical');
    await sql('DELETE FROM notes WHERE id > 100; DROP ROLE auditor');
    const restored = await cli(['backup', 'restore', 'logical1', '--instance', name, '--force', '--pg-bin', bin]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await sql('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 300 }]);
    expect(await sql("SELECT rolname FROM pg_roles WHERE rolname = 'auditor'")).toHaveLength(1);
    const cloned = await cli(['backup', 'restore', 'logical1', '--to-instance', `${name}c`, '--pg-bin', bin]);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(await sql('SELECT count(*)::int AS n FROM notes', `${name}c`)).toEqual([{ n: 300 }]);
  }, 300_000);
});
