import { describe, expect, it } from 'vitest';
import { type SqlItem, SqlSplitter } from '../../src/postgres/sql/splitter.js';

/** Splits text fed in chunks of `size` characters (Infinity: all at once). */
function split(text: string, size = Infinity): SqlItem[] {
  const s = new SqlSplitter();
  const out: SqlItem[] = [];
  const step = Number.isFinite(size) ? size : text.length || 1;
  for (let i = 0; i < text.length; i += step) out.push(...s.push(text.slice(i, i + step)));
  out.push(...s.end());
  return merge(out);
}

/** Adjacent copy-data chunks are one stream: compare their concatenation. */
function merge(items: SqlItem[]): SqlItem[] {
  const out: SqlItem[] = [];
  for (const item of items) {
    const last = out[out.length - 1];
    if (item.kind === 'copy-data' && last?.kind === 'copy-data') last.data += item.data;
    else out.push(item.kind === 'copy-data' ? { ...item } : item);
  }
  return out;
}

const texts = (items: SqlItem[]) =>
  items.map((i) => (i.kind === 'copy-data' ? `DATA:${i.data}` : i.kind === 'copy-end' ? 'END' : i.text));

describe('SqlSplitter', () => {
  it.each([
    ['SELECT 1; SELECT 2;', ['SELECT 1;', 'SELECT 2;']],
    ['SELECT 1', ['SELECT 1']],
    ['SELECT 1;\n\n  \n', ['SELECT 1;']],
    [';;SELECT 1;;', ['SELECT 1;']],
    ["SELECT 'a;b', 'it''s; x';", ["SELECT 'a;b', 'it''s; x';"]],
    ["SELECT E'\\'; still', E'a''b\\';c';", ["SELECT E'\\'; still', E'a''b\\';c';"]],
    ['SELECT "we;ird""name" FROM t;', ['SELECT "we;ird""name" FROM t;']],
    [
      'CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql; SELECT 2;',
      ['CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END $$ LANGUAGE plpgsql;', 'SELECT 2;'],
    ],
    [
      'DO $body$ BEGIN PERFORM $$;$$; END $body$; SELECT 1;',
      ['DO $body$ BEGIN PERFORM $$;$$; END $body$;', 'SELECT 1;'],
    ],
    ['SELECT $1, a$b$c FROM t; SELECT 2;', ['SELECT $1, a$b$c FROM t;', 'SELECT 2;']],
    ['-- a comment; not a statement\nSELECT 1; -- trailing; comment\n', ['SELECT 1;']],
    ['/* outer /* nested; */ still; */ SELECT 1;', ['SELECT 1;']],
    ['SELECT 1 /* in; side */ + 2;', ['SELECT 1 /* in; side */ + 2;']],
    ['SELECT 1 -- not;\n + 2;', ['SELECT 1 -- not;\n + 2;']],
    [
      'CREATE RULE r AS ON INSERT TO t DO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));',
      ['CREATE RULE r AS ON INSERT TO t DO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));'],
    ],
    [
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END; SELECT 3;',
      [
        'CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END;',
        'SELECT 3;',
      ],
    ],
    ['BEGIN; SELECT 1; END;', ['BEGIN;', 'SELECT 1;', 'END;']],
    ['\uFEFFSELECT 1;', ['SELECT 1;']],
    ["SELECT 'unterminated; ", ["SELECT 'unterminated;"]],
  ])('%j', (sql, expected) => {
    expect(texts(split(sql))).toEqual(expected);
  });

  it('gives each statement the line it starts on', () => {
    const items = split('-- header\n\nSELECT 1;\nSELECT\n  2; SELECT 3;\n/* x\ny */\nSELECT $$a\nb$$;\n');
    expect(items.map((i) => (i.kind === 'statement' ? i.line : 0))).toEqual([3, 4, 5, 8]);
  });

  it('passes COPY ... FROM stdin data through until \\.', () => {
    const sql = 'COPY t (a, b) FROM stdin;\n1\tx;y\n2\t\\N\n\\.\nSELECT 1;\n';
    const items = split(sql);
    expect(texts(items)).toEqual(['COPY t (a, b) FROM stdin;', 'DATA:1\tx;y\n2\t\\N\n', 'END', 'SELECT 1;']);
    expect(items[0]).toMatchObject({ copy: 'in', line: 1 });
    expect(items[3]).toMatchObject({ line: 5 });
  });

  it('ends COPY data at end of input and tells COPY TO STDOUT apart', () => {
    expect(texts(split('COPY t FROM STDIN;\na\nb'))).toEqual(['COPY t FROM STDIN;', 'DATA:a\nb', 'END']);
    expect(split('COPY (SELECT 1 FROM stdin_t) TO STDOUT;')[0]).toMatchObject({ copy: 'out' });
    expect(split('SELECT * FROM stdin;')[0]).not.toHaveProperty('copy');
  });

  it('reports psql backslash commands as meta items', () => {
    expect(split('\\connect other\nSELECT 1;\n\\restrict abc')).toEqual([
      { kind: 'meta', text: '\\connect other', line: 1 },
      { kind: 'statement', text: 'SELECT 1;', line: 2 },
      { kind: 'meta', text: '\\restrict abc', line: 3 },
    ]);
  });

  const tricky = [
    "-- c\nINSERT INTO t VALUES (1, 'a;''b', E'x\\'y;'); /* n /* e */ d; */",
    'CREATE FUNCTION g() RETURNS int AS $fn$ SELECT 1; $fn$ LANGUAGE sql;\nSELECT $$;$$, "q;""x";',
    'COPY t FROM stdin;\nrow\\.1\n\\.x\n\\.\r\nSELECT 2;\nCOPY u FROM stdin;\n1\n\\.',
    "CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END;\nSELECT e'\\\\';\n",
    `SELECT ${'9'.repeat(700)}; SELECT '${'x'.repeat(300)}';`,
  ];
  it.each(tricky)('gives the same items whatever the chunk size (%#)', (sql) => {
    const whole = split(sql);
    for (let size = 1; size <= 12; size++) expect(split(sql, size)).toEqual(whole);
    expect(split(sql, 97)).toEqual(whole);
  });

  it('keeps memory bounded: a long script yields items as it goes', () => {
    const s = new SqlSplitter();
    let seen = 0;
    for (let n = 0; n < 2000; n++) seen += s.push(`INSERT INTO t VALUES (${n}, 'row ${n}');\n`).length;
    expect(seen).toBe(2000);
    expect(s.end()).toEqual([]);
  });
});
