import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { resourceMeta } from '../../core/resource-meta.js';
import { startFrom } from './branch.js';
import { isTempInstance, refuseReservedName } from './branch-guard.js';
import { snapshotsNote } from './uninstall-note.js';
import { ensureRunning, setDesired, type StartOutcome } from './lifecycle.js';
import { finishInterruptedUpgrade } from './upgrade-rollback.js';
export { upgrade } from './upgrade.js';
import { pausePooler, removePooler } from '../pooler/hooks.js';
import type {
  InstallOptions,
  InstanceSelector,
  RestartOptions,
  StartOptions,
  StopOptions,
  UninstallOptions,
} from '../options.js';
import { type CommandResult, result } from '../result.js';
import { guardPrimaries } from '../replica/guard.js';
import { dropLinkOnPrimary } from '../replica/slot.js';

export interface ManageData {
  action: string;
  dry_run: boolean;
  instances: Array<{ name: string; result: string; message: string; port?: number; engine?: string }>;
  message: string;
}

type ManageResult = CommandResult<ManageData>;

function manageResult(
  action: string,
  items: ManageData['instances'],
  dryRun = false,
  exitCode = 0,
): CommandResult<ManageData> {
  const message = items.length ? items.map((i) => i.message).join('\n') : `${action}: nothing to do`;
  return result('manage', { action, dry_run: dryRun, instances: items, message }, exitCode);
}

async function targets(ctx: Context, sel: InstanceSelector): Promise<string[]> {
  // --all passes the temporary instances of a running --from by: they are that command's.
  return sel.all ? (await ctx.registry.names()).filter((n) => !isTempInstance(n)) : [sel.instance];
}

const defaultTimeout = () => resourceMeta().startup_timeout ?? DEFAULTS.startTimeoutSec;

const fromOutcome = (o: StartOutcome) => ({
  name: o.name,
  result: o.action,
  message: o.message,
  port: o.port,
  engine: o.engine,
});

/** The major a new instance would get: asked for, else the default, unless binaries or an image decide. */
const majorPlan = (opts: StartOptions) =>
  opts.pgVersion
    ? `PostgreSQL ${opts.pgVersion}, `
    : opts.pgBin || opts.image
      ? ''
      : `PostgreSQL ${DEFAULTS.majorVersion}, `;

export async function start(ctx: Context, opts: StartOptions, signal?: AbortSignal): Promise<ManageResult> {
  if (!opts.all) await refuseReservedName(ctx, opts.instance);
  if (opts.from) {
    const made = await startFrom(ctx, { ...opts, from: opts.from }, opts.timeoutSec ?? defaultTimeout(), signal);
    return manageResult('start', ['port' in made ? fromOutcome(made) : { ...made, result: made.action }], opts.dryRun);
  }
  const names = await targets(ctx, opts);
  if (opts.dryRun) {
    const items = await Promise.all(
      names.map(async (name) => {
        const existing = await ctx.registry.find(name);
        const ext = opts.extensions ? `, then create extensions ${opts.extensions.join(', ')}` : '';
        const message = existing
          ? `would start instance ${name} (${existing.engine}, port ${existing.port}) if it is not running${ext}`
          : opts.replicaOf
            ? `would create instance ${name} as a streaming replica of ${opts.replicaOf} (its engine and major) and start it`
            : `would create instance ${name} (engine ${opts.engine}, ${majorPlan(opts)}template ${opts.template ?? DEFAULTS.template}${opts.port ? `, port ${opts.port}` : ''}) and start it${ext}`;
        return { name, result: 'planned', message };
      }),
    );
    return manageResult('start', items, true);
  }
  if (opts.replicaOf) {
    const replicaOf = opts.replicaOf;
    const timeoutSec = opts.timeoutSec ?? defaultTimeout();
    const { startReplica } = await import('../replica/create.js');
    const outcome = await ctx.registry.lockedInstance(opts.instance, () =>
      startReplica(ctx, { ...opts, replicaOf, timeoutSec }),
    );
    return manageResult('start', [fromOutcome(outcome)]);
  }
  if (opts.all && names.length === 0) return manageResult('start', []);
  if (opts.bind && opts.bind !== DEFAULTS.host) {
    ctx.talk.warn(
      `publishing on ${opts.bind}: the server will accept connections from other machines that can reach this address`,
    );
  }
  const items = [];
  for (const name of names) {
    const timeoutSec = opts.timeoutSec ?? defaultTimeout();
    items.push(
      fromOutcome(await ctx.registry.lockedInstance(name, () => ensureRunning(ctx, name, { ...opts, timeoutSec }))),
    );
  }
  return manageResult('start', items);
}

async function stopOne(
  ctx: Context,
  instance: Instance,
  opts: { force: boolean; timeoutSec: number; restarting?: boolean },
) {
  const engine = await ctx.engine(instance.engine);
  // A killed upgrade is rolled back first: its new server must not outlive the stop.
  instance = await finishInterruptedUpgrade(ctx, instance, engine);
  // Ask the engine first: when it cannot answer (no daemon), nothing is recorded either.
  const before = await engine.inspect(instance);
  // A restart stays meant to run: a status read mid-restart must not see "stopped on purpose".
  if (!opts.restarting) await setDesired(ctx, instance, 'stopped');
  await pausePooler(ctx, instance);
  if (before.state !== 'running') {
    return { name: instance.name, result: 'already stopped', message: `instance ${instance.name} was already stopped` };
  }
  await engine.stop(instance, opts);
  return { name: instance.name, result: 'stopped', message: `instance ${instance.name} stopped (data kept)` };
}

export async function stop(ctx: Context, opts: StopOptions): Promise<CommandResult<ManageData>> {
  const names = await targets(ctx, opts);
  const items = [];
  for (const name of names) {
    const instance = await ctx.registry.find(name);
    if (!instance) {
      items.push({ name, result: 'absent', message: `no instance ${name} in ${ctx.home.dir}; nothing to stop` });
    } else if (opts.dryRun) {
      items.push({
        name,
        result: 'planned',
        message: `would stop instance ${name} (${instance.engine}, port ${instance.port}); data is kept`,
      });
    } else {
      // Read again under the instance's lock: a start running meanwhile may have changed it.
      items.push(await ctx.registry.lockedInstance(name, async () => stopOne(ctx, await ctx.registry.get(name), opts)));
    }
  }
  return manageResult('stop', items, opts.dryRun);
}

export async function restart(ctx: Context, opts: RestartOptions): Promise<CommandResult<ManageData>> {
  const names = await targets(ctx, opts);
  const items = [];
  for (const name of names) {
    await ctx.registry.get(name); // a missing instance is "not found" before anything happens
    if (opts.dryRun) {
      items.push({
        name,
        result: 'planned',
        message: `would restart instance ${name} with the same credentials and data`,
      });
      continue;
    }
    const outcome = await ctx.registry.lockedInstance(name, async () => {
      await stopOne(ctx, await ctx.registry.get(name), {
        force: false,
        timeoutSec: DEFAULTS.stopTimeoutSec,
        restarting: true,
      });
      return ensureRunning(ctx, name, {
        engine: 'auto',
        wait: true,
        force: false,
        timeoutSec: opts.timeoutSec ?? defaultTimeout(),
      });
    });
    items.push({
      ...fromOutcome(outcome),
      result: 'restarted',
      message: `instance ${name} restarted on port ${outcome.port}, accepting queries`,
    });
  }
  return manageResult('restart', items, opts.dryRun);
}

export async function install(ctx: Context, opts: InstallOptions): Promise<CommandResult<ManageData>> {
  const existing = await ctx.registry.find(opts.instance);
  if (opts.dryRun) {
    const message = existing
      ? `instance ${opts.instance} is already installed (${existing.engine}, port ${existing.port}); would make sure it runs`
      : `would check prerequisites, prepare the ${opts.engine} engine, then create and start instance ${opts.instance}`;
    return manageResult('install', [{ name: opts.instance, result: 'planned', message }], true);
  }
  const timeoutSec = opts.timeoutSec ?? defaultTimeout();
  const outcome = await ctx.registry.lockedInstance(opts.instance, () =>
    ensureRunning(ctx, opts.instance, { ...opts, wait: true, timeoutSec }),
  );
  const already = existing !== undefined && outcome.action === 'already running';
  const message = already ? `already installed: ${outcome.message}` : `installed: ${outcome.message}`;
  return manageResult('install', [
    { ...fromOutcome(outcome), result: already ? 'already installed' : 'installed', message },
  ]);
}

export async function uninstall(ctx: Context, opts: UninstallOptions): Promise<CommandResult<ManageData>> {
  const names = opts.instance ? [opts.instance] : await ctx.registry.names();
  if (!opts.dryRun) await ctx.registry.sweepRemoved(); // finish removals a killed CLI cut short
  const present = [];
  for (const name of names) if (await ctx.registry.exists(name)) present.push(name);
  if (present.length === 0) {
    const what = opts.instance ? `no instance ${opts.instance}` : 'no instances';
    return manageResult(
      'uninstall',
      [{ name: opts.instance ?? '', result: 'absent', message: `${what} in ${ctx.home.dir}; nothing to uninstall` }],
      opts.dryRun,
    );
  }
  const dataNote = `${opts.keepData ? 'keeping their data' : 'and DELETE their data'}${await snapshotsNote(ctx, present)}`;
  if (opts.dryRun) {
    return manageResult(
      'uninstall',
      present.map((name) => ({ name, result: 'planned', message: `would remove instance ${name} ${dataNote}` })),
      true,
    );
  }
  await guardPrimaries(ctx, present, opts.force, opts.keepData);
  if (
    !opts.force &&
    !(await ctx.confirm(`Remove ${present.length} instance(s) (${present.join(', ')}) ${dataNote}?`))
  ) {
    throw new CliError(
      'refused',
      `refusing to remove ${present.length} instance(s) (${present.join(', ')}) without confirmation`,
      {
        hint: 'pass --force to confirm (add --keep-data to keep the data)',
      },
    );
  }
  const items = [];
  for (const name of present) {
    items.push(await ctx.registry.lockedInstance(name, () => uninstallOne(ctx, name, opts.keepData)));
  }
  return manageResult('uninstall', items);
}

/** Engine objects first, then the record: a record without objects is what a retry can finish. */
async function uninstallOne(ctx: Context, name: string, keepData: boolean) {
  await ctx.registry.assertWritable(name);
  const recorded = await ctx.registry.get(name);
  const engine = await ctx.engine(recorded.engine);
  // A killed upgrade's new server and data go too; the instance is then removed as it was.
  const instance = await finishInterruptedUpgrade(ctx, recorded, engine);
  await removePooler(ctx, instance, keepData);
  await engine.remove(instance, { keepData });
  if (keepData) {
    await setDesired(ctx, instance, 'stopped');
    return {
      name,
      result: 'removed',
      message: `instance ${name} removed; data and credentials kept in ${ctx.registry.paths(name).root} (manage start --instance ${name} brings it back)`,
    };
  }
  await ctx.registry.remove(name);
  await ctx.ledger.release(instance.port, { home: ctx.home.dir, name });
  // A replica's slot would make its primary keep WAL forever.
  const slot = await dropLinkOnPrimary(ctx, instance);
  return { name, result: 'removed', message: `instance ${name} removed with its data${slot ? `; ${slot}` : ''}` };
}
