import type { Context } from '../../context.js';
import type { Instance } from '../../core/instance.js';
import { clearRestoreJournal, readRestoreJournal } from '../../core/restore-journal.js';
import { type DataCredentials, withCredentials } from '../../core/data-credentials.js';
import type { Engine } from '../../engines/engine.js';

/**
 * Finishes what a killed physical restore left (core/restore-journal.ts): before its commit
 * the previous data is put back; after it the new data stays and its credentials are saved.
 * Returns the instance as it now is. Callers hold the instance's lock.
 */
export async function finishInterruptedRestore(ctx: Context, instance: Instance, engine: Engine): Promise<Instance> {
  const home = ctx.home.dir;
  const journal = await readRestoreJournal(home, instance.name);
  if (!journal) return instance;
  const left = await engine.findReplacement?.(instance);
  if (journal.phase === 'replacing') {
    ctx.talk.info(`instance ${instance.name}: undoing an interrupted restore of backup ${journal.backup}`);
    await engine.stop(instance, { timeoutSec: 10, force: true }).catch(() => {});
    await left?.undo();
  } else {
    ctx.talk.info(`instance ${instance.name}: completing an interrupted restore of backup ${journal.backup}`);
    if (journal.credentials) instance = await saveCredentials(ctx, instance.name, journal.credentials);
    await left?.keep();
  }
  await clearRestoreJournal(home, instance.name);
  return instance;
}

/** The restored data's roles into instance.conf: the credentials travel with the data. */
export async function saveCredentials(ctx: Context, name: string, creds: DataCredentials): Promise<Instance> {
  return ctx.registry.locked(async () => {
    const updated = withCredentials(await ctx.registry.get(name), creds);
    await ctx.registry.save(updated);
    return updated;
  });
}
