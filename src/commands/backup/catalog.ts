import type { Context } from '../../context.js';
import { parseAge, type RetentionRule, selectForPrune } from './retention.js';
import { CliError } from '../../core/errors.js';
import { result } from '../result.js';
import { storeOf } from './store.js';
import type { BackupOptionsOf } from './options.js';

export interface BackupListEntry {
  name: string;
  instance: string;
  status: 'complete' | 'in progress' | 'incomplete' | 'damaged';
  method?: string;
  engine?: string;
  server_version?: string;
  databases?: string[];
  total_bytes?: number;
  started_at?: string;
  finished_at?: string;
  path: string;
  note?: string;
}

export interface BackupListData {
  location: string;
  backups: BackupListEntry[];
}

export async function listBackups(ctx: Context, opts: BackupOptionsOf<'list'>) {
  const store = storeOf(ctx, opts);
  const { complete, partial, damaged } = await store.list(opts.instance);
  const backups: BackupListEntry[] = [
    ...complete.map((b) => ({
      name: b.name,
      instance: b.instance,
      status: 'complete' as const,
      method: b.manifest.method,
      engine: b.manifest.engine,
      server_version: b.manifest.server_version,
      databases: b.manifest.databases.map((d) => d.name),
      total_bytes: b.manifest.total_bytes,
      started_at: b.manifest.started_at,
      finished_at: b.manifest.finished_at,
      path: b.dir,
    })),
    ...partial.map((p) => ({
      name: p.name,
      instance: p.instance,
      status: p.status,
      started_at: p.started_at,
      path: p.dir,
      note:
        p.status === 'in progress'
          ? `being written by pid ${p.pid}`
          : 'interrupted: not restorable; backup prune removes it',
    })),
    ...damaged.map((d) => ({
      name: d.dir.split('/').pop() ?? d.dir,
      instance: d.dir.split('/').slice(-3, -2)[0] ?? '?',
      status: 'damaged' as const,
      path: d.dir,
      note: d.error,
    })),
  ];
  return result<BackupListData>('backup-list', {
    location: store.customDir ?? `${store.home}/<instance>/backups`,
    backups,
  });
}

export interface BackupPruneData {
  removed: Array<{ name: string; instance: string; status: string; path: string }>;
  kept: number;
  dry_run: boolean;
}

export async function pruneBackups(ctx: Context, opts: BackupOptionsOf<'prune'>) {
  const store = storeOf(ctx, opts);
  const { complete, partial } = await store.list(opts.instance);
  const rule: RetentionRule =
    opts.keep !== undefined ? { keep: opts.keep } : { olderThanMs: parseAge(opts.olderThan!) };
  const entries = complete.map((b) => ({ ...b, finishedAt: new Date(b.manifest.finished_at) }));
  const doomed = selectForPrune(entries, rule, ctx.now());
  // Interrupted backups can never be restored; ones still being written are left alone.
  const dead = partial.filter((p) => p.status === 'incomplete');
  const removed = [
    ...doomed.map((b) => ({ name: b.name, instance: b.instance, status: 'complete', path: b.dir })),
    ...dead.map((p) => ({ name: p.name, instance: p.instance, status: 'incomplete', path: p.dir })),
  ];
  if (!opts.dryRun) for (const r of removed) await store.remove(r.path);
  return result<BackupPruneData>('backup-prune', {
    removed,
    kept: complete.length - doomed.length,
    dry_run: opts.dryRun,
  });
}

export interface BackupRemoveData {
  name: string;
  instance: string;
  path: string;
  removed: boolean;
  message: string;
}

export async function removeBackup(ctx: Context, opts: BackupOptionsOf<'remove'>) {
  const store = storeOf(ctx, opts);
  const backup = await store.find(opts.name, opts.instance);
  if (opts.dryRun)
    return result<BackupRemoveData>('backup-remove', {
      name: backup.name,
      instance: backup.instance,
      path: backup.dir,
      removed: false,
      message: `would remove backup ${backup.name} (${backup.dir})`,
    });
  if (!opts.force && !(await ctx.confirm(`remove backup ${backup.name} of instance ${backup.instance}?`))) {
    throw new CliError('refused', `not removing backup ${backup.name} without confirmation`, {
      hint: 'pass --force (required without a TTY)',
    });
  }
  await store.remove(backup.dir);
  return result<BackupRemoveData>('backup-remove', {
    name: backup.name,
    instance: backup.instance,
    path: backup.dir,
    removed: true,
    message: `removed backup ${backup.name} of instance ${backup.instance}`,
  });
}
