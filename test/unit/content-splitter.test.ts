import { describe, expect, it } from 'vitest';
import { type SqlItem, SqlSplitter } from '../../src/postgres/sql/splitter.js';

interface SplitOptions {
  /** standard_conforming_strings, as a SET in the script would leave it. */
  standardStrings?: boolean;
  variables?: Record<string, string>;
}

/**
 * Splits text fed in chunks of `size` characters (Infinity: all at once). COPY data is
 * taken where the statement is spelled as COPY ... FROM stdin, standing in for the server's
 * CopyInResponse (content execute --dry-run does the same).
 */
function split(text: string, size = Infinity, opts: SplitOptions = {}): SqlItem[] {
  const s = new SqlSplitter();
  if (opts.standardStrings === false) s.standardStrings = false;
  if (opts.variables) s.variables = (name) => opts.variables![name];
  const out: SqlItem[] = [];
  const drain = () => {
    for (let item = s.next(); item; item = s.next()) {
      out.push(item);
      if (item.kind === 'statement' && item.copyHint === 'in') s.beginCopyData();
    }
  };
  const step = Number.isFinite(size) ? size : text.length || 1;
  for (let i = 0; i < text.length; i += step) {
    s.push(text.slice(i, i + step));
    drain();
  }
  s.end();
  drain();
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
    expect(items[0]).toMatchObject({ copyHint: 'in', line: 1 });
    expect(items[3]).toMatchObject({ line: 5 });
  });

  it('ends COPY data at end of input and tells COPY TO STDOUT apart', () => {
    expect(texts(split('COPY t FROM STDIN;\na\nb'))).toEqual(['COPY t FROM STDIN;', 'DATA:a\nb', 'END']);
    expect(split('COPY (SELECT 1 FROM stdin_t) TO STDOUT;')[0]).toMatchObject({ copyHint: 'out' });
    expect(split('COPY t FROM STDOUT;')[0]).toMatchObject({ copyHint: 'in' });
    expect(split('SELECT * FROM stdin;')[0]).not.toHaveProperty('copyHint');
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

  const trickyWithState: Array<[string, SplitOptions]> = [
    ["SELECT 'a\\\\b\\'cd;', 'x';\nSELECT E'one'\n  -- note\n'two\\'; three';\nSELECT 2;", { standardStrings: false }],
    ["SELECT :v, :'v', :\"v\", a::int, :nope, ':v' /* :v */; SELECT 3;", { variables: { v: "it's;\\" } }],
    ["SELECT X'1f\\', U&'d\\0061t', u&'\\'; SELECT 4;", { standardStrings: false }],
  ];
  it.each(trickyWithState)('gives the same items whatever the chunk size, with state (%#)', (sql, opts) => {
    const whole = split(sql, Infinity, opts);
    for (let size = 1; size <= 12; size++) expect(split(sql, size, opts)).toEqual(whole);
  });

  it('keeps memory bounded: a long script yields items as it goes', () => {
    const s = new SqlSplitter();
    let seen = 0;
    for (let n = 0; n < 2000; n++) {
      s.push(`INSERT INTO t VALUES (${n}, 'row ${n}');\n`);
      while (s.next()) seen++;
    }
    expect(seen).toBe(2000);
    s.end();
    expect(s.next()).toBeUndefined();
  });

  describe('standard_conforming_strings and string continuation (as the server lexes them)', () => {
    const backslashed = "SELECT 'a\\\\b\\'cd;' AS x; SELECT 2;";
    it('off: a backslash escapes a quote in a plain string, so the ; inside does not split', () => {
      expect(texts(split(backslashed, Infinity, { standardStrings: false }))).toEqual([
        "SELECT 'a\\\\b\\'cd;' AS x;",
        'SELECT 2;',
      ]);
    });

    it('on: the same text is a string that ends at the backslash, and the ; after cd splits', () => {
      expect(texts(split(backslashed))).toEqual(["SELECT 'a\\\\b\\'cd;", "' AS x; SELECT 2;"]);
    });

    it("continues an E'' string across a newline (and a -- comment) in escape mode", () => {
      const sql = "SELECT E'one'\n'two\\'; three' AS y;\nSELECT E'a' -- c\n  'b\\';c';\nSELECT 3;";
      expect(texts(split(sql))).toEqual([
        "SELECT E'one'\n'two\\'; three' AS y;",
        "SELECT E'a' -- c\n  'b\\';c';",
        'SELECT 3;',
      ]);
    });

    it('does not continue on the same line or across a block comment: the next string is a new plain one', () => {
      expect(texts(split("SELECT E'a' 'b\\'; SELECT 2;"))).toEqual(["SELECT E'a' 'b\\';", 'SELECT 2;']);
      expect(texts(split("SELECT E'a'\n/* c */'b\\'; SELECT 2;"))).toEqual(["SELECT E'a'\n/* c */'b\\';", 'SELECT 2;']);
    });

    it("reads B'', X'' and U&'' without backslash escapes even when standard strings are off", () => {
      const sql = "SELECT X'1f\\'; SELECT U&'d\\'; SELECT b'1\\'; SELECT 4;";
      expect(texts(split(sql, Infinity, { standardStrings: false }))).toEqual([
        "SELECT X'1f\\';",
        "SELECT U&'d\\';",
        "SELECT b'1\\';",
        'SELECT 4;',
      ]);
    });

    it('takes a change of the setting between two statements', () => {
      const s = new SqlSplitter();
      s.push("SET standard_conforming_strings = off; SELECT 'x\\';y'; SELECT 'z';");
      s.end();
      expect(s.next()).toMatchObject({ text: 'SET standard_conforming_strings = off;' });
      s.standardStrings = false;
      expect(s.next()).toMatchObject({ text: " SELECT 'x\\';y';".trimStart() });
      expect(s.next()).toMatchObject({ text: "SELECT 'z';" });
    });
  });

  describe('psql variables', () => {
    const vars = { v: 'x', q: "it's \\ here", semi: '1; SELECT 2' };
    it('interpolates :v, :\'v\' and :"v" outside quotes and comments, leaves casts and unset names alone', () => {
      const sql = "SELECT :v, :'q', :\"q\", a::int, :nope, ':v', $$:v$$ -- :v\n;";
      expect(texts(split(sql, Infinity, { variables: vars }))).toEqual([
        "SELECT x,  E'it''s \\\\ here', \"it's \\ here\", a::int, :nope, ':v', $$:v$$ -- :v\n;",
      ]);
    });

    it("re-lexes a bare :name's value, as psql does (a ; in it ends the statement)", () => {
      expect(texts(split('SELECT :semi;', Infinity, { variables: vars }))).toEqual(['SELECT 1;', 'SELECT 2;']);
    });

    it('without variables, colons are plain text', () => {
      expect(texts(split("SELECT :v, :'v';"))).toEqual(["SELECT :v, :'v';"]);
    });
  });

  describe('meta-commands', () => {
    it('reports a backslash inside a statement as a meta-command that interrupts it (never part of the SQL)', () => {
      expect(split('SELECT 1 AS a\n\\gset\nSELECT 2;')).toEqual([
        { kind: 'meta', text: '\\gset', line: 2, statementLine: 1 },
        { kind: 'statement', text: 'SELECT 2;', line: 3 },
      ]);
      expect(split('SELECT 1 \\; SELECT 2;')[0]).toEqual({
        kind: 'meta',
        text: '\\; SELECT 2;',
        line: 1,
        statementLine: 1,
      });
    });

    it('treats a backslash inside quotes, identifiers and comments as text', () => {
      expect(texts(split('SELECT \'\\g\', "\\p" /* \\q */; -- \\r\nSELECT 2;'))).toEqual([
        'SELECT \'\\g\', "\\p" /* \\q */;',
        'SELECT 2;',
      ]);
    });
  });

  describe('COPY data is taken only when the caller says the server asked for it', () => {
    it('without beginCopyData, the lines after a COPY are SQL', () => {
      const s = new SqlSplitter();
      s.push('COPY t FROM stdin;\nSELECT 1;\n');
      s.end();
      expect(s.next()).toMatchObject({ kind: 'statement', copyHint: 'in' });
      expect(s.next()).toMatchObject({ kind: 'statement', text: 'SELECT 1;', line: 2 });
    });

    it('runs SQL that shares the COPY line after the data, as psql does', () => {
      expect(texts(split('COPY t FROM stdin; SELECT 9;\n1\n\\.\nSELECT 2;'))).toEqual([
        'COPY t FROM stdin;',
        'DATA:1\n',
        'END',
        'SELECT 9;',
        'SELECT 2;',
      ]);
    });

    it('hands back the unread rest right after an item, to be decoded again', () => {
      const s = new SqlSplitter();
      s.push('SET client_encoding TO WIN1252;\nSELECT 1;');
      expect(s.next()).toMatchObject({ text: 'SET client_encoding TO WIN1252;' });
      expect(s.takeRest()).toEqual({ text: '\nSELECT 1;', pristine: true });
      s.push('\nSELECT 2;');
      s.end();
      expect(s.next()).toMatchObject({ text: 'SELECT 2;', line: 2 });
    });
  });
});
