import type { Context } from '../../context.js';
import type { StoredBackup } from './store.js';
import { CliError, notFound } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import { result } from '../result.js';
import { checkFiles } from './checksums.js';
import { createCloneTarget, discardInstance } from './clone-target.js';
import { runningInstance } from './create.js';
import { storeOf } from './store.js';
import { restoreLogical } from './logical-restore.js';
import type { BackupOptionsOf } from './options.js';
import { restorePhysical } from './physical-restore.js';
import { finishInterruptedRestore } from '../manage/interrupted-restore.js';
import { guardDataReplace } from '../replica/guard.js';
import { trace } from '../../core/trace.js';

export interface BackupRestoreData {
  name: string;
  method: string;
  instance: string;
  created_instance: boolean;
  databases: Array<{ name: string; replaced: boolean; terminated: number }>;
  duration_ms: number;
  dry_run: boolean;
  message: string;
}

/** Refuses a backup whose files no longer match their checksums before anything is replaced. */
async function assertIntact(backup: StoredBackup): Promise<void> {
  const bad = (await checkFiles(backup)).filter((c) => !c.ok);
  if (bad.length) {
    throw new CliError(
      'failed',
      `backup ${backup.name} is damaged: ${bad.map((b) => `${b.path}: ${b.problem}`).join('; ')}`,
      { hint: `nothing was changed; see resource-postgres backup verify ${backup.name}` },
    );
  }
}

/** Fills `target` from the backup; returns what was restored. */
export async function restoreInto(
  ctx: Context,
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  database: string | undefined,
  signal: AbortSignal,
  pgBin?: string,
  fresh = false,
): Promise<BackupRestoreData['databases']> {
  const m = backup.manifest;
  if (m.method === 'physical') {
    if (database)
      throw new CliError(
        'usage',
        'a physical backup restores the whole instance; --database applies to logical backups',
        { hint: 'leave out --database' },
      );
    await guardDataReplace(ctx, target, `backup ${backup.name}`);
    const { terminated } = await restorePhysical(ctx, engine, target, backup, fresh);
    return m.databases.map((d) => ({ name: d.name, replaced: true, terminated }));
  }
  const dbs = database ? m.databases.filter((d) => d.name === database) : m.databases;
  if (!dbs.length)
    throw notFound(
      `backup ${backup.name} holds no database ${database}`,
      `it holds: ${m.databases.map((d) => d.name).join(', ')}`,
    );
  // --pg-bin names client programs: it applies to the logical tools, never to the server's binaries.
  return restoreLogical(ctx, engine, pgBin ? { ...target, pgBin } : target, backup, dbs, signal, fresh);
}

async function recorded(ctx: Context, name: string): Promise<{ instance: Instance; engine: Engine }> {
  const instance = await ctx.registry.get(name);
  return { instance, engine: await ctx.engine(instance.engine) };
}

export async function restoreBackup(ctx: Context, opts: BackupOptionsOf<'restore'>, signal: AbortSignal) {
  const started = Date.now();
  // --instance names the target; it also picks that instance's backup when several share the name.
  const backup = await storeOf(ctx, opts).find(opts.name, opts.instance, 'prefer');
  const m = backup.manifest;
  const targetName = opts.toInstance ?? opts.instance ?? m.instance;
  const data = (
    instance: string,
    created: boolean,
    databases: BackupRestoreData['databases'],
    message: string,
    dryRun = false,
  ) =>
    result<BackupRestoreData>('backup-restore', {
      name: backup.name,
      method: m.method,
      instance,
      created_instance: created,
      databases,
      duration_ms: Date.now() - started,
      dry_run: dryRun,
      message,
    });

  if (opts.dryRun) {
    const how = opts.toInstance
      ? `into a new instance ${targetName}`
      : `into instance ${targetName}, replacing ${m.method === 'physical' ? 'its whole data directory' : `databases ${m.databases.map((d) => d.name).join(', ')}`}`;
    return data(
      targetName,
      Boolean(opts.toInstance),
      [],
      `would restore ${m.method} backup ${backup.name} ${how}`,
      true,
    );
  }
  await trace.span('restore: verify checksums', () => assertIntact(backup));
  // The target's lock, as start/stop/uninstall take it: none of them runs mid-restore.
  return ctx.registry.lockedInstance(targetName, () => restoreLocked(ctx, opts, backup, targetName, data, signal));
}

async function restoreLocked(
  ctx: Context,
  opts: BackupOptionsOf<'restore'>,
  backup: StoredBackup,
  targetName: string,
  data: (
    instance: string,
    created: boolean,
    databases: BackupRestoreData['databases'],
    message: string,
  ) => ReturnType<typeof result<BackupRestoreData>>,
  signal: AbortSignal,
) {
  const m = backup.manifest;
  if (opts.toInstance) {
    const { instance, engine } = await createCloneTarget(ctx, backup, opts.toInstance);
    try {
      const dbs = await restoreInto(ctx, engine, instance, backup, opts.database, signal, opts.pgBin, true);
      return data(
        instance.name,
        true,
        dbs,
        `restored backup ${backup.name} into the new instance ${instance.name} (port ${instance.port}); instance ${m.instance} was not touched`,
      );
    } catch (e) {
      await discardInstance(ctx, instance);
      throw e;
    }
  }
  // An earlier restore killed half-way is finished or undone first, as the next start would.
  const before = await recorded(ctx, targetName);
  await finishInterruptedRestore(ctx, before.instance, before.engine);
  // A physical restore stops the server anyway; a logical one needs it answering.
  const { instance, engine } =
    m.method === 'physical' ? await recorded(ctx, targetName) : await runningInstance(ctx, targetName);
  const what =
    m.method === 'physical'
      ? `the whole data directory of instance ${targetName}`
      : `database(s) ${(opts.database ? [opts.database] : m.databases.map((d) => d.name)).join(', ')} of instance ${targetName}`;
  if (!opts.force && !(await ctx.confirm(`replace ${what} with backup ${backup.name} (${m.finished_at})?`))) {
    throw new CliError(
      'refused',
      `restoring backup ${backup.name} would replace ${what}; not done without confirmation`,
      { hint: `pass --force, or restore into a new instance with --to-instance NEW` },
    );
  }
  const dbs = await restoreInto(ctx, engine, instance, backup, opts.database, signal, opts.pgBin);
  return data(
    instance.name,
    false,
    dbs,
    `restored backup ${backup.name} into instance ${instance.name}: ${dbs.map((d) => d.name).join(', ')}`,
  );
}
