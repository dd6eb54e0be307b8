import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { installExtension, type ExtensionInstall } from '../../engines/native/runtime-extension.js';
import { RUNTIME_PINS, runtimeDir } from '../../engines/native/runtimes.js';
import { type CommandResult, result } from '../result.js';

export interface InstallExtensionOptions {
  major: string;
  dir: string;
  dryRun: boolean;
}

export interface InstallExtensionData extends Partial<ExtensionInstall> {
  dry_run: boolean;
  message: string;
}

/**
 * Adds an extension to major M's native runtime, so every native instance of M (whose
 * binaries come from that runtime: no --pg-bin) can create it; running servers see it at
 * once for CREATE EXTENSION, and on their next start for anything they preload.
 */
export async function installExtensionCommand(
  ctx: Context,
  opts: InstallExtensionOptions,
): Promise<CommandResult<InstallExtensionData>> {
  if (!RUNTIME_PINS[opts.major])
    throw new CliError('usage', `no native runtime for PostgreSQL ${opts.major}`, {
      hint: `choose one of ${Object.keys(RUNTIME_PINS).join(', ')}`,
    });
  const target = runtimeDir(opts.major, ctx.env);
  if (opts.dryRun)
    return result('versions-install-extension', {
      dry_run: true,
      message: `would install the extensions in ${opts.dir} into ${target}`,
    });
  const done = await installExtension(opts.major, opts.dir, { env: ctx.env, progress: ctx.talk.info });
  const how = done.runtime === 'existing' ? '' : ` (runtime made: ${done.runtime})`;
  return result('versions-install-extension', {
    ...done,
    dry_run: false,
    message: `installed ${done.extensions.join(', ')} into PostgreSQL ${done.major} at ${done.runtimeDir}${how}; create it with: resource-postgres manage start --instance NAME --extensions ${done.extensions.join(',')}`,
  });
}
