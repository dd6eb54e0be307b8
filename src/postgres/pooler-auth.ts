import { describeError } from '../core/errors.js';
import { asAdmin, type Instance } from '../core/instance.js';
import { POOLER_AUTH_SCHEMA, POOLER_AUTH_USER } from '../core/pooler.js';
import type { Secret } from '../core/secret.js';
import { clientConfig, loadPg, withClient } from './client.js';
import { quoteIdent } from './identifiers.js';
import { scramVerifier } from './scram.js';

/**
 * What PgBouncer's auth_query needs inside the server, made as the program's superuser:
 * - a login role (POOLER_AUTH_USER) that can do nothing but call one function; its password
 *   changes on every `pooler start` and is sent as a SCRAM verifier, never in clear;
 * - that function, SECURITY DEFINER (so it may read pg_authid), in a schema of its own that
 *   only the role may use, returning one login role's stored SCRAM verifier. PgBouncer 1.18
 *   runs auth_query in the database the client asks for (it has no auth_dbname), so the
 *   function is made in every database that takes connections, template1 included, which
 *   gives it to databases created later from it.
 */

const r = quoteIdent(POOLER_AUTH_USER);
const s = quoteIdent(POOLER_AUTH_SCHEMA);

/** Statements run in each database (pure: tested without a server). */
export function lookupFunctionStatements(owner: string): string[] {
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s} AUTHORIZATION ${quoteIdent(owner)}`,
    `REVOKE ALL ON SCHEMA ${s} FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
    `CREATE OR REPLACE FUNCTION ${s}.lookup(p_user text, OUT usename text, OUT passwd text) RETURNS record
       LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
       AS $fn$ SELECT rolname::text, rolpassword FROM pg_catalog.pg_authid
                WHERE rolname = p_user AND rolcanlogin
                  AND (rolvaliduntil IS NULL OR rolvaliduntil > pg_catalog.now()) $fn$`,
    `REVOKE ALL ON FUNCTION ${s}.lookup(text) FROM PUBLIC`,
    `GRANT EXECUTE ON FUNCTION ${s}.lookup(text) TO ${r}`,
  ];
}

export const POOLER_ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT';

/** Makes (or puts right) the role with this password and the lookup function in every database. */
export async function ensurePoolerAuth(instance: Instance, password: Secret, timeoutMs = 15_000): Promise<void> {
  const admin = asAdmin(instance);
  const verifier = scramVerifier(password.reveal()).replace(/'/g, "''");
  const databases = await withClient(admin, { database: 'postgres', timeoutMs }, async (c) => {
    const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [POOLER_AUTH_USER])).rowCount === 1;
    await c.query(`${exists ? 'ALTER' : 'CREATE'} ROLE ${r} WITH ${POOLER_ROLE_ATTRIBUTES} PASSWORD '${verifier}'`);
    const rows = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1');
    return rows.rows.map((row) => row.datname);
  });
  for (const database of databases) {
    try {
      await withClient(admin, { database, timeoutMs }, async (c) => {
        for (const sql of lookupFunctionStatements(admin.user)) await c.query(sql);
      });
    } catch (e) {
      throw new Error(`preparing database ${database} for the pooler: ${describeError(e)}`, { cause: e });
    }
  }
}

/** After `pooler stop`: the role may no longer log in (its password stays only in the removed auth_file). */
export async function disablePoolerAuth(instance: Instance, timeoutMs = 5_000): Promise<void> {
  await withClient(asAdmin(instance), { database: 'postgres', timeoutMs }, async (c) => {
    const exists = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [POOLER_AUTH_USER])).rowCount === 1;
    if (exists) await c.query(`ALTER ROLE ${r} NOLOGIN`);
  });
}

/**
 * The pooler's health: an authenticated SELECT 1 through it, as the application's role.
 * Its own connection settings, not probe()'s: a statement_timeout startup parameter would be
 * refused by PgBouncer (it only passes the ones it knows).
 */
export async function probePooler(
  instance: Instance,
  port: number,
  timeoutMs = 3_000,
): Promise<{ ok: boolean; message: string }> {
  const pg = await loadPg();
  const { statement_timeout: _s, ...config } = clientConfig({ ...instance, port }, { asApp: true, timeoutMs });
  const client = new pg.Client(config);
  client.on('error', () => {});
  try {
    await client.connect();
    const res = await client.query<{ ok: number }>('SELECT 1 AS ok');
    if (res.rows[0]?.ok !== 1) return { ok: false, message: 'SELECT 1 through the pooler returned no row' };
    return { ok: true, message: `authenticated SELECT 1 through the pooler on port ${port} ok` };
  } catch (e) {
    return { ok: false, message: `pooler on port ${port}: ${describeError(e)}` };
  } finally {
    await client.end().catch(() => {});
  }
}
