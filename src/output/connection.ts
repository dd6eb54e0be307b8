import type { ConnectionView } from '../core/connection.js';

/** One instance's (or database's) connection details as text lines. */
export function renderConnection(v: ConnectionView, url: string, version?: string | null): string {
  return [
    `instance: ${v.instance}`,
    ...(version ? [`  version:  PostgreSQL ${version}`] : []),
    `  host:     ${v.host}`,
    `  port:     ${v.port}`,
    `  database: ${v.database}`,
    `  user:     ${v.user}`,
    `  password: ${v.password}`,
    ...(v.sslrootcert ? [`  sslmode:  ${v.sslmode}`, `  ca:       ${v.sslrootcert}`] : []),
    `  url:      ${url}`,
  ].join('\n');
}
