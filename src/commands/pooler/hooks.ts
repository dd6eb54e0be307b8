import type { Context } from '../../context.js';
import { connectHost } from '../../core/connection.js';
import { describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { tcpCheck } from '../status/health.js';
import { launchPooler, poolerHost } from './launch.js';

/**
 * The pooler follows its instance: `manage stop` stops it (keeping its record and port),
 * `manage start` and restart bring it back, uninstall removes it with everything it made.
 */

export interface PoolerHealth {
  running: boolean;
  healthy: boolean;
  pid: number | null;
  port: number;
  mode: string;
  message: string;
}

/** For `status` and `pooler status`: the process, then an authenticated query through it (or TCP with fast). */
export async function poolerHealth(ctx: Context, instance: Instance, fast: boolean): Promise<PoolerHealth> {
  const { port, mode } = instance.pooler!;
  const base = { port, mode, pid: null, running: false, healthy: false };
  let pid: number | undefined;
  try {
    pid = await (await poolerHost(ctx)).pid(instance);
  } catch (e) {
    return { ...base, message: `cannot inspect the pooler: ${describeError(e)}` };
  }
  if (!pid) {
    const why = instance.desiredState === 'stopped' ? 'stopped with its instance' : 'not running';
    return { ...base, message: `${why}; start it with: resource-postgres pooler start --instance ${instance.name}` };
  }
  const running = { ...base, pid, running: true };
  if (fast) {
    const failure = await tcpCheck(connectHost(instance.host), port);
    return failure
      ? { ...running, message: failure }
      : { ...running, healthy: true, message: `accepting TCP connections on port ${port} (fast check)` };
  }
  const probe = await (await import('../../postgres/pooler-auth.js')).probePooler(instance, port);
  return { ...running, healthy: probe.ok, message: probe.message };
}

/** manage stop: the pooler goes down before its server (its clients see one clean end). */
export async function pausePooler(ctx: Context, instance: Instance): Promise<void> {
  if (!instance.pooler) return;
  await (await poolerHost(ctx)).stop(instance);
}

/** manage start: a recorded pooler comes back once the server answers; a failure is a warning, not a failed start. */
export async function resumePooler(ctx: Context, instance: Instance): Promise<void> {
  if (!instance.pooler) return;
  try {
    const host = await poolerHost(ctx);
    if (await host.pid(instance)) return;
    await launchPooler(ctx, host, instance, instance.pooler.mode);
  } catch (e) {
    ctx.talk.warn(
      `instance ${instance.name} runs, but its pooler did not start: ${describeError(e)}; retry with: resource-postgres pooler start --instance ${instance.name}`,
    );
  }
}

/** manage uninstall: process and files go; with --keep-data the record forgets the pooler too. */
export async function removePooler(ctx: Context, instance: Instance, keepData: boolean): Promise<void> {
  await (await poolerHost(ctx)).remove(instance, { keepUser: keepData });
  if (!instance.pooler) return;
  if (keepData) {
    await ctx.registry.locked(async () => {
      const fresh = await ctx.registry.get(instance.name);
      await ctx.registry.save({ ...fresh, pooler: undefined });
    });
  }
  await ctx.ledger.release(instance.pooler.port, { home: ctx.home.dir, name: instance.name });
}
