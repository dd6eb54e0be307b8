import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { enginesUnderTest } from '../support/cli.js';
import { useContentInstance } from '../support/content-instance.js';

/**
 * Issue 11, real-world SQL, the lexing and COPY cases (i, k, l, m) through the real CLI on
 * each engine: what the server ends up storing and what is printed. Meta-commands and
 * errors (j, n, o) are in content-sql-meta.test.ts.
 */
const engines = await enginesUnderTest();

describe.each(engines)('real-world SQL on the %s engine', (engine) => {
  const ct = useContentInstance(engine, 'sqlcases');
  let work: string;
  beforeAll(async () => {
    ({ work } = ct);
    expect((await ct.cli(['content', 'create-database', 'cases'])).code).toBe(0);
  });
  /** content execute on the suite's own database. */
  const exec = (args: string[], env?: NodeJS.ProcessEnv) =>
    ct.cli(['content', 'execute', '--database', 'cases', ...args], undefined, env);
  const script = async (name: string, bytes: string | Buffer) => {
    const path = join(work, name);
    await writeFile(path, bytes);
    return path;
  };
  const values = async (sql: string) => (await ct.sql('cases', sql))[0]!.rows.map((r) => Object.values(r)[0]);

  it('i: standard_conforming_strings off keeps backslash-escaped quotes inside the string', async () => {
    const file = await script(
      'scs.sql',
      [
        'CREATE TABLE scs (id int, v text);',
        'SET standard_conforming_strings = off;',
        "INSERT INTO scs VALUES (1, 'a\\\\b\\'cd;'), (2, 'x\\'; DROP TABLE scs; --');",
        'SET standard_conforming_strings = on;',
        "INSERT INTO scs VALUES (3, 'plain\\'), (4, E'one'",
        "'two\\'; three');",
        '',
      ].join('\n'),
    );
    const run = await exec(['--file', file]);
    expect(run.stderr).not.toMatch(/error/);
    expect(run.code).toBe(0);
    // Row 4: the server reads a string continued after a newline in its first part's (escape) mode.
    expect(await values('SELECT v FROM scs ORDER BY id')).toEqual([
      "a\\b'cd;",
      "x'; DROP TABLE scs; --",
      'plain\\',
      "onetwo'; three",
    ]);
  });

  it('k: COPY mode is the server answer: COPY ... FROM STDOUT reads the data, COPY ... TO STDIN writes it', async () => {
    const file = await script(
      'copy-spelling.sql',
      'CREATE TABLE spelled (a int, b text);\nCOPY spelled FROM STDOUT;\n1\tone\n2\t\\N\n\\.\nCOPY spelled TO STDIN;\n',
    );
    const run = await exec(['--file', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('CREATE TABLE\nCOPY 2\n1\tone\n2\t\\N\n');
    expect(await values('SELECT count(b) FROM spelled')).toEqual([1]);
  });

  it('l: a script that sets client_encoding is read in it from then on, byte for byte', async () => {
    const file = await script(
      'win1252.sql',
      Buffer.concat([
        Buffer.from("CREATE TABLE enc (id int, v text);\nSET client_encoding TO 'WIN1252';\n"),
        Buffer.from(
          "INSERT INTO enc VALUES (1, '\xe4bc'), (2, '\x80');\nCOPY enc FROM stdin;\n3\t\xdf\xe9\n\\.\n",
          'latin1',
        ),
        Buffer.from("SET client_encoding TO 'UTF8';\nINSERT INTO enc VALUES (4, 'äbc');\n"),
      ]),
    );
    const run = await exec(['--file', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(await values("SELECT encode(convert_to(v, 'UTF8'), 'hex') FROM enc ORDER BY id")).toEqual([
      'c3a46263',
      'e282ac',
      'c39fc3a9',
      'c3a46263',
    ]);
  });

  it('l: bytes that are not in the script encoding stop the run with file and line; nothing is stored', async () => {
    const file = await script(
      'latin1-undeclared.sql',
      Buffer.concat([
        Buffer.from('CREATE TABLE IF NOT EXISTS undeclared (v text);\n'),
        Buffer.from("INSERT INTO undeclared VALUES ('\xe4bc');\n", 'latin1'),
      ]),
    );
    const run = await exec(['--file', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:2: invalid byte sequence for encoding "UTF8": 0xe4 0x62 0x63`);
    expect(run.stderr).toMatch(/hint: .*SET client_encoding/);
    expect(await values('SELECT count(*) FROM undeclared')).toEqual([0]);

    // Said from outside, as psql honours PGCLIENTENCODING:
    const told = await exec(['--file', file], { PGCLIENTENCODING: 'latin1' });
    expect(told.stderr).not.toMatch(/error|invalid/);
    expect(told.code).toBe(0);
    expect(await values('SELECT v FROM undeclared')).toEqual(['äbc']);

    // ... and the script's own SET client_encoding TO UTF8 still wins over it.
    const utf8 = await script(
      'utf8-declared.sql',
      "SET client_encoding TO 'UTF8';\nINSERT INTO undeclared VALUES ('é€');\n",
    );
    expect((await exec(['--file', utf8], { PGCLIENTENCODING: 'LATIN1' })).code).toBe(0);
    expect(await values("SELECT v FROM undeclared WHERE v <> 'äbc'")).toEqual(['é€']);

    const unknown = await exec(['SELECT 1'], { PGCLIENTENCODING: 'klingon' });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown encoding "klingon" \(PGCLIENTENCODING\)/);
  });

  it('l: --encoding says what the script is written in, and wins over PGCLIENTENCODING', async () => {
    const file = await script(
      'win1252-flag.sql',
      Buffer.concat([
        Buffer.from('CREATE TABLE IF NOT EXISTS flagged (v text);\n'),
        Buffer.from([...Buffer.from("INSERT INTO flagged VALUES ('"), 0x80, 0xe4, ...Buffer.from("');\n")]),
      ]),
    );
    const run = await exec(['--file', file, '--encoding', 'WIN1252'], { PGCLIENTENCODING: 'UTF8' });
    expect(run.stderr).not.toMatch(/error|invalid/);
    expect(run.code).toBe(0);
    expect(await values('SELECT v FROM flagged')).toEqual(['€ä']);
    const bad = await exec(['SELECT 1', '--encoding', 'klingon']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown encoding "klingon" \(--encoding\)/);
  });

  it('m: COPY ... TO STDOUT prints only the data, no COPY n tag after it (COPY FROM keeps its tag)', async () => {
    const run = await exec([
      "CREATE TABLE tagless AS SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y'; COPY tagless TO STDOUT; COPY (SELECT 1 WHERE false) TO STDOUT",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('SELECT 2\n1\tx\n2\ty\n');
    const csv = await exec(['--format', 'csv', 'COPY tagless TO STDOUT WITH (FORMAT csv)']);
    expect(csv.stdout).toBe('1,x\n2,y\n');
  });
});
