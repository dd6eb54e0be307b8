import { readdir } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { destroyHome, runCli, tempHome, TEST_IMAGE } from './cli.js';

/** An owner-mode app's trap for superuser sessions in its database (search_path hijack). */
const EVIL_COUNT_SQL = `CREATE SCHEMA evil;
CREATE FUNCTION evil.tick(s int8) RETURNS int8 LANGUAGE plpgsql AS $$
BEGIN
  IF (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) THEN
    RAISE EXCEPTION 'evil.count ran as superuser %', current_user;
  END IF;
  RETURN s + 1;
END $$;
CREATE AGGREGATE evil.count(*) (sfunc = evil.tick, stype = int8, initcond = '0');
ALTER DATABASE vrooli SET search_path = evil, pg_catalog, public`;

/** What a pooler and a replica leave in a primary: their roles, the lookup function. */
const PROGRAM_ROLES_SQL = `CREATE ROLE resource_pooler LOGIN PASSWORD 'pooler-secret';
CREATE ROLE rp_replica_gone REPLICATION LOGIN PASSWORD 'replica-secret';
CREATE SCHEMA resource_pooler;
CREATE FUNCTION resource_pooler.lookup() RETURNS int LANGUAGE sql AS 'SELECT 1';
GRANT USAGE ON SCHEMA resource_pooler TO resource_pooler;
GRANT EXECUTE ON FUNCTION resource_pooler.lookup() TO resource_pooler`;

/**
 * Instance-level snapshots and `manage start --from` end to end on one engine: one source
 * instance (the default template, so online physical copies work; app role owner) shared by
 * the cases, which build on each other in order.
 */
export function branchesSuite(engine: 'native' | 'docker', src: string): void {
  let home = '';
  const cli = (args: string[], fault?: string) =>
    runCli(args, { home, timeoutMs: 240_000, env: fault ? { RESOURCE_POSTGRES_TEST_FAULT: `fail:${fault}` } : {} });
  const creds = async (name: string, admin = false) => {
    const r = await cli(['credentials', '--instance', name, '--json', '--show-secrets', ...(admin ? ['--admin'] : [])]);
    expect(r.code).toBe(0);
    const c = JSON.parse(r.stdout).connections[0];
    return { port: c.connection.port as number, user: c.auth.username as string, password: c.auth.password as string };
  };
  const sql = async (name: string, text: string, opts: { admin?: boolean; database?: string } = {}) => {
    const c = await creds(name, opts.admin);
    const client = new pg.Client({ host: '127.0.0.1', ...c, database: opts.database ?? 'vrooli' });
    client.on('error', () => {});
    await client.connect();
    try {
      return (await client.query(text)).rows;
    } finally {
      await client.end();
    }
  };
  const rows = (name: string) => sql(name, 'SELECT id, v FROM items ORDER BY id');
  const sysid = async (name: string) =>
    String(
      (await sql(name, 'SELECT system_identifier FROM pg_control_system()', { admin: true }))[0]!.system_identifier,
    );
  const instances = async () => (await readdir(home)).filter((e) => !e.startsWith('.')).sort();
  const image = engine === 'docker' ? ['--image', TEST_IMAGE] : [];
  /** The rows the instance-level snapshot "whole" holds. */
  let wholeRows: unknown[] = [];

  beforeAll(async () => {
    home = await tempHome(`rp-branches-${engine}-`);
    const start = await cli(['manage', 'start', '--instance', src, '--engine', engine, ...image]);
    expect(start.stderr + start.stdout).toMatch(/accepting queries/);
    expect(start.code).toBe(0);
    await sql(
      src,
      "CREATE TABLE items (id int PRIMARY KEY, v text); INSERT INTO items SELECT g, 'v' || g FROM generate_series(1, 300) g",
    );
  });
  afterAll(async () => {
    await destroyHome(home);
  }, 240_000);

  it('instance snapshot -> change -> restore: the exact rows, no new table or role, recorded credentials still work', async () => {
    const before = await rows(src);
    wholeRows = before;
    const port = (await creds(src)).port;
    const made = await cli(['snapshot', 'create', 'whole', '--level', 'instance', '--instance', src]);
    expect(made.stderr).not.toMatch(/error/);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/snapshot whole taken of the data of instance/);
    await sql(src, "DELETE FROM items WHERE id % 2 = 0; UPDATE items SET v = 'changed'; CREATE TABLE extra (x int)");
    await sql(src, "CREATE ROLE intruder LOGIN PASSWORD 'x'", { admin: true });
    const list = JSON.parse((await cli(['snapshot', 'list', '--instance', src, '--json'])).stdout);
    expect(list.snapshots).toEqual([expect.objectContaining({ name: 'whole', level: 'instance', database: '' })]);

    // Database-level snapshots live in the data: taken after "whole", the restore takes them away, and says so.
    expect((await cli(['snapshot', 'create', 'later', '--instance', src])).code).toBe(0);
    const dry = await cli(['snapshot', 'restore', 'whole', '--instance', src, '--dry-run']);
    expect(dry.stdout).toMatch(/database-level snapshots live in the data .*\(now: later\)/);
    // A restore that fails once the snapshot's server answered puts the previous data back, running.
    const changed = await rows(src);
    const failed = await cli(['snapshot', 'restore', 'whole', '--instance', src], 'snapshot:instance-restored');
    expect(failed.stderr).toMatch(/has its previous data back/);
    expect(failed.code).not.toBe(0);
    expect(await rows(src)).toEqual(changed);

    const restored = await cli(['snapshot', 'restore', 'whole', '--instance', src]);
    expect(restored.stderr).toMatch(/stopping instance \S+ \(every session ends\), replacing its data/);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/database-level snapshots went back with the data: lost later/);
    expect(await rows(src)).toEqual(before);
    expect(await sql(src, "SELECT to_regclass('public.extra') AS t")).toEqual([{ t: null }]);
    expect(
      await sql(src, "SELECT count(*)::int AS n FROM pg_roles WHERE rolname = 'intruder'", { admin: true }),
    ).toEqual([{ n: 0 }]);
    expect((await creds(src)).port).toBe(port);
    // A name is taken at either level; remove then frees it.
    const again = await cli(['snapshot', 'create', 'whole', '--instance', src]);
    expect(again.stderr).toMatch(/snapshot whole already exists/);
    expect(again.code).not.toBe(0);
  }, 240_000);

  it('--from SRC: same rows, its own system identifier, password and port; writes stay apart', async () => {
    // The app role owns its database: it plants a count(*) that fails when a superuser calls it
    // (standing in for COPY ... TO PROGRAM). The program's superuser sessions must not resolve it.
    await sql(src, EVIL_COUNT_SQL);
    // Roles the program makes for SRC's pooler and replicas (with SRC's secrets) stay SRC's.
    await sql(src, PROGRAM_ROLES_SQL, { admin: true });
    // --template applies to the new instance: testing (wal_level minimal) refuses instance-level snapshots, saying why.
    const made = await cli(['manage', 'start', '--instance', 'copy1', '--from', src, '--template', 'testing']);
    expect(made.stderr).not.toMatch(/error/);
    expect(made.code).toBe(0);
    expect(await rows('copy1')).toEqual(await rows(src));
    expect(await sysid('copy1')).not.toBe(await sysid(src));
    const [a, b] = [await creds(src), await creds('copy1')];
    expect(b.port).not.toBe(a.port);
    expect(b.password).not.toBe(a.password);
    expect((await creds('copy1', true)).password).not.toBe((await creds(src, true)).password);
    const whole = await cli(['snapshot', 'create', 'x', '--level', 'instance', '--instance', 'copy1']);
    expect(whole.stderr).toMatch(/cannot take an instance-level snapshot: wal_level is minimal/);
    expect(whole.code).not.toBe(0);
    await sql('copy1', "INSERT INTO items VALUES (1001, 'copy only')");
    await sql(src, "INSERT INTO items VALUES (2001, 'source only')");
    expect(await sql(src, 'SELECT count(*)::int AS n FROM items WHERE id = 1001')).toEqual([{ n: 0 }]);
    expect(await sql('copy1', 'SELECT count(*)::int AS n FROM items WHERE id = 2001')).toEqual([{ n: 0 }]);
    expect(
      await sql('copy1', "SELECT rolname FROM pg_roles WHERE rolname IN ('resource_pooler', 'rp_replica_gone')", {
        admin: true,
      }),
    ).toEqual([]);
    expect(await sql('copy1', "SELECT to_regnamespace('resource_pooler') AS s", { admin: true })).toEqual([
      { s: null },
    ]);
    await sql(src, 'ALTER DATABASE vrooli RESET search_path; DROP SCHEMA evil CASCADE');
    await sql(src, 'DROP SCHEMA resource_pooler CASCADE; DROP ROLE resource_pooler; DROP ROLE rp_replica_gone', {
      admin: true,
    });
  }, 240_000);

  it('--from SRC@SNAPSHOT: the rows a database-level or an instance-level snapshot holds', async () => {
    const taken = await rows(src);
    expect((await cli(['snapshot', 'create', 'dbsnap', '--instance', src])).code).toBe(0);
    await sql(src, 'DELETE FROM items WHERE id > 100');
    // The temporary copy a killed --from left in SRC is dropped by the next one.
    await sql(src, 'CREATE DATABASE rp_branch_leftover', { admin: true });
    const made = await cli(['manage', 'start', '--instance', 'copy2', '--from', `${src}@dbsnap`]);
    expect(made.stderr).not.toMatch(/error/);
    expect(made.code).toBe(0);
    expect(await rows('copy2')).toEqual(taken);
    const temps = "SELECT datname FROM pg_database WHERE datname LIKE 'rp\\_branch\\_%'";
    expect(await sql(src, temps, { admin: true })).toEqual([]);
    // Read through a temporary copy in SRC closed to the app; NEW's database is owned as SRC's is.
    const ownerOf = "SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = 'vrooli'";
    expect(await sql('copy2', ownerOf, { admin: true })).toEqual(await sql(src, ownerOf, { admin: true }));
    expect(await rows(src)).toHaveLength(100);

    // An instance-level snapshot: copied from a temporary server on its data, removed after.
    const fromWhole = await cli(['manage', 'start', '--instance', 'copy3', '--from', `${src}@whole`]);
    expect(fromWhole.stderr).toMatch(/temporary instance rp-tmp-/);
    expect(fromWhole.code).toBe(0);
    expect(await rows('copy3')).toEqual(wholeRows);
    expect(await sysid('copy3')).not.toBe(await sysid(src));
    expect((await instances()).filter((n) => n.startsWith('rp-tmp-'))).toEqual([]);
  }, 240_000);

  it('bad --from input is refused and creates nothing', async () => {
    const before = await instances();
    const cases: Array<[string[], RegExp]> = [
      [['--instance', 'bad1', '--from', 'nosuch'], /no instance named "nosuch"/],
      [['--instance', 'bad2', '--from', `${src}@nosnap`], /no snapshot nosnap/],
      [['--instance', 'copy1', '--from', src], /instance copy1 already exists/],
      [['--instance', src, '--from', src], /names the instance being made/],
      [
        ['--instance', 'bad4', '--from', src, '--engine', engine === 'native' ? 'docker' : 'native'],
        /--engine .* differs/,
      ],
      [['--instance', 'bad5', '--from', `${src}@`], /no snapshot after "@"/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(['manage', 'start', ...args]);
      expect(r.stderr).toMatch(message);
      expect(r.code).not.toBe(0);
    }
    const dry = await cli(['manage', 'start', '--instance', 'bad7', '--from', `${src}@dbsnap`, '--dry-run']);
    expect(dry.stdout).toMatch(/would create instance bad7 .* database vrooli as snapshot dbsnap holds it/);
    expect(dry.code).toBe(0);
    // A copy that fails takes the new instance away again, and leaves SRC as it was.
    const failed = await cli(['manage', 'start', '--instance', 'bad6', '--from', src], 'branch:copied');
    expect(failed.stderr).toMatch(/removing instance bad6/);
    expect(failed.code).not.toBe(0);
    expect(await instances()).toEqual(before);
    expect(await rows(src)).toHaveLength(100);
  }, 240_000);

  it('snapshot remove and manage uninstall take instance-level snapshots away', async () => {
    expect((await cli(['snapshot', 'remove', 'whole', '--instance', src])).code).toBe(0);
    let list = JSON.parse((await cli(['snapshot', 'list', '--instance', src, '--json'])).stdout);
    expect(list.snapshots.map((s: { name: string; level: string }) => `${s.name}:${s.level}`)).toEqual([
      'dbsnap:database',
    ]);
    // Tablespaces live outside what the copy holds: refused, not half copied.
    const dir = (await sql(src, 'SHOW data_directory', { admin: true }))[0]!.data_directory as string;
    await sql(src, `COPY (SELECT 1) TO PROGRAM 'mkdir ${dir}/rp_ts_test'`, { admin: true });
    await sql(src, `CREATE TABLESPACE extra_space LOCATION '${dir}/rp_ts_test'`, { admin: true });
    const spaced = await cli(['snapshot', 'create', 'spaced', '--level', 'instance', '--instance', src]);
    expect(spaced.stderr).toMatch(/tablespaces outside its data directory \(extra_space\)/);
    expect(spaced.code).not.toBe(0);
    await sql(src, 'DROP TABLESPACE extra_space', { admin: true });
    // A stopped instance is started for the copy and left stopped again.
    expect((await cli(['manage', 'stop', '--instance', src])).code).toBe(0);
    // A database-level snapshot's name is taken at the instance level too, even asked while stopped.
    const clash = await cli(['snapshot', 'create', 'dbsnap', '--level', 'instance', '--instance', src]);
    expect(clash.stderr).toMatch(/snapshot dbsnap already exists/);
    expect(clash.code).not.toBe(0);
    const second = await cli(['snapshot', 'create', 'second', '--level', 'instance', '--instance', src]);
    expect(second.stderr).toMatch(/is stopped: starting it for the snapshot/);
    expect(second.code).toBe(0);
    expect((await cli(['status', '--instance', src])).code).toBe(2);
    list = JSON.parse((await cli(['snapshot', 'list', '--instance', src, '--json'])).stdout);
    expect(list.snapshots.map((s: { name: string }) => s.name)).toEqual(['second']);
    const back = await cli(['snapshot', 'restore', 'second', '--instance', src]);
    expect(back.stdout).toMatch(/it is stopped again, as it was/);
    expect(back.code).toBe(0);
    expect((await cli(['status', '--instance', src])).code).toBe(2);
    expect((await cli(['manage', 'uninstall', '--instance', src, '--force'])).code).toBe(0);
    expect(await instances()).not.toContain(src);
  });
}
