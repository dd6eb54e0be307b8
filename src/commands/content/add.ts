import { databaseOwner } from '../../core/instance.js';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { createDatabase, databaseExists } from '../../postgres/databases.js';
import { runScript } from '../../postgres/sql/execute.js';
import type { Session } from '../../postgres/session.js';
import { fileSource } from '../../postgres/sql/stream.js';
import type { OptionsOf } from './options.js';
import { contentTarget, reportPassedError, scriptOptions, withAdmin, withSession } from './session.js';
import { type CommandResult, result } from '../result.js';

export interface ContentAddData {
  instance: string;
  database: string;
  dry_run: boolean;
  /** --init: whether the database had to be created. */
  database_created: boolean;
  files: Array<{ file: string; statements?: number; duration_ms?: number }>;
}

/**
 * `content add PATH`: a .sql file, or every *.sql of a directory in name order, each run
 * like `psql -v ON_ERROR_STOP=1 -f`. The first error stops everything; files before it stay
 * applied, and the error names the file and line and what was and was not applied.
 */
export async function add(
  ctx: Context,
  opts: OptionsOf<'add'>,
  signal?: AbortSignal,
): Promise<CommandResult<ContentAddData>> {
  const { instance, database } = await contentTarget(ctx, opts.instance, opts.database);
  const files = await sqlFiles(opts.path);
  const data: ContentAddData = {
    instance: instance.name,
    database,
    dry_run: opts.dryRun,
    database_created: false,
    files: [],
  };
  if (opts.dryRun) {
    const exists = await withAdmin(ctx, instance, signal, (s) => databaseExists(s.client, database));
    if (!exists && !opts.init) throw missingDatabase(database, instance.name);
    data.database_created = !exists;
    data.files = files.map((file) => ({ file }));
    return result('content-add', data);
  }
  if (opts.init)
    data.database_created =
      (await withAdmin(ctx, instance, signal, (s) => createDatabase(s.client, database, databaseOwner(instance)))) ===
      'created';
  await withSession(ctx, instance, database, signal, async (session) => {
    for (const file of files) {
      const started = performance.now();
      const statements = await applyFile(ctx, session, file, files, data, opts.encoding);
      // Each file runs as its own psql -f would: from the database the command names, even after a \connect.
      if (session.database !== database) await session.reconnect(database);
      data.files.push({ file, statements, duration_ms: Math.round(performance.now() - started) });
      ctx.talk.progress(`applied ${file}`);
    }
  });
  return result('content-add', data);
}

async function applyFile(
  ctx: Context,
  session: Session,
  file: string,
  all: string[],
  data: ContentAddData,
  encoding: string | undefined,
): Promise<number> {
  try {
    const run = runScript(session, await fileSource(file), { ...scriptOptions(ctx, encoding), results: 'none' });
    let step = await run.next();
    for (; !step.done; step = await run.next()) if (step.value.type === 'error') reportPassedError(ctx, step.value);
    return step.value;
  } catch (e) {
    if (!(e instanceof CliError) || all.length === 1) throw e;
    const done = data.files.map((f) => f.file);
    const notRun = all.slice(all.indexOf(file) + 1);
    // Files run like psql -f, without a wrapping transaction: say exactly what stays applied.
    const progress = [
      `applied before the failure: ${done.length ? done.join(', ') : 'none'}`,
      `stopped in ${file}: its statements before the failing one stay applied unless the file used a transaction`,
      ...(notRun.length ? [`not run: ${notRun.join(', ')}`] : []),
    ];
    throw new CliError(e.kind, e.message, {
      details: [e.details, ...progress].filter(Boolean).join('\n'),
      hint: e.hint,
      exitCode: e.exitCode,
      cause: e,
    });
  }
}

/** The file itself, or the directory's *.sql files in name order (not recursive). */
async function sqlFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new CliError('usage', `no such file or directory: ${path}`, {
      hint: 'give a .sql file or a directory of them (relative to the current directory)',
    });
  }
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && e.name.endsWith('.sql'))
    .map((e) => e.name)
    .sort();
  if (!files.length)
    throw new CliError('usage', `no .sql files in ${path}`, {
      hint: 'content add applies *.sql files of the directory in name order',
    });
  return files.map((f) => join(path, f));
}

function missingDatabase(database: string, instance: string): CliError {
  return new CliError('not-found', `database ${database} does not exist in instance ${instance}`, {
    hint: `add --init to create it first, or: resource-postgres content create-database ${database} --instance ${instance}`,
    exitCode: 1,
  });
}
