import type { Context } from '../../context.js';
import type { CommandResult } from '../result.js';
import type { VersionsOptions } from './options.js';

/** `versions <verb>`: the PostgreSQL majors the native engine can run; each verb loads on demand. */
export async function versions(ctx: Context, opts: VersionsOptions): Promise<CommandResult> {
  switch (opts.action) {
    case 'list':
      return (await import('./list.js')).listVersions(ctx);
    case 'install':
      return (await import('./install.js')).installVersion(ctx, opts.major, opts.dryRun);
    case 'remove':
      return (await import('./remove.js')).removeVersion(ctx, opts.major, opts.dryRun);
  }
}
