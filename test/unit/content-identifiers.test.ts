import { describe, expect, it } from 'vitest';
import { isIdentifier, quoteIdent, validateIdentifier } from '../../src/postgres/identifiers.js';

describe('database identifiers', () => {
  it.each(['app', 'App_1', '_private', 'a', 'x'.repeat(63), 'café'.replace('é', 'e')])('accepts %j', (name) => {
    expect(isIdentifier(name)).toBe(true);
    expect(validateIdentifier(name)).toBe(name);
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(64), 'longer than 63'],
    ['1app', 'starts with a digit'],
    ['app-test', 'dash'],
    ['app test', 'space'],
    ['x"; DROP DATABASE y; --', 'quote injection'],
    ["x'; DROP DATABASE y; --", 'literal injection'],
    ['x; DROP DATABASE y', 'statement injection'],
    ['--force', 'a flag'],
    ['café', 'non-ASCII'],
    ['a\nb', 'newline'],
    ['a\u0000b', 'NUL'],
    ['"quoted"', 'quotes'],
    ['../etc', 'path'],
  ])('refuses %j (%s) with a usage error before any connection', (name) => {
    expect(isIdentifier(name)).toBe(false);
    expect(() => validateIdentifier(name)).toThrow(/invalid database name/);
    try {
      validateIdentifier(name);
    } catch (e) {
      expect(e as { kind: string; exitCode: number }).toMatchObject({ kind: 'usage', exitCode: 1 });
    }
  });

  it('refuses non-strings', () => {
    expect(isIdentifier(undefined)).toBe(false);
    expect(isIdentifier(42)).toBe(false);
  });

  it('always quotes, doubling embedded quotes', () => {
    expect(quoteIdent('app')).toBe('"app"');
    expect(quoteIdent('we"ird')).toBe('"we""ird"');
  });
});
