import pg from 'pg';
import { runCli } from './cli.js';

/**
 * SQL against an instance with the credentials the CLI hands out (`credentials --json
 * --show-secrets`), over a fresh connection each time: what an application would do.
 */
export async function instanceSql(
  home: string,
  name: string,
  text: string,
  database?: string,
): Promise<Array<Record<string, unknown>>> {
  const r = await runCli(['credentials', '--instance', name, '--json', '--show-secrets'], { home });
  const c = JSON.parse(r.stdout).connections[0];
  const client = new pg.Client({
    host: '127.0.0.1',
    port: c.connection.port,
    user: c.auth.username,
    password: c.auth.password,
    database: database ?? c.connection.database,
  });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}
