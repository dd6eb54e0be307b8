import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { resourceMeta } from '../../core/resource-meta.js';
import type { InstanceSelector } from '../options.js';
import { type CommandResult, result } from '../result.js';
import { isTempInstance } from './branch-guard.js';
import type { StartOutcome } from './lifecycle.js';

/** The result every manage verb returns, and the pieces its verbs share. */
export interface ManageData {
  action: string;
  dry_run: boolean;
  instances: Array<{
    name: string;
    result: string;
    message: string;
    port?: number;
    engine?: string;
    from_spare?: boolean;
  }>;
  message: string;
}

export function manageResult(
  action: string,
  items: ManageData['instances'],
  dryRun = false,
  exitCode = 0,
): CommandResult<ManageData> {
  const message = items.length ? items.map((i) => i.message).join('\n') : `${action}: nothing to do`;
  return result('manage', { action, dry_run: dryRun, instances: items, message }, exitCode);
}

export async function targets(ctx: Context, sel: InstanceSelector): Promise<string[]> {
  // --all passes the temporary instances of a running --from by: they are that command's.
  return sel.all ? (await ctx.registry.names()).filter((n) => !isTempInstance(n)) : [sel.instance];
}

export const defaultTimeout = () => resourceMeta().startup_timeout ?? DEFAULTS.startTimeoutSec;

export const fromOutcome = (o: StartOutcome) => ({
  name: o.name,
  result: o.action,
  message: o.message,
  port: o.port,
  engine: o.engine,
  ...(o.fromSpare ? { from_spare: true } : {}),
});
