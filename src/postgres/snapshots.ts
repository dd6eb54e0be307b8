import type { Client } from 'pg';
import { quoteIdent, quoteLiteral } from './identifiers.js';
import { parseSnapshotMark, type SnapshotMark, snapshotNameOf, SNAPSHOT_PREFIX } from './snapshot-names.js';

/**
 * Catalog work behind snapshots and branches: a database copied with CREATE DATABASE ...
 * TEMPLATE. The caller is connected to the maintenance database as the program's superuser,
 * which may use any database as a template; names are validated before they get here.
 */

/** object_in_use: CREATE DATABASE ... TEMPLATE refuses a source with other sessions. */
export const IN_USE = '55006';

export async function serverVersionNum(client: Client): Promise<number> {
  const r = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Number(r.rows[0]?.v ?? 0);
}

/** Facts about a database, or undefined when there is none of that name. */
export async function databaseFacts(
  client: Client,
  name: string,
): Promise<{ owner: string; size_bytes: number; comment: string | null } | undefined> {
  const r = await client.query<{ owner: string; size: string; comment: string | null }>(
    `SELECT pg_get_userbyid(datdba) AS owner, pg_database_size(oid) AS size,
            shobj_description(oid, 'pg_database') AS comment
       FROM pg_database WHERE datname = $1`,
    [name],
  );
  const row = r.rows[0];
  return row ? { owner: row.owner, size_bytes: Number(row.size), comment: row.comment } : undefined;
}

/** Sessions other than ours connected to `name`. */
export async function sessionsOn(client: Client, name: string): Promise<number> {
  const r = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  return r.rows[0]?.n ?? 0;
}

export async function endSessionsOn(client: Client, name: string): Promise<number> {
  const r = await client.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  return r.rows[0]?.n ?? 0;
}

/**
 * CREATE DATABASE target TEMPLATE source. FILE_COPY (15+, the only way before) copies the
 * files after one checkpoint, faster than WAL_LOG (15's default) for anything but tiny databases.
 */
export async function copyDatabase(
  client: Client,
  opts: { target: string; source: string; owner?: string },
): Promise<void> {
  const strategy = (await serverVersionNum(client)) >= 150000 ? ' STRATEGY FILE_COPY' : '';
  const owner = opts.owner ? ` OWNER ${quoteIdent(opts.owner)}` : '';
  await client.query(
    `CREATE DATABASE ${quoteIdent(opts.target)} TEMPLATE ${quoteIdent(opts.source)}${owner}${strategy}`,
  );
}

/** Marks a copy as a snapshot: nobody connects to it (so it stays a consistent template) and its COMMENT says what it is. */
export async function markSnapshot(client: Client, database: string, mark: SnapshotMark): Promise<void> {
  await client.query(`ALTER DATABASE ${quoteIdent(database)} WITH ALLOW_CONNECTIONS false`);
  await client.query(`COMMENT ON DATABASE ${quoteIdent(database)} IS ${quoteLiteral(JSON.stringify(mark))}`);
}

export interface SnapshotRow extends SnapshotMark {
  name: string;
  size_bytes: number;
}

/** Every snapshot of the instance (databases named rp_snap_* whose COMMENT is our mark). */
export async function listSnapshots(client: Client): Promise<SnapshotRow[]> {
  const r = await client.query<{ datname: string; size: string; comment: string | null }>(
    `SELECT datname, pg_database_size(oid) AS size, shobj_description(oid, 'pg_database') AS comment
       FROM pg_database WHERE left(datname::text, length($1)) = $1 ORDER BY datname`,
    [SNAPSHOT_PREFIX],
  );
  const rows: SnapshotRow[] = [];
  for (const row of r.rows) {
    const name = snapshotNameOf(row.datname);
    const mark = parseSnapshotMark(row.comment);
    if (name && mark) rows.push({ name, ...mark, size_bytes: Number(row.size) });
  }
  return rows;
}

export async function dropSnapshotDatabase(client: Client, database: string): Promise<void> {
  // Nobody can be connected (ALLOW_CONNECTIONS false), so no FORCE is needed.
  await client.query(`DROP DATABASE ${quoteIdent(database)}`);
}

/** Only superusers (and the owner) may connect: a non-superuser app cannot change the database meanwhile. */
export async function closeToOthers(client: Client, database: string): Promise<void> {
  await client.query(`REVOKE CONNECT, TEMPORARY ON DATABASE ${quoteIdent(database)} FROM PUBLIC`);
}

export async function roleExists(client: Client, role: string): Promise<boolean> {
  return ((await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount ?? 0) > 0;
}

export async function renameDatabaseSql(client: Client, from: string, to: string): Promise<void> {
  await client.query(`ALTER DATABASE ${quoteIdent(from)} RENAME TO ${quoteIdent(to)}`);
}

/**
 * CREATE DATABASE does not copy the database's own privileges (GRANT ... ON DATABASE live in
 * pg_database, not in its data): a copy that replaces or branches `from` gets them re-granted
 * here, so an application role that could connect to the original can connect to the copy.
 * A default ACL (NULL) needs nothing.
 */
const DATABASE_PRIVILEGES = ['CREATE', 'TEMPORARY', 'CONNECT'];

export async function copyDatabaseGrants(client: Client, from: string, to: string): Promise<number> {
  const r = await client.query<{ grantee: string | null; privilege: string; grantable: boolean }>(
    `SELECT CASE WHEN a.grantee = 0 THEN NULL ELSE pg_get_userbyid(a.grantee) END AS grantee,
            a.privilege_type AS privilege, a.is_grantable AS grantable
       FROM pg_database d, aclexplode(d.datacl) a
      WHERE d.datname = $1 AND d.datacl IS NOT NULL AND a.grantee <> d.datdba`,
    [from],
  );
  const acl = await client.query('SELECT 1 FROM pg_database WHERE datname = $1 AND datacl IS NOT NULL', [from]);
  if (!acl.rowCount) return 0;
  // An explicit ACL replaces the defaults (PUBLIC's CONNECT and TEMP): start from none, as the original did.
  await client.query(`REVOKE ALL ON DATABASE ${quoteIdent(to)} FROM PUBLIC`);
  for (const g of r.rows) {
    if (!DATABASE_PRIVILEGES.includes(g.privilege)) continue;
    const who = g.grantee === null ? 'PUBLIC' : quoteIdent(g.grantee);
    await client.query(
      `GRANT ${g.privilege} ON DATABASE ${quoteIdent(to)} TO ${who}${g.grantable ? ' WITH GRANT OPTION' : ''}`,
    );
  }
  return r.rows.length;
}
