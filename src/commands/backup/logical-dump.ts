import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Context } from '../../context.js';
import type { ManifestDatabase, ManifestFile } from './manifest.js';
import type { Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import type { DatabaseFacts, ServerFacts } from '../../postgres/backup/catalog.js';
import { withExportedSnapshot } from '../../postgres/backup/catalog.js';
import { requireTools, runToFile } from './clients.js';

export interface BackupPart {
  databases: ManifestDatabase[];
  files: ManifestFile[];
  globals?: string;
  tool: string;
}

/**
 * Roles and tablespaces with pg_dumpall --globals-only, then each database with pg_dump in
 * custom format. Each pg_dump imports a snapshot exported by a transaction we hold open, in
 * which the per-table row counts for the manifest are taken: counts and dump agree exactly,
 * whatever writes happen meanwhile.
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
  const tool = await requireTools(engine, instance, facts.major, 'a logical backup');
  await mkdir(join(dir, 'databases'), { mode: 0o700 });
  const files: ManifestFile[] = [];
  ctx.talk.progress('dumping roles (pg_dumpall --globals-only)');
  files.push(
    await runToFile(
      ctx,
      engine,
      instance,
      'pg_dumpall',
      ['--globals-only', '--no-password'],
      join(dir, 'globals.sql'),
      'globals.sql',
      { signal, what: 'dumping roles' },
    ),
  );
  const databases: ManifestDatabase[] = [];
  for (const [i, db] of dbs.entries()) {
    signal.throwIfAborted();
    const rel = `databases/${String(i + 1).padStart(3, '0')}.dump`;
    const what = `dumping database ${db.name} (${i + 1}/${dbs.length})`;
    const { file, counts } = await withExportedSnapshot(instance, db.name, async (snapshot, counts) => {
      const args = ['--format=custom', `--snapshot=${snapshot}`, '--no-password'];
      // The database goes through PGDATABASE: a name with "=" would be taken as a connection string.
      const file = await runToFile(ctx, engine, instance, 'pg_dump', args, join(dir, rel), rel, {
        env: { PGDATABASE: db.name },
        signal,
        what,
      });
      return { file, counts };
    });
    files.push(file);
    databases.push({ ...db, file: rel, tables: counts });
  }
  return { databases, files, globals: 'globals.sql', tool: `pg_dump ${tool.label}` };
}
