import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { ClientPipeEnd, ClientResult, ClientRunner, Engine } from '../../engines/engine.js';
import {
  type DatabaseFacts,
  type ServerFacts,
  type TableCount,
  withExportedSnapshot,
} from '../../postgres/backup/catalog.js';
import { createStaging, dropIfExists, STAGING_PREFIX, swapIn } from '../../postgres/backup/restore-target.js';
import { requireTools } from '../backup/clients.js';
import { replayGlobals } from '../backup/logical-restore.js';
import { provisionAppRole } from './app-role.js';

export interface CopiedDatabase {
  name: string;
  /** Row counts in the old server's snapshot the dump was taken in. */
  tables: TableCount[];
}

function failed(program: string, res: ClientResult, what: string): CliError {
  return new CliError('failed', `${program} failed while ${what} (exit ${res.exitCode})`, {
    details: res.stderr.trim().split('\n').slice(-8).join('\n') || undefined,
  });
}

/** Uncompressed: the archive only crosses a pipe. The database goes in PGDATABASE (a name with "=" is no connection string). */
const DUMP_ARGS = ['--format=custom', '--compress=0', '--no-password'];

/** pg_dump's output through this process into pg_restore, for engines without pipeClients. */
async function relay(
  engine: Engine,
  dumper: ClientRunner,
  instance: Instance,
  target: Instance,
  dump: ClientPipeEnd,
  restore: ClientPipeEnd,
  signal: AbortSignal,
): Promise<{ from: ClientResult; to: ClientResult }> {
  const pipe = new PassThrough();
  // pg_restore may stop reading before the archive's end (it has all it needs): its own input
  // ends then and the rest of the dump is drained, so pg_dump finishes; a failed restore stops it.
  const restoreIn = new PassThrough();
  pipe.pipe(restoreIn);
  const stop = new AbortController();
  const restoring = engine.runClient!(target, restore.program, restore.args, { stdin: restoreIn, signal }).then(
    (res) => {
      pipe.unpipe(restoreIn);
      pipe.resume();
      if (res.exitCode !== 0) stop.abort();
      return res;
    },
    (e: unknown) => {
      stop.abort();
      throw e;
    },
  );
  restoring.catch(() => {}); // awaited below, after the dump: not an unhandled rejection meanwhile
  const from = await dumper.runClient!(instance, dump.program, dump.args, {
    stdout: pipe,
    env: dump.env,
    signal: AbortSignal.any([signal, stop.signal]),
  }).finally(() => pipe.end());
  return { from, to: await restoring };
}

/**
 * The new major's client programs (runClient of the target: its container, or host programs
 * of that major), pointed at the old server. pg_dump must be at least as new as the server it
 * restores into, so the dump is taken with them, not with the old server's own.
 */
function clientsOfTarget(engine: Engine, target: Instance, peerEnv: Record<string, string>): ClientRunner {
  return {
    name: engine.name,
    clientTools: (_old, major) => engine.clientTools!(target, major),
    runClient: (_old, program, args, io) =>
      engine.runClient!(target, program, args, { ...io, env: { ...peerEnv, ...io.env } }),
  };
}

/**
 * One database, pg_dump straight into pg_restore (no file between them, so both run at once):
 * into a staging database of the new server, swapped in under the database's name once the
 * restore succeeded. The dump reads a snapshot exported by a transaction held open on the old
 * server, in which the exact row counts are taken: counts and copy agree whatever happens
 * meanwhile.
 */
async function copyDatabase(
  engine: Engine,
  dumper: ClientRunner,
  peerEnv: Record<string, string>,
  instance: Instance,
  target: Instance,
  db: DatabaseFacts,
  signal: AbortSignal,
): Promise<CopiedDatabase> {
  const staging = `${STAGING_PREFIX}${randomBytes(5).toString('hex')}`;
  await createStaging(target, db, staging);
  try {
    const tables = await withExportedSnapshot(instance, db.name, async (snapshot, counts) => {
      const dump = {
        program: 'pg_dump' as const,
        args: [...DUMP_ARGS, `--snapshot=${snapshot}`],
        env: { PGDATABASE: db.name },
      };
      const restore = {
        program: 'pg_restore' as const,
        args: ['--exit-on-error', '--no-password', `--dbname=${staging}`],
      };
      const res = engine.pipeClients
        ? await engine.pipeClients(target, { ...dump, env: { ...peerEnv, ...dump.env } }, restore, signal)
        : await relay(engine, dumper, instance, target, dump, restore, signal);
      if (res.to.exitCode !== 0) throw failed('pg_restore', res.to, `restoring database ${db.name}`);
      if (res.from.exitCode !== 0) throw failed('pg_dump', res.from, `dumping database ${db.name}`);
      return counts;
    });
    await swapIn(target, staging, db.name);
    return { name: db.name, tables };
  } catch (e) {
    await dropIfExists(target, staging).catch(() => {});
    throw e;
  }
}

/**
 * The roles of `instance` (pg_dumpall --globals-only, run by `dumper`, whose tools are checked
 * first: `purpose` names the command in the hint) replayed into `target`. Returns those tools.
 */
export async function copyGlobals(
  ctx: Context,
  engine: Engine,
  dumper: ClientRunner,
  instance: Instance,
  target: Instance,
  majors: { source: number; target: number },
  signal: AbortSignal,
  purpose: string,
  opts: { otherInstance?: boolean } = {},
): Promise<{ label: string; major: number }> {
  const tool = await requireTools(dumper, instance, Math.max(majors.source, majors.target), purpose);
  await requireTools(engine, target, majors.target, purpose);
  ctx.talk.progress(`copying roles (pg_dumpall --globals-only, ${tool.label})`);
  const globals = await dumper.runClient!(instance, 'pg_dumpall', ['--globals-only', '--no-password'], { signal });
  if (globals.exitCode !== 0) throw failed('pg_dumpall', globals, 'dumping roles');
  await replayGlobals(ctx, engine, target, globals.stdout ?? '', signal, opts);
  return tool;
}

/**
 * Roles (pg_dumpall --globals-only, replayed as a logical restore replays them: the program's
 * own roles keep the target's passwords and attributes), then every database, all through the
 * new major's client programs, run for the new server (`engine`), the dump pointed at the
 * old server by `peerEnv`. Finally the application's role is put back as owner mode requires.
 */
export async function copyAll(
  ctx: Context,
  engine: Engine,
  peerEnv: Record<string, string>,
  instance: Instance,
  target: Instance,
  facts: ServerFacts,
  dbs: DatabaseFacts[],
  signal: AbortSignal,
): Promise<CopiedDatabase[]> {
  const major = Number(target.version);
  const dumper = clientsOfTarget(engine, target, peerEnv);
  await copyGlobals(
    ctx,
    engine,
    dumper,
    instance,
    target,
    { source: facts.major, target: major },
    signal,
    'an upgrade',
  );
  const done: CopiedDatabase[] = [];
  for (const [i, db] of dbs.entries()) {
    signal.throwIfAborted();
    ctx.talk.progress(`copying database ${db.name} (${i + 1}/${dbs.length})`);
    done.push(await copyDatabase(engine, dumper, peerEnv, instance, target, db, signal));
  }
  await provisionAppRole(target);
  return done;
}
