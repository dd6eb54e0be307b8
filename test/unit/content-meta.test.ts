import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/core/errors.js';
import { parseArgs } from '../../src/postgres/sql/meta-args.js';
import { interpretMeta, type MetaState } from '../../src/postgres/sql/meta.js';
import { escapeLiteral, parseBool, Variables } from '../../src/postgres/sql/variables.js';

const where = { at: 'dump.sql:7', dir: '/scripts' };
const fresh = (): MetaState => ({ vars: new Variables({ ON_ERROR_STOP: '1' }) });

describe('psql meta-command arguments', () => {
  const vars = new Variables({ v: '1', w: "it's" });
  const get = (n: string) => vars.get(n);
  it.each([
    ['a b  c', ['a', 'b', 'c']],
    ["'a b' 'it''s' 'x\\ty' '\\101'", ['a b', "it's", 'x\ty', 'A']],
    ['"x y" plain"q"', ['"x y"', 'plain"q"']],
    [":v :'w' :\"w\" :unset ':v'", ['1', "'it''s'", '"it\'s"', ':unset', ':v']],
    ['a \\\\ \\echo b', ['a']],
  ])('%s', (rest, expected) => expect(parseArgs(rest, get)).toEqual(expected));

  it('removes double quotes from an identifier (\\connect "My DB")', () => {
    expect(parseArgs('"My ""DB"""', get, { identifier: true })).toEqual(['My "DB"']);
  });
});

describe('interpretMeta', () => {
  it('sets and unsets variables, checking ON_ERROR_STOP is a boolean', () => {
    const s = fresh();
    expect(interpretMeta("\\set greeting 'hello' ' world'", s, where)).toEqual({ kind: 'none' });
    expect(s.vars.get('greeting')).toBe('hello world');
    interpretMeta('\\set ON_ERROR_STOP off', s, where);
    expect(s.vars.bool('ON_ERROR_STOP')).toBe(false);
    expect(() => interpretMeta('\\set ON_ERROR_STOP maybe', s, where)).toThrow(/Boolean expected/);
    interpretMeta('\\unset greeting', s, where);
    expect(s.vars.get('greeting')).toBeUndefined();
  });

  it('echoes with variables, and without the newline for -n', () => {
    const s = fresh();
    interpretMeta('\\set n 3', s, where);
    expect(interpretMeta("\\echo rows: :n 'a b'", s, where)).toEqual({ kind: 'echo', text: 'rows: 3 a b\n' });
    expect(interpretMeta('\\echo -n x', s, where)).toEqual({ kind: 'echo', text: 'x' });
  });

  it.each([
    ['\\connect shop', 'shop'],
    ['\\c "Shop Floor"', 'Shop Floor'],
    [String.raw`\connect -reuse-previous=on "dbname='my db'"`, 'my db'],
    [String.raw`\connect -reuse-previous=on "dbname='a\'b ""q""'"`, `a'b "q"`],
    ['\\c', undefined],
    ['\\c - -', undefined],
  ])('%s connects to %s', (text, database) => {
    expect(interpretMeta(text, fresh(), where)).toEqual({ kind: 'connect', database });
  });

  it('refuses a \\connect to another user or server', () => {
    expect(() => interpretMeta('\\connect shop bob', fresh(), where)).toThrow(/another user, host or port/);
    expect(() => interpretMeta('\\c "dbname=x host=elsewhere"', fresh(), where)).toThrow(
      /host in the connection string/,
    );
  });

  it('resolves \\i from the current directory and \\ir from the script directory', () => {
    expect(interpretMeta('\\i part.sql', fresh(), where)).toEqual({
      kind: 'include',
      path: `${process.cwd()}/part.sql`,
    });
    expect(interpretMeta("\\ir 'sub/part 2.sql'", fresh(), where)).toEqual({
      kind: 'include',
      path: '/scripts/sub/part 2.sql',
    });
  });

  it('holds restricted mode: only \\unrestrict with the same key is allowed', () => {
    const s = fresh();
    interpretMeta('\\restrict abc123', s, where);
    expect(() => interpretMeta('\\connect other', s, where)).toThrow(/not allowed in restricted mode/);
    expect(() => interpretMeta('\\unrestrict nope', s, where)).toThrow(/does not match/);
    interpretMeta('\\unrestrict abc123', s, where);
    expect(interpretMeta('\\echo ok', s, where)).toMatchObject({ kind: 'echo' });
  });

  it('stops at any other meta-command, naming it, the file and line, and suggesting psql', () => {
    for (const text of ['\\gset', '\\if :x', '\\copy t from x.csv', '\\.', '\\! rm -rf /']) {
      const e = (() => {
        try {
          interpretMeta(text, fresh(), where);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).message).toMatch(/^dump\.sql:7: /);
      expect((e as CliError).message).toContain(text.split(' ')[0]!);
    }
    expect(() => interpretMeta('\\gset', fresh(), where)).toThrow(
      expect.objectContaining({ hint: expect.stringMatching(/psql/) }),
    );
    expect(() => interpretMeta('\\echo `id`', fresh(), where)).toThrow(/shell command/);
  });
});

describe('variables', () => {
  it('read booleans as psql does', () => {
    expect(['on', 'TRUE', 'y', '1', 'maybe'].map(parseBool)).toEqual([true, true, true, true, undefined]);
    expect(['off', 'of', 'f', 'no', '0', 'o'].map(parseBool)).toEqual([false, false, false, false, false, undefined]);
    expect(new Variables().bool('ON_ERROR_STOP')).toBe(false);
  });

  it("quote :'v' as PQescapeLiteral does", () => {
    expect(escapeLiteral("it's")).toBe("'it''s'");
    expect(escapeLiteral('a\\b')).toBe(" E'a\\\\b'");
  });
});
