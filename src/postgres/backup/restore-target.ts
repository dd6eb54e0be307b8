import { faultPoint } from '../../core/fault-point.js';
import type { Instance } from '../../core/instance.js';
import type { DatabaseFacts } from './catalog.js';
import type { Client } from 'pg';
import { withClient } from '../client.js';
import { databaseExists, dropDatabase } from '../databases.js';
import { quoteIdent, quoteLiteral } from '../identifiers.js';

/**
 * A database is restored into a staging database first and swapped in only when pg_restore
 * succeeded: a failed restore leaves the original untouched, and sessions on the original
 * are ended only at the swap (the caller reports how many).
 */
const adminDb = (target: string) => (target === 'postgres' ? 'template1' : 'postgres');

/** Creates the staging database; false when its owner did not exist (yet), so the admin owns it. */
export async function createStaging(instance: Instance, facts: DatabaseFacts, staging: string): Promise<boolean> {
  return withClient(instance, { database: adminDb(facts.name), timeoutMs: 60_000 }, async (c) => {
    const owned = Boolean((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [facts.owner])).rowCount);
    const owner = owned ? ` OWNER ${quoteIdent(facts.owner)}` : '';
    const base = `CREATE DATABASE ${quoteIdent(staging)}${owner} TEMPLATE template0 ENCODING ${quoteLiteral(facts.encoding)}`;
    try {
      await c.query(`${base} LC_COLLATE ${quoteLiteral(facts.collate)} LC_CTYPE ${quoteLiteral(facts.ctype)}`);
    } catch {
      // A clone on another machine or image may lack the source's locale: the server default then.
      await c.query(base);
    }
    return owned;
  });
}

/** A staging database created before its owner existed goes to the owner once it does (roles restored meanwhile). */
export async function ownStaging(instance: Instance, staging: string, owner: string): Promise<void> {
  await withClient(instance, { database: 'postgres', timeoutMs: 60_000 }, async (c) => {
    if ((await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [owner])).rowCount)
      await c.query(`ALTER DATABASE ${quoteIdent(staging)} OWNER TO ${quoteIdent(owner)}`);
  });
}

export async function dropIfExists(instance: Instance, name: string): Promise<void> {
  await withClient(instance, { database: adminDb(name), timeoutMs: 60_000 }, async (c) => {
    if (await databaseExists(c, name)) await dropDatabase(c, name);
  });
}

/** Names of the databases a restore makes: staging (being filled) and replaced (stepped aside). */
export const STAGING_PREFIX = 'rp_restore_';
const REPLACED_PREFIX = 'rp_replaced_';
const LEFTOVER_RE = /^rp_(restore|replaced)_[0-9a-f]{10}$/;
/** object_in_use: sessions came back between ending them and the rename. */
const IN_USE = '55006';

/**
 * Swaps the staging database in under `name`. The old database steps aside and the new one
 * takes its name in one transaction (ALTER DATABASE ... RENAME is transactional), so a kill
 * at any point leaves either the old database or the new one under the name, never neither;
 * the old one is dropped only after the swap committed.
 */
export async function swapIn(
  instance: Instance,
  staging: string,
  name: string,
): Promise<{ terminated: number; replaced: boolean }> {
  return withClient(instance, { database: adminDb(name), timeoutMs: 60_000 }, (c) => swapInWith(c, staging, name));
}

/** swapAside on a connection of its own. */
export async function swapInKeepingAside(
  instance: Instance,
  staging: string,
  name: string,
): Promise<{ terminated: number; replaced: boolean; aside?: string }> {
  return withClient(instance, { database: adminDb(name), timeoutMs: 60_000 }, (c) => swapAside(c, staging, name));
}

/** swapIn on a connection the caller holds (to a database other than `name`): one connection less. */
export async function swapInWith(
  c: Client,
  staging: string,
  name: string,
): Promise<{ terminated: number; replaced: boolean }> {
  const { aside, ...swap } = await swapAside(c, staging, name);
  if (aside) await dropDatabase(c, aside);
  return swap;
}

/**
 * The swap without the drop: the database it replaced is left under `aside` for the caller to
 * drop. DROP DATABASE forces an immediate checkpoint; several restored databases dropped at
 * once from separate sessions share it instead of each waiting for its own. A kill before
 * the drop leaves a rp_replaced_ database that the next restore drops (dropLeftovers).
 */
export async function swapAside(
  c: Client,
  staging: string,
  name: string,
): Promise<{ terminated: number; replaced: boolean; aside?: string }> {
  if (!(await databaseExists(c, name))) {
    await c.query(`ALTER DATABASE ${quoteIdent(staging)} RENAME TO ${quoteIdent(name)}`);
    return { terminated: 0, replaced: false };
  }
  const aside = `${REPLACED_PREFIX}${staging.slice(STAGING_PREFIX.length)}`;
  let terminated = 0;
  for (let attempt = 1; ; attempt++) {
    terminated += await endSessions(c, name);
    try {
      await c.query('BEGIN');
      await c.query(`ALTER DATABASE ${quoteIdent(name)} RENAME TO ${quoteIdent(aside)}`);
      await c.query(`ALTER DATABASE ${quoteIdent(staging)} RENAME TO ${quoteIdent(name)}`);
      faultPoint('restore:swap-uncommitted');
      await c.query('COMMIT');
      break;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => {});
      if ((e as { code?: string }).code !== IN_USE || attempt >= 5) throw e;
    }
  }
  faultPoint('restore:swapped');
  return { terminated, replaced: true, aside };
}

async function endSessions(c: Client, name: string): Promise<number> {
  const r = await c.query<{ n: number }>(
    'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
    [name],
  );
  return r.rows[0]?.n ?? 0;
}

/**
 * Staging and stepped-aside databases an earlier restore left when it was killed. Restores
 * hold the instance's lock, so none is in use by a running one: they are safe to drop.
 */
export async function dropLeftovers(instance: Instance): Promise<string[]> {
  return withClient(instance, { database: 'postgres', timeoutMs: 60_000 }, async (c) => {
    const rows = (await c.query<{ datname: string }>('SELECT datname FROM pg_database')).rows;
    const left = rows.map((r) => r.datname).filter((n) => LEFTOVER_RE.test(n));
    for (const name of left) await dropDatabase(c, name);
    return left;
  });
}

/** Client sessions other than ours, for the message before a whole-server restore stops it. */
export async function countSessions(instance: Instance): Promise<number> {
  return withClient(instance, { database: 'postgres', timeoutMs: 10_000 }, async (c) => {
    const r = await c.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()",
    );
    return r.rows[0]?.n ?? 0;
  });
}

/**
 * Once pg_restore has loaded the rows of `database` (its first index build shows in
 * pg_stat_progress_create_index), an immediate checkpoint writes them out while the indexes
 * are built, instead of inside the DROP DATABASE at the swap, which forces one. Polls every
 * 50 ms until then or until `until` settles. Any failure (a role without the right to
 * CHECKPOINT) only costs the overlap.
 */
export async function checkpointWhenIndexing(instance: Instance, database: string, until: Promise<unknown>) {
  let over = false;
  void until.finally(() => (over = true)).catch(() => {});
  await withClient(instance, { database: 'postgres', timeoutMs: 60_000 }, async (c) => {
    while (!over) {
      const r = await c.query('SELECT 1 FROM pg_stat_progress_create_index WHERE datname = $1', [database]);
      if (r.rowCount) return void (await c.query('CHECKPOINT'));
      await new Promise((done) => setTimeout(done, 50));
    }
  }).catch(() => {});
}
