import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest, runCli } from '../support/cli.js';
import { useContentInstance } from '../support/content-instance.js';

/**
 * `content execute` end to end through the real CLI on each engine: real servers, real files,
 * how statements, results and errors are printed. One instance per engine (named apart from
 * content-databases' so both files can run at once); every test uses its own tables.
 */
const engines = await enginesUnderTest();

describe.each(engines)('content on the %s engine', (engine) => {
  const instance = 'cx';
  const ct = useContentInstance(engine, instance);
  const { cli } = ct;
  let home: string;
  let work: string;
  beforeAll(() => {
    ({ home, work } = ct);
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
    // Statements without rows print nothing in CSV (their results never come up from the executor).
    const mixed = await cli([
      'content',
      'execute',
      '--format',
      'csv',
      'CREATE TEMP TABLE c (v int); INSERT INTO c VALUES (7); SELECT v FROM c',
    ]);
    expect(mixed.stdout).toBe('v\n7\n');
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
});
