import { randomBytes } from 'node:crypto';
import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import {
  backupDatabases,
  type DatabaseFacts,
  serverFacts,
  type TableCount,
  tableCounts,
} from '../../postgres/backup/catalog.js';
import { dropIfExists } from '../../postgres/backup/restore-target.js';
import { BRANCH_PREFIX, isInternalDatabase, type SnapshotMark } from '../../postgres/snapshot-names.js';
import { closeToOthers, copyDatabase as templateCopy, roleExists } from '../../postgres/snapshots.js';
import { withAdmin } from '../content/session.js';
import { provisionAppRole } from './app-role.js';
import { compareTableCounts, describeMismatches } from './upgrade-check.js';
import { settingsUnknownTo } from '../backup/clients.js';
import { copyOneDatabase } from './branch-db-copy.js';
import { type CopiedDatabase, copyGlobals } from './upgrade-copy.js';

/** A database-level snapshot of the source: its database (rp_snap_*) and what it was taken of. */
export interface BranchSnapshot {
  name: string;
  database: string;
  mark: SnapshotMark;
}

/**
 * Fills a new instance (`target`, running, empty) from `source` logically, as manage upgrade
 * copies: roles (pg_dumpall --globals-only, replayed keeping the target's own passwords), then
 * each database through pg_dump | pg_restore within one exported snapshot, its exact row
 * counts checked on the target after. pg_dump runs for the source with the source's own
 * credentials and pg_restore for the target with the target's, the archive passing through
 * this process: neither instance ever holds the other's password. With a database-level
 * snapshot, that snapshot's copy (a temporary database of the source, since nobody may
 * connect to a snapshot) is restored under the name of the database it was taken of.
 */
export async function copyInstanceData(
  ctx: Context,
  engine: Engine,
  source: Instance,
  target: Instance,
  snapshot: BranchSnapshot | undefined,
  signal: AbortSignal,
): Promise<CopiedDatabase[]> {
  const facts = await serverFacts(source);
  const majors = { source: facts.major, target: (await serverFacts(target)).major };
  const tool = await copyGlobals(ctx, engine, engine, source, target, majors, signal, 'manage start --from', {
    otherInstance: true,
  });
  const unknown = tool.major > majors.target ? settingsUnknownTo(majors.target) : [];
  const temp = snapshot ? `${BRANCH_PREFIX}${randomBytes(5).toString('hex')}` : undefined;
  try {
    let dbs: Array<DatabaseFacts & { from?: string }>;
    if (snapshot && temp) {
      // SRC's lock is held: a copy of this prefix is one a killed --from left behind.
      for (const left of (await backupDatabases(source)).filter((d) => d.name.startsWith(BRANCH_PREFIX)))
        await dropIfExists(source, left.name);
      // The program's superuser owns the temporary copy and only it may connect: the app cannot
      // change it while pg_dump reads it. NEW's database is owned as the snapshot's was.
      const owner = await withAdmin(ctx, source, signal, async (s) => {
        await templateCopy(s.client, { target: temp, source: snapshot.database });
        await closeToOthers(s.client, temp);
        return (await roleExists(s.client, snapshot.mark.owner)) ? snapshot.mark.owner : undefined;
      });
      const made = (await backupDatabases(source)).find((d) => d.name === temp);
      if (!made)
        throw new CliError('failed', `the copy of snapshot ${snapshot.name} vanished from instance ${source.name}`);
      dbs = [{ ...made, owner: owner ?? made.owner, name: snapshot.mark.database, from: temp }];
    } else {
      dbs = (await backupDatabases(source)).filter((d) => !isInternalDatabase(d.name));
    }
    const copied: CopiedDatabase[] = [];
    for (const [i, db] of dbs.entries()) {
      signal.throwIfAborted();
      ctx.talk.progress(`copying database ${db.name} (${i + 1}/${dbs.length})`);
      copied.push(await copyOneDatabase(engine, source, target, db, unknown, signal));
    }
    await provisionAppRole(target);
    const onTarget = new Map<string, TableCount[]>();
    for (const c of copied) onTarget.set(c.name, await tableCounts(target, c.name));
    const wrong = compareTableCounts(copied, onTarget);
    if (wrong.length)
      throw new CliError(
        'failed',
        `the copy's row counts differ from instance ${source.name}'s: ${describeMismatches(wrong)}`,
      );
    return copied;
  } finally {
    if (temp) await dropIfExists(source, temp).catch(() => {});
  }
}
