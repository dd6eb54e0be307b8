import { type PoolerMode, POOLER_AUTH_SCHEMA, POOLER_AUTH_USER } from '../../../core/pooler.js';

/**
 * PgBouncer's configuration for one instance (pure, so it is tested without a PgBouncer).
 * Choices, and why:
 * - auth_type scram-sha-256 with auth_query: PgBouncer asks the server for a role's SCRAM
 *   verifier through a SECURITY DEFINER function and checks the client's password against it,
 *   then logs in to the server with the keys the client proved; no user's password is kept.
 * - auth_user per database (on the `*` fallback), never global: a global auth_user hangs
 *   PgBouncer 1.18's admin console. 1.18 has no auth_dbname either, so the lookup function
 *   lives in every database (postgres/pooler-auth.ts).
 * - no unix socket (unix_socket_dir empty): clients reach the pooler over TCP, as
 *   `credentials --pooler` says, and there is no socket path to keep short or safe.
 * - no admin_users/stats_users: the admin console is not offered; status checks the pooler
 *   with an authenticated query through it.
 */
export interface PgbouncerIniInput {
  /** Where the pooler listens: the instance's bind address. */
  listenHost: string;
  listenPort: number;
  /** Where the server answers over TCP (docker: its published port). */
  serverHost: string;
  serverPort: number;
  mode: PoolerMode;
  /** Server connections per database and user pair. */
  poolSize: number;
  authFile: string;
  logFile: string;
  pidFile: string;
}

export const MAX_CLIENT_CONNECTIONS = 500;

/** The lookup PgBouncer runs in the database a client asks for, as POOLER_AUTH_USER. */
export const AUTH_QUERY = `SELECT usename, passwd FROM ${POOLER_AUTH_SCHEMA}.lookup($1)`;

/** A value written into the ini as is: one line, nothing PgBouncer would read as syntax. */
function plain(what: string, value: string): string {
  if (/[\n\r]/.test(value) || value.trim() !== value || value === '')
    throw new Error(`pgbouncer.ini: ${what} ${JSON.stringify(value)} cannot be written on one line`);
  return value;
}

export function renderPgbouncerIni(i: PgbouncerIniInput): string {
  const target = `host=${plain('server host', i.serverHost)} port=${i.serverPort} auth_user=${POOLER_AUTH_USER}`;
  const lines = [
    '; Written by resource-postgres (pooler start); rewritten on every start.',
    '[databases]',
    `* = ${target}`,
    '',
    '[pgbouncer]',
    `listen_addr = ${plain('listen address', i.listenHost)}`,
    `listen_port = ${i.listenPort}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${plain('auth_file', i.authFile)}`,
    `auth_query = ${AUTH_QUERY}`,
    `pool_mode = ${i.mode}`,
    `max_client_conn = ${MAX_CLIENT_CONNECTIONS}`,
    `default_pool_size = ${i.poolSize}`,
    `logfile = ${plain('logfile', i.logFile)}`,
    `pidfile = ${plain('pidfile', i.pidFile)}`,
    // JDBC drivers send it; PgBouncer would refuse their connections otherwise.
    'ignore_startup_parameters = extra_float_digits',
    // Connections and disconnections of every client would flood the log under load.
    'log_connections = 0',
    'log_disconnections = 0',
  ];
  return lines.join('\n') + '\n';
}

/** auth_file: `"user" "password"`, a double quote inside doubled (PgBouncer's own quoting). */
export function renderAuthFile(user: string, password: string): string {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  return `${q(user)} ${q(password)}\n`;
}

/**
 * Server connections per pool: about two per core (the usual rule for CPU-bound work). More
 * would only make the server's backends compete for the same cores; a pool is per database
 * and user, so several applications each get their own.
 */
export function defaultPoolSize(cores: number): number {
  return Math.min(20, Math.max(4, 2 * Math.max(1, Math.floor(cores))));
}
