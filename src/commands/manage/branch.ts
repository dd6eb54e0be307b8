import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, usageError } from '../../core/errors.js';
import { failPoint } from '../../core/fault-point.js';
import { appRoleOf, type Instance } from '../../core/instance.js';
import { snapshotDatabase } from '../../postgres/snapshot-names.js';
import { withAdmin } from '../content/session.js';
import type { StartOptions } from '../options.js';
import { discardInstance, withPortRetry } from '../backup/clone-target.js';
import { findInstanceSnapshot } from '../snapshot/instance-store.js';
import { requireSnapshot } from '../snapshot/target.js';
import { type BranchSnapshot, copyInstanceData } from './branch-copy.js';
import { createOptionsLike, withSnapshotServer } from './branch-snapshot-server.js';
import { ensureRunning, type StartOutcome } from './lifecycle.js';
import { clearBranchMark, markBranch } from './branch-guard.js';
import { sweepTempInstances } from './branch-sweep.js';
import { recordedMajor } from './upgrade-check.js';

/**
 * `manage start --instance NEW --from SRC[@SNAPSHOT]`: a new instance made the ordinary way
 * (its own port, passwords and, being initialised afresh, its own system identifier), then
 * filled with SRC's roles and databases (branch-copy.ts). SRC keeps running and is only read
 * (a database-level snapshot through a temporary copy inside SRC, dropped after).
 * Everything the request names is checked before anything is made; a copy that fails takes
 * the new instance away again (it is this command's own creation).
 */
export async function startFrom(
  ctx: Context,
  opts: StartOptions & { from: NonNullable<StartOptions['from']> },
  timeoutSec: number,
  abort?: AbortSignal,
): Promise<StartOutcome | { name: string; action: 'planned'; message: string }> {
  // Ctrl-C stops the copy at its next step; the catch below then removes NEW.
  const signal = abort ?? new AbortController().signal;
  const name = opts.instance;
  const from = opts.from;
  const label = from.snapshot ? `${from.instance}@${from.snapshot}` : from.instance;
  if (name === from.instance)
    throw usageError(`--from ${label} names the instance being made`, 'name a new instance: --instance NEW');
  const source = await ctx.registry.get(from.instance);
  if (await ctx.registry.exists(name))
    throw new CliError('conflict', `instance ${name} already exists; --from makes a new instance`, {
      hint: `choose another name for --instance, or remove it first: resource-postgres manage uninstall --instance ${name}`,
    });
  checkSameServer(source, opts);
  const engine = await ctx.engine(source.engine);
  const check = await engine.check();
  if (!check.ok)
    throw new CliError(
      'engine',
      `the ${source.engine} engine of instance ${source.name} is not usable: ${check.reason}`,
      {
        hint: check.hint,
      },
    );
  const whole = from.snapshot ? await findInstanceSnapshot(ctx, source.name, from.snapshot) : undefined;
  // An instance-level snapshot is read from its files; anything else from SRC's running server.
  if (!whole && (await engine.inspect(source)).state !== 'running')
    throw new CliError('refused', `instance ${source.name} is not running; --from copies from its running server`, {
      hint: `start it first: resource-postgres manage start --instance ${source.name}`,
    });
  const snapshot = from.snapshot && !whole ? await branchSnapshot(ctx, source, from.snapshot) : undefined;
  const what = whole
    ? `the roles and databases of instance ${source.name} as its instance-level snapshot ${whole.meta.name} holds them`
    : snapshot
      ? `the roles of instance ${source.name} and database ${snapshot.mark.database} as snapshot ${snapshot.name} holds it`
      : `the roles and databases of instance ${source.name}`;
  if (opts.dryRun)
    return {
      name,
      action: 'planned',
      message: `would create instance ${name} (${source.engine}, like ${source.name}) and copy ${what} into it (dry run: nothing changed)`,
    };
  return ctx.registry.lockedInstance(name, async () => {
    // Made by someone else since the check above: not ours to fill, nor to remove.
    if (await ctx.registry.exists(name))
      throw new CliError('conflict', `instance ${name} was created by another command meanwhile`);
    if (opts.bind && opts.bind !== DEFAULTS.host)
      ctx.talk.warn(
        `publishing on ${opts.bind}: the server will accept connections from other machines that can reach this address`,
      );
    ctx.talk.info(`creating instance ${name} and copying ${what} into it`);
    const create = () =>
      ensureRunning(ctx, name, { ...createOptionsLike(source, opts), wait: true, timeoutSec, force: false });
    let outcome: StartOutcome | undefined;
    try {
      outcome = opts.port === undefined ? await withPortRetry(ctx, name, create) : await create();
      // Until the copy is checked, NEW is marked: a kill past the cleanup below leaves it unstartable, not half full.
      await markBranch(ctx, name, label);
      signal.throwIfAborted();
      const target = await ctx.registry.get(name);
      if (whole) await sweepTempInstances(ctx);
      const copied = await ctx.registry.lockedInstance(source.name, () =>
        whole
          ? withSnapshotServer(ctx, source, whole, timeoutSec, signal, (server) =>
              copyInstanceData(ctx, engine, server, target, undefined, signal),
            )
          : copyInstanceData(ctx, engine, source, target, snapshot, signal),
      );
      failPoint('branch:copied');
      await clearBranchMark(ctx, name);
      const tables = copied.reduce((n, d) => n + d.tables.length, 0);
      return {
        ...outcome,
        name,
        port: target.port,
        message: `instance ${name} created on ${target.engine}, port ${target.port}, with ${what} (${copied.length} database(s), ${tables} table(s), row counts checked), accepting queries`,
      };
    } catch (e) {
      const made = await ctx.registry.find(name);
      if (made) {
        ctx.talk.info(`removing instance ${name}: the copy from ${label} did not complete`);
        await discardInstance(ctx, made);
        await ctx.ledger.release(made.port, { home: ctx.home.dir, name }).catch(() => {});
      }
      throw e;
    }
  });
}

/** A copy is of the same engine and server as SRC: asking for another is refused, not ignored. */
function checkSameServer(source: Instance, opts: StartOptions): void {
  const refuse = (flag: string, theirs: string) =>
    usageError(
      `${flag} differs from instance ${source.name}, which runs ${theirs}: --from copies into an instance of the same engine and server`,
      `leave out ${flag.split(' ')[0]}; to move data to another major, use manage upgrade, or backup create and backup restore --to-instance`,
    );
  if (opts.engine !== 'auto' && opts.engine !== source.engine)
    throw refuse(`--engine ${opts.engine}`, `on the ${source.engine} engine`);
  const major = recordedMajor(source);
  if (opts.pgVersion && major !== undefined && Number(opts.pgVersion) !== major)
    throw refuse(`--pg-version ${opts.pgVersion}`, `PostgreSQL ${major}`);
  if (opts.image && opts.image !== source.image)
    throw refuse(`--image ${opts.image}`, `image ${source.image ?? '(none)'}`);
  if (opts.pgBin && opts.pgBin !== source.pgBin)
    throw refuse(`--pg-bin ${opts.pgBin}`, `binaries ${source.pgBin ?? '(its runtime)'}`);
  if (opts.appRole && opts.appRole !== appRoleOf(source))
    throw refuse(`--app-role ${opts.appRole}`, `app role ${appRoleOf(source)}`);
  // NEW gets SRC's extensions with its databases: a list given here would be silently ignored.
  if (opts.extensions)
    throw usageError(
      `--extensions does not apply with --from: NEW gets the extensions instance ${source.name} has (${source.extensions?.join(', ') || 'none recorded'})`,
      `leave out --extensions; add more to NEW after the copy: resource-postgres manage start --instance ${opts.instance} --extensions ${opts.extensions.join(',')}`,
    );
}

/** The database-level snapshot --from SRC@NAME names (instance-level ones are found before). */
async function branchSnapshot(ctx: Context, source: Instance, name: string): Promise<BranchSnapshot> {
  const snap = await withAdmin(ctx, source, undefined, (s) => requireSnapshot(s.client, source, name));
  return { name, database: snapshotDatabase(name), mark: snap.mark };
}
