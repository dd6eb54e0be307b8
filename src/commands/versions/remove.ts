import type { Context } from '../../context.js';
import { CliError, notFound } from '../../core/errors.js';
import { bundledBinDir, bundledPackage } from '../../engines/native/bundled.js';
import { findRuntime, removeRuntime, runtimeDir } from '../../engines/native/runtimes.js';
import { type CommandResult, result } from '../result.js';
import { runtimeUsers } from './users.js';

export interface VersionRemoveData {
  major: string;
  dir: string;
  message: string;
}

/**
 * Removes major M's runtime, refusing while an instance of this home runs it (its data would
 * be left without a server). The bundled package is never removed: it is part of the program.
 */
export async function removeVersion(ctx: Context, major: string): Promise<CommandResult<VersionRemoveData>> {
  const dir = runtimeDir(major, ctx.env);
  const runtime = await findRuntime(major, ctx.env);
  const bundled = bundledPackage(bundledBinDir())?.major === major;
  if (!runtime) {
    if (bundled)
      throw new CliError('refused', `PostgreSQL ${major} is the bundled package; it is never removed`, {
        hint: 'only runtimes installed with versions install can be removed (see versions list)',
      });
    throw notFound(
      `PostgreSQL ${major} is not installed (no runtime in ${dir})`,
      'see: resource-postgres versions list',
    );
  }
  // Under the home lock: no instance of this home is created with the runtime while it goes.
  return ctx.registry.locked(async () => {
    const users = await runtimeUsers(ctx, major, runtime.dir);
    if (users.length > 0)
      throw new CliError(
        'refused',
        `PostgreSQL ${major} is in use by instance${users.length > 1 ? 's' : ''} ${users.join(', ')}; nothing was removed`,
        {
          hint: `upgrade or remove ${users.length > 1 ? 'them' : 'it'} first (resource-postgres manage upgrade --instance NAME --pg-version N, or manage uninstall --instance NAME)`,
        },
      );
    await removeRuntime(major, ctx.env);
    const also = bundled ? `; instances of ${major} now use the bundled package` : '';
    return result('versions.remove', { major, dir, message: `removed PostgreSQL ${major} from ${dir}${also}` });
  });
}
