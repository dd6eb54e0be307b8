import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { ClientResult, ClientRunner, Engine } from '../../engines/engine.js';
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

/**
 * One database, pg_dump straight into pg_restore (no file between them, so both run at once):
 * into a staging database of the new server, swapped in under the database's name once the
 * restore succeeded. The dump reads a snapshot exported by a transaction held open on the old
 * server, in which the exact row counts are taken: counts and copy agree whatever happens
 * meanwhile. Uncompressed: the archive only crosses a pipe.
 */
async function copyDatabase(
  ctx: Context,
  engine: Engine,
  dumper: ClientRunner,
  instance: Instance,
  target: Instance,
  db: DatabaseFacts,
  signal: AbortSignal,
): Promise<CopiedDatabase> {
  const staging = `${STAGING_PREFIX}${randomBytes(5).toString('hex')}`;
  await createStaging(target, db, staging);
  try {
    const tables = await withExportedSnapshot(instance, db.name, async (snapshot, counts) => {
      const pipe = new PassThrough();
      // A restore that stops early must end the dump too, or pg_dump would wait on a full pipe.
      const stop = new AbortController();
      const both = AbortSignal.any([signal, stop.signal]);
      const restoring = engine.runClient!(
        target,
        'pg_restore',
        ['--exit-on-error', '--no-password', `--dbname=${staging}`],
        {
          stdin: pipe,
          signal: both,
        },
      ).finally(() => stop.abort());
      const args = ['--format=custom', '--compress=0', `--snapshot=${snapshot}`, '--no-password'];
      // The database goes through PGDATABASE: a name with "=" would be taken as a connection string.
      const dumped = await dumper.runClient!(instance, 'pg_dump', args, {
        stdout: pipe,
        env: { PGDATABASE: db.name },
        signal: both,
      }).finally(() => pipe.end());
      const restored = await restoring;
      if (restored.exitCode !== 0) throw failed('pg_restore', restored, `restoring database ${db.name}`);
      if (dumped.exitCode !== 0) throw failed('pg_dump', dumped, `dumping database ${db.name}`);
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
 * Roles (pg_dumpall --globals-only, replayed as a logical restore replays them: the program's
 * own roles keep the target's passwords and attributes), then every database, all through the
 * new major's client programs: `dumper` runs them against the old server, `engine` against
 * the new one. Finally the application's role is put back as owner mode requires.
 */
export async function copyAll(
  ctx: Context,
  engine: Engine,
  dumper: ClientRunner,
  instance: Instance,
  target: Instance,
  facts: ServerFacts,
  dbs: DatabaseFacts[],
  signal: AbortSignal,
): Promise<CopiedDatabase[]> {
  const major = Number(target.version);
  const tool = await requireTools(dumper, instance, Math.max(facts.major, major), 'an upgrade');
  await requireTools(engine, target, major, 'an upgrade');
  ctx.talk.progress(`copying roles (pg_dumpall --globals-only, ${tool.label})`);
  const globals = await dumper.runClient!(instance, 'pg_dumpall', ['--globals-only', '--no-password'], { signal });
  if (globals.exitCode !== 0) throw failed('pg_dumpall', globals, 'dumping roles');
  await replayGlobals(ctx, engine, target, globals.stdout ?? '', signal);
  const done: CopiedDatabase[] = [];
  for (const [i, db] of dbs.entries()) {
    signal.throwIfAborted();
    ctx.talk.progress(`copying database ${db.name} (${i + 1}/${dbs.length})`);
    done.push(await copyDatabase(ctx, engine, dumper, instance, target, db, signal));
  }
  await provisionAppRole(target);
  return done;
}
