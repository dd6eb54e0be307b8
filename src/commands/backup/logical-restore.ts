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
  checkpointWhenIndexing,
  createStaging,
  ownStaging,
  dropIfExists,
  dropLeftovers,
  STAGING_PREFIX,
  swapInKeepingAside,
} from '../../postgres/backup/restore-target.js';
import { trace } from '../../core/trace.js';
import { inParallel, PARALLEL_DATABASES } from './parallel.js';
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
  fresh: boolean,
): Promise<void> {
  const globals = await readFile(join(backup.dir, backup.manifest.globals!), 'utf8');
  // Into another instance (a new one: --to-instance, a restore test; or another's backup): the
  // roles the program made for the source's replicas and pooler hold its passwords; none come.
  await replayGlobals(ctx, engine, target, globals, signal, {
    otherInstance: fresh || target.name !== backup.manifest.instance,
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

/** pg_restore (or the script route) of one database's archive into its staging database. */
async function fillStaging(
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  db: ManifestDatabase,
  staging: string,
  tools: Tools,
  signal: AbortSignal,
): Promise<void> {
  const file = join(backup.dir, db.file!);
  if (tools.major > tools.serverMajor)
    return restoreViaScript(engine, target, staging, file, tools.serverMajor, signal, db.name);
  const restoring = runFromFile(
    engine,
    target,
    'pg_restore',
    ['--exit-on-error', '--no-password', `--dbname=${staging}`],
    file,
    { signal, what: `restoring database ${db.name}` },
  );
  const bytes = backup.manifest.files.find((f) => f.path === db.file)?.bytes ?? 0;
  // Small archives: the checkpoint at the swap has little to write, the polling would cost more.
  const flushing = bytes >= 4_000_000 ? checkpointWhenIndexing(target, staging, restoring) : undefined;
  try {
    await restoring;
  } finally {
    await flushing;
  }
}

/**
 * Every database is restored into a staging database first, a few at a time (parallel.ts);
 * only when all succeeded are they swapped in, so a restore that fails while filling replaces
 * nothing. The swaps are one transaction each: one that fails (sessions that keep coming back)
 * leaves the databases swapped before it replaced and the rest as they were. The
 * sessions on a database being replaced are ended at its swap. The replaced databases are
 * dropped together at the end: one checkpoint for all (restore-target.ts swapAside). The
 * staging databases are created while `roles` (the globals) are restored; each pg_restore
 * waits for them.
 */
async function restoreDatabases(
  ctx: Context,
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  databases: ManifestDatabase[],
  tools: Tools,
  roles: Promise<void>,
  signal: AbortSignal,
): Promise<RestoredDatabase[]> {
  const staged = new Map<string, string>();
  try {
    await inParallel(databases, PARALLEL_DATABASES, async (db) => {
      signal.throwIfAborted();
      if (!db.file) throw new CliError('config', `backup ${backup.name} lists database ${db.name} without a dump file`);
      const staging = `${STAGING_PREFIX}${randomBytes(5).toString('hex')}`;
      ctx.talk.progress(`restoring database ${db.name}`);
      // Created while the roles are restored; pg_restore waits for them (owners, grants).
      const owned = await trace.span('restore: create staging', () => createStaging(target, db, staging));
      staged.set(db.name, staging);
      await roles;
      if (!owned) await ownStaging(target, staging, db.owner);
      await trace.span(`restore: pg_restore ${db.name}`, () =>
        fillStaging(engine, target, backup, db, staging, tools, signal),
      );
    });
    faultPoint('restore:before-swap');
  } catch (e) {
    await Promise.all([...staged.values()].map((s) => dropIfExists(target, s).catch(() => {})));
    throw e;
  }
  const done: RestoredDatabase[] = [];
  const asides: string[] = [];
  try {
    for (const db of databases) {
      const { aside, ...swap } = await trace.span('restore: swap', () =>
        swapInKeepingAside(target, staged.get(db.name)!, db.name),
      );
      staged.delete(db.name);
      if (aside) asides.push(aside);
      if (swap.terminated > 0)
        ctx.talk.info(`database ${db.name}: ended ${swap.terminated} open session(s) to replace it`);
      done.push({ name: db.name, ...swap });
    }
  } finally {
    // Stagings a failed swap left unswapped go too: the databases they would replace stay as they were.
    const drop = [...asides, ...staged.values()];
    const dropped = await trace.span('restore: drop replaced', () =>
      Promise.allSettled(drop.map((d) => dropIfExists(target, d))),
    );
    // The data is in place by now: a copy left undropped is a warning (the next restore drops it), never the error.
    const left = drop.filter((_, i) => dropped[i]!.status === 'rejected');
    if (left.length)
      ctx.talk.warn(`could not drop ${left.join(', ')} (replaced copies); the next backup restore drops them`);
  }
  return done;
}

export async function restoreLogical(
  ctx: Context,
  engine: Engine,
  target: Instance,
  backup: StoredBackup,
  databases: ManifestDatabase[],
  signal: AbortSignal,
  fresh = false,
): Promise<RestoredDatabase[]> {
  // pg_restore reads archives of its own version or older: as new as the server and the dump.
  const dumpMajor =
    parseToolVersion(`(PostgreSQL) ${/pg_dump (\d+(?:\.\d+)?)/.exec(backup.manifest.tool)?.[1] ?? '0'}`)?.major ?? 0;
  // The client check (a docker exec on docker) starts beside the server's facts, against the
  // dump's major; found older than the server, it is asked again with the server's, for its error.
  const early = requireTools(engine, target, dumpMajor, 'a logical restore');
  early.catch(() => {});
  const facts = await serverFacts(target).catch(async (e: unknown) => {
    await early.catch(() => {});
    throw e;
  });
  const need = Math.max(facts.major, dumpMajor);
  // The check overlaps dropping what a killed restore left (garbage either way); neither is left running.
  const leftovers = trace.span('restore: leftovers', () => dropLeftovers(target));
  leftovers.catch(() => {});
  const checked = await early
    .then((c) => (c.major >= need ? c : requireTools(engine, target, need, 'a logical restore')))
    .catch(async (e: unknown) => {
      await leftovers.catch(() => {});
      throw e;
    });
  const left = await leftovers;
  const tools = { ...checked, serverMajor: facts.major };
  if (left.length) ctx.talk.info(`dropped ${left.length} database(s) an interrupted restore left: ${left.join(', ')}`);
  const roles = backup.manifest.globals
    ? trace.span('restore: roles', () => restoreGlobals(ctx, engine, target, backup, signal, fresh))
    : Promise.resolve();
  roles.catch(() => {}); // awaited below, and by each database before its pg_restore
  // A failure waits for the roles' psql too: its run must end (and its password file go) before we exit.
  const done = await restoreDatabases(ctx, engine, target, backup, databases, tools, roles, signal).catch(
    async (e: unknown) => {
      await roles.catch(() => {});
      throw e;
    },
  );
  await roles;
  // The backup's roles and owners may come from a superuser-mode source (its role a superuser,
  // its database owned by someone else): the target's application role is put back as it must be.
  await trace.span('restore: app role', () => provisionAppRole(target));
  return done;
}
