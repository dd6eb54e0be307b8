/**
 * Client programs (pg_dump, pg_restore, psql) get the password from a libpq password file
 * (PGPASSFILE) instead of PGPASSWORD: a process's environment is readable in
 * /proc/<pid>/environ by its owner and root, kept in a docker exec's record, and inherited by
 * everything it starts; a 0600 file the caller removes afterwards is none of those. Pure.
 */

/** libpq's escaping in a password file: a backslash or colon inside a field is preceded by a backslash. */
export function escapePassfileField(value: string): string {
  return value.replace(/[\\:]/g, (c) => `\\${c}`);
}

/** One line matching any host, port and database for this user: the file serves one connection target. */
export function passfileLine(user: string, password: string): string {
  return `*:*:*:${escapePassfileField(user)}:${escapePassfileField(password)}\n`;
}
