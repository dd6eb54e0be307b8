import { CliError } from '../../core/errors.js';

/**
 * `content execute "CREATE EXTENSION x"` runs as the application's role. With --app-role
 * owner that role is not a superuser: it may create "trusted" extensions (pgcrypto, hstore,
 * citext, pg_trgm, uuid-ossp, ...) but not the others (pg_stat_statements, vector). The
 * server's refusal is kept, and the hint names the way that works: the program creates it as
 * its own superuser, without handing that role out.
 */
const REFUSED = /permission denied to create extension "([^"]+)"/;

export function withExtensionHint(e: unknown, instance: string): unknown {
  if (!(e instanceof CliError)) return e;
  const name = REFUSED.exec(e.message)?.[1];
  if (!name) return e;
  const how = `resource-postgres manage start --instance ${instance} --extensions ${name} (creates it as the program's superuser)`;
  return new CliError(e.kind, e.message, {
    details: e.details,
    hint: e.hint ? `${e.hint.replace(/\.$/, '')}; or: ${how}` : how,
    exitCode: e.exitCode,
    cause: e.cause,
  });
}
