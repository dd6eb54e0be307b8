import { quoteIdent } from '../identifiers.js';

/**
 * psql variables of one script run: set with \set, read as :name, :'name' and :"name" in
 * SQL and in meta-command arguments. ON_ERROR_STOP is one of them, as in psql.
 */
export class Variables {
  private readonly values = new Map<string, string>();

  constructor(initial: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(initial)) this.values.set(k, v);
  }

  get(name: string): string | undefined {
    return this.values.get(name);
  }

  set(name: string, value: string): void {
    this.values.set(name, value);
  }

  unset(name: string): void {
    this.values.delete(name);
  }

  /** psql's reading of a boolean variable; undefined for a value psql would reject. Unset is false, as in psql. */
  bool(name: string): boolean | undefined {
    const v = this.values.get(name);
    return v === undefined ? false : parseBool(v);
  }
}

/** ParseVariableBool: on/off, true/false, yes/no, 1/0, any unambiguous prefix, any case. */
export function parseBool(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (!v) return undefined;
  const prefixOf = (word: string, min = 1) => v.length >= min && word.startsWith(v);
  if (prefixOf('true') || prefixOf('yes') || prefixOf('on', 2) || v === '1') return true;
  if (prefixOf('false') || prefixOf('no') || prefixOf('off', 2) || v === '0') return false;
  return undefined;
}

/**
 * A value as psql's :'name' writes it (PQescapeLiteral): quotes doubled, and with any
 * backslash the E'' form with backslashes doubled, so it reads the same whatever
 * standard_conforming_strings is.
 */
export function escapeLiteral(value: string): string {
  const escaped = value.replace(/['\\]/g, (c) => c + c);
  return value.includes('\\') ? ` E'${escaped}'` : `'${escaped}'`;
}

/** A value as psql's :"name" writes it (PQescapeIdentifier). */
export const escapeIdentifier = quoteIdent;
