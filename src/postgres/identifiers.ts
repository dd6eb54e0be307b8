import { usageError } from '../core/errors.js';

/**
 * Database names we accept. Deliberately narrower than what PostgreSQL allows: anything a
 * user types goes through this check before a connection is made, so quoting is a second
 * line of defence rather than the only one. 63 is PostgreSQL's NAMEDATALEN - 1.
 */
const IDENTIFIER_RE = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The maintenance database: catalog work connects here; never dropped. */
export const MAINTENANCE_DB = 'postgres';
/** Template databases: hidden from list, never dropped. */
export const TEMPLATE_DBS: readonly string[] = ['template0', 'template1'];

export function isIdentifier(name: unknown): name is string {
  return typeof name === 'string' && IDENTIFIER_RE.test(name);
}

/** Returns the name when valid, else a usage error that shows the value safely quoted. */
export function validateIdentifier(name: unknown, what = 'database name'): string {
  if (isIdentifier(name)) return name;
  const shown = JSON.stringify(String(name ?? ''));
  throw usageError(
    `invalid ${what} ${shown.length > 80 ? `${shown.slice(0, 77)}..."` : shown}`,
    'use 1-63 characters: letters, digits and "_", starting with a letter or "_" (e.g. app_test)',
  );
}

/** "name" with embedded quotes doubled: always applied, even to validated names. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** 'text' with embedded quotes doubled (standard_conforming_strings is on in every server we run). */
export function quoteLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
