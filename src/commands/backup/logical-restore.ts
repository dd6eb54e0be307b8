import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import type { ManifestDatabase } from './manifest.js';
import type { StoredBackup } from './store.js';
import { faultPoint } from '../../core/fault-point.js';
import { CliError } from '../../core/errors.js';
import {
  keepOwnPassword,
  keepRoleAsIs,
  leaveOutProgramRoles,
  unexpectedGlobalsErrors,
} from '../../postgres/backup/globals-sql.js';
import { asAdmin, type Instance } from '../../core/instance.js';
import { provisionAppRole } from '../manage/app-role.js';
import { parseToolVersion } from '../../core/pg-version.js';
import type { Engine } from '../../engines/engine.js';
import { serverFacts } from '../../postgres/backup/catalog.js';
import {
  createStaging,
  dropIfExists,
  dropLeftovers,
  STAGING_PREFIX,
  swapIn,
} from '../../postgres/backup/restore-target.js';
import { dropNewerSettings, requireTools, runFromFile, settingsUnknownTo } from './clients.js';

export interface RestoredDatabase {
  name: string;
  replaced: boolean;
  terminated: number;
}

/** Roles first (owners must exist), with the passwords of the target's own roles left alone. */
async function restoreGlobals(
  ctx: Context,
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  signal: AbortSignal,
): Promise<void> {
  const globals = await readFile(join(backup.dir, backup.manifest.globals!), 'utf8');
  // Into another instance (--to-instance, a restore test): the roles the program made for the
  // source's replicas and pooler hold the source's passwords; the copy gets none of them.
  await replayGlobals(ctx, engine, target, globals, signal, {
    otherInstance: target.name !== backup.manifest.instance,
  });
}

/** pg_dumpall --globals-only output replayed into `target` (also manage upgrade's roles). */
export async function replayGlobals(
  ctx: Context,
  engine: Engine,
  target: Instance,
  globals: string,
  signal: AbortSignal,
  opts: { otherInstance?: boolean } = {},
): Promise<void> {
  let sql = keepOwnPassword(globals, asAdmin(target).user);
  // Into another instance: not the roles the program made for the source's replicas and pooler.
  if (opts.otherInstance) sql = leaveOutProgramRoles(sql);
  // App role owner: the application's role is not redefined by the backup at all (its password,
  // attributes and memberships stay the target's); ensureAppRole checks it again at the end.
  if (target.admin) sql = keepRoleAsIs(sql, target.user);
  const scratch = await mkdtemp(join(tmpdir(), 'rp-globals-'));
  try {
    const file = join(scratch, 'globals.sql');
    await writeFile(file, sql, { mode: 0o600 });
    const stderr = await runFromFile(
      engine,
      target,
      'psql',
      ['-X', '-q', '-v', 'ON_ERROR_STOP=0', '-d', 'postgres'],
      file,
      { signal, what: 'restoring roles', tolerate: true },
    );
    for (const problem of unexpectedGlobalsErrors(stderr)) ctx.talk.warn(`restoring roles: ${problem}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Tools {
  major: number;
  serverMajor: number;
}

/** pg_restore --file=- | (header settings the server lacks dropped) | psql, for client programs newer than the server. */
async function restoreViaScript(
  engine: Engine,
  target: Instance,
  staging: string,
  file: string,
  serverMajor: number,
  signal: AbortSignal,
  name: string,
): Promise<void> {
  const filter = dropNewerSettings(settingsUnknownTo(serverMajor));
  const psql = engine.runClient!(target, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `--dbname=${staging}`], {
    stdin: filter,
    signal,
  });
  const restore = await engine.runClient!(target, 'pg_restore', ['--file=-'], {
    stdin: createReadStream(file),
    stdout: filter,
    signal,
  }).finally(() => filter.end());
  const applied = await psql;
  if (restore.exitCode !== 0)
    throw new CliError(
      'failed',
      `pg_restore failed while reading the archive of database ${name} (exit ${restore.exitCode})`,
      { details: restore.stderr.trim() },
    );
  if (applied.exitCode !== 0)
    throw new CliError('failed', `psql failed while restoring database ${name} (exit ${applied.exitCode})`, {
      details: applied.stderr.trim().split('\n').slice(-8).join('\n'),
      hint: 'nothing was replaced',
    });
}

/**
 * Each database is restored into a staging database with pg_restore and swapped in only
 * when that succeeded; the sessions on the database it replaces are ended at the swap.
 */
async function restoreDatabase(
  ctx: Context,
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  db: ManifestDatabase,
  tools: Tools,
  signal: AbortSignal,
): Promise<RestoredDatabase> {
  const staging = `${STAGING_PREFIX}${randomBytes(5).toString('hex')}`;
  ctx.talk.progress(`restoring database ${db.name}`);
  await createStaging(target, db, staging);
  try {
    const file = join(backup.dir, db.file!);
    if (tools.major > tools.serverMajor)
      await restoreViaScript(engine, target, staging, file, tools.serverMajor, signal, db.name);
    else
      await runFromFile(
        engine,
        target,
        'pg_restore',
        ['--exit-on-error', '--no-password', `--dbname=${staging}`],
        file,
        { signal, what: `restoring database ${db.name}` },
      );
  } catch (e) {
    await dropIfExists(target, staging).catch(() => {});
    throw e;
  }
  faultPoint('restore:before-swap');
  const swap = await swapIn(target, staging, db.name);
  if (swap.terminated > 0) ctx.talk.info(`database ${db.name}: ended ${swap.terminated} open session(s) to replace it`);
  return { name: db.name, ...swap };
}

export async function restoreLogical(
  ctx: Context,
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  databases: ManifestDatabase[],
  signal: AbortSignal,
): Promise<RestoredDatabase[]> {
  const facts = await serverFacts(target);
  // pg_restore reads archives of its own version or older: as new as the server and the dump.
  const dumpMajor =
    parseToolVersion(`(PostgreSQL) ${/pg_dump (\d+(?:\.\d+)?)/.exec(backup.manifest.tool)?.[1] ?? '0'}`)?.major ?? 0;
  const tools = {
    ...(await requireTools(engine, target, Math.max(facts.major, dumpMajor), 'a logical restore')),
    serverMajor: facts.major,
  };
  const left = await dropLeftovers(target);
  if (left.length) ctx.talk.info(`dropped ${left.length} database(s) an interrupted restore left: ${left.join(', ')}`);
  if (backup.manifest.globals) await restoreGlobals(ctx, engine, target, backup, signal);
  const done: RestoredDatabase[] = [];
  for (const db of databases) {
    signal.throwIfAborted();
    if (!db.file) throw new CliError('config', `backup ${backup.name} lists database ${db.name} without a dump file`);
    done.push(await restoreDatabase(ctx, engine, target, backup, db, tools, signal));
  }
  // The backup's roles and owners may come from a superuser-mode source (its role a superuser,
  // its database owned by someone else): the target's application role is put back as it must be.
  await provisionAppRole(target);
  return done;
}
