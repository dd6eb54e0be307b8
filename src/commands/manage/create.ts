import type { Context } from '../../context.js';
import { DEFAULTS, ENV, imageForMajor } from '../../core/defaults.js';
import { CliError, isCliError } from '../../core/errors.js';
import { type EngineName, generatePassword, type Instance } from '../../core/instance.js';
import { checkExplicitPort, choosePort, type PortClaims, type PortHolder } from '../../core/ports.js';
import { getTemplate } from '../../core/templates.js';
import type { Engine } from '../../engines/engine.js';
import type { CreateOptions } from '../options.js';
import { tlsFields } from './tls.js';

/**
 * auto: docker when a daemon answers and the image is present or can be pulled; native
 * otherwise. The reason for the choice is said, so a surprising pick can be understood.
 */
export async function chooseEngine(ctx: Context, draft: Instance, requested: CreateOptions['engine']): Promise<Engine> {
  if (requested !== 'auto') {
    const engine = await ctx.engine(requested);
    const check = await engine.check();
    if (!check.ok)
      throw new CliError('engine', `the ${requested} engine is not usable: ${check.reason}`, { hint: check.hint });
    return engine;
  }
  const docker = await ctx.engine('docker');
  const check = await docker.check();
  if (check.ok) {
    try {
      await docker.prepare({ ...draft, engine: 'docker' }, ctx.talk.progress);
      return docker;
    } catch (e) {
      // Bad input (e.g. --image of another major than --pg-version) is wrong on any engine.
      if (isCliError(e) && e.kind === 'usage') throw e;
      ctx.talk.info(`docker: ${(e as Error).message}; using the native engine instead`);
    }
  } else {
    ctx.talk.info(`docker: ${check.reason}; using the native engine`);
  }
  const native = await ctx.engine('native');
  const nativeCheck = await native.check();
  if (!nativeCheck.ok) {
    throw new CliError(
      'engine',
      `no engine is usable: docker: ${check.ok ? 'image unavailable' : check.reason}; native: ${nativeCheck.reason}`,
      {
        hint: nativeCheck.hint,
      },
    );
  }
  return native;
}

/** A new instance's record before its port is chosen; validates the template first. */
export function draftInstance(ctx: Context, name: string, opts: CreateOptions, engine: EngineName): Instance {
  const template = getTemplate(opts.template ?? DEFAULTS.template);
  // owner: the program keeps a superuser of its own and applications get a role that owns its database.
  const admin =
    (opts.appRole ?? template.app_role) === 'owner'
      ? { user: DEFAULTS.adminUser, password: generatePassword() }
      : undefined;
  const pgBin = engine === 'native' ? (opts.pgBin ?? ctx.env[ENV.pgBin]) : undefined;
  return {
    name,
    engine,
    image: engine === 'docker' ? draftImage(ctx, opts) : undefined,
    // Native binaries named by the user are whatever major they are, unless one was asked for.
    version: opts.pgVersion ?? (engine === 'docker' || pgBin ? undefined : DEFAULTS.majorVersion),
    port: 0,
    host: opts.bind ?? DEFAULTS.host,
    user: DEFAULTS.user,
    password: generatePassword(),
    admin,
    database: DEFAULTS.database,
    template: template.name,
    created: ctx.now().toISOString(),
    desiredState: 'running',
    pgBin,
    ...(opts.tls ? tlsFields(ctx, opts.tlsRequire ? 'required' : 'on') : {}),
    extra: {},
  };
}

/** --image, else the asked major's official image, else RESOURCE_POSTGRES_IMAGE, else the default. */
function draftImage(ctx: Context, opts: CreateOptions): string {
  if (opts.image) return opts.image;
  if (opts.pgVersion) return imageForMajor(opts.pgVersion);
  return ctx.env[ENV.image] ?? DEFAULTS.image;
}

/** Ports any container publishes, as docker sees them (none when no daemon answers). */
export async function dockerPublished(ctx: Context): Promise<Map<number, PortHolder>> {
  const docker = await ctx.engine('docker');
  return (await docker.check()).ok ? docker.heldPorts() : new Map();
}

/**
 * Ports claimed by every instance.conf of the home and published by any container. `asked`:
 * docker's answer, asked before the home lock (other homes' containers never wait for it).
 */
export async function gatherClaims(
  ctx: Context,
  self?: string,
  asked: Promise<Map<number, PortHolder>> = dockerPublished(ctx),
): Promise<PortClaims> {
  const claimed = new Map<number, PortHolder>();
  for (const entry of await ctx.registry.list()) {
    if ('error' in entry || entry.name === self) continue;
    claimed.set(entry.port, {
      kind: 'instance',
      name: entry.name,
      fix: `resource-postgres manage uninstall --instance ${entry.name}`,
    });
  }
  for (const [port, holder] of await ctx.ledger.foreign(ctx.home.dir))
    if (!claimed.has(port)) claimed.set(port, holder);
  const published = new Map(await asked);
  // Our own containers are already counted by their instance.conf (and self may be re-created).
  for (const [port, holder] of published) {
    if (claimed.get(port)?.name === holder.name.replace(/^resource-postgres-/, '')) published.delete(port);
    if (self !== undefined && holder.name === `resource-postgres-${self}`) published.delete(port);
  }
  return { claimed, published };
}

/**
 * Chooses the port and writes instance.conf under the home lock, so concurrent creates never
 * collide. Returns the instance already recorded if another process created it meanwhile.
 */
export async function recordNewInstance(
  ctx: Context,
  draft: Instance,
  explicitPort: number | undefined,
  skip = new Set<number>(),
): Promise<{ instance: Instance; created: boolean }> {
  // Concurrent creates queue for the home lock: the daemon's round trips are made before it.
  const published = dockerPublished(ctx);
  published.catch(() => {}); // awaited under the lock (unless the instance exists by then)
  return ctx.registry.locked(async () => {
    const existing = await ctx.registry.find(draft.name);
    if (existing) return { instance: existing, created: false };
    const claims = await gatherClaims(ctx, draft.name, published);
    let port: number;
    if (explicitPort !== undefined) {
      await checkExplicitPort(explicitPort, claims, ctx.ports, draft.name);
      if (!(await ctx.ledger.claim(explicitPort, owner(ctx, draft.name)))) {
        throw new CliError('conflict', `port ${explicitPort} was just claimed by an instance of another home`, {
          hint: 'choose another --port, or leave it out',
        });
      }
      port = explicitPort;
    } else {
      port = await claimFreePort(
        ctx,
        draft.name,
        claims,
        draft.name === DEFAULTS.instance ? DEFAULTS.preferredPort : undefined,
        skip,
      );
    }
    const instance = { ...draft, port };
    try {
      await ctx.registry.save(instance);
    } catch (e) {
      await ctx.ledger.release(port, owner(ctx, draft.name));
      throw e;
    }
    return { instance, created: true };
  });
}

/**
 * The engine's prepare (which may resolve or install a native runtime) and the record of the
 * new instance, holding the runtime's shared lock throughout: `versions remove` cannot take
 * the runtime from between them, and then sees the instance (runtime-use.ts).
 */
export async function prepareAndRecord(
  ctx: Context,
  engine: Engine,
  draft: Instance,
  explicitPort: number | undefined,
  /** After the engine is ready, before anything is recorded: checks that may still refuse. */
  beforeRecord: () => Promise<void> = async () => {},
): Promise<{ instance: Instance; created: boolean }> {
  // Loaded here: status and the pooler import this file, and must not load the runtime installer (execa).
  const { markRuntimeUse, runtimeMajorOf, withRuntimeLock } = await import('../versions/runtime-use.js');
  const major = runtimeMajorOf(draft, ctx.env);
  const work = async () => {
    await engine.prepare(draft, ctx.talk.progress);
    await beforeRecord();
    if (major) await markRuntimeUse(ctx.env, major, ctx.home.dir);
    return recordNewInstance(ctx, draft, explicitPort);
  };
  return major ? withRuntimeLock(ctx.env, major, 'shared', work) : work();
}

const owner = (ctx: Context, name: string) => ({ home: ctx.home.dir, name });

/** The first free port that the machine-wide ledger also lets this instance claim. */
export async function claimFreePort(
  ctx: Context,
  name: string,
  claims: PortClaims,
  preferred: number | undefined,
  skip: Set<number>,
): Promise<number> {
  const tried = new Set(skip);
  for (;;) {
    const port = await choosePort(claims, ctx.ports, preferred, tried);
    if (await ctx.ledger.claim(port, owner(ctx, name))) return port;
    tried.add(port); // another home claimed it between our look and our claim
    preferred = undefined;
  }
}

/** After the engine refused the port: record another one (never for an explicit --port). */
export async function moveToNewPort(ctx: Context, instance: Instance, skip: Set<number>): Promise<Instance> {
  return ctx.registry.locked(async () => {
    const claims = await gatherClaims(ctx, instance.name);
    const port = await claimFreePort(ctx, instance.name, claims, undefined, skip);
    const moved = { ...instance, port };
    await ctx.registry.save(moved);
    await ctx.ledger.release(instance.port, owner(ctx, instance.name));
    return moved;
  });
}
