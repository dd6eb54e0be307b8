import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import {
  creatable,
  isLibraryOnly,
  mergeExtensions,
  missingHint,
  missingPreloads,
  preloadLibraries,
} from '../../core/extensions.js';
import type { Instance } from '../../core/instance.js';
import type { Engine, OfferedExtensions } from '../../engines/engine.js';
import {
  createExtensions,
  loadableLibraries,
  preloadedLibraries,
  serverExtensions,
} from '../../postgres/extensions.js';

/**
 * `manage start --extensions a,b`: each name must be offered by the instance's major (checked
 * before anything changes), recorded in instance.conf (so every later start preloads what
 * needs it), loaded (a restart when a preload is new) and created in the instance's database
 * as the program's superuser.
 */

const majorOf = (instance: Instance) => instance.version ?? '?';

function unavailable(instance: Instance, missing: string[], offered: OfferedExtensions, created = false): CliError {
  const list = offered.extensions.join(', ') || 'none';
  const outcome = created ? `instance ${instance.name} was created and runs without them` : 'nothing was changed';
  return new CliError(
    'usage',
    `extension${missing.length > 1 ? 's' : ''} ${missing.join(', ')} not available for PostgreSQL ${majorOf(instance)} (instance ${instance.name}, ${offered.where}); ${outcome}`,
    {
      details: `available for PostgreSQL ${majorOf(instance)}: ${list}`,
      hint: missingHint(missing, instance.engine, majorOf(instance)),
    },
  );
}

function missingFrom(names: readonly string[], offered: OfferedExtensions): string[] {
  return names.filter((n) => (isLibraryOnly(n) ? !offered.libraries.includes(n) : !offered.extensions.includes(n)));
}

/**
 * Before anything is made or changed: refuses names the engine can tell are not offered
 * (native: the control files of the binaries; docker: the image's files). False when the
 * engine cannot tell: the running server is asked then.
 */
export async function checkOffered(engine: Engine, instance: Instance, names: readonly string[]): Promise<boolean> {
  const offered = await engine.offeredExtensions?.(instance);
  if (!offered) return false;
  const missing = missingFrom(names, offered);
  if (missing.length) throw unavailable(instance, missing, offered);
  return true;
}

/** What the running server offers, for engines that cannot tell before it runs. */
async function checkServer(instance: Instance, names: readonly string[], created: boolean): Promise<void> {
  const libs = names.filter(isLibraryOnly);
  const offered: OfferedExtensions = {
    extensions: await serverExtensions(instance),
    libraries: await loadableLibraries(instance, libs),
    where: `the server's pg_available_extensions, image ${instance.image ?? '?'}`,
  };
  const missing = missingFrom(names, offered);
  if (missing.length) throw unavailable(instance, missing, offered, created);
}

export interface ExtensionSteps {
  /** Waits until the server answers an authenticated query. */
  ready: (instance: Instance) => Promise<void>;
  /** The instance was made by this start (when the engine could not check before, only the server can). */
  created: boolean;
  /** The names were already checked against the engine's files by this start. */
  checked: boolean;
}

/**
 * After the server answers: records the extensions, restarts once when one needs a library
 * the server did not load at start, then creates them. Returns the instance as recorded.
 */
export async function ensureExtensions(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  requested: readonly string[],
  steps: ExtensionSteps,
): Promise<{ instance: Instance; note: string }> {
  if (!steps.checked && !(await checkOffered(engine, instance, requested)))
    await checkServer(instance, requested, steps.created);
  const wanted = mergeExtensions(instance.extensions ?? [], requested);
  if (wanted.join(',') !== (instance.extensions ?? []).join(',')) {
    instance = await ctx.registry.locked(async () => {
      const fresh = await ctx.registry.get(instance.name);
      const saved = { ...fresh, extensions: mergeExtensions(fresh.extensions ?? [], wanted) };
      await ctx.registry.save(saved);
      return { ...instance, extensions: saved.extensions };
    });
  }
  const lacking = missingPreloads(wanted, await preloadedLibraries(instance));
  if (lacking.length) {
    ctx.talk.info(`restarting instance ${instance.name} to load ${lacking.join(', ')} (shared_preload_libraries)`);
    await restartWithPreload(engine, instance);
    await steps.ready(instance);
    const still = missingPreloads(wanted, await preloadedLibraries(instance));
    if (still.length)
      throw new CliError('failed', `instance ${instance.name} restarted without loading ${still.join(', ')}`, {
        hint: 'an ALTER SYSTEM SET shared_preload_libraries overrides the program: ALTER SYSTEM RESET shared_preload_libraries, then resource-postgres manage restart',
      });
  }
  const versions = await createExtensions(instance, creatable(requested));
  const made = [...versions].map(([name, v]) => `${name} ${v}`);
  const loaded = preloadLibraries(requested).filter((l) => !versions.has(l));
  ctx.talk.info(
    `instance ${instance.name}: ${[...made, ...loaded.map((l) => `${l} (loaded)`)].join(', ')} in database ${instance.database}`,
  );
  return { instance, note: lacking.length ? `; restarted to load ${lacking.join(', ')}` : '' };
}

/**
 * The server reads shared_preload_libraries only at start. Native rewrites its configuration
 * on every start; a container keeps the arguments it was made with, so it is made again from
 * the same image and volume (the data stays; only the container is replaced).
 */
async function restartWithPreload(engine: Engine, instance: Instance): Promise<void> {
  if (engine.name === 'docker') {
    await engine.remove(instance, { keepData: true });
    await engine.create(instance, () => {});
    return;
  }
  await engine.stop(instance, { timeoutSec: DEFAULTS.stopTimeoutSec });
  await engine.start(instance);
}
