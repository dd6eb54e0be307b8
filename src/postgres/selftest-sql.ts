import type { Client } from 'pg';
import type { Instance } from '../core/instance.js';
import { withClient } from './client.js';
import { copyIn, copyOut } from './sql/copy.js';
import { quoteIdent } from './identifiers.js';

/**
 * SQL the self-tests run. Everything happens inside one schema with a unique name, which
 * the caller drops in a finally: nothing is left behind even when a check fails midway.
 */
export const qualified = (schema: string, table: string) => `${quoteIdent(schema)}.${quoteIdent(table)}`;

export function onDb<T>(instance: Instance, fn: (c: Client) => Promise<T>, timeoutMs = 30_000): Promise<T> {
  return withClient(instance, { timeoutMs }, fn);
}

export async function createSchema(instance: Instance, schema: string): Promise<void> {
  await onDb(instance, (c) => c.query(`CREATE SCHEMA ${quoteIdent(schema)}`));
}

export async function dropSchema(instance: Instance, schema: string): Promise<void> {
  await onDb(instance, (c) => c.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`));
}

export async function schemaExists(instance: Instance, schema: string): Promise<boolean> {
  return onDb(
    instance,
    async (c) => (await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount === 1,
  );
}

/** create, insert two rows, count them, drop: returns the count seen. */
export async function tableLifecycle(instance: Instance, schema: string): Promise<number> {
  const t = qualified(schema, 'lifecycle');
  return onDb(instance, async (c) => {
    await c.query(`CREATE TABLE ${t} (id int PRIMARY KEY, label text NOT NULL)`);
    await c.query(`INSERT INTO ${t} VALUES (1, 'one'), (2, 'two')`);
    const n = Number((await c.query<{ n: string }>(`SELECT count(*) AS n FROM ${t}`)).rows[0]!.n);
    await c.query(`DROP TABLE ${t}`);
    return n;
  });
}

/** A table with awkward values (tabs, newlines, backslashes, NULL, json, time zones) to round-trip. */
export async function createSample(instance: Instance, schema: string): Promise<void> {
  const t = qualified(schema, 'roundtrip');
  await onDb(instance, async (c) => {
    await c.query(
      `CREATE TABLE ${t} (id int PRIMARY KEY, name text, note text DEFAULT 'none', doc jsonb, at timestamptz NOT NULL DEFAULT now())`,
    );
    await c.query(`INSERT INTO ${t} (id, name, note, doc, at) VALUES
      (1, 'plain', 'a', '{"k": [1, 2]}', '2024-01-01T00:00:00Z'),
      (2, E'tab\\there', E'new\\nline', NULL, '2024-06-30T12:34:56.789+02'),
      (3, E'back\\\\slash', NULL, '"s"', '1999-12-31T23:59:59Z')`);
    await c.query(`INSERT INTO ${t} (id, name) SELECT g, md5(g::text) FROM generate_series(4, 500) g`);
  });
}

/** Row count and a digest of every row's text form, in key order. */
export async function fingerprint(instance: Instance, schema: string, table = 'roundtrip'): Promise<string> {
  return onDb(instance, async (c) => {
    const r = await c.query<{ n: number; h: string }>(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY id), '')) AS h FROM ${qualified(schema, table)} t`,
    );
    return `${r.rows[0]!.n} rows, md5 ${r.rows[0]!.h}`;
  });
}

export async function dropTable(instance: Instance, schema: string, table = 'roundtrip'): Promise<void> {
  await onDb(instance, (c) => c.query(`DROP TABLE ${qualified(schema, table)}`));
}

/**
 * The SQL-level dump for servers with no suitable pg_dump: the definition from the catalog
 * (columns, types, defaults, NOT NULL, constraints) and the data through COPY, held in memory.
 */
export async function dumpTableSql(
  instance: Instance,
  schema: string,
  table = 'roundtrip',
): Promise<{ ddl: string; data: string }> {
  return onDb(instance, async (c) => {
    const rel = qualified(schema, table);
    const cols = await c.query<{ name: string; type: string; notnull: boolean; def: string | null }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, pg_get_expr(d.adbin, d.adrelid) AS def
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [rel],
    );
    const cons = await c.query<{ def: string }>(
      "SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p', 'u', 'c') ORDER BY conname",
      [rel],
    );
    const lines = cols.rows.map(
      (col) =>
        `${quoteIdent(col.name)} ${col.type}${col.def ? ` DEFAULT ${col.def}` : ''}${col.notnull ? ' NOT NULL' : ''}`,
    );
    const ddl = `CREATE TABLE ${rel} (${[...lines, ...cons.rows.map((k) => k.def)].join(', ')})`;
    let data = '';
    for await (const chunk of copyOut(c, `COPY ${rel} TO STDOUT`, () => {})) data += chunk;
    return { ddl, data };
  });
}

export async function restoreTableSql(
  instance: Instance,
  dump: { ddl: string; data: string },
  schema: string,
  table = 'roundtrip',
): Promise<void> {
  await onDb(instance, async (c) => {
    await c.query(dump.ddl);
    await copyIn(
      c,
      `COPY ${qualified(schema, table)} FROM STDIN`,
      (async function* () {
        yield dump.data;
      })(),
    );
  });
}

/** n sessions each running pg_sleep(seconds) at once; resolves with the wall time. */
export async function concurrentSleeps(instance: Instance, n: number, seconds: number): Promise<number> {
  const started = Date.now();
  await Promise.all(
    Array.from({ length: n }, () =>
      onDb(instance, (c) => c.query('SELECT pg_sleep($1)', [seconds]), (seconds + 20) * 1000),
    ),
  );
  return Date.now() - started;
}
