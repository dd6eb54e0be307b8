import type { Context } from '../context.js';
import { DEFAULTS } from '../core/defaults.js';
import { CliError } from '../core/errors.js';
import type { Instance } from '../core/instance.js';
import { waitFor } from '../core/wait.js';
import { type Engine, PortTakenError } from '../engines/engine.js';
import { chooseEngine, draftInstance, moveToNewPort, recordNewInstance } from './create.js';
import type { CreateOptions } from './options.js';

export type StartAction = 'created' | 'started' | 'already running' | 'restarted';

export interface StartOutcome {
  name: string;
  engine: string;
  port: number;
  action: StartAction;
  ready: boolean;
  message: string;
}

const PORT_RETRIES = 5;

/** Server log lines for error evidence; never fails. */
export async function logTail(engine: Engine, instance: Instance, lines = 20): Promise<string | undefined> {
  try {
    const out: string[] = [];
    for await (const line of engine.logs(instance, { tail: lines })) out.push(line);
    return out.length ? `last ${out.length} lines of the server log:\n${out.map((l) => `  ${l}`).join('\n')}` : undefined;
  } catch {
    return undefined;
  }
}

/** Polls the authenticated probe until it passes; on timeout names the last failure and shows the log. */
export async function waitReady(ctx: Context, engine: Engine, instance: Instance, timeoutSec: number): Promise<void> {
  await waitFor(
    async () => {
      const r = await ctx.probe(instance, Math.min(DEFAULTS.probeTimeoutMs, timeoutSec * 1000));
      return r.ok ? undefined : r.message;
    },
    {
      timeoutMs: timeoutSec * 1000,
      what: `instance ${instance.name} to answer an authenticated query on port ${instance.port}`,
      evidence: () => logTail(engine, instance),
      hint: `see the full log with: resource-postgres logs --instance ${instance.name}; raise --timeout if the machine is slow`,
    },
  );
}

/** Refuses create-time flags that disagree with an existing instance instead of ignoring them. */
function checkCreateFlags(instance: Instance, opts: CreateOptions): void {
  const clash = (flag: string, given: unknown, actual: unknown) => {
    throw new CliError('usage', `instance ${instance.name} already exists with ${flag} ${String(actual)}; ${flag} ${String(given)} applies only when creating an instance`, {
      hint: `leave ${flag} out, or create another instance with --instance NEW ${flag} ${String(given)}`,
    });
  };
  if (opts.port !== undefined && opts.port !== instance.port) clash('--port', opts.port, instance.port);
  if (opts.engine !== 'auto' && opts.engine !== instance.engine) clash('--engine', opts.engine, instance.engine);
  if (opts.template !== undefined && opts.template !== instance.template) clash('--template', opts.template, instance.template);
  if (opts.image !== undefined && instance.engine === 'docker' && opts.image !== instance.image) clash('--image', opts.image, instance.image);
}

/** Creates the engine's server for a recorded instance, choosing another port if the engine finds it taken. */
async function createServer(ctx: Context, engine: Engine, instance: Instance, explicitPort: boolean): Promise<Instance> {
  const skip = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    try {
      await engine.create(instance, ctx.talk.progress);
      // Engines may record what they chose (native data directory, server version).
      await ctx.registry.save(instance);
      return instance;
    } catch (e) {
      if (!(e instanceof PortTakenError) || explicitPort || attempt >= PORT_RETRIES) throw e;
      skip.add(instance.port);
      ctx.talk.info(`port ${instance.port} turned out to be taken (${e.message}); picking another`);
      instance = await moveToNewPort(ctx, instance, skip);
    }
  }
}

async function setDesired(ctx: Context, instance: Instance, desired: Instance['desiredState']): Promise<void> {
  if (instance.desiredState === desired) return;
  instance.desiredState = desired;
  await ctx.registry.locked(async () => {
    const fresh = await ctx.registry.get(instance.name);
    await ctx.registry.save({ ...fresh, desiredState: desired });
  });
}

export interface EnsureOptions extends CreateOptions {
  wait: boolean;
  timeoutSec: number;
  /** Restart a running server (never touches data). */
  force: boolean;
}

/** Start means: find, start if stopped, create if absent; "already running" is success. */
export async function ensureRunning(ctx: Context, name: string, opts: EnsureOptions): Promise<StartOutcome> {
  let instance = await ctx.registry.find(name);
  let engine: Engine;
  let action: StartAction;
  if (!instance) {
    const draft = draftInstance(ctx, name, opts, opts.engine === 'auto' ? 'docker' : opts.engine);
    engine = await chooseEngine(ctx, draft, opts.engine);
    const typed = draftInstance(ctx, name, opts, engine.name);
    await engine.prepare(typed, ctx.talk.progress);
    const recorded = await recordNewInstance(ctx, typed, opts.port);
    instance = recorded.instance;
    if (!recorded.created) engine = await ctx.engine(instance.engine);
    ctx.talk.info(`creating instance ${name} on the ${engine.name} engine, port ${instance.port}`);
    instance = await createServer(ctx, engine, instance, opts.port !== undefined);
    action = 'created';
  } else {
    checkCreateFlags(instance, opts);
    engine = await ctx.engine(instance.engine);
    await setDesired(ctx, instance, 'running');
    const state = await engine.inspect(instance);
    if (state.state === 'running' && opts.force) {
      await engine.stop(instance, { timeoutSec: DEFAULTS.stopTimeoutSec });
      await engine.start(instance, { timeoutSec: opts.timeoutSec });
      action = 'restarted';
    } else if (state.state === 'running') {
      action = 'already running';
    } else if (state.state === 'stopped') {
      await engine.start(instance, { timeoutSec: opts.timeoutSec });
      action = 'started';
    } else {
      await engine.prepare(instance, ctx.talk.progress);
      instance = await createServer(ctx, engine, instance, true);
      action = 'created';
    }
  }
  if (opts.wait) await waitReady(ctx, engine, instance, opts.timeoutSec);
  const how = action === 'already running' ? 'was already running' : action;
  return {
    name: instance.name,
    engine: instance.engine,
    port: instance.port,
    action,
    ready: opts.wait,
    message: `instance ${instance.name} ${how} on ${instance.engine}, port ${instance.port}${opts.wait ? ', accepting queries' : ''}`,
  };
}

export { setDesired };
