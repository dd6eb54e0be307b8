import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { failPoint, faultPoint } from '../../core/fault-point.js';
import { type Instance, instancePaths } from '../../core/instance.js';
import type { ClientRunner, Engine } from '../../engines/engine.js';
import { backupDatabases, type ServerFacts, type TableCount, tableCounts } from '../../postgres/backup/catalog.js';
import { dumpLogical } from '../backup/logical-dump.js';
import { restoreLogical } from '../backup/logical-restore.js';
import type { ManifestDatabase } from '../backup/manifest.js';
import type { StoredBackup } from '../backup/store.js';
import { compareTableCounts, describeMismatches } from './upgrade-check.js';
import { waitReady } from './lifecycle.js';

/** Both hooks at one step: a kill there (faultPoint) and an ordinary failure (failPoint). */
export function upgradeFault(point: string): void {
  faultPoint(`upgrade:${point}`);
  failPoint(`upgrade:${point}`);
}

/** Where the dump waits between pg_dump and pg_restore: root's, 0700, in the instance's directory. */
export const upgradeWorkDir = (home: string, name: string, major: number) =>
  join(instancePaths(home, name).root, `upgrade-pg${major}-work`);

/**
 * The new major's client programs (runClient of the target: its container, or host programs
 * of that major), pointed at the old server. pg_dump must be at least as new as the server it
 * restores into, so the dump is taken with them, not with the old server's own.
 */
function clientsOfTarget(engine: Engine, target: Instance, peerEnv: Record<string, string>): ClientRunner {
  return {
    name: engine.name,
    clientTools: (_old, major) => engine.clientTools!(target, major),
    runClient: (_old, program, args, io) =>
      engine.runClient!(target, program, args, { ...io, env: { ...peerEnv, ...io.env } }),
  };
}

/** The dump as the backup code's restore reads it (never written to disk as a backup). */
function asBackup(instance: Instance, facts: ServerFacts, dir: string, part: Awaited<ReturnType<typeof dumpLogical>>) {
  const now = new Date().toISOString();
  const backup: StoredBackup = {
    name: `upgrade-of-${instance.name}`,
    instance: instance.name,
    dir,
    manifest: {
      format: 1,
      name: `upgrade-of-${instance.name}`,
      instance: instance.name,
      engine: instance.engine,
      image: instance.image,
      template: instance.template,
      user: instance.user,
      database: instance.database,
      server_version: facts.version,
      server_major: facts.major,
      method: 'logical',
      scope: 'all-databases',
      databases: part.databases,
      globals: part.globals,
      tool: part.tool,
      files: part.files,
      total_bytes: part.files.reduce((n, f) => n + f.bytes, 0),
      started_at: now,
      finished_at: now,
      status: 'complete',
    },
  };
  return backup;
}

async function countsOf(instance: Instance, dbs: ManifestDatabase[]): Promise<Map<string, TableCount[]>> {
  const out = new Map<string, TableCount[]>();
  for (const db of dbs) out.set(db.name, await tableCounts(instance, db.name));
  return out;
}

export interface BuiltTarget {
  databases: ManifestDatabase[];
  tables: number;
  bytes: number;
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
  upgradeFault('target-ready');
  const work = upgradeWorkDir(ctx.home.dir, instance.name, Number(target.version));
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { mode: 0o700 });
  try {
    const dbs = await backupDatabases(instance);
    const clients = clientsOfTarget(engine, target, await engine.peerEnv!(instance, target));
    ctx.talk.info(`copying roles and ${dbs.length} database(s) with the PostgreSQL ${target.version} client programs`);
    const part = await dumpLogical(ctx, clients, instance, facts, dbs, work, signal);
    upgradeFault('dumped');
    await restoreLogical(ctx, engine, target, asBackup(instance, facts, work, part), part.databases, signal);
    upgradeFault('restored');
    const tables = part.databases.reduce((n, d) => n + d.tables.length, 0);
    ctx.talk.progress(`comparing the row counts of ${tables} table(s)`);
    const wrong = compareTableCounts(part.databases, await countsOf(target, part.databases));
    if (wrong.length)
      throw new CliError(
        'failed',
        `the new server's row counts differ from the old one's: ${describeMismatches(wrong)}`,
      );
    const moved = compareTableCounts(part.databases, await countsOf(instance, part.databases));
    if (moved.length)
      throw new CliError(
        'failed',
        `rows changed on the old server while it was copied (${describeMismatches(moved)}); they would be lost`,
        { hint: 'stop the applications writing to it, then run the upgrade again' },
      );
    return { databases: part.databases, tables, bytes: part.files.reduce((n, f) => n + f.bytes, 0) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
