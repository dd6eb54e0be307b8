import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { waitReady } from './ready.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { type Engine, PortTakenError } from '../../engines/engine.js';
import { checkCreateFlags } from './create-flags.js';
import { portClaimedElsewhere } from './port-claim.js';
import { unhealthyReason } from './repair.js';
import { provisionAppRole } from './app-role.js';
import { recordServerMajor } from './record-version.js';
import { resumePooler } from '../pooler/hooks.js';
import { finishInterrupted } from './interrupted.js';
import { checkOffered, ensureExtensions } from './extensions.js';
import { chooseEngine, draftInstance, moveToNewPort, prepareAndRecord } from './create.js';
import type { CreateOptions } from '../options.js';
import { ensureServerTls } from './tls.js';
import { sparesOn, startSpareBuilder, takeSpare } from './spares.js';
import { sparesEnvOff } from '../../core/spares.js';
import { guardLostReplica } from '../replica/guard.js';

export type StartAction = 'created' | 'started' | 'already running' | 'repaired';

export interface StartOutcome {
  name: string;
  engine: string;
  port: number;
  action: StartAction;
  ready: boolean;
  /** A new instance whose data came from a spare (spares.ts). */
  fromSpare?: boolean;
  message: string;
}

const PORT_RETRIES = 5;

/** Creates the engine's server for a recorded instance, choosing another port if the engine finds it taken. */
async function createServer(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  explicitPort: boolean,
): Promise<Instance> {
  const skip = new Set<number>();
  // A TLS instance gets its certificate before its server first starts (or again, if a killed create lost it).
  await ensureServerTls(ctx, instance);
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
  let checked = false; // --extensions against the engine's files, before anything changed
  sparesEnvOff(ctx.env); // a bad RESOURCE_POSTGRES_SPARES is refused before anything is made
  let fromSpare = false;
  if (!instance) {
    const draft = draftInstance(ctx, name, opts, opts.engine === 'auto' ? 'docker' : opts.engine);
    engine = await chooseEngine(ctx, draft, opts.engine);
    const typed = draftInstance(ctx, name, opts, engine.name);
    // Extensions are checked before anything is made (when the engine can tell): the new server preloads what they need from its first start.
    const recorded = await prepareAndRecord(ctx, engine, typed, opts.port, async () => {
      if (opts.extensions && (await checkOffered(engine, typed, opts.extensions))) {
        typed.extensions = [...opts.extensions];
        checked = true;
      }
    });
    instance = recorded.instance;
    if (!recorded.created) engine = await ctx.engine(instance.engine);
    fromSpare = recorded.created && (await sparesOn(ctx, opts)) && (await takeSpare(ctx, engine, instance));
    ctx.talk.info(
      `creating instance ${name} on the ${engine.name} engine, port ${instance.port}${fromSpare ? ' from a spare' : ''}`,
    );
    instance = await createServer(ctx, engine, instance, opts.port !== undefined);
    action = 'created';
  } else {
    checkCreateFlags(instance, opts);
    if (opts.extensions) checked = await checkOffered(await ctx.engine(instance.engine), instance, opts.extensions);
    // Instances recorded before the machine-wide ledger (or after a reboot emptied it) claim again.
    const claimed = await ctx.ledger.claim(instance.port, { home: ctx.home.dir, name: instance.name });
    engine = await ctx.engine(instance.engine);
    // What a killed restore, upgrade or --from left is dealt with before anything looks at the data.
    instance = await finishInterrupted(ctx, instance, engine);
    const existing = instance; // narrowed, for the closures below
    const recordedUser = instance.extra.server_user;
    // Ask the engine first: when it cannot answer (no daemon), nothing is recorded either.
    const state = await engine.inspect(instance);
    if (!claimed) await portClaimedElsewhere(ctx, instance, state.state === 'running');
    // Recorded while the engine works: its lock is a flock(1) process that need not wait for the server.
    const desired = setDesired(ctx, instance, 'running');
    desired.catch(() => {}); // awaited below, after the engine's work (whose error comes first)
    try {
      if (state.state === 'running') {
        // A no-op for a running server; a waited start's readiness probe makes the instance's database
        // if a create cut short (the CLI killed after the server first came up) left it without one.
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
        await ensureServerTls(ctx, existing);
        await explainPortTaken(ctx, existing, true, () => engine.start(existing, { timeoutSec: opts.timeoutSec }));
        action = 'started';
      } else {
        guardLostReplica(existing, state.dataExists);
        // The create saves the whole record: setDesired's re-read and save must not come after and undo it.
        await desired;
        await engine.prepare(instance, ctx.talk.progress);
        instance = await explainPortTaken(ctx, existing, false, () => createServer(ctx, engine, existing, true));
        action = 'created';
      }
    } finally {
      // The engine's error comes first; the record is written before the instance's lock is let go.
      await desired.catch(() => {});
    }
    await desired;
    // The native engine names the OS user an instance of an older version now runs as.
    if (instance.extra.server_user !== recordedUser) await recordExtra(ctx, instance, 'server_user');
  }
  // App role owner: the application's role is made, or put right, once the server answers;
  // a new instance is not handed out before its role exists, so create waits even with --no-wait.
  // Never on a replica: it is a read-only copy, the role is made on its primary and streamed.
  const provision = instance.admin !== undefined && !instance.replicaOf && (opts.wait || action === 'created');
  // Extensions are created in the running server, so --extensions waits even with --no-wait.
  const waited = opts.wait || provision || opts.extensions !== undefined;
  if (waited) await waitReady(ctx, engine, instance, opts.timeoutSec);
  // Native records the major of the binaries it ran; a docker image may not say what it holds.
  const created = action === 'created' && instance.engine === 'docker';
  if (waited && (created || instance.version === undefined)) instance = await recordServerMajor(ctx, instance);
  if (provision) await provisionAppRole(instance);
  const ready = (i: Instance) => waitReady(ctx, engine, i, opts.timeoutSec);
  const ext = opts.extensions
    ? await ensureExtensions(ctx, engine, instance, opts.extensions, { ready, created: action === 'created', checked })
    : undefined;
  instance = ext?.instance ?? instance;
  if (instance.pooler) {
    // The pooler prepares the server over SQL: it needs an answering server even with --no-wait.
    if (!opts.wait && !provision) await waitReady(ctx, engine, instance, opts.timeoutSec);
    await resumePooler(ctx, instance);
  }
  // The next create's spare, built in the background (the home's setting and --no-spare permitting).
  if (action === 'created' && (await sparesOn(ctx, opts))) await startSpareBuilder(ctx, engine, opts);
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
    fromSpare,
    message: `instance ${instance.name} ${how}${fromSpare ? ' from a spare' : ''} on ${instance.engine}, port ${instance.port}${ext?.note ?? ''}${opts.wait ? ', accepting queries' : ''}`,
  };
}

export { setDesired };
