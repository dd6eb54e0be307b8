import type { Instance } from '../../core/instance.js';
import { majorOfVersionNum } from '../../core/pg-version.js';
import { withClient } from '../client.js';
import { quoteIdent } from '../identifiers.js';

/** What backups need to know about a server and its databases, read over one connection each. */
export interface ServerFacts {
  version: string;
  versionNum: number;
  major: number;
  walLevel: string;
}

export interface DatabaseFacts {
  name: string;
  owner: string;
  encoding: string;
  collate: string;
  ctype: string;
}

export interface TableCount {
  table: string;
  rows: number;
}

const ADMIN = { database: 'postgres', timeoutMs: 15_000 };

/** Tablespaces beside pg_default and pg_global: their files live outside the data directory. */
export async function extraTablespaces(instance: Instance): Promise<string[]> {
  return withClient(instance, ADMIN, async (c) =>
    (
      await c.query<{ spcname: string }>(
        "SELECT spcname FROM pg_catalog.pg_tablespace WHERE spcname NOT IN ('pg_default', 'pg_global') ORDER BY 1",
      )
    ).rows.map((r) => r.spcname),
  );
}

type Session = Parameters<Parameters<typeof withClient>[2]>[0];

async function readServerFacts(c: Session): Promise<ServerFacts> {
  const r = await c.query<{ v: string; n: string; w: string }>(
    "SELECT current_setting('server_version') AS v, current_setting('server_version_num') AS n, current_setting('wal_level') AS w",
  );
  const row = r.rows[0]!;
  const versionNum = Number(row.n);
  return { version: row.v.split(' ')[0]!, versionNum, major: majorOfVersionNum(versionNum), walLevel: row.w };
}

async function readDatabases(c: Session): Promise<DatabaseFacts[]> {
  const r = await c.query<DatabaseFacts>(
    `SELECT datname AS name, pg_get_userbyid(datdba) AS owner, pg_encoding_to_char(encoding) AS encoding,
            datcollate AS collate, datctype AS ctype
       FROM pg_database
      WHERE datallowconn AND NOT datistemplate
      ORDER BY datname`,
  );
  return r.rows;
}

export async function serverFacts(instance: Instance): Promise<ServerFacts> {
  return withClient(instance, ADMIN, readServerFacts);
}

/** Every database a backup covers: all that accept connections except the templates. */
export async function backupDatabases(instance: Instance): Promise<DatabaseFacts[]> {
  return withClient(instance, ADMIN, readDatabases);
}

/** serverFacts and backupDatabases over one connection: a backup's first look at its server. */
export async function serverAndDatabases(instance: Instance): Promise<{ facts: ServerFacts; dbs: DatabaseFacts[] }> {
  return withClient(instance, ADMIN, async (c) => ({ facts: await readServerFacts(c), dbs: await readDatabases(c) }));
}

/** Exact row counts of every ordinary table (partitions counted as themselves, parents not). */
export const COUNT_TABLES_SQL = `
  SELECT n.nspname AS schema, c.relname AS name
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
   ORDER BY 1, 2`;

type Queryable = { query<R>(text: string): Promise<{ rows: R[] }> };

export async function countRows(client: Queryable): Promise<TableCount[]> {
  const tables = (await client.query<{ schema: string; name: string }>(COUNT_TABLES_SQL)).rows;
  const out: TableCount[] = [];
  for (const t of tables) {
    const r = await client.query<{ n: string }>(
      `SELECT pg_catalog.count(*) AS n FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`,
    );
    out.push({ table: `${t.schema}.${t.name}`, rows: Number(r.rows[0]!.n) });
  }
  return out;
}

export async function tableCounts(instance: Instance, database: string): Promise<TableCount[]> {
  return withClient(instance, { database }, (c) => countRows(c as unknown as Queryable));
}

/**
 * Holds a REPEATABLE READ transaction open with an exported snapshot while fn runs, so
 * pg_dump --snapshot and the row counts recorded in the manifest see the same data.
 */
export async function withExportedSnapshot<T>(
  instance: Instance,
  database: string,
  fn: (snapshot: string, counts: TableCount[]) => Promise<T>,
): Promise<T> {
  return withClient(instance, { database }, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snapshot = (await c.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
      const counts = await countRows(c as unknown as Queryable);
      return await fn(snapshot, counts);
    } finally {
      await c.query('ROLLBACK').catch(() => {});
    }
  });
}

/**
 * withExportedSnapshot for a dump: the row counts run on the snapshot's own session while fn
 * (pg_dump --snapshot) runs, instead of before it. Both read the same snapshot, so they
 * still agree exactly; the transaction ends once both are done.
 */
export async function dumpInSnapshot<T>(
  instance: Instance,
  database: string,
  fn: (snapshot: string) => Promise<T>,
): Promise<{ value: T; counts: TableCount[] }> {
  return withClient(instance, { database }, async (c) => {
    await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    try {
      const snapshot = (await c.query<{ s: string }>('SELECT pg_export_snapshot() AS s')).rows[0]!.s;
      const counting = countRows(c as unknown as Queryable);
      counting.catch(() => {}); // awaited below; fn's failure may come first
      const value = await fn(snapshot);
      return { value, counts: await counting };
    } finally {
      await c.query('ROLLBACK').catch(() => {});
    }
  });
}
