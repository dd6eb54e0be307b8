import { databaseOwner } from '../../core/instance.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { createDatabase, databaseExists } from '../../postgres/databases.js';
import {
  applyMigration,
  ensureTable,
  readApplied,
  scanFile,
  withMigrationLock,
} from '../../postgres/migrations/apply.js';
import { type IgnoredFile, selectMigrations } from '../../postgres/migrations/files.js';
import { type MigrationPlan, planMigrations, type ScannedMigration } from '../../postgres/migrations/plan.js';
import type { OptionsOf } from './options.js';
import { contentTarget, withAdmin, withSession } from './session.js';
import { type CommandResult, result } from '../result.js';

export interface ContentMigrateData {
  instance: string;
  database: string;
  directory: string;
  mode: 'apply' | 'status' | 'dry-run';
  database_exists: boolean;
  /** Applied by this run (apply mode). */
  applied_now: Array<{ version: number; file: string; duration_ms: number; statements: number }>;
  plan: MigrationPlan;
  ignored: IgnoredFile[];
  target: number | null;
}

/**
 * `content migrate [DIR]`: NNN_name.sql files in version order, each once, each in its own
 * transaction unless marked no-transaction, recorded with checksum and duration, under an
 * advisory lock so concurrent runs apply every migration exactly once.
 */
export async function migrate(
  ctx: Context,
  opts: OptionsOf<'migrate'>,
  signal?: AbortSignal,
): Promise<CommandResult<ContentMigrateData>> {
  const { instance, database } = await contentTarget(ctx, opts.instance, opts.database);
  const { migrations, ignored } = selectMigrations(await listDir(opts.dir));
  const scanned: ScannedMigration[] = [];
  for (const m of migrations) scanned.push({ ...m, ...(await scanFile(join(opts.dir, m.file))) });
  const mode = opts.status ? 'status' : opts.dryRun ? 'dry-run' : 'apply';
  const data: ContentMigrateData = {
    instance: instance.name,
    database,
    directory: opts.dir,
    mode,
    database_exists: true,
    applied_now: [],
    plan: planMigrations(scanned, [], opts.target),
    ignored,
    target: opts.target ?? null,
  };

  if (mode !== 'apply') {
    // Read-only: no database, table or lock is created just to look.
    data.database_exists = await withAdmin(ctx, instance, signal, (s) => databaseExists(s.client, database));
    if (data.database_exists)
      data.plan = planMigrations(
        scanned,
        await withSession(ctx, instance, database, signal, (s) => readApplied(s.client)),
        opts.target,
      );
    if (mode === 'dry-run') refuseUnsafe(data.plan, instance, database);
    return result('content-migrate', data);
  }

  if (
    (await withAdmin(ctx, instance, signal, (s) => createDatabase(s.client, database, databaseOwner(instance)))) ===
    'created'
  )
    ctx.talk.info(`created database ${database} in instance ${instance.name}`);
  await withSession(ctx, instance, database, signal, (session) =>
    withMigrationLock(
      session,
      () => ctx.talk.info(`waiting for another migration run on ${database} to finish ...`),
      async () => {
        await ensureTable(session.client);
        data.plan = planMigrations(scanned, await readApplied(session.client), opts.target);
        refuseUnsafe(data.plan, instance, database);
        for (const m of data.plan.pending) {
          session.checkInterrupted();
          try {
            const { durationMs, statements } = await applyMigration(session, m, join(opts.dir, m.file));
            data.applied_now.push({ version: m.version, file: m.file, duration_ms: durationMs, statements });
            ctx.talk.progress(`applied ${m.file} (${durationMs} ms)`);
          } catch (e) {
            throw failed(e, m, data);
          }
        }
      },
    ),
  );
  return result('content-migrate', data);
}

async function listDir(dir: string): Promise<Array<{ name: string; isFile: boolean }>> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isFile: e.isFile() }));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CliError(
      'usage',
      `cannot read the migrations directory ${dir}: ${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (e as Error).message}`,
      {
        hint: 'give the directory of NNN_name.sql files: resource-postgres content migrate DIR',
      },
    );
  }
}

/** Edited history and out-of-order files stop a run before anything is applied. */
function refuseUnsafe(plan: MigrationPlan, instance: Instance, database: string): void {
  if (plan.changed.length) {
    const list = plan.changed.map(
      (c) => `${c.file}: applied with checksum ${c.recorded.slice(0, 12)}, now ${c.current.slice(0, 12)}`,
    );
    throw new CliError(
      'conflict',
      `${plan.changed.length === 1 ? 'an applied migration was' : `${plan.changed.length} applied migrations were`} changed since it ran: ${plan.changed.map((c) => c.file).join(', ')}`,
      {
        details: list.join('\n'),
        hint: 'applied migrations must not be edited: restore the file and put the change in a new migration with a higher number',
      },
    );
  }
  if (plan.out_of_order.length) {
    const newest = Math.max(...plan.applied.map((a) => a.version), ...plan.missing.map((a) => a.version));
    throw new CliError(
      'conflict',
      `pending ${plan.out_of_order.map((m) => m.file).join(', ')} ${plan.out_of_order.length === 1 ? 'is' : 'are'} numbered below version ${newest}, already applied to ${database} in instance ${instance.name}`,
      {
        hint: 'renumber the new migration above the newest applied one',
      },
    );
  }
}

function failed(e: unknown, m: ScannedMigration, data: ContentMigrateData): CliError {
  const inner = e instanceof CliError ? e : new CliError('failed', String(e), { cause: e });
  const effect = m.no_transaction
    ? `${m.file} ran without a transaction: its statements before the error stay applied, and it is not recorded`
    : `${m.file} was rolled back: nothing of it was applied`;
  const before = data.applied_now.length
    ? `applied by this run: ${data.applied_now.map((a) => a.file).join(', ')}`
    : 'nothing was applied by this run';
  return new CliError(inner.kind, `migration ${m.file} failed: ${inner.message}`, {
    details: [inner.details, effect, before].filter(Boolean).join('\n'),
    hint: inner.hint,
    exitCode: inner.exitCode,
    cause: e,
  });
}
