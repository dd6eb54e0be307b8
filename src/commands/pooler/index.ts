import type { Context } from '../../context.js';
import { connectHost } from '../../core/connection.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { DEFAULT_POOLER_MODE, type PoolerMode, POOLER_PORT_RANGE } from '../../core/pooler.js';
import { type CommandResult, result } from '../result.js';
import { launchPooler, poolerHost } from './launch.js';
import { poolerHealth } from './hooks.js';

export type PoolerOptions = {
  action: 'start' | 'stop' | 'status';
  instance: string;
  /** start: the pool mode; undefined keeps the recorded one (transaction for a new pooler). */
  mode?: PoolerMode;
  /** start, stop: say what would be done; change nothing. */
  dryRun?: boolean;
};

export interface PoolerData {
  instance: string;
  engine: string;
  action: PoolerOptions['action'];
  /** started, restarted (mode changed), already running, stopped, not running, running, unhealthy, absent. */
  result: string;
  running: boolean;
  healthy: boolean;
  host: string | null;
  port: number | null;
  mode: PoolerMode | null;
  pid: number | null;
  message: string;
}

function data(instance: Instance, action: PoolerOptions['action'], fields: Partial<PoolerData>): PoolerData {
  return {
    instance: instance.name,
    engine: instance.engine,
    action,
    result: 'absent',
    running: false,
    healthy: false,
    host: instance.pooler ? connectHost(instance.host) : null,
    port: instance.pooler?.port ?? null,
    mode: instance.pooler?.mode ?? null,
    pid: null,
    message: '',
    ...fields,
  };
}

/** `pooler start|stop|status --instance X`. */
export async function pooler(ctx: Context, opts: PoolerOptions): Promise<CommandResult<PoolerData>> {
  if (opts.action === 'status') return status(ctx, opts.instance);
  if (opts.dryRun) return plan(ctx, opts);
  return ctx.registry.lockedInstance(opts.instance, () =>
    opts.action === 'start' ? start(ctx, opts.instance, opts.mode) : stop(ctx, opts.instance),
  );
}

async function start(ctx: Context, name: string, mode: PoolerMode | undefined): Promise<CommandResult<PoolerData>> {
  const instance = await ctx.registry.get(name);
  const host = await poolerHost(ctx);
  await host.check(); // PgBouncer missing: say so before anything changes
  const wanted = mode ?? instance.pooler?.mode ?? DEFAULT_POOLER_MODE;
  const pid = instance.pooler ? await host.pid(instance) : undefined;
  if (pid && instance.pooler?.mode === wanted) {
    const message = `the pooler of instance ${name} is already running on port ${instance.pooler.port} (${wanted} mode)`;
    return result(
      'pooler',
      data(instance, 'start', { result: 'already running', running: true, healthy: true, pid, message }),
    );
  }
  const state = await (await ctx.engine(instance.engine)).inspect(instance);
  if (state.state !== 'running') {
    throw new CliError('failed', `instance ${name} is not running; its pooler needs the server`, {
      hint: `start it first: resource-postgres manage start --instance ${name}`,
    });
  }
  if (pid) await host.stop(instance); // another mode: PgBouncer reads pool_mode at start
  const started = await launchPooler(ctx, host, instance, wanted);
  const { port } = started.pooler!;
  const message = `the pooler of instance ${name} ${pid ? 'restarted' : 'started'} on ${connectHost(started.host)}:${port} (${wanted} mode); connect with: resource-postgres credentials --pooler --instance ${name}`;
  return result(
    'pooler',
    data(started, 'start', {
      result: pid ? 'restarted' : 'started',
      running: true,
      healthy: true,
      pid: (await host.pid(started)) ?? null,
      message,
    }),
  );
}

/** Stops the pooler and forgets it: process, files, recorded port, and the lookup role's login. */
async function stop(ctx: Context, name: string): Promise<CommandResult<PoolerData>> {
  const instance = await ctx.registry.get(name);
  const host = await poolerHost(ctx);
  const ran = (await host.pid(instance)) !== undefined;
  if (!instance.pooler && !ran) {
    const message = `instance ${name} has no pooler; nothing to stop`;
    return result('pooler', data(instance, 'stop', { result: 'not running', message }));
  }
  await host.remove(instance);
  if (instance.pooler) {
    const pooled = instance.pooler;
    await ctx.registry.locked(async () => {
      const fresh = await ctx.registry.get(name);
      await ctx.registry.save({ ...fresh, pooler: undefined });
    });
    await ctx.ledger.release(pooled.port, { home: ctx.home.dir, name });
  }
  // Best effort: a stopped server keeps the role's login until the next pooler start rotates it.
  await import('../../postgres/pooler-auth.js').then((m) => m.disablePoolerAuth(instance)).catch(() => {});
  const message = `the pooler of instance ${name} stopped and removed${instance.pooler ? ` (port ${instance.pooler.port} released)` : ''}`;
  return result('pooler', data(instance, 'stop', { result: 'stopped', message }));
}

async function status(ctx: Context, name: string): Promise<CommandResult<PoolerData>> {
  const instance = await ctx.registry.get(name);
  if (!instance.pooler) {
    const message = `instance ${name} has no pooler; start one with: resource-postgres pooler start --instance ${name}`;
    return result('pooler', data(instance, 'status', { message }), 2);
  }
  const h = await poolerHealth(ctx, instance, false);
  const fields = { running: h.running, healthy: h.healthy, pid: h.pid, message: h.message };
  const res = h.healthy ? 'running' : h.running ? 'unhealthy' : 'not running';
  const onPurpose = instance.desiredState === 'stopped' && !h.running;
  return result('pooler', data(instance, 'status', { result: res, ...fields }), h.healthy ? 0 : onPurpose ? 2 : 1);
}

async function plan(ctx: Context, opts: PoolerOptions): Promise<CommandResult<PoolerData>> {
  const instance = await ctx.registry.get(opts.instance);
  const mode = opts.mode ?? instance.pooler?.mode ?? DEFAULT_POOLER_MODE;
  const where = instance.pooler
    ? `port ${instance.pooler.port}`
    : `the first free port in ${POOLER_PORT_RANGE.start}-${POOLER_PORT_RANGE.end}`;
  const message =
    opts.action === 'start'
      ? `would start the pooler of instance ${instance.name} on ${where} (${mode} mode) if it is not running`
      : `would stop the pooler of instance ${instance.name} and remove it${instance.pooler ? '' : ' (it has none)'}`;
  return result('pooler', data(instance, opts.action, { result: 'planned', message }));
}
