import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { failPoint, faultPoint } from '../../core/fault-point.js';
import type { Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import {
  backupDatabases,
  type ServerFacts,
  serverFacts,
  type TableCount,
  tableCounts,
} from '../../postgres/backup/catalog.js';
import { compareTableCounts, describeMismatches } from './upgrade-check.js';
import { waitReady } from './ready.js';
import { type CopiedDatabase, copyAll } from './upgrade-copy.js';

/** Both hooks at one step: a kill there (faultPoint) and an ordinary failure (failPoint). */
export function upgradeFault(point: string): void {
  faultPoint(`upgrade:${point}`);
  failPoint(`upgrade:${point}`);
}

async function countsOf(instance: Instance, dbs: Array<{ name: string }>): Promise<Map<string, TableCount[]>> {
  const out = new Map<string, TableCount[]>();
  for (const db of dbs) out.set(db.name, await tableCounts(instance, db.name));
  return out;
}

export interface BuiltTarget {
  databases: CopiedDatabase[];
  tables: number;
}

/**
 * Makes the new major's server and fills it: roles, then every database, dumped by the new
 * major's pg_dump from the old server within one snapshot per database and restored with its
 * pg_restore. Then each table's exact row count must match the snapshot's, and the old
 * server must still hold those counts (rows written meanwhile would be lost: refused).
 */
export async function buildTarget(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  target: Instance,
  facts: ServerFacts,
  timeoutSec: number,
  signal: AbortSignal,
): Promise<BuiltTarget> {
  ctx.talk.info(
    `creating a PostgreSQL ${target.version} server beside instance ${instance.name} (port ${target.port})`,
  );
  await engine.prepare(target, ctx.talk.progress);
  await engine.create(target, ctx.talk.progress);
  await waitReady(ctx, engine, target, timeoutSec);
  // Binaries named by RESOURCE_POSTGRES_PG_BIN (or an image of another major) would make a server of the wrong major.
  const made = (await serverFacts(target)).major;
  if (made !== Number(target.version))
    throw new CliError('engine', `the new server runs PostgreSQL ${made}, not ${target.version}`, {
      hint:
        engine.name === 'docker'
          ? `name an image of PostgreSQL ${target.version} with --image`
          : `unset RESOURCE_POSTGRES_PG_BIN, which names server binaries of another major`,
    });
  upgradeFault('target-ready');
  const dbs = await backupDatabases(instance);
  const peerEnv = await engine.peerEnv!(instance, target);
  ctx.talk.info(`copying roles and ${dbs.length} database(s) with the PostgreSQL ${target.version} client programs`);
  const copied = await copyAll(ctx, engine, peerEnv, instance, target, facts, dbs, signal);
  upgradeFault('restored');
  const tables = copied.reduce((n, d) => n + d.tables.length, 0);
  ctx.talk.progress(`comparing the row counts of ${tables} table(s)`);
  const [onTarget, onOld] = await Promise.all([countsOf(target, copied), countsOf(instance, copied)]);
  const wrong = compareTableCounts(copied, onTarget);
  if (wrong.length)
    throw new CliError('failed', `the new server's row counts differ from the old one's: ${describeMismatches(wrong)}`);
  const moved = compareTableCounts(copied, onOld);
  if (moved.length)
    throw new CliError(
      'failed',
      `rows changed on the old server while it was copied (${describeMismatches(moved)}); they would be lost`,
      { hint: 'stop the applications writing to it, then run the upgrade again' },
    );
  return { databases: copied, tables };
}
