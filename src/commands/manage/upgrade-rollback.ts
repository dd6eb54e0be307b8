import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { clearUpgradeJournal, readUpgradeJournal, type UpgradeJournal } from '../../core/upgrade-journal.js';
import type { Engine } from '../../engines/engine.js';

/** The ledger claim of an upgrade's temporary port ('.' keeps it apart from every instance name). */
export const targetClaim = (ctx: Context, name: string, major: number) => ({
  home: ctx.home.dir,
  name: `${name}.pg${major}`,
});

function withoutVolume(extra: Record<string, string>): Record<string, string> {
  const { data_volume: _gone, ...rest } = extra;
  return rest;
}

/** The upgrade's target as the journal names it, on the instance's record (credentials, template, OS user). */
export function targetOf(instance: Instance, j: UpgradeJournal): Instance {
  return {
    ...instance,
    ...j.target,
    pgBin: undefined,
    desiredState: 'running',
    extra: withoutVolume(instance.extra),
  };
}

/** The instance as it was recorded before the upgrade. */
export function recordBefore(instance: Instance, j: UpgradeJournal): Instance {
  const extra = withoutVolume(instance.extra);
  if (j.before.dataVolume) extra.data_volume = j.before.dataVolume;
  const { version, image, dataDir, pgBin } = j.before;
  return { ...instance, version, image, dataDir, pgBin, extra };
}

/**
 * Puts the instance back as the journal says it was: its record, its server (the old major
 * on its own data, port and credentials) running or stopped as it was found; the new major's
 * server and data (only what the upgrade made) removed. Safe to repeat: each step checks.
 */
export async function rollbackUpgrade(ctx: Context, engine: Engine, name: string, j: UpgradeJournal): Promise<void> {
  const now = await ctx.registry.get(name);
  const timeoutSec = DEFAULTS.stopTimeoutSec;
  if (j.phase === 'switching') {
    // The instance's own server may already be the new one: take its server away (data kept).
    await engine.stop(now, { timeoutSec, force: true }).catch(() => {});
    await engine.remove(now, { keepData: true });
  }
  const before = await ctx.registry.locked(async () => {
    const restored = recordBefore(await ctx.registry.get(name), j);
    await ctx.registry.save(restored);
    return restored;
  });
  await engine.discardUpgradeTarget?.(targetOf(before, j));
  await ctx.ledger.release(j.target.port, targetClaim(ctx, name, j.major)).catch(() => {});
  const seen = await engine.inspect(before);
  // Never make a fresh, empty server in the old one's place: the old data must be there.
  if (seen.state === 'absent' && !seen.dataExists)
    throw new CliError('failed', `the old data of instance ${name} is missing; it was not changed by the upgrade`, {
      hint: `check ${j.before.dataVolume ?? j.before.dataDir ?? 'its data'} before starting it again`,
    });
  const state = seen.state;
  if (j.wasRunning) {
    if (state === 'absent') await engine.create(before, ctx.talk.progress);
    else if (state === 'stopped') await engine.start(before);
  } else if (state === 'running') {
    await engine.stop(before, { timeoutSec });
  } else if (state === 'absent') {
    // docker: the old container was removed at the switch; it is made again, stopped as it was.
    await engine.create(before, ctx.talk.progress);
    await engine.stop(before, { timeoutSec });
  }
}

/**
 * Undoes what a killed upgrade left (core/upgrade-journal.ts), before anything else looks at
 * the instance. Returns the instance as it now is. Callers hold the instance's lock.
 */
export async function finishInterruptedUpgrade(ctx: Context, instance: Instance, engine: Engine): Promise<Instance> {
  const journal = await readUpgradeJournal(ctx.home.dir, instance.name);
  if (!journal) return instance;
  ctx.talk.info(
    `instance ${instance.name}: rolling back an interrupted upgrade to PostgreSQL ${journal.major} (started ${journal.started}); the old data was never changed`,
  );
  try {
    await rollbackUpgrade(ctx, engine, instance.name, journal);
  } catch (e) {
    ctx.talk.warn(`rolling back the interrupted upgrade of ${instance.name} failed: ${describeError(e)}`);
    throw e;
  }
  await clearUpgradeJournal(ctx.home.dir, instance.name);
  return ctx.registry.get(instance.name);
}
