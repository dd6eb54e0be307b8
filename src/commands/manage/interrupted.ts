import type { Context } from '../../context.js';
import type { Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import { refuseUnfinishedBranch } from './branch-guard.js';
import { finishInterruptedRestore } from './interrupted-restore.js';
import { finishInterruptedUpgrade } from './upgrade-rollback.js';

/**
 * What a killed command left on an instance, dealt with before a start looks at its data.
 * Returns the instance as it now is; callers hold the instance's lock.
 */
export async function finishInterrupted(ctx: Context, instance: Instance, engine: Engine): Promise<Instance> {
  // A restore killed half-way is finished or undone.
  instance = await finishInterruptedRestore(ctx, instance, engine);
  // So is a major upgrade: the old major comes back as it was (upgrade-rollback.ts).
  instance = await finishInterruptedUpgrade(ctx, instance, engine);
  // A manage start --from cut short holds part of its data: refused, never started as if complete.
  await refuseUnfinishedBranch(ctx, instance);
  return instance;
}
