import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { credentialsOf } from '../../core/data-credentials.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { physicalBlocker } from '../../core/physical-backup.js';
import { extraTablespaces, serverFacts } from '../../postgres/backup/catalog.js';
import { copyPhysical } from '../backup/physical-copy.js';
import { waitReady } from '../manage/ready.js';
import { finishInterrupted } from '../manage/interrupted.js';
import { portClaimedElsewhere } from '../manage/port-claim.js';
import { type CommandResult, result } from '../result.js';
import { beginInstanceSnapshot, findInstanceSnapshot } from './instance-store.js';
import { hasDatabaseSnapshot } from './target.js';
import type { SnapshotChangeData } from './options.js';

/**
 * `snapshot create NAME --level instance`: the whole instance's data (every database and
 * role) as a physical, backup-consistent copy (the physical backup's low-level API: the data
 * directory and the WAL that makes it consistent), taken while the server keeps serving.
 * A stopped instance is started for the copy and stopped again. `exists` tells whether a
 * database-level snapshot holds the name already (asked by the caller, which may need the server).
 */
export async function createInstanceSnapshot(
  ctx: Context,
  instance: Instance,
  name: string,
  dryRun: boolean,
  signal?: AbortSignal,
): Promise<CommandResult<SnapshotChangeData>> {
  if (await findInstanceSnapshot(ctx, instance.name, name)) throw taken(name, instance.name);
  // A replica's data holds standby.signal and its primary's settings: it could not be started on its own.
  if (instance.replicaOf)
    throw new CliError(
      'refused',
      `instance ${instance.name} is a streaming replica of ${instance.replicaOf}: an instance-level snapshot of it could not be restored or copied`,
      {
        hint: `take it of the primary: resource-postgres snapshot create ${name} --level instance --instance ${instance.replicaOf}`,
      },
    );
  const engine = await ctx.engine(instance.engine);
  const base = {
    action: 'create' as const,
    instance: instance.name,
    snapshot: name,
    database: '',
    level: 'instance' as const,
  };
  const stopped = (await engine.inspect(instance)).state !== 'running';
  const what = `the data of instance ${instance.name} (all databases and roles) as snapshot ${name}`;
  if (dryRun)
    return result('snapshot-change', {
      ...base,
      outcome: 'dry-run' as const,
      message: `would snapshot ${what}${stopped ? ', starting the stopped instance for the copy and stopping it after' : ''} (dry run: nothing changed)`,
      terminated_sessions: 0,
      size_bytes: null,
      duration_ms: 0,
    });
  const started = Date.now();
  if (stopped) {
    // As manage start would: what a killed restore, upgrade or --from left first, and the port's claim.
    instance = await finishInterrupted(ctx, instance, engine);
    if (!(await ctx.ledger.claim(instance.port, { home: ctx.home.dir, name: instance.name })))
      await portClaimedElsewhere(ctx, instance, false);
    ctx.talk.info(`instance ${instance.name} is stopped: starting it for the snapshot, and stopping it again after`);
    await engine.start(instance, { timeoutSec: DEFAULTS.startTimeoutSec });
  }
  try {
    if (stopped) await waitReady(ctx, engine, instance, DEFAULTS.startTimeoutSec);
    // Asked again now the server runs: a stopped instance could not answer before.
    if (await hasDatabaseSnapshot(ctx, instance, name, signal)) throw taken(name, instance.name);
    const facts = await serverFacts(instance);
    const blocker = physicalBlocker({ wal_level: facts.walLevel, server_major: facts.major });
    if (blocker)
      throw new CliError('refused', `instance ${instance.name} cannot take an instance-level snapshot: ${blocker}`, {
        hint: `take database-level snapshots of it instead (leave out --level instance), or copy it: resource-postgres manage start --instance NEW --from ${instance.name}`,
      });
    // The copy holds pg_tblspc's links, not the files they point to: a restore would lose those tables.
    const spaces = await extraTablespaces(instance);
    if (spaces.length)
      throw new CliError(
        'refused',
        `instance ${instance.name} cannot take an instance-level snapshot: it has tablespaces outside its data directory (${spaces.join(', ')})`,
        { hint: 'take database-level snapshots of it instead (leave out --level instance)' },
      );
    const store = await beginInstanceSnapshot(ctx, instance.name, name);
    try {
      const copy = await copyPhysical(ctx, engine, instance, facts, [], store.dir, `snapshot ${name}`, signal);
      let size = 0;
      for (const f of copy.files) size += (await stat(join(store.dir, f.path))).size;
      const p = copy.physical;
      await store.finish(
        {
          tool: 'resource-postgres',
          level: 'instance',
          name,
          instance: instance.name,
          engine: instance.engine,
          image: instance.engine === 'docker' ? instance.image : undefined,
          server_major: facts.major,
          created: new Date().toISOString(),
          size_bytes: size,
          physical: { base: p.base, wal: p.wal, backup_label: p.backup_label, tablespace_map: p.tablespace_map },
        },
        credentialsOf(instance),
      );
      return result('snapshot-change', {
        ...base,
        outcome: 'created' as const,
        message: `snapshot ${name} taken of ${what.replace(/ as snapshot .*/, '')}`,
        terminated_sessions: 0,
        size_bytes: size,
        duration_ms: Date.now() - started,
      });
    } catch (e) {
      await store.abandon().catch(() => {});
      throw e;
    }
  } finally {
    if (stopped) await engine.stop(instance, { timeoutSec: DEFAULTS.stopTimeoutSec }).catch(() => {});
  }
}

export function taken(name: string, instance: string): CliError {
  return new CliError('conflict', `snapshot ${name} already exists in instance ${instance}`, {
    hint: `choose another name, or remove it first: resource-postgres snapshot remove ${name} --instance ${instance}`,
  });
}
