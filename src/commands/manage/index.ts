import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { EngineName } from '../../core/instance.js';
import { removeSpares } from './spare-cleanup.js';
import { startFrom } from './branch.js';
import { ensureRunning, setDesired } from './lifecycle.js';
import { defaultTimeout, fromOutcome, type ManageData, manageResult, targets } from './manage-result.js';
export { restart, stop } from './stop.js';
export type { ManageData } from './manage-result.js';
import { refuseReservedName } from './branch-guard.js';
import { snapshotsNote } from './uninstall-note.js';
import { finishInterruptedUpgrade } from './upgrade-rollback.js';
export { upgrade } from './upgrade.js';
import { removePooler } from '../pooler/hooks.js';
import type { InstallOptions, StartOptions, UninstallOptions } from '../options.js';
import type { CommandResult } from '../result.js';
import { guardPrimaries } from '../replica/guard.js';
import { dropLinkOnPrimary } from '../replica/slot.js';

type ManageResult = CommandResult<ManageData>;

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
  if (opts.dryRun && opts.replicaOf) {
    const { planReplica } = await import('../replica/plan.js');
    const existing = opts.all ? undefined : await ctx.registry.find(opts.instance);
    const message = await planReplica(ctx, { ...opts, replicaOf: opts.replicaOf }, existing);
    return manageResult('start', [{ name: opts.instance, result: 'planned', message }], true);
  }
  if (opts.dryRun) {
    const items = await Promise.all(
      names.map(async (name) => {
        const existing = await ctx.registry.find(name);
        const ext = opts.extensions ? `, then create extensions ${opts.extensions.join(', ')}` : '';
        const message = existing
          ? `would start instance ${name} (${existing.engine}, port ${existing.port}) if it is not running${ext}`
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
    if (!opts.instance && !opts.dryRun) await removeSpares(ctx, ['native', 'docker']);
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
  const engines = new Set<EngineName>();
  for (const name of present) {
    const engine = (await ctx.registry.find(name).catch(() => undefined))?.engine;
    if (engine) engines.add(engine);
    items.push(await ctx.registry.lockedInstance(name, () => uninstallOne(ctx, name, opts.keepData)));
  }
  // The home's spares of those engines go too, and no spare builder outlives this (spare-cleanup.ts).
  await removeSpares(ctx, opts.instance ? [...engines] : ['native', 'docker']);
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
  // A replica's slot would make its primary keep WAL forever: dropped while R is still
  // recorded, so a CLI killed in between leaves a record whose uninstall retries the drop.
  const slot = await dropLinkOnPrimary(ctx, instance);
  await ctx.registry.remove(name);
  await ctx.ledger.release(instance.port, { home: ctx.home.dir, name });
  return { name, result: 'removed', message: `instance ${name} removed with its data${slot ? `; ${slot}` : ''}` };
}
