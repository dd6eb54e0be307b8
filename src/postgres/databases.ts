import type { Client } from 'pg';
import type { Instance } from '../core/instance.js';
import { withClient } from './client.js';
import { quoteIdent, TEMPLATE_DBS } from './identifiers.js';

/** Catalog work on databases; callers connect to the maintenance database and validate names first. */
export interface DatabaseRow {
  name: string;
  owner: string;
  encoding: string;
  /** null when the user may not connect to it (size needs CONNECT). */
  size_bytes: number | null;
}

export async function listDatabases(client: Client): Promise<DatabaseRow[]> {
  const res = await client.query<{ name: string; owner: string; encoding: string; size_bytes: string | null }>(
    `SELECT d.datname AS name, pg_get_userbyid(d.datdba) AS owner, pg_encoding_to_char(d.encoding) AS encoding,
            CASE WHEN has_database_privilege(d.oid, 'CONNECT') THEN pg_database_size(d.oid) END AS size_bytes
       FROM pg_database d
      WHERE NOT (d.datname = ANY ($1::text[]))
      ORDER BY d.datname`,
    [TEMPLATE_DBS],
  );
  return res.rows.map((r) => ({ ...r, size_bytes: r.size_bytes === null ? null : Number(r.size_bytes) }));
}

export async function databaseExists(client: Client, name: string): Promise<boolean> {
  const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return res.rowCount === 1;
}

/**
 * CREATE DATABASE, idempotent and safe when several processes race to create the same
 * database: the loser sees duplicate_database (42P04) or, when both passed the catalog check
 * at once, a unique violation on pg_database's name index (23505). Both mean "it exists".
 */
export async function createDatabase(client: Client, name: string, owner?: string): Promise<'created' | 'exists'> {
  if (await databaseExists(client, name)) return 'exists';
  try {
    // owner: app role owner, so the application can use what the program made for it.
    await client.query(`CREATE DATABASE ${quoteIdent(name)}${owner ? ` OWNER ${quoteIdent(owner)}` : ''}`);
    return 'created';
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === '42P04' || code === '23505') return 'exists';
    throw e;
  }
}

/** Drops a database, first ending every session connected to it (which DROP would refuse). */
export async function dropDatabase(client: Client, name: string): Promise<{ terminated: number }> {
  const killed = await client.query(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  const version = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  // WITH (FORCE) (PostgreSQL 13+) also ends sessions that connect between the two statements.
  const force = Number(version.rows[0]?.v ?? 0) >= 130000 ? ' WITH (FORCE)' : '';
  await client.query(`DROP DATABASE ${quoteIdent(name)}${force}`);
  return { terminated: (killed.rows[0] as { n?: number } | undefined)?.n ?? 0 };
}

/** The instance's own database, made in its running server as its superuser (native engine: initdb makes none). */
export async function ensureInstanceDatabase(instance: Instance): Promise<void> {
  if (instance.database === 'postgres') return;
  await withClient(instance, { database: 'postgres', timeoutMs: 15_000 }, (client) =>
    createDatabase(client, instance.database),
  );
}
