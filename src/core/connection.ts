import type { Instance } from './instance.js';
import { MASK } from './secret.js';
import { shellQuote } from './shell.js';

/** One instance's connection details, password revealed only when asked for. */
export interface ConnectionView {
  instance: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** The real password, or the mask. */
  password: string;
  /** verify-full against the home's CA when the instance has TLS; disable otherwise. */
  sslmode: 'disable' | 'verify-full';
  /** With TLS: the CA certificate file (sslrootcert). */
  sslrootcert?: string;
}

export function connectionView(instance: Instance, showSecrets: boolean, database = instance.database): ConnectionView {
  return {
    instance: instance.name,
    host: connectHost(instance.host),
    port: instance.port,
    database,
    user: instance.user,
    password: showSecrets ? instance.password.reveal() : MASK,
    sslmode: instance.tls ? 'verify-full' : 'disable',
    sslrootcert: instance.tls ? instance.tlsCa : undefined,
  };
}

/** A server bound to every address is still reached over loopback. */
export function connectHost(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' || bind === '' ? '127.0.0.1' : bind;
}

/** postgres://user:pass@host:port/db?sslmode=disable (or verify-full&sslrootcert=CA), user and password URL-encoded. */
export function connectionUrl(v: ConnectionView, opts: { database?: string; withPassword?: boolean } = {}): string {
  const auth =
    opts.withPassword === false
      ? encodeURIComponent(v.user)
      : `${encodeURIComponent(v.user)}:${v.password === MASK ? MASK : encodeURIComponent(v.password)}`;
  const host = v.host.includes(':') ? `[${v.host}]` : v.host;
  const ca = v.sslrootcert ? `&sslrootcert=${encodeURIComponent(v.sslrootcert)}` : '';
  return `postgres://${auth}@${host}:${v.port}/${encodeURIComponent(opts.database ?? v.database)}?sslmode=${v.sslmode}${ca}`;
}

export function envLines(v: ConnectionView): string[] {
  const vars: Array<[string, string]> = [
    ['POSTGRES_HOST', v.host],
    ['POSTGRES_PORT', String(v.port)],
    ['POSTGRES_USER', v.user],
    ['POSTGRES_PASSWORD', v.password],
    ['POSTGRES_DB', v.database],
    ['POSTGRES_SSLMODE', v.sslmode],
    ['POSTGRES_URL', connectionUrl(v)],
    ['DATABASE_URL', connectionUrl(v)],
    ['POSTGRES_ADMIN_URL', connectionUrl(v, { database: 'postgres' })],
    ['POSTGRES_INSTANCE', v.instance],
  ];
  // libpq's own variables, so psql and every libpq client verify the server without a URL.
  if (v.sslrootcert) vars.push(['PGSSLMODE', v.sslmode], ['PGSSLROOTCERT', v.sslrootcert]);
  return vars.map(([k, val]) => `${k}=${shellQuote(val)}`);
}
