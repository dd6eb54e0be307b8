import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { waitFor } from '../../core/wait.js';

/**
 * How long `manage start --force` lets a running server answer before calling it unhealthy.
 * A restart drops every client connection, so one slow or refused probe (a checkpoint, a
 * server still starting) is not enough to justify one.
 */
const GRACE_MS = 5_000;

/**
 * Why a running instance needs repairing, or undefined when it answers the authenticated
 * probe. Orchestrators pass --force on every run: only a failing probe may lead to a restart.
 */
export async function unhealthyReason(
  ctx: Context,
  instance: Instance,
  timeoutSec: number,
  graceMs = GRACE_MS,
): Promise<string | undefined> {
  const timeoutMs = Math.max(1, Math.min(graceMs, timeoutSec * 1000));
  let last: string | undefined;
  try {
    await waitFor(
      async () => {
        const r = await ctx.probe(instance, Math.min(DEFAULTS.probeTimeoutMs, timeoutMs));
        last = r.ok ? undefined : r.message;
        return last;
      },
      { timeoutMs, intervalMs: 100, maxIntervalMs: 500, what: `instance ${instance.name} to answer` },
    );
    return undefined;
  } catch (e) {
    if (!(e instanceof CliError) || e.kind !== 'timeout') throw e;
    return last ?? 'the health probe did not pass';
  }
}
