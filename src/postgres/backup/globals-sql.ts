import { quoteIdent } from '../identifiers.js';

/**
 * pg_dumpall --globals-only output, adjusted before replay. The target instance's own
 * superuser keeps the password in its instance.conf: replaying the backup's password hash
 * for that role would lock resource-postgres out of an instance whose credentials changed
 * since (a recreated instance, a clone made with new credentials). Other roles come back
 * exactly as they were.
 */
function roleForms(role: string): string[] {
  const quoted = quoteIdent(role);
  return /^[a-z_][a-z0-9_$]*$/.test(role) ? [role, quoted] : [quoted];
}

export function keepOwnPassword(sql: string, role: string): string {
  const prefixes = roleForms(role).map((r) => `ALTER ROLE ${r} WITH `);
  return sql
    .split('\n')
    .map((line) => (prefixes.some((p) => line.startsWith(p)) ? line.replace(/ PASSWORD '(?:[^']|'')*'/, '') : line))
    .join('\n');
}

/** psql's complaints during a globals replay that only mean "it is already there". */
export function unexpectedGlobalsErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /ERROR:/.test(l) && !/already exists/.test(l))
    .map((l) => l.replace(/^psql:[^:]*:\d+:\s*/, ''));
}
