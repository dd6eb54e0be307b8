import { databaseOwner } from '../../core/instance.js';
import type { Context } from '../../context.js';
import { connectionView } from '../../core/connection.js';
import { CliError } from '../../core/errors.js';
import {
  createDatabase,
  databaseExists,
  type DatabaseRow,
  dropDatabase,
  listDatabases,
} from '../../postgres/databases.js';
import { MAINTENANCE_DB, TEMPLATE_DBS, validateIdentifier } from '../../postgres/identifiers.js';
import type { OptionsOf } from './options.js';
import { contentTarget, withAdmin } from './session.js';
import { connectionEntry, type CredentialsData } from '../credentials.js';
import { type CommandResult, result } from '../result.js';

/** list, create-database, remove and get: catalog work, always through the `postgres` database. */
export interface ContentListData {
  instance: string;
  databases: Array<DatabaseRow & { is_default: boolean }>;
}

export interface ContentChangeData {
  instance: string;
  database: string;
  /** created / removed / already existed / would ... */
  outcome: 'created' | 'exists' | 'removed' | 'dry-run';
  message: string;
  terminated_sessions?: number;
}

export type ContentGetData = CredentialsData & { instance: string; database: string };

export async function list(
  ctx: Context,
  opts: OptionsOf<'list'>,
  signal?: AbortSignal,
): Promise<CommandResult<ContentListData>> {
  const instance = await ctx.registry.get(opts.instance);
  const rows = await withAdmin(ctx, instance, signal, (s) => listDatabases(s.client));
  return result('content-list', {
    instance: instance.name,
    databases: rows.map((r) => ({ ...r, is_default: r.name === instance.database })),
  });
}

export async function create(
  ctx: Context,
  opts: OptionsOf<'create-database'>,
  signal?: AbortSignal,
): Promise<CommandResult<ContentChangeData>> {
  const database = validateIdentifier(opts.database);
  const { instance } = await contentTarget(ctx, opts.instance, database);
  const where = `database ${database} in instance ${instance.name}`;
  const outcome = await withAdmin(ctx, instance, signal, async (s) => {
    if (opts.dryRun) return (await databaseExists(s.client, database)) ? 'exists' : 'dry-run';
    return createDatabase(s.client, database, databaseOwner(instance));
  });
  const message =
    outcome === 'created'
      ? `created ${where}`
      : outcome === 'exists'
        ? `${where} already exists (nothing to do)`
        : `would create ${where} (dry run: nothing changed)`;
  return result('content-change', { instance: instance.name, database, outcome, message });
}

export async function remove(
  ctx: Context,
  opts: OptionsOf<'remove'>,
  signal?: AbortSignal,
): Promise<CommandResult<ContentChangeData>> {
  const database = validateIdentifier(opts.database);
  const { instance } = await contentTarget(ctx, opts.instance, database);
  // Refused before connecting: these are never dropped through this command.
  if (database === instance.database) {
    throw new CliError(
      'refused',
      `refusing to remove ${database}: it is the default database of instance ${instance.name}`,
      {
        hint: `to remove the instance with its data: resource-postgres manage uninstall --instance ${instance.name} --force`,
      },
    );
  }
  if (database === MAINTENANCE_DB || TEMPLATE_DBS.includes(database)) {
    throw new CliError('refused', `refusing to remove ${database}: PostgreSQL needs it`, {
      hint: 'remove only databases you created',
    });
  }
  const where = `database ${database} of instance ${instance.name}`;
  return withAdmin(ctx, instance, signal, async (s) => {
    if (!(await databaseExists(s.client, database))) {
      throw new CliError('not-found', `no ${where}`, {
        hint: `see what exists: resource-postgres content list --instance ${instance.name}`,
      });
    }
    if (opts.dryRun)
      return result('content-change', {
        instance: instance.name,
        database,
        outcome: 'dry-run' as const,
        message: `would remove ${where}, ending its sessions (dry run: nothing changed)`,
      });
    if (!opts.force && !(await ctx.confirm(`Remove ${where} and all its data?`))) {
      throw new CliError(
        'refused',
        `not removing ${where}: ${ctx.io.stdinIsTTY ? 'not confirmed' : 'no TTY to confirm on'}`,
        {
          hint: `confirm with --force: resource-postgres content remove ${database} --instance ${instance.name} --force`,
        },
      );
    }
    const { terminated } = await dropDatabase(s.client, database);
    const ended = terminated ? ` (ended ${terminated} session${terminated === 1 ? '' : 's'})` : '';
    return result('content-change', {
      instance: instance.name,
      database,
      outcome: 'removed' as const,
      message: `removed ${where}${ended}`,
      terminated_sessions: terminated,
    });
  });
}

export async function get(
  ctx: Context,
  opts: OptionsOf<'get'>,
  signal?: AbortSignal,
): Promise<CommandResult<ContentGetData>> {
  const { instance, database } = await contentTarget(ctx, opts.instance, opts.database);
  const exists = await withAdmin(ctx, instance, signal, (s) => databaseExists(s.client, database));
  if (!exists) {
    throw new CliError('not-found', `no database ${database} in instance ${instance.name}`, {
      hint: `create it with: resource-postgres content create-database ${database} --instance ${instance.name}`,
    });
  }
  const view = connectionView(instance, opts.showSecrets, database);
  const entry = connectionEntry(instance, view, `database ${database} of PostgreSQL instance ${instance.name}`);
  return result('content-get', {
    resource: 'postgres',
    status: 'running',
    instance: instance.name,
    database,
    connections: [entry],
    views: [view],
  });
}
