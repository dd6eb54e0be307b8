import { dirname } from 'node:path';
import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, describeError } from '../../core/errors.js';
import { containerName, dataVolumeOf, type Instance } from '../../core/instance.js';
import {
  clearUpgradeJournal,
  readUpgradeJournal,
  type UpgradeJournal,
  writeUpgradeJournal,
} from '../../core/upgrade-journal.js';
import type { Engine } from '../../engines/engine.js';
import { type ServerFacts, serverFacts } from '../../postgres/backup/catalog.js';
import { result } from '../result.js';
import { provisionAppRole } from './app-role.js';
import { claimFreePort, gatherClaims } from './create.js';
import { finishInterruptedRestore } from './interrupted-restore.js';
import { waitReady } from './ready.js';
import { buildTarget, upgradeFault } from './upgrade-build.js';
import { checkUpgradeRequest, recordedMajor } from './upgrade-check.js';
import { guardUpgrade } from '../replica/guard.js';
import { planUpgrade, requireUpgradable, type UpgradeData, type UpgradeOptions } from './upgrade-plan.js';
import { finishInterruptedUpgrade, rollbackUpgrade, targetClaim } from './upgrade-rollback.js';

export type { UpgradeData, UpgradeOptions };

/**
 * manage upgrade: the instance moves to a newer PostgreSQL major by dump and restore through
 * the new major's client programs (pg_upgrade cannot read the embedded 16 clusters, and on
 * docker the two majors live in different images). The old server and its data are never
 * changed: the new server is built beside them, checked table by table, and only then takes
 * the instance's place, port and name. Any failure, or a kill at any point (the journal),
 * brings the old major back as it was.
 */
export async function upgrade(ctx: Context, opts: UpgradeOptions, signal: AbortSignal) {
  const instance = await ctx.registry.get(opts.instance);
  const engine = await ctx.engine(instance.engine);
  requireUpgradable(engine);
  checkUpgradeRequest(instance, recordedMajor(instance), opts.pgVersion, opts.image);
  await guardUpgrade(ctx, instance);
  if (opts.dryRun) return planUpgrade(ctx, engine, instance, opts);
  return ctx.registry.lockedInstance(opts.instance, () => upgradeLocked(ctx, engine, opts, signal));
}

async function upgradeLocked(ctx: Context, engine: Engine, opts: UpgradeOptions, signal: AbortSignal) {
  const started = Date.now();
  let instance = await ctx.registry.get(opts.instance);
  instance = await finishInterruptedRestore(ctx, instance, engine);
  instance = await finishInterruptedUpgrade(ctx, instance, engine);
  const from = recordedMajor(instance);
  checkUpgradeRequest(instance, from, opts.pgVersion, opts.image);
  const timeoutSec = opts.timeoutSec ?? DEFAULTS.startTimeoutSec * 2;
  const wasRunning = (await engine.inspect(instance)).state === 'running';
  const port = await ctx.registry.locked(async () =>
    claimFreePort(
      ctx,
      targetClaim(ctx, instance.name, opts.pgVersion).name,
      await gatherClaims(ctx),
      undefined,
      new Set(),
    ),
  );
  const target = engine.upgradeTarget!(instance, opts.pgVersion, { port, image: opts.image });
  if (await engine.upgradeTargetExists!(target)) {
    await ctx.ledger.release(port, targetClaim(ctx, instance.name, opts.pgVersion));
    throw new CliError('conflict', `the upgrade's new server already exists: ${where(ctx, target)}`, {
      hint: `an earlier attempt left it: remove it (${removeHint(ctx, target, true)}) and run the upgrade again`,
    });
  }
  const journal: UpgradeJournal = {
    phase: 'building',
    major: opts.pgVersion,
    target: { name: target.name, port, image: target.image, dataDir: target.dataDir, version: target.version! },
    before: {
      version: instance.version,
      image: instance.image,
      dataDir: instance.dataDir,
      pgBin: instance.pgBin,
      dataVolume: instance.extra.data_volume,
    },
    wasRunning,
    started: new Date().toISOString(),
  };
  await writeUpgradeJournal(ctx.home.dir, instance.name, journal);
  let facts: ServerFacts | undefined;
  try {
    if (!wasRunning) {
      ctx.talk.info(`starting instance ${instance.name} to read its data (it is stopped again afterwards)`);
      await engine.start(instance, { timeoutSec });
    }
    await waitReady(ctx, engine, instance, timeoutSec);
    facts = await serverFacts(instance);
    checkUpgradeRequest(instance, facts.major, opts.pgVersion, opts.image);
    const built = await buildTarget(ctx, engine, instance, target, facts, timeoutSec, signal);
    upgradeFault('before-switch');
    await writeUpgradeJournal(ctx.home.dir, instance.name, { ...journal, phase: 'switching' });
    const upgraded = await switchOver(ctx, engine, instance, target, wasRunning, timeoutSec);
    await clearUpgradeJournal(ctx.home.dir, instance.name);
    await ctx.ledger.release(port, targetClaim(ctx, instance.name, opts.pgVersion)).catch(() => {});
    const old = where(ctx, instance);
    const data: UpgradeData = {
      instance: instance.name,
      engine: engine.name,
      from: facts.major,
      to: opts.pgVersion,
      dry_run: false,
      databases: built.databases.map((d) => ({ name: d.name, bytes: null, tables: d.tables.length })),
      roles: [],
      server: where(ctx, upgraded),
      clients: '',
      old_data: old,
      tables_checked: built.tables,
      duration_ms: Date.now() - started,
      message: [
        `instance ${instance.name} upgraded from PostgreSQL ${facts.major} to ${opts.pgVersion} on port ${instance.port}: ${built.databases.length} database(s), ${built.tables} table row count(s) match`,
        `the old data is kept, unchanged, in ${old}; once you no longer need to go back: ${removeHint(ctx, instance)}`,
      ].join('\n'),
    };
    return result('manage-upgrade', data);
  } catch (e) {
    throw await rollBackAfter(ctx, engine, instance, e, from ?? facts?.major);
  }
}

/**
 * The new server takes the instance's place: both servers stop, instance.conf names the new
 * data and major, and the instance's server is made again from them on its own port.
 */
async function switchOver(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  target: Instance,
  wasRunning: boolean,
  timeoutSec: number,
): Promise<Instance> {
  const stop = { timeoutSec: DEFAULTS.stopTimeoutSec };
  const upgraded = engine.upgradedInstance!(instance, target);
  // Both servers stop cleanly (remove stops first) and their containers go; every volume and data directory stays.
  await Promise.all([engine.remove(target, { keepData: true }), engine.remove(instance, { keepData: true })]);
  await ctx.registry.locked(async () => {
    const fresh = await ctx.registry.get(instance.name);
    const { version, image, dataDir, pgBin, extra } = upgraded;
    await ctx.registry.save({ ...fresh, version, image, dataDir, pgBin, extra: { ...fresh.extra, ...extra } });
  });
  upgradeFault('switched');
  await engine.create(upgraded, ctx.talk.progress);
  await waitReady(ctx, engine, upgraded, timeoutSec);
  await provisionAppRole(upgraded);
  if (!wasRunning) await engine.stop(upgraded, stop);
  return upgraded;
}

/** After a failure: the old major comes back as it was; the error says what failed and that it did. */
async function rollBackAfter(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  e: unknown,
  from: number | undefined,
): Promise<CliError> {
  const why = describeError(e);
  ctx.talk.warn(`upgrade of instance ${instance.name} failed: ${why}; rolling back`);
  const journal = await readUpgradeJournal(ctx.home.dir, instance.name).catch(() => undefined);
  try {
    if (journal) await rollbackUpgrade(ctx, engine, instance.name, journal);
    await clearUpgradeJournal(ctx.home.dir, instance.name);
  } catch (undo) {
    return new CliError('failed', `upgrade of instance ${instance.name} failed (${why}) and so did its rollback`, {
      details: describeError(undo),
      hint: `the old data was not changed; run resource-postgres manage start --instance ${instance.name} to finish the rollback`,
    });
  }
  const details = e instanceof CliError ? e.details : undefined;
  return new CliError(
    'failed',
    `upgrade of instance ${instance.name} to PostgreSQL ${journal?.major ?? '?'} failed: ${why}; rolled back: PostgreSQL ${from ?? 'as before'}, same port, credentials and data`,
    { details, hint: e instanceof CliError ? e.hint : undefined, cause: e },
  );
}

/** Where an instance's (or target's) data lives: its volume, or its data directory. */
function where(ctx: Context, i: Instance): string {
  return i.engine === 'docker' ? `volume ${dataVolumeOf(i)}` : `data directory ${dataPathOf(ctx, i)}`;
}

const dataPathOf = (ctx: Context, i: Instance) => i.dataDir ?? ctx.registry.paths(i.name).data;

/** How to remove data by hand; `container`: the target's container too (never the instance's own). */
function removeHint(ctx: Context, i: Instance, container = false): string {
  if (i.engine !== 'docker') return `rm -rf ${container ? dirname(dataPathOf(ctx, i)) : dataPathOf(ctx, i)}`;
  return `${container ? `docker rm -f ${containerName(i.name)}; ` : ''}docker volume rm ${dataVolumeOf(i)}`;
}
