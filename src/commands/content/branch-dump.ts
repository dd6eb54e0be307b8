import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { backupDatabases, serverFacts } from '../../postgres/backup/catalog.js';
import { createStaging, dropIfExists, STAGING_PREFIX } from '../../postgres/backup/restore-target.js';
import { requireTools, restoreArchive, settingsUnknownTo } from '../backup/clients.js';
import { withClient } from '../../postgres/client.js';
import { renameDatabaseSql } from '../../postgres/snapshots.js';

/**
 * A branch of a database that has open sessions, without ending them: pg_dump (one
 * consistent snapshot of the source, which it reads while the sessions go on) piped into
 * pg_restore, with the engine's client programs, into a staging database renamed to NEW only
 * when the restore succeeded. Slower than a template copy, but nobody is disconnected.
 * Runs holding the instance's lock (backup restores drop staging databases they find).
 */
export async function branchByDump(
  ctx: Context,
  instance: Instance,
  from: string,
  target: string,
  signal?: AbortSignal,
): Promise<void> {
  const facts = (await backupDatabases(instance)).find((d) => d.name === from);
  if (!facts) throw new CliError('not-found', `no database ${from} in instance ${instance.name}`);
  const server = await serverFacts(instance);
  const engine = await ctx.engine(instance.engine);
  const tool = await requireTools(engine, instance, server.major, `copying ${from} while it has sessions`);
  const staging = `${STAGING_PREFIX}${randomBytes(5).toString('hex')}`;
  await createStaging(instance, facts, staging);
  let done = false;
  try {
    const failed = (program: string, r: { exitCode: number; stderr: string }) =>
      r.exitCode === 0
        ? undefined
        : new CliError('failed', `${program} failed while copying ${from} (exit ${r.exitCode})`, {
            details: r.stderr.trim().split('\n').slice(-8).join('\n') || undefined,
            hint: `nothing was created; or end the sessions and copy: --force`,
          });
    const archive = new PassThrough();
    // pg_restore may stop reading before the archive's end (it has all it needs): then its own
    // input is destroyed, never the stream pg_dump writes to, which is drained instead.
    const restoreIn = new PassThrough();
    archive.pipe(restoreIn);
    restoreIn.once('close', () => {
      archive.unpipe(restoreIn);
      archive.resume();
    });
    const dump = engine.runClient!(instance, 'pg_dump', ['--format=custom', '--no-password'], {
      stdout: archive,
      env: { PGDATABASE: from },
      signal,
    }).finally(() => archive.end());
    // Newer programs than the server restore through a script without the settings it lacks.
    const unknown = tool.major <= server.major ? [] : settingsUnknownTo(server.major);
    const restore = restoreArchive(engine, instance, staging, restoreIn, unknown, signal);
    // A restore that stopped early reads no more: drain the archive so pg_dump is not left blocked.
    void restore.then(
      (r) => r.exitCode !== 0 && archive.resume(),
      () => archive.resume(),
    );
    const [d, r] = await Promise.all([dump, restore]);
    const error = failed('pg_dump', d) ?? failed('pg_restore', r);
    if (error) throw error;
    // Nobody knows the staging name, so nobody is connected to it: the rename goes through.
    await withClient(instance, { database: 'postgres', timeoutMs: 60_000 }, (c) =>
      renameDatabaseSql(c, staging, target),
    );
    done = true;
  } finally {
    if (!done) await dropIfExists(instance, staging).catch(() => {});
  }
}
