import { CliError } from '../../core/errors.js';

/**
 * `content execute` runs as the application's role, and two extension refusals have a fix
 * the server cannot name:
 * - "permission denied to create extension": with --app-role owner the role creates
 *   PostgreSQL's "trusted" extensions (pgcrypto, hstore, citext, pg_trgm, uuid-ossp, ...) but not
 *   the others (pg_stat_statements, vector); the program creates those as its own superuser,
 *   without handing that role out;
 * - "x must be loaded via shared_preload_libraries": an extension created by hand whose
 *   library only works loaded at start; --extensions records it, so every start preloads it.
 * The server's message stays; the hint adds the command that works.
 */
const FIXES: Array<[RegExp, string]> = [
  [/permission denied to create extension "([^"]+)"/, "creates it as the program's superuser"],
  [/([A-Za-z0-9_]+) must be loaded via "?shared_preload_libraries"?/, 'preloads it at every start, restarting once'],
];

export function withExtensionHint(e: unknown, instance: string): unknown {
  if (!(e instanceof CliError)) return e;
  for (const [re, why] of FIXES) {
    const name = re.exec(e.message)?.[1];
    if (!name) continue;
    const how = `resource-postgres manage start --instance ${instance} --extensions ${name} (${why})`;
    return new CliError(e.kind, e.message, {
      details: e.details,
      hint: e.hint ? `${e.hint.replace(/\.$/, '')}; or: ${how}` : how,
      exitCode: e.exitCode,
      cause: e.cause,
    });
  }
  return e;
}
