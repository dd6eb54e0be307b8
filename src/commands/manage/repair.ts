import { setTimeout as sleep } from 'node:timers/promises';
import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import type { Instance } from '../../core/instance.js';

/**
 * How long `manage start --force` lets a running server answer before calling it unhealthy.
 * A restart drops every client connection, so one slow or refused probe (a checkpoint, a
 * server still starting) is not enough to justify one.
 */
const GRACE_MS = 5_000;

/**
 * Failures a restart cannot fix: a wrong password, a refused login, a missing database. The
 * readiness wait that follows reports them; restarting would only drop every session, on
 * every run of a caller that always passes --force.
 */
const NOT_FIXED_BY_RESTART = new Set(['28P01', '28000', '3D000']);

/**
 * Why a running instance needs a restart to recover, or undefined when it answers the
 * authenticated probe (or fails in a way a restart cannot fix). Orchestrators pass --force on
 * every run: only a probe that keeps failing through the grace period leads to a restart.
 */
export async function unhealthyReason(
  ctx: Context,
  instance: Instance,
  timeoutSec: number,
  graceMs = GRACE_MS,
): Promise<string | undefined> {
  const budget = Math.max(1, Math.min(graceMs, timeoutSec * 1000));
  const deadline = Date.now() + budget;
  for (let delay = 100; ; delay = Math.min(delay * 2, 500)) {
    const r = await ctx.probe(instance, Math.min(DEFAULTS.probeTimeoutMs, budget));
    if (r.ok || (r.code !== undefined && NOT_FIXED_BY_RESTART.has(r.code))) return undefined;
    const left = deadline - Date.now();
    if (left <= 0) return r.message;
    await sleep(Math.min(delay, left));
  }
}
