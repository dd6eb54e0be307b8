import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { appRoleOf, type Instance } from '../../core/instance.js';
import { waitFor } from '../../core/wait.js';
import { type Engine, PortTakenError } from '../../engines/engine.js';
import { unhealthyReason } from './repair.js';
import { provisionAppRole } from './app-role.js';
import { recordServerMajor } from './record-version.js';
import { finishInterruptedRestore } from './interrupted-restore.js';
import { finishInterruptedUpgrade } from './upgrade-rollback.js';
import { chooseEngine, draftInstance, moveToNewPort, recordNewInstance } from './create.js';
import type { CreateOptions } from '../options.js';

export type StartAction = 'created' | 'started' | 'already running' | 'repaired';

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
    return out.length
      ? `last ${out.length} lines of the server log:\n${out.map((l) => `  ${l}`).join('\n')}`
      : undefined;
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
      // A failed attempt is cheap (connection refused); backing off to 250 ms left start
      // up to 250 ms behind a server that was already ready.
      intervalMs: 10,
      maxIntervalMs: 20,
      what: `instance ${instance.name} to answer an authenticated query on port ${instance.port}`,
      evidence: () => logTail(engine, instance),
      hint: `see the full log with: resource-postgres logs --instance ${instance.name}; raise --timeout if the machine is slow`,
    },
  );
}

/** Refuses create-time flags that disagree with an existing instance instead of ignoring them. */
function checkCreateFlags(instance: Instance, opts: CreateOptions): void {
  const clash = (flag: string, given: unknown, actual: unknown) => {
    throw new CliError(
      'usage',
      `instance ${instance.name} already exists with ${flag} ${String(actual)}; ${flag} ${String(given)} applies only when creating an instance`,
      {
        hint: `leave ${flag} out, or create another instance with --instance NEW ${flag} ${String(given)}`,
      },
    );
  };
  if (opts.port !== undefined && opts.port !== instance.port) clash('--port', opts.port, instance.port);
  if (opts.engine !== 'auto' && opts.engine !== instance.engine) clash('--engine', opts.engine, instance.engine);
  if (opts.template !== undefined && opts.template !== instance.template)
    clash('--template', opts.template, instance.template);
  if (opts.image !== undefined && instance.engine === 'docker' && opts.image !== instance.image)
    clash('--image', opts.image, instance.image);
  if (opts.appRole !== undefined && opts.appRole !== appRoleOf(instance))
    clash('--app-role', opts.appRole, appRoleOf(instance));
  if (opts.pgVersion !== undefined && instance.version !== undefined && opts.pgVersion !== instance.version) {
    throw new CliError(
      'usage',
      `instance ${instance.name} already exists with PostgreSQL ${instance.version}; --pg-version ${opts.pgVersion} applies only when creating an instance`,
      {
        hint:
          Number(opts.pgVersion) > Number(instance.version)
            ? `to move its data to PostgreSQL ${opts.pgVersion}: resource-postgres manage upgrade --instance ${instance.name} --pg-version ${opts.pgVersion}; or leave --pg-version out`
            : `PostgreSQL data never moves to an older major; leave --pg-version out, or create another instance with --instance NEW --pg-version ${opts.pgVersion}`,
      },
    );
  }
}

/** Creates the engine's server for a recorded instance, choosing another port if the engine finds it taken. */
async function createServer(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  explicitPort: boolean,
): Promise<Instance> {
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

/**
 * Runs an engine step of an existing instance, explaining a port held by someone else: who
 * holds it and what frees it (--port cannot move an existing instance, so "choose another
 * --port" would be no help). `container`: a docker container exists and must be recreated
 * to publish another port.
 */
async function explainPortTaken<T>(
  ctx: Context,
  instance: Instance,
  container: boolean,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (!(e instanceof PortTakenError)) throw e;
    const holder = await ctx.ports.findListener(instance.port).catch(() => undefined);
    const free = holder?.fix ? holder.fix.replace(/ or choose another --port$/, '') : 'free the port';
    const recreate = container
      ? `, then recreate its container keeping the data: resource-postgres manage uninstall --instance ${instance.name} --keep-data --force && resource-postgres manage start --instance ${instance.name}`
      : ' and start it again';
    throw new CliError(
      'conflict',
      `instance ${instance.name} cannot start: its port ${instance.port} is taken by ${holder ? holder.name : 'another program'}`,
      {
        details: e.message,
        hint:
          `${free}, then run: resource-postgres manage start --instance ${instance.name}; ` +
          `or move the instance: set port="NEW" in ${ctx.registry.paths(instance.name).conf} (a free port in ${DEFAULTS.portRangeStart}-${DEFAULTS.portRangeEnd})${recreate}`,
      },
    );
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

/** Saves one engine-recorded key of instance.extra into the record, re-read under the home lock. */
async function recordExtra(ctx: Context, instance: Instance, key: string): Promise<void> {
  await ctx.registry.locked(async () => {
    const fresh = await ctx.registry.get(instance.name);
    const value = instance.extra[key];
    if (value === undefined) return;
    await ctx.registry.save({ ...fresh, extra: { ...fresh.extra, [key]: value } });
  });
}

export interface EnsureOptions extends CreateOptions {
  wait: boolean;
  timeoutSec: number;
  /** Restart a running server that fails the health probe (never a healthy one; never touches data). */
  force: boolean;
}

/** Start means: find, start if stopped, create if absent; "already running" is success. */
export async function ensureRunning(ctx: Context, name: string, opts: EnsureOptions): Promise<StartOutcome> {
  // The readiness probe needs pg: load it while the engine starts the server, not after.
  if (opts.wait) void import('../../postgres/client.js').then((m) => m.loadPg()).catch(() => {});
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
    // Instances recorded before the machine-wide ledger (or after a reboot emptied it) claim again.
    const claimed = await ctx.ledger.claim(instance.port, { home: ctx.home.dir, name: instance.name });
    engine = await ctx.engine(instance.engine);
    // A restore killed half-way is finished or undone before anything else looks at the data.
    instance = await finishInterruptedRestore(ctx, instance, engine);
    // So is a major upgrade: the old major comes back as it was (upgrade-rollback.ts).
    instance = await finishInterruptedUpgrade(ctx, instance, engine);
    const existing = instance; // narrowed, for the closures below
    const recordedUser = instance.extra.server_user;
    // Ask the engine first: when it cannot answer (no daemon), nothing is recorded either.
    const state = await engine.inspect(instance);
    if (!claimed) await portClaimedElsewhere(ctx, instance, state.state === 'running');
    await setDesired(ctx, instance, 'running');
    if (state.state === 'running') {
      // A no-op for a running server, except that it finishes a create cut short (a CLI killed
      // after the server came up but before the native engine created the instance's database).
      await engine.start(instance, { timeoutSec: opts.timeoutSec });
      action = 'already running';
      // --force repairs, never restarts a healthy server: callers pass it on every run.
      const failing = opts.force ? await unhealthyReason(ctx, instance, opts.timeoutSec) : undefined;
      if (failing) {
        ctx.talk.info(`instance ${name} runs but fails its health probe (${failing}); restarting it (--force)`);
        await engine.stop(instance, { timeoutSec: DEFAULTS.stopTimeoutSec });
        await explainPortTaken(ctx, existing, true, () => engine.start(existing, { timeoutSec: opts.timeoutSec }));
        action = 'repaired';
      }
    } else if (state.state === 'stopped') {
      await explainPortTaken(ctx, existing, true, () => engine.start(existing, { timeoutSec: opts.timeoutSec }));
      action = 'started';
    } else {
      await engine.prepare(instance, ctx.talk.progress);
      instance = await explainPortTaken(ctx, existing, false, () => createServer(ctx, engine, existing, true));
      action = 'created';
    }
    // The native engine names the OS user an instance of an older version now runs as.
    if (instance.extra.server_user !== recordedUser) await recordExtra(ctx, instance, 'server_user');
  }
  // App role owner: the application's role is made, or put right, once the server answers;
  // a new instance is not handed out before its role exists, so create waits even with --no-wait.
  const provision = instance.admin !== undefined && (opts.wait || action === 'created');
  if (opts.wait || provision) await waitReady(ctx, engine, instance, opts.timeoutSec);
  // Native records the major of the binaries it ran; a docker image may not say what it holds.
  const created = action === 'created' && instance.engine === 'docker';
  if ((opts.wait || provision) && (created || instance.version === undefined))
    instance = await recordServerMajor(ctx, instance);
  if (provision) await provisionAppRole(instance);
  const how =
    action === 'already running'
      ? 'was already running'
      : action === 'repaired'
        ? 'was running but unhealthy; restarted'
        : action;
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

/**
 * Another home's instance holds this instance's port in the machine-wide ledger (both were
 * recorded with it, e.g. before the ledger existed). A running server owns the port in fact:
 * say so and go on. A stopped one would fight the other for it: refuse, naming both.
 */
async function portClaimedElsewhere(ctx: Context, instance: Instance, running: boolean): Promise<void> {
  const holder = (await ctx.ledger.foreign(ctx.home.dir)).get(instance.port);
  const other = holder?.name ?? 'an instance of another home';
  const move = `set port="NEW" in ${ctx.registry.paths(instance.name).conf} (a free port in ${DEFAULTS.portRangeStart}-${DEFAULTS.portRangeEnd})`;
  if (running) {
    ctx.talk.warn(
      `port ${instance.port} of instance ${instance.name} is also recorded by ${other}; ${move} or move that one`,
    );
    return;
  }
  throw new CliError(
    'conflict',
    `instance ${instance.name} cannot start: its port ${instance.port} is also recorded by ${other}`,
    {
      hint: `${move}, or move or uninstall the other${holder?.fix ? ` (${holder.fix})` : ''}`,
    },
  );
}
