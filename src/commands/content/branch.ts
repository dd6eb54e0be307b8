import type { Context } from '../../context.js';
import { CliError, usageError } from '../../core/errors.js';
import { validateIdentifier } from '../../postgres/identifiers.js';
import { isInternalDatabase } from '../../postgres/snapshot-names.js';
import { copyDatabaseGrants, databaseFacts, sessionsOn } from '../../postgres/snapshots.js';
import { type CommandResult, result } from '../result.js';
import { copyEndingSessions } from '../snapshot/copy.js';
import { plural } from '../snapshot/options.js';
import { checkCopySource, requireDatabase, withSnapshotSession } from '../snapshot/target.js';
import { branchByDump } from './branch-dump.js';
import type { ContentChangeData } from './databases.js';
import type { OptionsOf } from './options.js';
import { contentTarget } from './session.js';

/**
 * `content create-database NEW --from DB`: a branch, an independent copy of DB made by
 * CREATE DATABASE ... TEMPLATE and owned by DB's owner. While DB has sessions that template
 * copy is impossible: --force ends them; without it the copy goes through pg_dump | pg_restore
 * (branch-dump.ts), which leaves them connected. Unlike a plain create-database, an
 * existing NEW is an error: it would not hold DB's data.
 */
export async function branch(
  ctx: Context,
  opts: OptionsOf<'create-database'> & { from: string },
  signal?: AbortSignal,
): Promise<CommandResult<ContentChangeData>> {
  const from = validateIdentifier(opts.from, 'database name (--from)');
  const { instance, database } = await contentTarget(ctx, opts.instance, opts.database);
  if (database === from)
    throw usageError(`--from ${from} names the database being created`, 'name another database to copy from');
  if (isInternalDatabase(database))
    throw usageError(
      `database names starting rp_snap_ or rp_restore_ are kept for resource-postgres: ${database}`,
      'choose another name',
    );
  checkCopySource(from);
  const what = `database ${database} of instance ${instance.name} as a copy of ${from}`;
  return withSnapshotSession(ctx, instance, signal, async (s) => {
    const facts = await requireDatabase(s.client, instance, from);
    if (await databaseFacts(s.client, database))
      throw new CliError('conflict', `database ${database} already exists in instance ${instance.name}`, {
        hint: `choose another name, or remove it first: resource-postgres content remove ${database} --instance ${instance.name}`,
      });
    const base = { instance: instance.name, database };
    const open = await sessionsOn(s.client, from);
    const dumpNote = `${from} has ${plural(open, 'open session')}: copying it with pg_dump | pg_restore, which leaves them connected (slower; --force ends them for a template copy)`;
    if (opts.dryRun) {
      const sessions = !open
        ? ''
        : opts.force
          ? `, ending the ${plural(open, 'open session')} on ${from} (--force)`
          : ` (${dumpNote})`;
      return result('content-change', {
        ...base,
        outcome: 'dry-run' as const,
        message: `would create ${what}${sessions} (dry run: nothing changed)`,
      });
    }
    if (open > 0 && !opts.force) {
      ctx.talk.info(dumpNote);
      await branchByDump(ctx, instance, from, database, signal);
      await copyDatabaseGrants(s.client, from, database);
      return result('content-change', {
        ...base,
        outcome: 'created' as const,
        message: `created ${what} (pg_dump | pg_restore: ${from}'s sessions stayed connected)`,
        terminated_sessions: 0,
      });
    }
    const { terminated } = await copyEndingSessions(ctx, s.client, instance.name, {
      source: from,
      target: database,
      owner: facts.owner,
      force: Boolean(opts.force),
      retry: `resource-postgres content create-database ${database} --from ${from} --instance ${instance.name}`,
    });
    await copyDatabaseGrants(s.client, from, database);
    const ended = terminated ? ` (ended ${plural(terminated, 'session')} on ${from})` : '';
    return result('content-change', {
      ...base,
      outcome: 'created' as const,
      message: `created ${what}${ended}`,
      terminated_sessions: terminated,
    });
  });
}
