import { POOLER_AUTH_USER } from '../../core/pooler.js';
import { isReplicaSlotName } from '../../core/replica.js';
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

/** Roles the program makes for one instance's own use, holding that instance's secrets. */
export function isProgramRole(role: string): boolean {
  return role === POOLER_AUTH_USER || isReplicaSlotName(role);
}

const ROLE_STATEMENT = /^(?:CREATE ROLE|ALTER ROLE|GRANT|REVOKE|COMMENT ON ROLE|SECURITY LABEL .* ON ROLE) /;

/**
 * Globals replayed into another instance (manage start --from): the roles the program made
 * for the source (its replicas' REPLICATION LOGIN roles, the pooler's lookup role) carry the
 * source's passwords and mean nothing in the copy. Every statement naming one is left out;
 * those names are plain identifiers, never quoted by pg_dumpall.
 */
export function leaveOutProgramRoles(sql: string): string {
  const made = [...sql.matchAll(/^CREATE ROLE ([a-z_][a-z0-9_]*);$/gm)].map((m) => m[1]!).filter(isProgramRole);
  if (made.length === 0) return sql;
  const named = new RegExp(`(?:^|[\\s,(])(?:${made.join('|')})(?:[\\s,;)]|$)`);
  return sql
    .split('\n')
    .filter((line) => !(ROLE_STATEMENT.test(line) && named.test(line.replace(ROLE_STATEMENT, ' '))))
    .join('\n');
}

/** psql's complaints during a globals replay that only mean "it is already there". */
export function unexpectedGlobalsErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /ERROR:/.test(l) && !/already exists/.test(l))
    .map((l) => l.replace(/^psql:[^:]*:\d+:\s*/, ''));
}
