import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findClientDir } from '../../src/engines/native/client-tools.js';
import { destroyHome, runCli, tempHome } from '../support/cli.js';

/**
 * The native engine's logical path with the client programs the program finds by itself (no
 * --pg-bin): on the Debian 12 machines, PostgreSQL 17 clients in /usr/lib/postgresql/17/bin,
 * put there by test/clients/install-pg-clients.sh (CI runs it), as apt.postgresql.org's
 * postgresql-client-17 would. pg_restore 17 into the 16 server also exercises the script path
 * that drops 17-only session settings. Under CI a missing install fails the suite.
 */
const found = await findClientDir({}, 16);
if (!found.ok && process.env.CI)
  throw new Error(
    `CI requires PostgreSQL 16+ client programs for the native logical backup suite (run: sudo bash test/clients/install-pg-clients.sh): ${found.reason}`,
  );

describe.skipIf(!found.ok)('native engine, logical backups with client programs found on the host', () => {
  let home: string;
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
    const start = await cli(['manage', 'start', '--instance', name, '--engine', 'native']);
    expect(start.code, start.stderr).toBe(0);
    await sql(
      "CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes SELECT g, E'line\\t' || g FROM generate_series(1, 300) g; CREATE ROLE auditor; CREATE SEQUENCE ticket START 41",
    );
    // Named like the login role the program makes on a primary for each of its streaming replicas.
    await sql("CREATE ROLE rp_replica_ghost LOGIN REPLICATION PASSWORD 'only-for-this-instance'");
    await sql('CREATE DATABASE side');
    await sql("SELECT nextval('ticket')");
  }, 240_000);
  afterAll(async () => destroyHome(home), 240_000);

  it('backs up logically by default, restores in place (rows, roles, databases, sequences), and clones', async () => {
    const made = await cli(['backup', 'create', '--instance', name, '--name', 'logical1']);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain('logical');
    const listed = JSON.parse((await cli(['backup', 'list', '--json'])).stdout).backups;
    const entry = listed.find((b: { name: string }) => b.name === 'logical1');
    expect(entry).toMatchObject({ method: 'logical' });
    // Made with the host's programs the search found (not a docker image's).
    const manifest = JSON.parse(await readFile(join(entry.path, 'manifest.json'), 'utf8'));
    expect(manifest.tool).toBe(`pg_dump ${found.ok ? `${found.version} (${found.where})` : '?'}`);

    await sql("DELETE FROM notes WHERE id > 100; DROP ROLE auditor; SELECT setval('ticket', 1)");
    await sql('DROP DATABASE side');
    const restored = await cli(['backup', 'restore', 'logical1', '--instance', name, '--force']);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await sql('SELECT count(*)::int AS n, max(body) AS last FROM notes')).toEqual([
      { n: 300, last: 'line\t99' },
    ]);
    expect(await sql("SELECT rolname FROM pg_roles WHERE rolname = 'auditor'")).toHaveLength(1);
    expect(await sql("SELECT datname FROM pg_database WHERE datname = 'side'")).toHaveLength(1);
    expect(await sql("SELECT nextval('ticket')::int AS v")).toEqual([{ v: 42 }]);

    const cloned = await cli(['backup', 'restore', 'logical1', '--to-instance', `${name}c`]);
    expect(cloned.code, cloned.stderr).toBe(0);
    expect(await sql('SELECT count(*)::int AS n FROM notes', `${name}c`)).toEqual([{ n: 300 }]);
    // The users' roles come along; the program's role for the source's replica does not.
    const roles = "SELECT rolname FROM pg_roles WHERE rolname IN ('auditor', 'rp_replica_ghost') ORDER BY 1";
    expect(await sql(roles, `${name}c`)).toEqual([{ rolname: 'auditor' }]);
    expect(await sql(roles)).toEqual([{ rolname: 'auditor' }, { rolname: 'rp_replica_ghost' }]);
  }, 300_000);

  it('verify --restore-test restores the backup into a throwaway instance and compares row counts', async () => {
    const r = await cli(['backup', 'verify', 'logical1', '--restore-test']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 240_000);
});
