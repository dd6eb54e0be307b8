import type { ConnectionView } from '../core/connection.js';

/** One instance's (or database's) connection details as text lines. */
export function renderConnection(v: ConnectionView, url: string): string {
  return [
    `instance: ${v.instance}`,
    `  host:     ${v.host}`,
    `  port:     ${v.port}`,
    `  database: ${v.database}`,
    `  user:     ${v.user}`,
    `  password: ${v.password}`,
    ...(v.sslrootcert ? [`  sslmode:  ${v.sslmode}`, `  ca:       ${v.sslrootcert}`] : []),
    `  url:      ${url}`,
  ].join('\n');
}
