import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest } from '../support/cli.js';
import { useContentInstance } from '../support/content-instance.js';

/**
 * `content` databases, `add` and `migrate` end to end through the real CLI on each engine:
 * real servers, real files, concurrent processes. One instance per engine; every test uses
 * its own databases.
 */
const engines = await enginesUnderTest();

describe.each(engines)('content on the %s engine', (engine) => {
  const instance = 'ct';
  const ct = useContentInstance(engine, instance);
  const { cli, sql, files } = ct;
  let work: string;
  beforeAll(() => {
    ({ work } = ct);
  });

  it('create, list, get and remove round trip', async () => {
    expect((await cli(['content', 'create-database', 'round_trip'])).stdout).toMatch(/created database round_trip/);
    const again = await cli(['content', 'create-database', 'round_trip']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already exists/);
    const list = JSON.parse((await cli(['content', 'list', '--json'])).stdout);
    expect(list.databases.map((d: { name: string }) => d.name)).toEqual(
      expect.arrayContaining(['postgres', 'round_trip']),
    );
    expect(list.databases.map((d: { name: string }) => d.name)).not.toContain('template1');

    const get = await cli(['content', 'get', 'round_trip', '--json']);
    expect(get.code).toBe(0);
    expect(JSON.parse(get.stdout).connections[0]).toMatchObject({
      connection: { database: 'round_trip' },
      auth: { password: '*****' },
    });
    const env = await cli(['content', 'get', 'round_trip', '--format', 'env', '--show-secrets']);
    expect(env.stdout).toMatch(/^POSTGRES_DB='round_trip'$/m);
    expect(env.stdout).not.toMatch(/POSTGRES_PASSWORD='\*\*\*\*\*'/);

    const noForce = await cli(['content', 'remove', 'round_trip']);
    expect(noForce.code).toBe(1);
    expect(noForce.stderr).toMatch(/--force/);
    const removed = await cli(['content', 'remove', 'round_trip', '--force']);
    expect(removed.code).toBe(0);
    expect((await cli(['content', 'get', 'round_trip'])).code).toBe(2);
    expect((await cli(['content', 'remove', 'round_trip', '--force'])).code).toBe(2);
  });

  it('refuses to remove the default database and postgres', async () => {
    const dflt = await cli(['content', 'remove', 'vrooli', '--force']);
    expect(dflt.code).toBe(1);
    expect(dflt.stderr).toMatch(/default database of instance ct/);
    expect((await cli(['content', 'remove', 'postgres', '--force'])).code).toBe(1);
    expect((await sql('vrooli', 'SELECT 1 AS ok'))[0]!.rows).toEqual([{ ok: 1 }]);
  });

  it('remove ends the sessions connected to the database', async () => {
    await cli(['content', 'create-database', 'busy_db']);
    const sleeper = cli(['content', 'execute', '--database', 'busy_db', 'SELECT pg_sleep(30)']);
    await new Promise((r) => setTimeout(r, 1500));
    const removed = await cli(['content', 'remove', 'busy_db', '--force']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/ended 1 session/);
    expect((await sleeper).code).toBe(1);
  });

  it('add applies a directory in name order; --init creates the database; --type database creates one', async () => {
    const dir = await files(join(work, 'add-ok'), {
      '02_rows.sql': "INSERT INTO seq_log VALUES ('02');",
      '01_table.sql': 'CREATE TABLE seq_log (step text, at timestamptz DEFAULT clock_timestamp());',
      '10_more.sql': "INSERT INTO seq_log VALUES ('10');",
      'notes.txt': 'not sql',
    });
    const add = await cli(['content', 'add', dir, '--database', 'add_db', '--init']);
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    expect(add.stdout).toMatch(/created database add_db[\s\S]*applied 3 files/);
    expect((await sql('add_db', 'SELECT step FROM seq_log ORDER BY at'))[0]!.rows).toEqual([
      { step: '02' },
      { step: '10' },
    ]);

    const typed = await cli(['content', 'add', '--type', 'database', '--name', 'typed_db']);
    expect(typed.code).toBe(0);
    expect(typed.stdout).toMatch(/created database typed_db/);
  });

  it('a failure in the middle of a directory leaves earlier files applied and names the file and line', async () => {
    const dir = await files(join(work, 'add-bad'), {
      '1_ok.sql': 'CREATE TABLE kept (v int);\nINSERT INTO kept VALUES (1);\n',
      '2_bad.sql': "INSERT INTO kept VALUES (2);\n\nINSERT INTO kept VALUES ('not a number');\n",
      '3_never.sql': 'CREATE TABLE never_created (v int);\n',
    });
    const add = await cli(['content', 'add', dir, '--database', 'add_bad', '--init']);
    expect(add.code).toBe(1);
    expect(add.stderr).toContain(`${join(dir, '2_bad.sql')}:3: ERROR:  invalid input syntax for type integer`);
    expect(add.stderr).toMatch(/applied before the failure: .*1_ok\.sql/);
    expect(add.stderr).toMatch(/not run: .*3_never\.sql/);
    const state = await sql(
      'add_bad',
      "SELECT array_agg(v ORDER BY v) AS vs, to_regclass('never_created') AS never FROM kept",
    );
    expect(state[0]!.rows).toEqual([{ vs: '{1,2}', never: null }]);
  });

  describe('migrate', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await files(join(work, 'migrations'), {
        '001_create.sql':
          'CREATE TABLE applied_log (version int, pid int DEFAULT pg_backend_pid());\nINSERT INTO applied_log (version) VALUES (1);\n',
        '002_second.sql': 'INSERT INTO applied_log (version) VALUES (2);\nSELECT pg_sleep(0.2);\n',
        '003_index.sql':
          '-- resource-postgres: no-transaction\nCREATE INDEX CONCURRENTLY applied_log_v ON applied_log (version);\n',
        '004_fourth.sql': 'INSERT INTO applied_log (version) VALUES (4);\n',
        'rollback_003_index.sql': 'DROP INDEX applied_log_v;\n',
        '004_fourth.down.sql': 'DELETE FROM applied_log WHERE version = 4;\n',
      });
    });

    it('--status and --dry-run change nothing, and create no database', async () => {
      const status = await cli(['content', 'migrate', dir, '--database', 'mig_db', '--status', '--json']);
      expect(status.code).toBe(0);
      const doc = JSON.parse(status.stdout);
      expect(doc).toMatchObject({ database_exists: false, mode: 'status' });
      expect(doc.plan.pending.map((m: { file: string }) => m.file)).toEqual([
        '001_create.sql',
        '002_second.sql',
        '003_index.sql',
        '004_fourth.sql',
      ]);
      expect(doc.ignored.map((f: { file: string }) => f.file)).toEqual([
        '004_fourth.down.sql',
        'rollback_003_index.sql',
      ]);
      const dry = await cli(['content', 'migrate', dir, '--database', 'mig_db', '--dry-run']);
      expect(dry.stdout).toMatch(/would apply 003_index.sql \(no transaction\)/);
      expect((await cli(['content', 'get', 'mig_db'])).code).toBe(2);
    });

    it('applies in order up to --target, then the rest; a second run is a no-op', async () => {
      const first = await cli(['content', 'migrate', dir, '--database', 'mig_db', '--target', '2']);
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/applied 001_create.sql[\s\S]*applied 002_second.sql/);
      expect(first.stdout).toMatch(/ignored rollback_003_index.sql/);
      const rest = await cli(['content', 'migrate', dir, '--database', 'mig_db']);
      expect(rest.code).toBe(0);
      expect(rest.stdout).toMatch(/applied 003_index.sql[\s\S]*applied 004_fourth.sql/);
      const again = await cli(['content', 'migrate', dir, '--database', 'mig_db']);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/up to date: nothing to apply \(4 applied\)/);
      const rows = await sql(
        'mig_db',
        "SELECT array_agg(version ORDER BY version) AS v, to_regclass('applied_log_v') IS NOT NULL AS idx FROM applied_log",
      );
      expect(rows[0]!.rows).toEqual([{ v: '{1,2,4}', idx: true }]);
      const tracked = await sql(
        'mig_db',
        'SELECT version, name, length(checksum) AS len, duration_ms >= 0 AS timed FROM resource_postgres_migrations ORDER BY version',
      );
      expect(tracked[0]!.rows).toEqual(
        [1, 2, 3, 4].map((v) => ({
          version: v,
          name: ['create', 'second', 'index', 'fourth'][v - 1],
          len: 64,
          timed: true,
        })),
      );
    });

    it('four concurrent runs apply each migration exactly once', async () => {
      const runs = await Promise.all(
        [1, 2, 3, 4].map(() => cli(['content', 'migrate', dir, '--database', 'mig_race'])),
      );
      for (const r of runs) expect(r.code, r.stderr).toBe(0);
      expect(runs.filter((r) => /applied 4 migrations/.test(r.stdout))).toHaveLength(1);
      const rows = await sql(
        'mig_race',
        'SELECT version, count(*) AS n FROM applied_log GROUP BY version ORDER BY version',
      );
      expect(rows[0]!.rows).toEqual([
        { version: 1, n: 1 },
        { version: 2, n: 1 },
        { version: 4, n: 1 },
      ]);
      expect((await sql('mig_race', 'SELECT count(*) AS n FROM resource_postgres_migrations'))[0]!.rows).toEqual([
        { n: 4 },
      ]);
    });

    it('refuses an applied migration whose checksum changed', async () => {
      const edited = await files(join(work, 'migrations-edited'), {
        '001_create.sql':
          'CREATE TABLE applied_log (version int, pid int DEFAULT pg_backend_pid());\nINSERT INTO applied_log (version) VALUES (100);\n',
        '005_new.sql': 'INSERT INTO applied_log (version) VALUES (5);\n',
      });
      const run = await cli(['content', 'migrate', edited, '--database', 'mig_db']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/changed since it ran: 001_create.sql/);
      const rows = await sql('mig_db', 'SELECT count(*) AS n FROM applied_log WHERE version = 5');
      expect(rows[0]!.rows).toEqual([{ n: 0 }]);
    });

    it('a failing migration is rolled back and not recorded', async () => {
      const bad = await files(join(work, 'migrations-bad'), {
        '001_ok.sql': 'CREATE TABLE t_ok (v int);\n',
        '002_bad.sql': 'CREATE TABLE t_half (v int);\nINSERT INTO t_half VALUES (1/0);\n',
      });
      const run = await cli(['content', 'migrate', bad, '--database', 'mig_bad']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `migration 002_bad.sql failed: ${join(bad, '002_bad.sql')}:2: ERROR:  division by zero`,
      );
      expect(run.stderr).toMatch(/rolled back/);
      const rows = await sql(
        'mig_bad',
        "SELECT to_regclass('t_half') AS half, (SELECT count(*) FROM resource_postgres_migrations) AS n",
      );
      expect(rows[0]!.rows).toEqual([{ half: null, n: 1 }]);
    });
  });
});
