import type { Instance } from '../../core/instance.js';
import type { DatabaseFacts } from './catalog.js';
import { withClient } from '../client.js';
import { databaseExists, dropDatabase } from '../databases.js';
import { quoteIdent, quoteLiteral } from '../identifiers.js';

/**
 * A database is restored into a staging database first and swapped in only when pg_restore
 * succeeded: a failed restore leaves the original untouched, and sessions on the original
 * are ended only at the swap (the caller reports how many).
 */
const adminDb = (target: string) => (target === 'postgres' ? 'template1' : 'postgres');

export async function createStaging(instance: Instance, facts: DatabaseFacts, staging: string): Promise<void> {
  await withClient(instance, { database: adminDb(facts.name), timeoutMs: 60_000 }, async (c) => {
    const owner = (await c.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [facts.owner])).rowCount
      ? ` OWNER ${quoteIdent(facts.owner)}`
      : '';
    const base = `CREATE DATABASE ${quoteIdent(staging)}${owner} TEMPLATE template0 ENCODING ${quoteLiteral(facts.encoding)}`;
    try {
      await c.query(`${base} LC_COLLATE ${quoteLiteral(facts.collate)} LC_CTYPE ${quoteLiteral(facts.ctype)}`);
    } catch {
      // A clone on another machine or image may lack the source's locale: the server default then.
      await c.query(base);
    }
  });
}

export async function dropIfExists(instance: Instance, name: string): Promise<void> {
  await withClient(instance, { database: adminDb(name), timeoutMs: 60_000 }, async (c) => {
    if (await databaseExists(c, name)) await dropDatabase(c, name);
  });
}

/** Ends the sessions on `name`, drops it and renames the staging database to it. */
export async function swapIn(
  instance: Instance,
  staging: string,
  name: string,
): Promise<{ terminated: number; replaced: boolean }> {
  return withClient(instance, { database: adminDb(name), timeoutMs: 60_000 }, async (c) => {
    let terminated = 0;
    const replaced = await databaseExists(c, name);
    if (replaced) terminated = (await dropDatabase(c, name)).terminated;
    await c.query(`ALTER DATABASE ${quoteIdent(staging)} RENAME TO ${quoteIdent(name)}`);
    return { terminated, replaced };
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
