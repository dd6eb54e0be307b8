import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest } from '../support/cli.js';
import { useContentInstance } from '../support/content-instance.js';

/**
 * Issue 11, real-world SQL, the psql meta-command cases (j, n, o) through the real CLI on
 * each engine: the supported ones do what psql does, any other stops the run before the
 * server sees it, and a COPY the server rejects leaves its data lines unread as SQL.
 */
const engines = await enginesUnderTest();

describe.each(engines)('psql meta-commands on the %s engine', (engine) => {
  const ct = useContentInstance(engine, 'sqlmeta');
  let work: string;
  beforeAll(async () => {
    ({ work } = ct);
    expect((await ct.cli(['content', 'create-database', 'meta'])).code).toBe(0);
  });
  const script = async (name: string, text: string) => {
    const path = join(work, name);
    await mkdir(join(path, '..'), { recursive: true });
    await writeFile(path, text);
    return path;
  };
  const exec = (args: string[]) => ct.cli(['content', 'execute', '--database', 'meta', ...args]);
  const values = async (db: string, sql: string) => (await ct.sql(db, sql))[0]!.rows.map((r) => Object.values(r)[0]);

  it('j: variables, \\echo, \\ir, \\restrict and \\connect (also in pg_dumpall form) run as in psql', async () => {
    await script('parts/child.sql', 'INSERT INTO :"tbl" VALUES (2, \'from \\ir\');\n');
    const file = await script(
      'meta.sql',
      [
        '\\restrict k3y',
        '\\unrestrict k3y',
        '\\set ON_ERROR_STOP on',
        '\\set tbl items',
        "\\set label 'it''s'",
        'CREATE TABLE :"tbl" (id int, label text);',
        'INSERT INTO :"tbl" VALUES (1, :\'label\');',
        '\\ir parts/child.sql',
        '\\echo done with :tbl',
        'CREATE DATABASE meta_two;',
        '\\connect -reuse-previous=on "dbname=\'meta_two\'"',
        'CREATE TABLE elsewhere AS SELECT current_database() AS db;',
        '\\c meta',
        'INSERT INTO items VALUES (3, (SELECT current_database()));',
        '',
      ].join('\n'),
    );
    const run = await exec(['--file', file]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('done with items\n');
    expect(run.stdout).toContain('You are now connected to database "meta_two" as user');
    expect(await values('meta', 'SELECT label FROM items ORDER BY id')).toEqual(["it's", 'from \\ir', 'meta']);
    expect(await values('meta_two', 'SELECT db FROM elsewhere')).toEqual(['meta_two']);
  });

  it('j: content add starts each file on its database again, even after a \\connect', async () => {
    const dir = join(work, 'add');
    await script('add/1.sql', '\\connect postgres\nSELECT 1;\n');
    await script('add/2.sql', 'CREATE TABLE added_here AS SELECT current_database() AS db;\n');
    const run = await ct.cli(['content', 'add', dir, '--database', 'meta']);
    expect(run.code, run.stderr).toBe(0);
    expect(await values('meta', 'SELECT db FROM added_here')).toEqual(['meta']);
  });

  it('j: any other meta-command stops the run before it, naming it, the file and line, and psql', async () => {
    const file = await script(
      'unsupported.sql',
      'CREATE TABLE before_if (a int);\n\\if true\nCREATE TABLE after_if (a int);\n',
    );
    const run = await exec(['--file', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`error: ${file}:2: psql meta-command \\if is not supported`);
    expect(run.stderr).toMatch(/hint: .*run the file with psql/);
    expect(await values('meta', "SELECT count(*) FROM pg_class WHERE relname IN ('before_if', 'after_if')")).toEqual([
      1,
    ]);
  });

  it('n: a backslash inside a statement (\\g, \\gset, \\;) is reported with file and line; the statement is never sent', async () => {
    await exec(['CREATE TABLE never (a int)']);
    for (const [name, line, text] of [
      ['\\g', 3, 'INSERT INTO never VALUES (1)\n  \\g\n'],
      ['\\gset', 3, 'SELECT 1 AS one,\n  2 AS two \\gset\n'],
      ['\\;', 2, 'INSERT INTO never VALUES (2) \\; INSERT INTO never VALUES (3);\n'],
    ] as const) {
      const file = await script(`mid-${line}-${name.length}.sql`, `SELECT 0;\n${text}`);
      const run = await exec(['--file', file]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `${file}:${line}: psql meta-command ${name} inside the statement that starts at line 2; that statement was not sent`,
      );
    }
    expect(await values('meta', 'SELECT count(*) FROM never')).toEqual([0]);
  });

  it('o: the data of a COPY the server rejects is skipped up to \\., never run as SQL', async () => {
    const copyData = 'COPY no_such_table FROM stdin;\n1\tx\nINSERT INTO leaks VALUES (666);\n\\.\n';
    await exec(['CREATE TABLE leaks (a int)']);
    // Stopping at the first error (the default): the COPY's line, nothing after it.
    const stop = await script('copy-stop.sql', `${copyData}INSERT INTO leaks VALUES (1);\n`);
    const stopped = await exec(['--file', stop]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toContain(`${stop}:1: ERROR:  relation "no_such_table" does not exist`);
    expect(await values('meta', 'SELECT count(*) FROM leaks')).toEqual([0]);
    // Going on past errors: the data lines are still data; the statement after \. runs.
    const goOn = await script('copy-on.sql', `\\set ON_ERROR_STOP off\n${copyData}INSERT INTO leaks VALUES (2);\n`);
    const went = await exec(['--file', goOn]);
    expect(went.code).toBe(1);
    expect(went.stderr).toContain(`${goOn}:2: ERROR:  relation "no_such_table" does not exist`);
    expect(went.stderr).toMatch(/1 statement of .* failed \(the script set ON_ERROR_STOP off/);
    expect(await values('meta', 'SELECT a FROM leaks ORDER BY a')).toEqual([2]);
  });
});
