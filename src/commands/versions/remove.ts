import type { Context } from '../../context.js';
import { CliError, notFound } from '../../core/errors.js';
import { bundledBinDir, bundledPackage } from '../../engines/native/bundled.js';
import { findRuntime, removeRuntime, runtimeDir } from '../../engines/native/runtimes.js';
import { type CommandResult, result } from '../result.js';
import { clearRuntimeUse, otherHomesUsing, withRuntimeLock } from './runtime-use.js';
import { runtimeUsers } from './users.js';

export interface VersionRemoveData {
  major: string;
  dir: string;
  message: string;
}

/**
 * Removes major M's runtime, refusing while an instance of any home runs it (its data would
 * be left without a server). The bundled package is never removed: it is part of the program.
 */
export async function removeVersion(
  ctx: Context,
  major: string,
  dryRun = false,
): Promise<CommandResult<VersionRemoveData>> {
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
  // Exclusive runtime lock: every native create of M holds it shared from resolving the runtime
  // until its instance.conf is written, so none is half-way. The home lock: this home's records
  // hold still. Other homes (root's runtimes are machine-wide) are found by their use markers.
  return withRuntimeLock(ctx.env, major, 'exclusive', () =>
    ctx.registry.locked(async () => {
      const own = await runtimeUsers(ctx, major, runtime.dir);
      const others = await otherHomesUsing(ctx.env, major, ctx.home.dir);
      const count = own.length + others.reduce((n, o) => n + o.instances.length, 0);
      const users = [own.join(', '), ...others.map((o) => `${o.instances.join(', ')} of home ${o.home}`)];
      if (count > 0)
        throw new CliError(
          'refused',
          `PostgreSQL ${major} is in use by instance${count > 1 ? 's' : ''} ${users.filter(Boolean).join('; ')}; nothing was removed`,
          {
            hint: `upgrade or remove ${count > 1 ? 'them' : 'it'} first (resource-postgres manage upgrade --instance NAME --pg-version N, or manage uninstall --instance NAME)`,
          },
        );
      if (dryRun)
        return result('versions.remove', {
          major,
          dir,
          message: `would remove PostgreSQL ${major} (${dir}) (dry run: nothing changed)`,
        });
      await removeRuntime(major, ctx.env);
      await clearRuntimeUse(ctx.env, major);
      const also = bundled ? `; instances of ${major} now use the bundled package` : '';
      return result('versions.remove', { major, dir, message: `removed PostgreSQL ${major} from ${dir}${also}` });
    }),
  );
}
