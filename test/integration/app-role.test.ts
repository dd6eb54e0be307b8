import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, enginesUnderTest, runCli, TEST_IMAGE, tempHome } from '../support/cli.js';

/**
 * --app-role owner through the real CLI, on both engines: the credentials handed to
 * applications reach their own database and nothing beyond it (no programs on the server,
 * no roles, no password hashes), while everything the program does for itself (probe,
 * content catalog work, backups and restores) runs as its own superuser and keeps working.
 */
const engines = await enginesUnderTest();

interface Creds {
  port: number;
  user: string;
  password: string;
  database: string;
}

describe.each(engines)('app role owner on the %s engine', (engine) => {
  let home: string;
  const name = `ar${randomBytes(3).toString('hex')}`;
  const cli = (args: string[], timeoutMs = 180_000) => runCli(args, { home, timeoutMs });
  const creds = async (admin = false): Promise<Creds> => {
    const r = await cli(['credentials', '--instance', name, '--json', '--show-secrets', ...(admin ? ['--admin'] : [])]);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout).connections[0];
    return {
      port: c.connection.port,
      user: c.auth.username,
      password: c.auth.password,
      database: c.connection.database,
    };
  };
  async function sql<T = Record<string, unknown>>(text: string, opts: { admin?: boolean; db?: string } = {}) {
    const c = await creds(opts.admin);
    const client = new pg.Client({ host: '127.0.0.1', ...c, database: opts.db ?? c.database });
    await client.connect();
    try {
      return (await client.query(text)).rows as T[];
    } finally {
      await client.end();
    }
  }
  /** The server's SQLSTATE for an application statement that must be refused. */
  const refusal = (text: string) =>
    sql(text).then(
      () => 'allowed',
      (e: { code?: string }) => e.code,
    );

  beforeAll(async () => {
    home = await tempHome('rp-approle-');
    const start = await cli([
      'manage',
      'start',
      '--instance',
      name,
      '--engine',
      engine,
      '--app-role',
      'owner',
      ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
    ]);
    expect(start.code, start.stderr).toBe(0);
  }, 240_000);
  afterAll(async () => destroyHome(home), 240_000);

  it('hands out a role that is no superuser and owns its database; --admin shows the other', async () => {
    const app = await creds();
    const admin = await creds(true);
    expect(app.user).not.toBe(admin.user);
    expect(app.password).not.toBe(admin.password);
    const [me] = await sql<{ rolsuper: boolean; rolcreaterole: boolean; owner: string; schema_owner: string }>(
      `SELECT r.rolsuper, r.rolcreaterole, pg_get_userbyid(d.datdba) AS owner,
              pg_get_userbyid(n.nspowner) AS schema_owner
         FROM pg_roles r, pg_database d, pg_namespace n
        WHERE r.rolname = current_user AND d.datname = current_database() AND n.nspname = 'public'`,
    );
    expect(me).toEqual({ rolsuper: false, rolcreaterole: false, owner: app.user, schema_owner: app.user });
    const [su] = await sql<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = current_user', {
      admin: true,
    });
    expect(su!.rolsuper).toBe(true);
    // env and text formats hand out the application's role too, masked unless asked.
    const env = await cli(['credentials', '--instance', name, '--format', 'env']);
    expect(env.stdout).toContain(`POSTGRES_USER='${app.user}'`);
    expect(env.stdout).not.toContain(admin.user);
    expect(env.stdout).not.toContain(app.password);
    const text = await cli(['credentials', '--instance', name]);
    expect(text.stdout).toContain(app.user);
    expect(text.stdout).not.toContain(admin.user);
  }, 60_000);

  it('cannot run programs, make roles or read password hashes; can make tables', async () => {
    expect(await refusal("COPY (SELECT 1) TO PROGRAM 'id'")).toBe('42501');
    expect(await refusal('CREATE ROLE intruder LOGIN SUPERUSER')).toBe('42501');
    expect(await refusal('CREATE ROLE intruder LOGIN')).toBe('42501');
    expect(await refusal('SELECT rolpassword FROM pg_authid')).toBe('42501');
    expect(await refusal("SELECT pg_read_file('/etc/passwd')")).toBe('42501');
    await sql('CREATE TABLE notes (id int PRIMARY KEY, v text); INSERT INTO notes VALUES (1, $$one$$), (2, $$two$$)');
    expect(await sql('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 2 }]);
  }, 60_000);

  it('a start takes back what a superuser gave the role (attributes, program-running memberships)', async () => {
    const app = (await creds()).user;
    await sql(
      `ALTER ROLE ${app} CREATEROLE; CREATE ROLE stepping_stone; GRANT pg_execute_server_program TO stepping_stone; GRANT stepping_stone TO ${app}; GRANT pg_read_server_files TO ${app}`,
      { admin: true },
    );
    // Granted, the server lets it try (native may then fail to run the program itself: not 42501).
    expect(await refusal("COPY (SELECT 1) TO PROGRAM 'true'")).not.toBe('42501');
    const r = await cli(['manage', 'start', '--instance', name]);
    expect(r.code, r.stderr).toBe(0);
    expect(await refusal("COPY (SELECT 1) TO PROGRAM 'true'")).toBe('42501');
    expect(await refusal("SELECT pg_read_file('/etc/passwd')")).toBe('42501');
    expect(await refusal('CREATE ROLE intruder')).toBe('42501');
  }, 60_000);

  it('status and health stay green; the self-tests pass', async () => {
    const s = await cli(['status', '--instance', name, '--json']);
    expect(s.code, s.stdout + s.stderr).toBe(0);
    const inst = JSON.parse(s.stdout).instances[0];
    expect(inst).toMatchObject({ healthy: true, app_role: 'owner', user: (await creds()).user });
    const t = await cli(['test', 'all', '--instance', name]);
    expect(t.code, t.stdout + t.stderr).toBe(0);
    const again = await cli(['manage', 'start', '--instance', name, '--app-role', 'superuser']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists with --app-role owner/);
  }, 180_000);

  it('content create-database / execute / migrate leave what the application owns; list shows it', async () => {
    const made = await cli(['content', 'create-database', 'shop', '--instance', name]);
    expect(made.code, made.stderr).toBe(0);
    const list = await cli(['content', 'list', '--instance', name, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('shop');
    await sql('CREATE TABLE orders (id int); INSERT INTO orders VALUES (7)', { db: 'shop' });
    // content execute runs as the application's role: what it makes is the application's.
    const ex = await cli(['content', 'execute', '--instance', name, 'CREATE TABLE made_by_cli (x int)']);
    expect(ex.code, ex.stderr).toBe(0);
    expect(await sql("SELECT tableowner FROM pg_tables WHERE tablename = 'made_by_cli'")).toEqual([
      { tableowner: (await creds()).user },
    ]);
    // migrate into a database it creates: the database and the tables are the application's.
    const dir = await mkdtemp(join(tmpdir(), 'rp-approle-mig-'));
    try {
      await writeFile(join(dir, '001_init.sql'), 'CREATE TABLE accounts (id int PRIMARY KEY);\n');
      const m = await cli(['content', 'migrate', dir, '--instance', name, '--database', 'billing']);
      expect(m.code, m.stderr).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const app = (await creds()).user;
    expect(
      await sql(
        "SELECT pg_get_userbyid(d.datdba) AS db_owner, t.tableowner FROM pg_database d, pg_tables t WHERE d.datname = 'billing' AND t.tablename = 'accounts'",
        { db: 'billing' },
      ),
    ).toEqual([{ db_owner: app, tableowner: app }]);
    await sql('INSERT INTO accounts VALUES (1)', { db: 'billing' });
  }, 60_000);

  it('backup create + restore keeps both roles working, the application still no superuser', async () => {
    const before = { app: await creds(), admin: await creds(true) };
    const made = await cli(['backup', 'create', '--instance', name, '--name', 'b1']);
    expect(made.code, made.stderr).toBe(0);
    await sql('INSERT INTO notes VALUES (3, $$after$$)');
    const r = await cli(['backup', 'restore', 'b1', '--instance', name, '--force']);
    expect(r.code, r.stderr).toBe(0);
    expect(await sql('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 2 }]);
    expect(await creds()).toEqual(before.app);
    expect(await creds(true)).toEqual(before.admin);
    expect(await sql('SELECT rolsuper FROM pg_roles WHERE rolname = current_user')).toEqual([{ rolsuper: false }]);
    expect(await sql('SELECT 1 AS ok', { admin: true })).toEqual([{ ok: 1 }]);
    expect(await refusal("COPY (SELECT 1) TO PROGRAM 'id'")).toBe('42501');
    if (engine === 'docker') {
      // docker's default above was logical (globals replay); its physical path too.
      const phys = await cli(['backup', 'create', '--instance', name, '--name', 'p1', '--method', 'physical']);
      expect(phys.code, phys.stderr).toBe(0);
      await sql('INSERT INTO notes VALUES (4, $$after$$)');
      const pr = await cli(['backup', 'restore', 'p1', '--instance', name, '--force']);
      expect(pr.code, pr.stderr).toBe(0);
      expect(await sql('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 2 }]);
      expect(await creds()).toEqual(before.app);
      expect(await creds(true)).toEqual(before.admin);
      expect(await sql('SELECT 1 AS ok', { admin: true })).toEqual([{ ok: 1 }]);
    }
    const clone = `${name}c`;
    const c = await cli(['backup', 'restore', 'b1', '--to-instance', clone]);
    expect(c.code, c.stderr).toBe(0);
    const cl = JSON.parse((await cli(['status', '--instance', clone, '--json'])).stdout).instances[0];
    expect(cl).toMatchObject({ healthy: true, app_role: 'owner' });
  }, 400_000);

  it('no password reaches the server log', async () => {
    const app = await creds();
    const admin = await creds(true);
    const log = await cli(['logs', '--instance', name, '--tail', '0']);
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout.length).toBeGreaterThan(0);
    expect(log.stdout).not.toContain(app.password);
    expect(log.stdout).not.toContain(admin.password);
  }, 60_000);

  it('--app-role superuser (over the production default) keeps one role, a superuser', async () => {
    const one = `${name}s`;
    const r = await cli([
      'manage',
      'start',
      '--instance',
      one,
      '--engine',
      engine,
      '--template',
      'production',
      '--app-role',
      'superuser',
      ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const show = async (admin: boolean) =>
      JSON.parse((await cli(['credentials', '--instance', one, '--json', ...(admin ? ['--admin'] : [])])).stdout)
        .connections[0].auth.username;
    expect(await show(false)).toBe(await show(true));
    const s = JSON.parse((await cli(['status', '--instance', one, '--json'])).stdout).instances[0];
    expect(s).toMatchObject({ healthy: true, app_role: 'superuser' });
  }, 240_000);
});
