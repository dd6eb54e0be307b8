import type { Context } from '../../context.js';
import { BackupStore } from './store.js';
import type { CommandResult } from '../result.js';
import { BACKUP_DIR_ENV, type BackupOptions } from './options.js';

/** `backup <verb>`: each verb in its own module, loaded on demand. */
export function storeOf(ctx: Context, opts: { backupDir?: string }): BackupStore {
  const custom = opts.backupDir ?? (ctx.env[BACKUP_DIR_ENV] || undefined);
  return new BackupStore(ctx.home.dir, custom);
}

export async function backup(ctx: Context, opts: BackupOptions, signal: AbortSignal): Promise<CommandResult> {
  switch (opts.action) {
    case 'create':
      return (await import('./create.js')).createBackup(ctx, opts, signal);
    case 'restore':
      return (await import('./restore.js')).restoreBackup(ctx, opts, signal);
    case 'verify':
      return (await import('./verify.js')).verifyBackup(ctx, opts, signal);
    case 'list':
      return (await import('./catalog.js')).listBackups(ctx, opts);
    case 'prune':
      return (await import('./catalog.js')).pruneBackups(ctx, opts);
    case 'remove':
      return (await import('./catalog.js')).removeBackup(ctx, opts);
  }
}
