import { describe, expect, it } from 'vitest';
import { type SqlItem, SqlSplitter } from '../../src/postgres/sql/splitter.js';

/**
 * The splitter skips a word of two or more characters without cutting it out once the
 * statement's words can no longer matter (past the fourth word, outside a routine header
 * and a COPY). These cases put what does matter far into a statement, in every chunking,
 * so that a skipped word never hides a quote prefix, a BEGIN ATOMIC body or a COPY's STDIN.
 */
function split(text: string, size: number): SqlItem[] {
  const s = new SqlSplitter();
  const out: SqlItem[] = [];
  const drain = () => {
    for (let item = s.next(); item; item = s.next()) {
      if (item.kind === 'copy-data' && out.at(-1)?.kind === 'copy-data')
        (out.at(-1) as { data: string }).data += item.data;
      else out.push(item.kind === 'copy-data' ? { ...item } : item);
      if (item.kind === 'statement' && item.copyHint === 'in') s.beginCopyData();
    }
  };
  for (let i = 0; i < text.length; i += size) {
    s.push(text.slice(i, i + size));
    drain();
  }
  s.end();
  drain();
  return out;
}

const statements = (items: SqlItem[]) => items.filter((i) => i.kind === 'statement').map((i) => i.text);
const SIZES = [Infinity, 1, 2, 3, 7];

describe('SqlSplitter past the words that matter', () => {
  it.each(SIZES)(
    'a one-letter E, B, X or U& late in a statement still sets how its quote is read (chunks of %s)',
    (size) => {
      const text =
        "INSERT INTO some_table (a, b, c) VALUES (1, E'it\\'s; one', 2), (3, e'\\\\'); " +
        "INSERT INTO t VALUES (x'ff', b'01', U&'d\\0061t\\+000061;'); SELECT 3;";
      expect(statements(split(text, size === Infinity ? text.length : size))).toEqual([
        "INSERT INTO some_table (a, b, c) VALUES (1, E'it\\'s; one', 2), (3, e'\\\\');",
        "INSERT INTO t VALUES (x'ff', b'01', U&'d\\0061t\\+000061;');",
        'SELECT 3;',
      ]);
    },
  );

  it.each(SIZES)('a word ending in e before a quote is no prefix (chunks of %s)', (size) => {
    const text = "SELECT 1 AS one, 2 AS two, 'x\\' AS three, some_name_e'a;b';\nSELECT 2;";
    expect(statements(split(text, size === Infinity ? text.length : size))).toEqual([
      "SELECT 1 AS one, 2 AS two, 'x\\' AS three, some_name_e'a;b';",
      'SELECT 2;',
    ]);
  });

  it.each(SIZES)('CREATE OR REPLACE FUNCTION ... BEGIN ATOMIC keeps its body whole (chunks of %s)', (size) => {
    const text =
      'CREATE OR REPLACE FUNCTION public.long_name(a integer, b integer) RETURNS integer LANGUAGE sql\n' +
      'BEGIN ATOMIC\n  SELECT a + b;\n  SELECT CASE WHEN a > b THEN a ELSE b END;\nEND;\nSELECT 2;';
    const out = statements(split(text, size === Infinity ? text.length : size));
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/^CREATE OR REPLACE FUNCTION[\s\S]*ELSE b END;\nEND;$/);
    expect(out[1]).toBe('SELECT 2;');
  });

  it.each(SIZES)('a COPY with many columns still sees FROM stdin, and its data (chunks of %s)', (size) => {
    const text =
      'COPY public.payment (payment_id, customer_id, staff_id, rental_id, amount, payment_date) FROM stdin;\n' +
      '1\t2\t3\t4\t5.99\t2022-01-01 00:00:00+00\n\\.\nSELECT 1;';
    const items = split(text, size === Infinity ? text.length : size);
    expect(items[0]).toMatchObject({ kind: 'statement', copyHint: 'in' });
    expect(items[1]).toEqual({ kind: 'copy-data', data: '1\t2\t3\t4\t5.99\t2022-01-01 00:00:00+00\n' });
    expect(items.slice(2).map((i) => i.kind)).toEqual(['copy-end', 'statement']);
  });

  it.each(SIZES)(
    'a long word at a chunk boundary, dollar quotes, comments and semicolons in strings (chunks of %s)',
    (size) => {
      const text =
        "INSERT INTO rows_table (id, note) VALUES (1, 'a;b -- c'), (2, $q$x;y$q$) -- tail; comment\n" +
        ', (3, /* ; */ $$z;$$);\nSELECT 2;';
      expect(statements(split(text, size === Infinity ? text.length : size))).toEqual([
        "INSERT INTO rows_table (id, note) VALUES (1, 'a;b -- c'), (2, $q$x;y$q$) -- tail; comment\n, (3, /* ; */ $$z;$$);",
        'SELECT 2;',
      ]);
    },
  );
});
