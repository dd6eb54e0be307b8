import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { appRoleOf, type Instance } from '../../core/instance.js';
import { TEMP_PREFIX } from './branch-guard.js';
import type { StartOptions } from '../options.js';
import { discardInstance, withPortRetry } from '../backup/clone-target.js';
import { restoreInstanceData } from '../snapshot/instance-restore.js';
import type { InstanceSnapshot } from '../snapshot/instance-store.js';
import { ensureRunning } from './lifecycle.js';
import { recordedMajor } from './upgrade-check.js';

/** What an instance made like SRC is created as: SRC's engine, server, template and mode; the user's port, bind and TLS. */
export function createOptionsLike(source: Instance, opts: Partial<StartOptions>) {
  return {
    engine: source.engine,
    template: opts.template ?? source.template,
    image: source.engine === 'docker' ? source.image : undefined,
    pgBin: source.engine === 'native' ? source.pgBin : undefined,
    pgVersion: source.engine === 'native' && !source.pgBin ? source.version : undefined,
    appRole: appRoleOf(source),
    port: opts.port,
    bind: opts.bind,
    extensions: source.extensions?.length ? [...source.extensions] : undefined,
    tls: opts.tls,
    tlsRequire: opts.tlsRequire,
  };
}

/**
 * The temporary server runs the server the snapshot was taken with (its image, or its major's
 * runtime), which SRC may have left since (manage upgrade): its data files need exactly that.
 */
export function optionsAsTaken(source: Instance, snap: InstanceSnapshot) {
  const like = createOptionsLike(source, {});
  const m = snap.meta;
  if (m.engine === 'docker') return { ...like, image: m.image ?? like.image };
  if (recordedMajor(source) === m.server_major) return like;
  return { ...like, pgBin: undefined, pgVersion: String(m.server_major) };
}

/**
 * A temporary server holding an instance-level snapshot's data, for `--from SRC@SNAPSHOT` to
 * copy from: an instance made like SRC (its own port and passwords, on a name of its own,
 * rp-tmp-<hex>, shown by status while it lives), the snapshot restored into it as
 * `snapshot restore` does (its passwords set back to its own), then removed with its data once
 * `fn` is done, whatever happened. The snapshot's files are only read.
 */
export async function withSnapshotServer<T>(
  ctx: Context,
  source: Instance,
  snap: InstanceSnapshot,
  timeoutSec: number,
  signal: AbortSignal,
  fn: (server: Instance) => Promise<T>,
): Promise<T> {
  const name = `${TEMP_PREFIX}${randomBytes(4).toString('hex')}`;
  ctx.talk.info(`starting a temporary instance ${name} on a copy of snapshot ${snap.meta.name} to copy from`);
  let ours = false; // an instance of that name made by anyone else is never removed here
  try {
    return await ctx.registry.lockedInstance(name, async () => {
      if (await ctx.registry.exists(name)) throw new CliError('conflict', `temporary instance ${name} exists already`);
      ours = true;
      await withPortRetry(ctx, name, () =>
        ensureRunning(ctx, name, { ...optionsAsTaken(source, snap), wait: true, timeoutSec, force: false }),
      );
      signal.throwIfAborted();
      await restoreInstanceData(ctx, await ctx.registry.get(name), snap);
      signal.throwIfAborted();
      return fn(await ctx.registry.get(name));
    });
  } finally {
    const left = ours ? await ctx.registry.find(name).catch(() => undefined) : undefined;
    if (left) {
      await discardInstance(ctx, left);
      await ctx.ledger.release(left.port, { home: ctx.home.dir, name }).catch(() => {});
    }
  }
}
