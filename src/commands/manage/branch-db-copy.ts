import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { POOLER_AUTH_SCHEMA } from '../../core/pooler.js';
import type { ClientResult, Engine } from '../../engines/engine.js';
import { type DatabaseFacts, withExportedSnapshot } from '../../postgres/backup/catalog.js';
import { createStaging, dropIfExists, STAGING_PREFIX, swapIn } from '../../postgres/backup/restore-target.js';
import { restoreArchive } from '../backup/clients.js';
import type { CopiedDatabase } from './upgrade-copy.js';

function failed(program: string, res: ClientResult, what: string): CliError | undefined {
  if (res.exitCode === 0) return undefined;
  return new CliError('failed', `${program} failed while ${what} (exit ${res.exitCode})`, {
    details: res.stderr.trim().split('\n').slice(-8).join('\n') || undefined,
  });
}

/**
 * One database of `source` into `target` (both of one engine): pg_dump run for the source
 * with its own credentials, inside one exported snapshot in which the exact row counts are
 * taken, piped through this process into pg_restore run for the target, into a staging
 * database swapped in under the database's name once complete. `db.from` names the source
 * database when it differs (a snapshot's temporary copy). `unknown`: settings newer client
 * programs send that the target's server lacks; then the archive goes through pg_restore as a
 * script, those settings dropped, into psql (as backup restores do).
 */
export async function copyOneDatabase(
  engine: Engine,
  source: Instance,
  target: Instance,
  db: DatabaseFacts & { from?: string },
  unknown: string[],
  signal: AbortSignal,
): Promise<CopiedDatabase> {
  const from = db.from ?? db.name;
  const staging = `${STAGING_PREFIX}${randomBytes(5).toString('hex')}`;
  await createStaging(target, db, staging);
  try {
    const tables = await withExportedSnapshot(source, from, async (snapshot, counts) => {
      const archive = new PassThrough();
      // pg_restore may stop reading before the archive's end (it has all it needs): then only
      // its own input is destroyed, and the archive pg_dump writes to is drained instead.
      const restoreIn = new PassThrough();
      archive.pipe(restoreIn);
      restoreIn.once('close', () => {
        archive.unpipe(restoreIn);
        archive.resume();
      });
      const stop = new AbortController();
      const both = AbortSignal.any([signal, stop.signal]);
      // A restore that failed or could not run reads no more: pg_dump must not wait on a full pipe.
      const restoring = restoreArchive(engine, target, staging, restoreIn, unknown, both).then(
        (r) => {
          if (r.exitCode !== 0) stop.abort();
          archive.resume();
          return r;
        },
        (e: unknown) => {
          stop.abort();
          archive.unpipe(restoreIn);
          archive.resume();
          throw e;
        },
      );
      restoring.catch(() => {}); // awaited below, after the dump: not an unhandled rejection meanwhile
      const dumped = await engine.runClient!(
        source,
        'pg_dump',
        // The pooler's lookup function belongs to the source's pooler role, which is not copied.
        [
          '--format=custom',
          '--compress=0',
          '--no-password',
          `--snapshot=${snapshot}`,
          `--exclude-schema=${POOLER_AUTH_SCHEMA}`,
        ],
        { stdout: archive, env: { PGDATABASE: from }, signal: both },
      ).finally(() => archive.end());
      const restored = await restoring;
      const error =
        failed('pg_restore', restored, `restoring database ${db.name}`) ??
        failed('pg_dump', dumped, `dumping database ${db.name}`);
      if (error) throw error;
      return counts;
    });
    await swapIn(target, staging, db.name);
    return { name: db.name, tables };
  } catch (e) {
    await dropIfExists(target, staging).catch(() => {});
    throw e;
  }
}
