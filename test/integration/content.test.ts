import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { destroyHome, enginesUnderTest, runCli, tempHome, TEST_IMAGE } from '../support/cli.js';

/**
 * `content` end to end through the real CLI on each engine: real servers, real files,
 * concurrent processes. One instance per engine; every test uses its own databases.
 */
const engines = await enginesUnderTest();

describe.each(engines)('content on the %s engine', (engine) => {
  let home: string;
  let work: string;
  const instance = 'ct';
  const cli = (args: string[], input?: string, env?: NodeJS.ProcessEnv) =>
    runCli([...args, '--instance', instance], { home, input, env });
  const sql = async (database: string, text: string) => {
    const r = await cli(['content', 'execute', '--database', database, '--format', 'json', text]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout).results as Array<{ rows: Array<Record<string, unknown>> }>;
  };
  const files = async (dir: string, content: Record<string, string>) => {
    await mkdir(dir, { recursive: true });
    for (const [name, text] of Object.entries(content)) await writeFile(join(dir, name), text);
    return dir;
  };

  beforeAll(async () => {
    home = await tempHome(`rp-content-${engine}-`);
    work = await mkdtemp(join(tmpdir(), 'rp-content-sql-'));
    const start = await runCli(
      [
        'manage',
        'start',
        '--instance',
        instance,
        '--engine',
        engine,
        '--template',
        'testing',
        ...(engine === 'docker' ? ['--image', TEST_IMAGE] : []),
      ],
      { home },
    );
    expect(start.stderr + start.stdout).toMatch(/accepting queries|running/);
    expect(start.code).toBe(0);
  });
  afterAll(async () => {
    await destroyHome(home);
    await rm(work, { recursive: true, force: true });
  });

  it('execute: argument, --sql, --file and stdin, several statements, printed like psql', async () => {
    const arg = await cli([
      'content',
      'execute',
      "CREATE TABLE forms (id int, label text); INSERT INTO forms VALUES (1, 'one'), (22, NULL); SELECT * FROM forms ORDER BY id",
    ]);
    expect(arg.code).toBe(0);
    expect(arg.stdout).toBe('CREATE TABLE\nINSERT 0 2\n id | label \n----+-------\n  1 | one\n 22 | \n(2 rows)\n\n');

    const flag = await cli(['content', 'execute', '--sql', 'SELECT count(*) AS n FROM forms']);
    expect(flag.stdout).toBe(' n \n---\n 2\n(1 row)\n\n');

    const file = join(work, 'exec.sql');
    await writeFile(
      file,
      "-- a comment; with a semicolon\nINSERT INTO forms VALUES (3, 'it''s; fine');\nSELECT label FROM forms WHERE id = 3;\n",
    );
    const fromFile = await cli(['content', 'execute', '--file', file]);
    expect(fromFile.stdout).toBe("INSERT 0 1\n   label    \n------------\n it's; fine\n(1 row)\n\n");

    const stdin = await cli(
      ['content', 'execute', '--quiet'],
      'DELETE FROM forms WHERE id = 3;\nSELECT max(id) AS top FROM forms;\n',
    );
    expect(stdin.code).toBe(0);
    expect(stdin.stdout).toBe(' top \n-----\n  22\n(1 row)\n\n');
  });

  it('execute --format json and csv print rows as data', async () => {
    const json = await cli([
      'content',
      'execute',
      '--format',
      'json',
      "SELECT 1 AS a, 'x,y' AS b, NULL AS c, true AS d; SELECT 2 AS a",
    ]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({
      instance,
      statements: 2,
      results: [{ rows: [{ a: 1, b: 'x,y', c: null, d: true }] }, { rows: [{ a: 2 }] }],
    });
    const csv = await cli(['content', 'execute', '--format', 'csv', "SELECT 1 AS a, 'x,y' AS b, '' AS c, NULL AS d"]);
    expect(csv.stdout).toBe('a,b,c,d\n1,"x,y","",\n');
  });

  it('execute reports the server message, detail, hint and file:line, and exits 1', async () => {
    const file = join(work, 'bad.sql');
    await writeFile(file, 'SELECT 1;\n\nSELECT *\n  FROM no_such_table;\nSELECT 2;\n');
    const bad = await cli(['content', 'execute', '--file', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${file}:4: ERROR:  relation "no_such_table" does not exist`);
    expect(bad.stderr).toMatch(/LINE 4: {3}FROM no_such_table;\n {15}\^/);
    expect(bad.stdout).not.toContain('2\n(1 row)');

    const raised = await cli([
      'content',
      'execute',
      "DO $$ BEGIN RAISE EXCEPTION 'boom' USING DETAIL = 'the detail', HINT = 'the hint'; END $$",
    ]);
    expect(raised.code).toBe(1);
    expect(raised.stderr).toMatch(/ERROR: {2}boom[\s\S]*DETAIL: {2}the detail[\s\S]*hint: the hint/);
  });

  it('never takes a flag as SQL or a name, and refuses bad identifiers before connecting', async () => {
    const flagAsSql = await cli(['content', 'execute', '--sql', '--file', 'x.sql']);
    expect(flagAsSql.code).toBe(1);
    expect(flagAsSql.stderr).toMatch(/--sql needs a value/);
    const injection = await cli(['content', 'create-database', 'x"; DROP DATABASE postgres; --']);
    expect(injection.code).toBe(1);
    expect(injection.stderr).toMatch(/invalid database name/);
    // Refused even with a bogus instance port: no connection was attempted.
    const unknown = await runCli(['content', 'remove', 'a-b', '--force', '--instance', 'nowhere'], { home });
    expect(unknown.stderr).toMatch(/invalid database name "a-b"/);
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

  it('execute streams a large file (COPY data and statements) with bounded memory', async () => {
    const file = join(work, 'large.sql');
    const out = createWriteStream(file);
    out.write('CREATE TABLE big (id int, payload text);\nCOPY big (id, payload) FROM stdin;\n');
    const row = 'x'.repeat(200);
    let chunk = '';
    for (let n = 1; n <= 300_000; n++) {
      chunk += `${n}\t${row}\n`;
      if (chunk.length > 1 << 20) {
        if (!out.write(chunk)) await once(out, 'drain');
        chunk = '';
      }
    }
    out.write(`${chunk}\\.\n`);
    for (let n = 0; n < 2000; n++) out.write(`INSERT INTO big VALUES (${-n}, 'stmt;${n}');\n`);
    out.end('SELECT count(*) AS n FROM big;\n');
    await once(out, 'finish');
    // ~62 MB of SQL under a 48 MB heap: loading the file whole would abort the process.
    const run = await cli(['content', 'execute', '--file', file, '--quiet'], undefined, {
      NODE_OPTIONS: '--max-old-space-size=48',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('302000\n(1 row)');
  }, 180_000);

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
