import { readFileSync } from 'node:fs';
import type { Client, ClientConfig } from 'pg';
import type Pg from 'pg';
import { asAdmin, type Instance } from '../core/instance.js';
import { trace } from '../core/trace.js';

let pgLoaded: Promise<typeof Pg> | undefined;

/**
 * pg loads lazily: help, info and --version never pay for it. At load it asks whether it runs
 * in a Cloudflare Worker; without a global `navigator` (Node 20) it builds a fetch Response to
 * find out, which loads node's whole fetch implementation (undici): ~15 ms of every command
 * that connects. Node 21+ defines navigator; on 20 one stands in while pg loads, then goes.
 */
export function loadPg() {
  pgLoaded ??= trace.span('load pg', async () => {
    const g = globalThis as { navigator?: unknown };
    const stand = g.navigator === undefined;
    if (stand) Object.defineProperty(g, 'navigator', { value: { userAgent: 'Node.js' }, configurable: true });
    try {
      return (await import('pg')).default;
    } finally {
      if (stand) delete g.navigator;
    }
  });
  return pgLoaded;
}

export interface ConnectOptions {
  database?: string;
  timeoutMs?: number;
  /** Connect to this host instead of instance.host (0.0.0.0 binds are reached over loopback). */
  host?: string;
  /** Connect as the role applications get, not as the program's superuser (content sessions). */
  asApp?: boolean;
  /**
   * Keep the database's own search_path on a superuser connection: only for CREATE EXTENSION
   * (which installs into the first schema of the path). The user's SQL runs as the app role
   * (asApp), which is never pinned.
   */
  userSearchPath?: boolean;
}

/**
 * A startup option beats ALTER DATABASE/ROLE ... SET, so an app role that owns its database
 * cannot plant a function or operator the program's superuser would resolve (privilege escalation).
 */
export const PINNED_SEARCH_PATH = '-c search_path=pg_catalog,pg_temp';

/** node-postgres settings for an instance, over TCP to its published port. */
export function clientConfig(instance: Instance, opts: ConnectOptions = {}): ClientConfig {
  // The program's own work runs as its superuser; content sessions run as the application's role.
  const conn = opts.asApp ? instance : asAdmin(instance);
  const host = opts.host ?? (instance.host === '0.0.0.0' || instance.host === '' ? '127.0.0.1' : instance.host);
  return {
    host,
    port: instance.port,
    user: conn.user,
    password: conn.password.reveal(),
    database: opts.database ?? instance.database,
    connectionTimeoutMillis: opts.timeoutMs ?? 5_000,
    query_timeout: opts.timeoutMs,
    statement_timeout: opts.timeoutMs,
    application_name: 'resource-postgres',
    ssl: tlsConfig(instance),
    ...(opts.asApp || opts.userSearchPath ? {} : { options: PINNED_SEARCH_PATH }),
  };
}

/**
 * With TLS the program connects as any client should: verify-full against the home's CA
 * (node's checks: the chain, and the host name or IP in the certificate's SANs), so a
 * server that requires TLS (hostssl only) still answers the program's own work.
 */
function tlsConfig(instance: Instance): ClientConfig['ssl'] {
  if (!instance.tls || !instance.tlsCa) return false;
  return { ca: readFileSync(instance.tlsCa, 'utf8'), rejectUnauthorized: true };
}

export async function withClient<T>(
  instance: Instance,
  opts: ConnectOptions,
  fn: (client: Client) => Promise<T>,
): Promise<T> {
  const pg = await loadPg();
  const client = new pg.Client(clientConfig(instance, opts));
  // An error event after connect (server shutdown) must not crash the process.
  client.on('error', () => {});
  await trace.span(`connect + auth ${instance.name}:${instance.port}`, () => client.connect());
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}
