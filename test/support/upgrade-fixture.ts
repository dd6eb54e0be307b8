import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { runCli } from './cli.js';

/**
 * What the upgrade suites put into an instance before upgrading it and check after: several
 * tables, a sequence, a second database, an extension, and a role of its own with a password,
 * so "data, roles and extensions intact" is asserted the same way on both engines.
 */
export const EXTRA_ROLE = { user: 'reporter', password: 'rep-Pw_123' };

interface Conn {
  port: number;
  user: string;
  password: string;
  database: string;
}

export async function connOf(home: string, name: string, admin = false): Promise<Conn> {
  const args = ['credentials', '--instance', name, '--json', '--show-secrets', ...(admin ? ['--admin'] : [])];
  const r = await runCli(args, { home });
  const c = JSON.parse(r.stdout).connections[0];
  return { port: c.connection.port, user: c.auth.username, password: c.auth.password, database: c.connection.database };
}

export async function query(
  conn: Conn,
  text: string,
  database = conn.database,
): Promise<Array<Record<string, unknown>>> {
  const client = new pg.Client({ host: '127.0.0.1', ...conn, database });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

/** Seeds the instance (app role for data, admin for the role and the second database). */
export async function seed(home: string, name: string): Promise<void> {
  const app = await connOf(home, name);
  const admin = await connOf(home, name, true);
  await query(
    app,
    `CREATE EXTENSION pg_trgm;
     CREATE TABLE customers (id serial PRIMARY KEY, name text NOT NULL);
     INSERT INTO customers (name) SELECT 'customer ' || g FROM generate_series(1, 500) g;
     CREATE TABLE orders (id bigserial PRIMARY KEY, customer int REFERENCES customers, total numeric);
     INSERT INTO orders (customer, total) SELECT 1 + g % 500, g * 1.5 FROM generate_series(1, 2000) g;
     CREATE INDEX customers_trgm ON customers USING gin (name gin_trgm_ops);
     CREATE SEQUENCE invoice_no START 1000;
     SELECT nextval('invoice_no') FROM generate_series(1, 5);
     CREATE SCHEMA audit; CREATE TABLE audit.events (at timestamptz DEFAULT now(), what text);
     INSERT INTO audit.events (what) VALUES ('a'), ('b'), ('c');`,
  );
  await query(admin, `CREATE ROLE ${EXTRA_ROLE.user} LOGIN PASSWORD '${EXTRA_ROLE.password}'`, 'postgres');
  await query(admin, `GRANT SELECT ON customers TO ${EXTRA_ROLE.user}`, app.database);
  await query(admin, 'CREATE DATABASE second', 'postgres');
  await query(
    admin,
    "CREATE TABLE kv (k text PRIMARY KEY, v text); INSERT INTO kv VALUES ('a', '1'), ('b', '2')",
    'second',
  );
}

/** What the seeded data looks like from outside: the same before and after an upgrade. */
export async function fingerprint(home: string, name: string): Promise<Record<string, unknown>> {
  const app = await connOf(home, name);
  const admin = await connOf(home, name, true);
  const [counts] = await query(
    app,
    `SELECT (SELECT count(*) FROM customers)::int AS customers, (SELECT count(*) FROM orders)::int AS orders,
            (SELECT sum(total)::text FROM orders) AS total, (SELECT count(*) FROM audit.events)::int AS events,
            (SELECT last_value FROM invoice_no)::int AS invoice_last,
            (SELECT count(*) FROM customers WHERE name % 'customer 42')::int > 0 AS trgm_works`,
  );
  const ext = await query(app, "SELECT extname FROM pg_extension WHERE extname = 'pg_trgm'");
  const kv = await query(admin, 'SELECT k, v FROM kv ORDER BY k', 'second');
  const reporter = { ...app, user: EXTRA_ROLE.user, password: EXTRA_ROLE.password };
  const [seen] = await query(reporter, 'SELECT count(*)::int AS n FROM customers');
  return { ...counts, extensions: ext.map((e) => e.extname), kv, reporter_sees: seen!.n, port: app.port };
}

export async function serverMajor(home: string, name: string): Promise<number> {
  const [row] = await query(await connOf(home, name), "SELECT current_setting('server_version_num')::int / 10000 AS m");
  return row!.m as number;
}

export async function recordedVersion(home: string, name: string): Promise<string | undefined> {
  const conf = await readFile(join(home, name, 'config', 'instance.conf'), 'utf8');
  return /^version="([^"]*)"/m.exec(conf)?.[1];
}

export function expectRolledBack(r: { code: number; stderr: string }): void {
  expect(r.code, r.stderr).toBe(1);
  expect(r.stderr).toMatch(/rolled back: PostgreSQL \d+, same port, credentials and data/);
}
