import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import type { Instance } from '../../core/instance.js';
import { pausePooler } from '../pooler/hooks.js';
import type { RestartOptions, StopOptions } from '../options.js';
import type { CommandResult } from '../result.js';
import { ensureRunning, setDesired } from './lifecycle.js';
import { defaultTimeout, fromOutcome, type ManageData, manageResult, targets } from './manage-result.js';
import { finishInterruptedUpgrade } from './upgrade-rollback.js';

/** `manage stop` and `manage restart`: the server stops (data kept); a restart starts it again under the same lock. */
async function stopOne(
  ctx: Context,
  instance: Instance,
  opts: { force: boolean; timeoutSec: number; restarting?: boolean },
) {
  const engine = await ctx.engine(instance.engine);
  // A killed upgrade is rolled back first: its new server must not outlive the stop.
  instance = await finishInterruptedUpgrade(ctx, instance, engine);
  // Ask the engine first: when it cannot answer (no daemon), nothing is recorded either.
  const before = await engine.inspect(instance);
  // A restart stays meant to run: a status read mid-restart must not see "stopped on purpose".
  // Recorded while the engine works: its lock is a flock(1) process that need not wait for the server.
  const desired = opts.restarting ? Promise.resolve() : setDesired(ctx, instance, 'stopped');
  desired.catch(() => {}); // awaited below, after the engine's work (whose error comes first)
  try {
    await pausePooler(ctx, instance);
    if (before.state === 'running') await engine.stop(instance, opts);
  } finally {
    // Written before the instance's lock is let go, whatever happened.
    await desired.catch(() => {});
  }
  await desired;
  if (before.state !== 'running') {
    return { name: instance.name, result: 'already stopped', message: `instance ${instance.name} was already stopped` };
  }
  return { name: instance.name, result: 'stopped', message: `instance ${instance.name} stopped (data kept)` };
}

export async function stop(ctx: Context, opts: StopOptions): Promise<CommandResult<ManageData>> {
  const names = await targets(ctx, opts);
  const items = [];
  for (const name of names) {
    const instance = await ctx.registry.find(name);
    if (!instance) {
      items.push({ name, result: 'absent', message: `no instance ${name} in ${ctx.home.dir}; nothing to stop` });
    } else if (opts.dryRun) {
      items.push({
        name,
        result: 'planned',
        message: `would stop instance ${name} (${instance.engine}, port ${instance.port}); data is kept`,
      });
    } else {
      // Read again under the instance's lock: a start running meanwhile may have changed it.
      items.push(await ctx.registry.lockedInstance(name, async () => stopOne(ctx, await ctx.registry.get(name), opts)));
    }
  }
  return manageResult('stop', items, opts.dryRun);
}

export async function restart(ctx: Context, opts: RestartOptions): Promise<CommandResult<ManageData>> {
  const names = await targets(ctx, opts);
  const items = [];
  for (const name of names) {
    await ctx.registry.get(name); // a missing instance is "not found" before anything happens
    if (opts.dryRun) {
      items.push({
        name,
        result: 'planned',
        message: `would restart instance ${name} with the same credentials and data`,
      });
      continue;
    }
    const outcome = await ctx.registry.lockedInstance(name, async () => {
      await stopOne(ctx, await ctx.registry.get(name), {
        force: false,
        timeoutSec: DEFAULTS.stopTimeoutSec,
        restarting: true,
      });
      return ensureRunning(ctx, name, {
        engine: 'auto',
        wait: true,
        force: false,
        timeoutSec: opts.timeoutSec ?? defaultTimeout(),
      });
    });
    items.push({
      ...fromOutcome(outcome),
      result: 'restarted',
      message: `instance ${name} restarted on port ${outcome.port}, accepting queries`,
    });
  }
  return manageResult('restart', items, opts.dryRun);
}
