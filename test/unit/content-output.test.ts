import { describe, expect, it } from 'vitest';
import { alignedTable, csvLines, jsonRows } from '../../src/output/rows.js';
import { locatePosition } from '../../src/postgres/sql/error-position.js';

const INT4 = 23,
  TEXT = 25,
  NUMERIC = 1700,
  BOOL = 16,
  INT8 = 20,
  JSONB = 3802;

describe('psql-aligned tables', () => {
  it('matches psql 15 byte for byte (captured with psql -X -c)', () => {
    const lines = alignedTable({
      fields: [
        { name: 'id', dataTypeID: INT4 },
        { name: 'name', dataTypeID: TEXT },
        { name: 'n', dataTypeID: TEXT },
        { name: 'amount', dataTypeID: NUMERIC },
        { name: 'ok', dataTypeID: BOOL },
      ],
      rows: [
        ['1', 'alice', null, '3.5', 't'],
        ['22', 'bo', 'x', '10', 'f'],
      ],
    });
    expect(lines).toEqual([
      ' id | name  | n | amount | ok ',
      '----+-------+---+--------+----',
      '  1 | alice |   |    3.5 | t',
      ' 22 | bo    | x |     10 | f',
      '(2 rows)',
      '',
    ]);
  });

  it('wraps multi-line values with + and counts one row', () => {
    expect(
      alignedTable({
        fields: [
          { name: 'm', dataTypeID: TEXT },
          { name: 'z', dataTypeID: INT4 },
        ],
        rows: [['multi\nline', '2']],
      }),
    ).toEqual(['   m   | z ', '-------+---', ' multi+| 2', ' line  | ', '(1 row)', '']);
  });

  it('prints a header and (0 rows) for an empty result', () => {
    expect(alignedTable({ fields: [{ name: '?column?', dataTypeID: INT4 }], rows: [] })).toEqual([
      ' ?column? ',
      '----------',
      '(0 rows)',
      '',
    ]);
  });
});

describe('csv and json rows', () => {
  const set = {
    fields: [
      { name: 'a', dataTypeID: INT4 },
      { name: 'b', dataTypeID: TEXT },
      { name: 'b', dataTypeID: TEXT },
      { name: 'j', dataTypeID: JSONB },
      { name: 'c', dataTypeID: INT8 },
      { name: 'big', dataTypeID: INT8 },
      { name: 'ok', dataTypeID: BOOL },
    ],
    rows: [
      ['1', 'x,"y"', '', '{"k": [1]}', '2', '9223372036854775807', 't'],
      [null, null, 'line\nbreak', null, null, null, 'f'],
    ],
  };

  it('csv quotes what needs it and keeps empty string apart from NULL', () => {
    expect(csvLines(set)).toEqual([
      'a,b,b,j,c,big,ok',
      '1,"x,""y""","","{""k"": [1]}",2,9223372036854775807,t',
      ',,"line\nbreak",,,,f',
    ]);
  });

  it('json types values by column and keeps repeated names', () => {
    expect(jsonRows(set)).toEqual([
      { a: 1, b: 'x,"y"', b_2: '', j: { k: [1] }, c: 2, big: '9223372036854775807', ok: true },
      { a: null, b: null, b_2: 'line\nbreak', j: null, c: null, big: null, ok: false },
    ]);
  });
});

describe('error positions', () => {
  it('maps the server position to the script line with a caret', () => {
    const spot = locatePosition('SELECT 1,\n  2,\n  nope FROM t;', 18, 40);
    expect(spot).toMatchObject({ line: 42, column: 3 });
    expect(spot!.excerpt).toEqual(['LINE 42:   nope FROM t;', '           ^']);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(locatePosition("SELECT '😀', nope;", 13, 1)).toMatchObject({ line: 1, column: 13 });
  });

  it('shows a window of a very long line', () => {
    const spot = locatePosition(`INSERT INTO t VALUES ${'(1),'.repeat(1000)}(x);`, 4023, 1)!;
    expect(spot.excerpt[0]!.length).toBeLessThan(100);
    expect(spot.excerpt[0]!.slice(spot.excerpt[1]!.length - 1)).toMatch(/^x\)/);
  });

  it('ignores a missing or nonsense position', () => {
    expect(locatePosition('SELECT 1', 0, 1)).toBeUndefined();
    expect(locatePosition('SELECT 1', Number.NaN, 1)).toBeUndefined();
  });
});
