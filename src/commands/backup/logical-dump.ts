import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import type { ManifestDatabase, ManifestFile } from './manifest.js';
import type { Instance } from '../../core/instance.js';
import { CliError } from '../../core/errors.js';
import type { Engine } from '../../engines/engine.js';
import type { DatabaseFacts, ServerFacts } from '../../postgres/backup/catalog.js';
import { dumpInSnapshot } from '../../postgres/backup/catalog.js';
import { requireTools, runToFile } from './clients.js';
import { inParallel, PARALLEL_DATABASES } from './parallel.js';

export interface BackupPart {
  databases: ManifestDatabase[];
  files: ManifestFile[];
  globals?: string;
  tool: string;
}

/**
 * zstd level 1 where pg_dump has it (16+; its client is at least the server's major): against
 * custom format's default gzip level 6, about twice as fast to write and to read back, and
 * smaller (220 MB of table: 20 MB against 23 MB). pg_restore reads it wherever it can read the
 * dump at all (a restore already needs a client as new as the dump).
 */
export const fastCompression = (serverMajor: number): string[] => (serverMajor >= 16 ? ['--compress=zstd:1'] : []);

/** A pg_dump built without zstd says so and dumps nothing: then the default compression. */
export function compressionUnsupported(e: unknown): boolean {
  return e instanceof CliError && /does not support compression|compression algorithm|zstd/i.test(e.details ?? '');
}

interface Dumped {
  file: ManifestFile;
  db?: ManifestDatabase;
}

/**
 * Roles and tablespaces with pg_dumpall --globals-only, then each database with pg_dump in
 * custom format. Each pg_dump imports a snapshot exported by a transaction we hold open, in
 * which the per-table row counts for the manifest are taken: counts and dump agree exactly,
 * whatever writes happen meanwhile. The globals and the databases are dumped a few at a time
 * (parallel.ts), the client programs' check overlapping the globals dump; a check that fails
 * is the error reported, whatever else failed with it.
 */
export async function dumpLogical(
  ctx: Context,
  engine: Engine,
  instance: Instance,
  facts: ServerFacts,
  dbs: DatabaseFacts[],
  dir: string,
  signal: AbortSignal,
): Promise<BackupPart> {
  const checked = requireTools(engine, instance, facts.major, 'a logical backup');
  checked.catch(() => {}); // awaited below
  await mkdir(join(dir, 'databases'), { mode: 0o700 });
  const globals = () => {
    ctx.talk.progress('dumping roles (pg_dumpall --globals-only)');
    return runToFile(
      ctx,
      engine,
      instance,
      'pg_dumpall',
      ['--globals-only', '--no-password'],
      join(dir, 'globals.sql'),
      'globals.sql',
      { signal, what: 'dumping roles' },
    );
  };
  // Not waiting for the check: a pg_dump older than the server refuses to dump by itself.
  const database = async (db: DatabaseFacts, i: number): Promise<Dumped> => {
    signal.throwIfAborted();
    const rel = `databases/${String(i + 1).padStart(3, '0')}.dump`;
    const what = `dumping database ${db.name} (${i + 1}/${dbs.length})`;
    ctx.talk.progress(what);
    // The database goes through PGDATABASE: a name with "=" would be taken as a connection string.
    const dump = (snapshot: string, compress: string[]) =>
      runToFile(
        ctx,
        engine,
        instance,
        'pg_dump',
        ['--format=custom', ...compress, `--snapshot=${snapshot}`, '--no-password'],
        join(dir, rel),
        rel,
        { env: { PGDATABASE: db.name }, signal, what },
      );
    const { value: file, counts } = await dumpInSnapshot(instance, db.name, async (snapshot) => {
      const compress = fastCompression(facts.major);
      try {
        return await dump(snapshot, compress);
      } catch (e) {
        if (!compress.length || !compressionUnsupported(e)) throw e;
        await rm(join(dir, rel), { force: true });
        return dump(snapshot, []);
      }
    });
    return { file, db: { ...db, file: rel, tables: counts } };
  };
  const jobs = [undefined, ...dbs];
  const done = await inParallel(jobs, PARALLEL_DATABASES, (db, i): Promise<Dumped> =>
    db ? database(db, i - 1) : globals().then((file) => ({ file })),
  ).catch(async (e: unknown) => {
    await checked;
    throw e;
  });
  const tool = await checked;
  return {
    databases: done.flatMap((d) => (d.db ? [d.db] : [])),
    files: done.map((d) => d.file),
    globals: 'globals.sql',
    tool: `pg_dump ${tool.label}`,
  };
}
