import type { Client } from 'pg';
import { TEMPLATE_DBS } from './identifiers.js';

/**
 * What an export needs to know that only the running server can tell: which databases and
 * roles exist (users make them with `content create-database` and SQL), what it preloads,
 * and its exact version. Read-only catalog queries on the maintenance database.
 */
export interface ServerFacts {
  /** server_version_num, e.g. 160004. */
  versionNum: number;
  /** Every database applications use: not postgres, not the templates, not those refusing connections. */
  databases: Array<{ name: string; owner: string }>;
  /** Roles users made (oid >= 16384, what initdb did not create), without pg_* roles. */
  roles: string[];
  /** shared_preload_libraries as the server runs with it. */
  sharedPreloadLibraries: string[];
}

/** FirstNormalObjectId: everything below is initdb's. */
const FIRST_USER_OID = 16384;

export async function readServerFacts(client: Client): Promise<ServerFacts> {
  const version = await client.query<{ v: string; libs: string }>(
    "SELECT current_setting('server_version_num') AS v, current_setting('shared_preload_libraries') AS libs",
  );
  const dbs = await client.query<{ name: string; owner: string }>(
    `SELECT datname AS name, pg_get_userbyid(datdba) AS owner FROM pg_database
      WHERE datallowconn AND NOT datistemplate AND datname <> 'postgres' AND NOT (datname = ANY ($1::text[]))
      ORDER BY datname`,
    [TEMPLATE_DBS],
  );
  const roles = await client.query<{ name: string }>(
    `SELECT rolname AS name FROM pg_roles WHERE oid >= $1 AND rolname !~ '^pg_' ORDER BY rolname`,
    [FIRST_USER_OID],
  );
  const row = version.rows[0];
  return {
    versionNum: Number(row?.v ?? 0),
    databases: dbs.rows.map((r) => ({ name: r.name, owner: r.owner })),
    roles: roles.rows.map((r) => r.name),
    sharedPreloadLibraries: splitList(row?.libs ?? ''),
  };
}

/** "pg_stat_statements, auto_explain" -> ["pg_stat_statements", "auto_explain"]. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter((s) => s !== '');
}
