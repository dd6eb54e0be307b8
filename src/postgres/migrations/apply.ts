import { createReadStream } from 'node:fs';
import type { Client } from 'pg';
import { runScript } from '../sql/execute.js';
import { MigrationScan } from './files.js';
import type { AppliedMigration, ScannedMigration } from './plan.js';
import type { Session } from '../session.js';
import { fileSource } from '../sql/stream.js';

/** The tracking table, in public so every session finds it whatever its search_path. */
export const MIGRATIONS_TABLE = 'public.resource_postgres_migrations';

/** Advisory lock key (two int4s): "RPMG" and 1. Advisory locks are per database. */
const LOCK_KEY = [0x52504d47, 1] as const;

/** Checksum and transaction marker of a file, read as a stream. */
export async function scanFile(path: string): Promise<{ checksum: string; no_transaction: boolean }> {
  const scan = new MigrationScan();
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 }))
    scan.update(chunk as string);
  return scan.result();
}

export async function readApplied(client: Client): Promise<AppliedMigration[]> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [MIGRATIONS_TABLE]);
  if (!exists.rows[0]?.t) return [];
  const res = await client.query<{
    version: string;
    name: string;
    checksum: string;
    applied_at: Date;
    duration_ms: number;
  }>(`SELECT version, name, checksum, applied_at, duration_ms FROM ${MIGRATIONS_TABLE} ORDER BY version`);
  return res.rows.map((r) => ({
    version: Number(r.version),
    name: r.name,
    checksum: r.checksum,
    applied_at: new Date(r.applied_at).toISOString(),
    duration_ms: r.duration_ms,
  }));
}

/** Called under the migration lock, so checking first is race-free (and spares an "already exists" notice). */
export async function ensureTable(client: Client): Promise<void> {
  const exists = await client.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [MIGRATIONS_TABLE]);
  if (exists.rows[0]?.t) return;
  await client.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (
    version bigint PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    duration_ms integer NOT NULL
  )`);
}

/** How often a waiting run asks for the lock again. */
const LOCK_POLL_MS = 200;

/**
 * Holds the database's migration lock for fn. A second run waits here (and says so) until
 * the first finishes, then finds the migrations applied: concurrent runs apply each once.
 * Session-level, so a crashed holder releases it by disconnecting.
 *
 * Waiters poll pg_try_advisory_lock rather than block in pg_advisory_lock: a statement
 * blocked on the lock holds a snapshot, and CREATE INDEX CONCURRENTLY in the holder's
 * migration waits for every older snapshot to go, so holder and waiter would deadlock.
 */
export async function withMigrationLock<T>(session: Session, onWait: () => void, fn: () => Promise<T>): Promise<T> {
  const client = session.client;
  for (let waited = false; ; waited = true) {
    const got = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [...LOCK_KEY]);
    if (got.rows[0]?.ok) break;
    if (!waited) onWait();
    session.checkInterrupted();
    await new Promise((r) => setTimeout(r, LOCK_POLL_MS + Math.random() * LOCK_POLL_MS));
  }
  try {
    return await fn();
  } finally {
    await client.query('SELECT pg_advisory_unlock($1, $2)', [...LOCK_KEY]).catch(() => {});
  }
}

/**
 * Applies one migration and records it. In a transaction (the default) the file and its
 * record commit together or not at all; with the no-transaction marker each statement
 * commits on its own and the record is written only when all of them succeeded.
 */
export async function applyMigration(
  session: Session,
  m: ScannedMigration,
  path: string,
): Promise<{ durationMs: number; statements: number }> {
  const client = session.client;
  const started = performance.now();
  if (!m.no_transaction) await client.query('BEGIN');
  try {
    const run = runScript(session, await fileSource(path), { allowConnect: false, results: 'none' });
    let step = await run.next();
    while (!step.done) step = await run.next(); // results of a migration are not shown
    const durationMs = Math.round(performance.now() - started);
    await client.query(
      `INSERT INTO ${MIGRATIONS_TABLE} (version, name, checksum, duration_ms) VALUES ($1, $2, $3, $4)`,
      [m.version, m.name, m.checksum, durationMs],
    );
    if (!m.no_transaction) await client.query('COMMIT');
    return { durationMs, statements: step.value };
  } catch (e) {
    if (!m.no_transaction) await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
