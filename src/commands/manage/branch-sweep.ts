import type { Context } from '../../context.js';
import { discardInstance } from '../backup/clone-target.js';
import { isTempInstance } from './branch-guard.js';

/** Temporary instances a killed --from left (their lock is free): removed with their data. */
export async function sweepTempInstances(ctx: Context): Promise<void> {
  for (const name of (await ctx.registry.names()).filter(isTempInstance)) {
    await ctx.registry
      .lockedInstance(
        name,
        async () => {
          const left = await ctx.registry.find(name);
          if (!left) return;
          ctx.talk.info(`removing temporary instance ${name}, left by an interrupted manage start --from`);
          await discardInstance(ctx, left);
          await ctx.ledger.release(left.port, { home: ctx.home.dir, name }).catch(() => {});
        },
        100,
      )
      .catch(() => {}); // in use by a --from running now
  }
}
