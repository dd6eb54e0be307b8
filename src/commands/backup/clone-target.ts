import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import type { StoredBackup } from './store.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { asDataCredentials, type DataCredentials, withCredentials } from '../../core/data-credentials.js';
import { type Engine, PortTakenError } from '../../engines/engine.js';
import { extensionNameProblem } from '../../core/extensions.js';
import { parseMajor } from '../../core/pg-version.js';
import { draftInstance, moveToNewPort, prepareAndRecord } from '../manage/create.js';
import { ensureRunning } from '../manage/lifecycle.js';

/** The credentials stored with the backup (0600), which its roles were taken with. */
export async function backupCredentials(backup: StoredBackup): Promise<DataCredentials | undefined> {
  const text = await readFile(join(backup.dir, 'credentials.json'), 'utf8').catch(() => undefined);
  if (!text) return undefined;
  return asDataCredentials(JSON.parse(text));
}

const backupMajor = (m: StoredBackup['manifest']): string | undefined =>
  parseMajor(String(m.server_major)) ?? undefined;

/**
 * A new instance to restore into: same engine, image or PostgreSQL major, and template as
 * the backup's source, and the source's superuser credentials, since the restored roles
 * carry them anyway. It is created and started empty; the caller fills it.
 */
export async function createCloneTarget(
  ctx: Context,
  backup: StoredBackup,
  name: string,
): Promise<{ instance: Instance; engine: Engine }> {
  if (await ctx.registry.exists(name)) {
    throw new CliError('conflict', `instance ${name} already exists; --to-instance makes a new one`, {
      hint: `to replace its data: resource-postgres backup restore ${backup.name} --instance ${name} --force`,
    });
  }
  const m = backup.manifest;
  const creds = await backupCredentials(backup);
  // Native: the source's server binaries (same major), when the source still exists.
  const source = await ctx.registry.find(m.instance).catch(() => undefined);
  let draft = draftInstance(
    ctx,
    name,
    // The backup's major, so a native clone runs that major's runtime (not the default one).
    { engine: m.engine, template: m.template, image: m.image, pgBin: source?.pgBin, pgVersion: backupMajor(m) },
    m.engine,
  );
  // Same roles as the source, in the same mode: the restored roles carry these credentials anyway.
  if (creds) draft = withCredentials(draft, creds);
  // The data may hold extensions that work only preloaded (pg_stat_statements): the clone loads them too.
  draft.extensions = cloneExtensions(m.extensions) ?? source?.extensions;
  const engine = await ctx.engine(m.engine);
  const check = await engine.check();
  if (!check.ok)
    throw new CliError('engine', `the ${m.engine} engine the backup came from is not usable: ${check.reason}`, {
      hint: check.hint,
    });
  await prepareAndRecord(ctx, engine, draft, undefined);
  ctx.talk.info(`creating instance ${name} (${m.engine}) to restore backup ${backup.name} into`);
  await withPortRetry(ctx, name, () =>
    ensureRunning(ctx, name, { engine: m.engine, wait: true, timeoutSec: DEFAULTS.startTimeoutSec * 2, force: false }),
  );
  return { instance: await ctx.registry.get(name), engine };
}

/** The manifest's list when every name is one (a manifest is read from disk: never trusted as is). */
function cloneExtensions(names: unknown): string[] | undefined {
  if (!Array.isArray(names) || names.length === 0) return undefined;
  return names.every((n) => typeof n === 'string' && !extensionNameProblem(n))
    ? [...new Set(names as string[])]
    : undefined;
}

/**
 * A new instance's port can be taken by another program between allocation and bind (the
 * range is shared with everything else on the machine): a clone, whose port nobody chose,
 * then simply moves to another one.
 */
export async function withPortRetry<T>(ctx: Context, name: string, work: () => Promise<T>): Promise<T> {
  const skip = new Set<number>();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (e) {
      if (!(e instanceof PortTakenError) || attempt >= 4) throw e;
      const instance = await ctx.registry.get(name);
      skip.add(instance.port);
      ctx.talk.info(`port ${instance.port} turned out to be taken; moving instance ${name} to another`);
      await moveToNewPort(ctx, instance, skip);
    }
  }
}

/** Removes a clone that could not be completed: its server, data and record. */
export async function discardInstance(ctx: Context, instance: Instance): Promise<void> {
  const engine = await ctx.engine(instance.engine);
  await engine.remove(instance, { keepData: false }).catch(() => {});
  await ctx.registry.remove(instance.name).catch(() => {});
}
