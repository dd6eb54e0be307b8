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

/**
 * App role owner: the application's role keeps what it has in the target (its attributes and
 * memberships), whatever the backup said. A backup taken in superuser mode defines that role
 * as a superuser; replaying it would make the application a superuser until the restore ends.
 * Its ALTER ROLE line and every GRANT of another role to it are left out.
 */
export function keepRoleAsIs(sql: string, role: string): string {
  const forms = roleForms(role);
  const alters = forms.map((r) => `ALTER ROLE ${r} WITH `);
  const escape = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const grantTo = new RegExp(`^GRANT .+ TO (?:${forms.map(escape).join('|')})(?: WITH | GRANTED BY |;)`);
  return sql
    .split('\n')
    .filter((line) => !alters.some((p) => line.startsWith(p)) && !grantTo.test(line))
    .join('\n');
}

/** psql's complaints during a globals replay that only mean "it is already there". */
export function unexpectedGlobalsErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /ERROR:/.test(l) && !/already exists/.test(l))
    .map((l) => l.replace(/^psql:[^:]*:\d+:\s*/, ''));
}
