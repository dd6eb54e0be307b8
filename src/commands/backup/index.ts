import type { Context } from '../../context.js';
import type { CommandResult } from '../result.js';
import type { BackupOptions } from './options.js';

/** `backup <verb>`: each verb in its own module, loaded on demand. */
export async function backup(ctx: Context, opts: BackupOptions, signal: AbortSignal): Promise<CommandResult> {
  switch (opts.action) {
    case 'create': {
      // The instance's lock, as start/stop/uninstall take it: none of them runs mid-backup.
      const { createBackup } = await import('./create.js');
      return ctx.registry.lockedInstance(opts.instance, () => createBackup(ctx, opts, signal));
    }
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
