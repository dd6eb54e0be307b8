import { describe, expect, it } from 'vitest';
import type { ContentInstance } from '../support/content-instance.js';
import { fingerprint } from '../support/db-fingerprint.js';
import { useSnapshotInstance } from '../support/snapshot-suite.js';

/**
 * Database snapshots and branches end to end on a real native server: the exact rows come
 * back, copies are independent, open sessions are refused or ended as documented, and bad
 * input changes nothing. One instance (app role owner, the production default).
 */
describe('snapshots and branches on the native engine', () => {
  const si = useSnapshotInstance('native', 'snap');
  const { cli, sql } = si;
  // fingerprint() reads through a ContentInstance's sql(); ours answers the same shape.
  const fp = (db: string) =>
    fingerprint({ sql: async (d: string, t: string) => [{ rows: await sql(d, t) }] } as unknown as ContentInstance, db);
  const owner = async (db: string) =>
    (await sql('postgres', `SELECT pg_get_userbyid(datdba) AS o FROM pg_database WHERE datname = '${db}'`))[0]?.o;

  it('snapshot -> change -> restore returns the exact rows, owned by the same role', async () => {
    await sql(
      'vrooli',
      `CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);
       INSERT INTO items (name) SELECT 'item ' || g FROM generate_series(1, 500) g;
       CREATE FUNCTION twice(int) RETURNS int LANGUAGE sql AS 'SELECT $1 * 2';
       COMMENT ON TABLE items IS 'before';`,
    );
    const before = await fp('vrooli');
    const ownerBefore = await owner('vrooli');
    const created = await cli(['snapshot', 'create', 'base']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/snapshot base taken of database vrooli of instance snap/);

    await sql(
      'vrooli',
      `DELETE FROM items WHERE id % 3 = 0; UPDATE items SET name = 'changed' WHERE id < 10;
       INSERT INTO items (name) VALUES ('new'); CREATE TABLE extra (v int); DROP FUNCTION twice(int);
       COMMENT ON TABLE items IS 'after';`,
    );
    expect(await fp('vrooli')).not.toEqual(before);

    const restored = await cli(['snapshot', 'restore', 'base']);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toMatch(/restored database vrooli of instance snap from snapshot base/);
    expect(await fp('vrooli')).toEqual(before);
    expect(await owner('vrooli')).toBe(ownerBefore);
    // The snapshot stays: a second restore after more changes works too.
    await sql('vrooli', 'TRUNCATE items');
    expect((await cli(['snapshot', 'restore', 'base'])).code).toBe(0);
    expect(await fp('vrooli')).toEqual(before);

    const list = JSON.parse((await cli(['snapshot', 'list', '--json'])).stdout);
    expect(list.snapshots).toEqual([
      expect.objectContaining({ name: 'base', instance: 'snap', database: 'vrooli', size_bytes: expect.any(Number) }),
    ]);
    expect(Date.parse(list.snapshots[0].created)).toBeGreaterThan(Date.now() - 10 * 60_000);
    // Closed to connections: the application cannot reach into the snapshot.
    await expect(sql('rp_snap_base', 'SELECT 1')).rejects.toThrow(/not currently accepting connections/);
  });

  it('restore says up front that it ends the sessions, and dry-run changes nothing', async () => {
    await sql('vrooli', 'CREATE TABLE IF NOT EXISTS marks (v int)');
    expect((await cli(['snapshot', 'create', 'marks0'])).code).toBe(0);
    await sql('vrooli', 'INSERT INTO marks VALUES (1)');
    const held = await si.holdSession('vrooli');
    try {
      const dry = await cli(['snapshot', 'restore', 'marks0', '--dry-run']);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toMatch(
        /would restore database vrooli .* ending its 1 open session \(dry run: nothing changed\)/,
      );
      expect(await held.alive()).toBe(true);
      expect(await sql('vrooli', 'SELECT count(*)::int AS n FROM marks')).toEqual([{ n: 1 }]);

      const real = await cli(['snapshot', 'restore', 'marks0', '--force']);
      expect(real.code).toBe(0);
      expect(real.stderr).toMatch(/restoring database vrooli .* ending its 1 open session/);
      expect(real.stdout).toMatch(/ended 1 session/);
      expect(await held.alive()).toBe(false);
      expect(await sql('vrooli', 'SELECT count(*)::int AS n FROM marks')).toEqual([{ n: 0 }]);
    } finally {
      await held.end();
    }
  });

  it('create refuses while the database has sessions, and --force ends them', async () => {
    await sql('postgres', 'SELECT 1');
    expect((await cli(['content', 'create-database', 'busy'])).code).toBe(0);
    const held = await si.holdSession('busy');
    try {
      const refused = await cli(['snapshot', 'create', 'busy1', '--database', 'busy']);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/database busy of instance snap has 1 open session/);
      expect(refused.stderr).toMatch(/--force/);
      expect(await held.alive()).toBe(true);
      expect(await si.databases()).not.toContain('rp_snap_busy1');

      const dry = await cli(['snapshot', 'create', 'busy1', '--database', 'busy', '--dry-run', '--force']);
      expect(dry.stdout).toMatch(/would snapshot .* ending its 1 open session \(--force\)/);
      expect(await held.alive()).toBe(true);
      expect(await si.databases()).not.toContain('rp_snap_busy1');

      const forced = await cli(['snapshot', 'create', 'busy1', '--database', 'busy', '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stderr).toMatch(/ending 1 session on database busy \(--force\)/);
      expect(await held.alive()).toBe(false);
    } finally {
      await held.end();
    }
    const again = await cli(['snapshot', 'create', 'busy1', '--database', 'busy']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/snapshot busy1 already exists/);
  });

  it('remove: dry-run keeps it, then it is gone; removing again is not found', async () => {
    await sql('postgres', 'SELECT 1');
    expect((await cli(['snapshot', 'create', 'gone'])).code).toBe(0);
    const dry = await cli(['snapshot', 'remove', 'gone', '--dry-run']);
    expect(dry.stdout).toMatch(/would remove snapshot gone/);
    expect(await si.databases()).toContain('rp_snap_gone');
    const removed = await cli(['snapshot', 'remove', 'gone', '--force']);
    expect(removed.code).toBe(0);
    expect(await si.databases()).not.toContain('rp_snap_gone');
    const twice = await cli(['snapshot', 'remove', 'gone']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/no snapshot gone in instance snap/);
  });

  it('a branch is independent of its source; sessions on the source: dump/restore, or --force ends them', async () => {
    await sql('vrooli', "CREATE TABLE IF NOT EXISTS shared (v text); INSERT INTO shared VALUES ('origin')");
    const dry = await cli(['content', 'create-database', 'feature', '--from', 'vrooli', '--dry-run']);
    expect(dry.stdout).toMatch(/would create database feature .* as a copy of vrooli/);
    expect(await si.databases()).not.toContain('feature');

    const made = await cli(['content', 'create-database', 'feature', '--from', 'vrooli']);
    expect(made.code).toBe(0);
    expect(made.stdout).toMatch(/created database feature of instance snap as a copy of vrooli/);
    expect(await owner('feature')).toBe(await owner('vrooli'));
    const source = await fp('vrooli');
    expect(await fp('feature')).toEqual(source);

    await sql('feature', "INSERT INTO shared VALUES ('branch only')");
    expect(await fp('vrooli')).toEqual(source);
    const branchNow = await fp('feature');
    await sql('vrooli', "INSERT INTO shared VALUES ('source only')");
    expect(await fp('feature')).toEqual(branchNow);
    expect(await sql('feature', 'SELECT v FROM shared ORDER BY v')).toEqual([{ v: 'branch only' }, { v: 'origin' }]);

    const exists = await cli(['content', 'create-database', 'feature', '--from', 'vrooli']);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/database feature already exists/);

    const held = await si.holdSession('vrooli');
    try {
      const dry = await cli(['content', 'create-database', 'feature2', '--from', 'vrooli', '--dry-run']);
      expect(dry.stdout).toMatch(/would create .* \(vrooli has 1 open session: copying it with pg_dump \| pg_restore/);
      expect(await si.databases()).not.toContain('feature2');
      const dumped = await cli(['content', 'create-database', 'feature2', '--from', 'vrooli']);
      expect(dumped.stderr).toMatch(/vrooli has 1 open session: copying it with pg_dump \| pg_restore/);
      expect(dumped.code, dumped.stderr).toBe(0);
      expect(dumped.stdout).toMatch(/created database feature2 .* sessions stayed connected/);
      expect(await held.alive()).toBe(true);
      expect(await fp('feature2')).toEqual(await fp('vrooli'));
      expect(await owner('feature2')).toBe(await owner('vrooli'));
      expect((await si.databases()).filter((d) => d.startsWith('rp_restore_'))).toEqual([]);

      const forced = await cli(['content', 'create-database', 'feature3', '--from', 'vrooli', '--force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/ended 1 session on vrooli/);
      expect(await held.alive()).toBe(false);
    } finally {
      await held.end();
    }
  });

  it("the database's own grants carry over to a restore and to a branch", async () => {
    const acl = async (db: string) =>
      (
        await sql(
          'postgres',
          `SELECT coalesce(array_agg(e ORDER BY e), '{}') AS acl FROM (
             SELECT a.grantee::regrole::text || ':' || a.privilege_type AS e
               FROM pg_database d, aclexplode(d.datacl) a WHERE d.datname = '${db}') x`,
        )
      )[0]!.acl;
    // PUBLIC keeps CONNECT but loses TEMPORARY: an explicit ACL, unlike a new database's default.
    await sql('vrooli', 'REVOKE TEMPORARY ON DATABASE vrooli FROM PUBLIC');
    const before = await acl('vrooli');
    expect(before).toContain('-:CONNECT');
    expect(before).not.toContain('-:TEMPORARY');
    expect((await cli(['snapshot', 'create', 'grants'])).code).toBe(0);
    expect((await cli(['snapshot', 'restore', 'grants'])).code).toBe(0);
    expect(await acl('vrooli')).toEqual(before);
    expect((await cli(['content', 'create-database', 'grants_branch', '--from', 'vrooli'])).code).toBe(0);
    expect(await acl('grants_branch')).toEqual(before);
  });

  it('bad names, unknown snapshots and unknown databases: clear errors, nothing changed', async () => {
    const before = await si.databases();
    const cases: Array<[string[], number, RegExp]> = [
      [['snapshot', 'create', 'Bad-Name'], 1, /invalid snapshot name "Bad-Name"/],
      [['snapshot', 'create', 'x'.repeat(56)], 1, /invalid snapshot name/],
      [['snapshot', 'restore', 'no_such'], 2, /no snapshot no_such in instance snap/],
      [['snapshot', 'remove', 'no_such'], 2, /no snapshot no_such/],
      [['snapshot', 'create', 'ok1', '--database', 'no_such_db'], 2, /no database no_such_db in instance snap/],
      [['snapshot', 'create', 'ok1', '--database', 'bad name'], 1, /invalid database name/],
      [['snapshot', 'create', 'ok1', '--database', 'postgres'], 1, /refusing to copy postgres/],
      [['content', 'create-database', 'x1', '--from', 'no_such_db'], 2, /no database no_such_db/],
      [['content', 'create-database', 'x1', '--from', 'bad;name'], 1, /invalid database name/],
      [['content', 'create-database', 'rp_snap_x', '--from', 'vrooli'], 1, /kept for resource-postgres/],
      [['content', 'create-database', 'x1', '--from', 'rp_snap_base'], 1, /refusing to copy rp_snap_base/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(args);
      expect({ args, code: r.code }).toEqual({ args, code });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/hint: /);
    }
    expect(await si.databases()).toEqual(before);
  });
});
