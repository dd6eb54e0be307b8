import { join } from 'node:path';
import type { Context } from '../../context.js';
import { type BackupMethod, defaultBackupName, type Manifest } from './manifest.js';
import { CliError, describeError, notFound } from '../../core/errors.js';
import { writeSmallFile } from '../../system/file-sink.js';
import type { Instance } from '../../core/instance.js';
import { credentialsOf } from '../../core/data-credentials.js';
import type { Engine } from '../../engines/engine.js';
import { type ServerFacts, serverAndDatabases } from '../../postgres/backup/catalog.js';
import { result } from '../result.js';
import { storeOf } from './store.js';
import { dumpLogical } from './logical-dump.js';
import type { BackupOptionsOf } from './options.js';
import { copyPhysical } from './physical-copy.js';
import { formatBytes } from './progress.js';

export interface BackupCreateData {
  name: string;
  instance: string;
  method: BackupMethod;
  path: string;
  databases: string[];
  total_bytes: number;
  duration_ms: number;
  dry_run: boolean;
  message: string;
}

/** The instance must be running and answering: a backup of a server that is not there is no backup. */
export async function runningInstance(ctx: Context, name: string): Promise<{ instance: Instance; engine: Engine }> {
  const instance = await ctx.registry.get(name);
  const engine = await ctx.engine(instance.engine);
  const probe = await ctx.probe(instance);
  if (!probe.ok) {
    throw new CliError('failed', `instance ${name} does not answer: ${probe.message}`, {
      hint: `start it: resource-postgres manage start --instance ${name}`,
      exitCode: 2,
    });
  }
  return { instance, engine };
}

/** Logical unless asked otherwise; on native without a suitable pg_dump, physical (and say so). */
export async function chooseMethod(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  facts: ServerFacts,
  asked?: BackupMethod,
): Promise<BackupMethod> {
  if (asked) return asked;
  if (engine.name !== 'native' || !engine.clientTools) return 'logical';
  const tools = await engine.clientTools(instance, facts.major);
  if (tools.ok) return 'logical';
  ctx.talk.info(
    `no suitable pg_dump for PostgreSQL ${facts.major} here (${tools.reason}); taking a physical backup instead`,
  );
  return 'physical';
}

/**
 * The server's facts and databases over one connection, which is also the check that it
 * answers (as runningInstance's probe, with the same error): two connections fewer.
 */
async function answeringServer(ctx: Context, name: string) {
  const instance = await ctx.registry.get(name);
  const engine = await ctx.engine(instance.engine);
  const found = await serverAndDatabases(instance).catch((e: unknown) => {
    throw new CliError(
      'failed',
      `instance ${name} does not answer: ${instance.host}:${instance.port}: ${describeError(e)}`,
      {
        hint: `start it: resource-postgres manage start --instance ${name}`,
        exitCode: 2,
      },
    );
  });
  return { instance, engine, ...found };
}

export async function createBackup(ctx: Context, opts: BackupOptionsOf<'create'>, signal: AbortSignal) {
  const { instance, engine, facts, dbs: all } = await answeringServer(ctx, opts.instance);
  const store = storeOf(ctx, opts);
  const started = ctx.now();
  const name = opts.name ?? defaultBackupName(instance.name, started);
  if (await store.exists(name))
    throw new CliError('conflict', `a backup named ${name} already exists`, {
      hint: 'choose another --name, or remove it first: resource-postgres backup remove NAME --force',
    });
  const target = opts.pgBin ? { ...instance, pgBin: opts.pgBin } : instance;
  const method = await chooseMethod(ctx, engine, target, facts, opts.method);
  if (method === 'physical' && opts.database)
    throw new CliError('usage', 'a physical backup always holds every database', {
      hint: 'leave out --database, or use --method logical',
    });
  let dbs = all;
  if (opts.database) {
    dbs = dbs.filter((d) => d.name === opts.database);
    if (!dbs.length)
      throw notFound(
        `instance ${instance.name} has no database ${opts.database}`,
        `see resource-postgres content list --instance ${instance.name}`,
      );
  }
  const dbNames = dbs.map((d) => d.name);
  const base = { name, instance: instance.name, method, databases: dbNames };
  if (opts.dryRun) {
    return result<BackupCreateData>('backup-create', {
      ...base,
      path: store.dirOf(instance.name),
      total_bytes: 0,
      duration_ms: 0,
      dry_run: true,
      message: `would take a ${method} backup ${name} of instance ${instance.name} (${dbNames.join(', ')}) into ${store.dirOf(instance.name)}`,
    });
  }
  const partial = await store.begin(instance.name, name, started);
  try {
    const part =
      method === 'logical'
        ? await dumpLogical(ctx, engine, target, facts, dbs, partial.dir, signal)
        : await copyPhysical(ctx, engine, instance, facts, dbs, partial.dir, name, signal);
    // The roles' passwords (both, with app role owner), 0600 beside the data it unlocks: a physical restore brings the
    // role back with this password, and instance.conf must then say so.
    const credentials = await writeSmallFile(
      join(partial.dir, 'credentials.json'),
      `${JSON.stringify(credentialsOf(instance))}\n`,
    );
    const files = [...part.files, { path: 'credentials.json', ...credentials }];
    const finished = ctx.now();
    const manifest: Manifest = {
      format: 1,
      name,
      instance: instance.name,
      engine: instance.engine,
      image: instance.image,
      template: instance.template,
      extensions: instance.extensions,
      user: instance.user,
      database: instance.database,
      server_version: facts.version,
      server_major: facts.major,
      method,
      scope: opts.database ? 'database' : 'all-databases',
      databases: part.databases,
      globals: part.globals,
      physical: 'physical' in part ? (part as { physical: Manifest['physical'] }).physical : undefined,
      tool: part.tool,
      files,
      total_bytes: files.reduce((n, f) => n + f.bytes, 0),
      started_at: started.toISOString(),
      finished_at: finished.toISOString(),
      status: 'complete',
    };
    const path = await partial.finish(manifest);
    const ms = finished.getTime() - started.getTime();
    return result<BackupCreateData>('backup-create', {
      ...base,
      path,
      total_bytes: manifest.total_bytes,
      duration_ms: ms,
      dry_run: false,
      message: `backup ${name} of instance ${instance.name} complete: ${method}, ${dbNames.length} database(s), ${formatBytes(manifest.total_bytes)} in ${(ms / 1000).toFixed(1)} s\n  ${path}`,
    });
  } catch (e) {
    await partial.abandon().catch(() => {});
    if (signal.aborted)
      throw new CliError('failed', `interrupted: backup ${name} was not completed and its partial files were removed`, {
        exitCode: 130,
      });
    throw e;
  }
}
