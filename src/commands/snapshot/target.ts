import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { MAINTENANCE_DB, TEMPLATE_DBS } from '../../postgres/identifiers.js';
import {
  isInternalDatabase,
  parseSnapshotMark,
  type SnapshotMark,
  snapshotDatabase,
} from '../../postgres/snapshot-names.js';
import { databaseFacts } from '../../postgres/snapshots.js';
import type { Session } from '../../postgres/session.js';
import { withAdmin } from '../content/session.js';
import { findInstanceSnapshot, type InstanceSnapshot } from './instance-store.js';

/** The connection a session holds (pg stays behind postgres/). */
type Client = Session['client'];

/**
 * Snapshot work holds the instance's lock (a stop, an uninstall or a backup restore, which
 * drops staging databases it finds, never interleaves) and runs as the program's superuser.
 */
export function withSnapshotSession<T>(
  ctx: Context,
  instance: Instance,
  signal: AbortSignal | undefined,
  fn: (s: Session) => Promise<T>,
): Promise<T> {
  return ctx.registry.lockedInstance(instance.name, () => withAdmin(ctx, instance, signal, fn));
}

/** Databases a snapshot or branch may be taken of: not PostgreSQL's own, not the program's. */
export function checkCopySource(database: string): void {
  if (database === MAINTENANCE_DB || TEMPLATE_DBS.includes(database) || isInternalDatabase(database))
    throw new CliError(
      'refused',
      `refusing to copy ${database}: it is PostgreSQL's or resource-postgres's own database`,
      {
        hint: 'name one of your databases with --database (see content list)',
      },
    );
}

export async function requireDatabase(client: Client, instance: Instance, database: string) {
  const facts = await databaseFacts(client, database);
  if (!facts)
    throw new CliError('not-found', `no database ${database} in instance ${instance.name}`, {
      hint: `see what exists: resource-postgres content list --instance ${instance.name}`,
    });
  return facts;
}

/** The snapshot's database and its mark, or a not-found error pointing at `snapshot list`. */
export async function requireSnapshot(
  client: Client,
  instance: Instance,
  name: string,
): Promise<{ database: string; mark: SnapshotMark; size_bytes: number }> {
  const database = snapshotDatabase(name);
  const facts = await databaseFacts(client, database);
  const mark = parseSnapshotMark(facts?.comment ?? null);
  if (!facts || !mark)
    throw new CliError('not-found', `no snapshot ${name} in instance ${instance.name}`, {
      hint: `see the snapshots: resource-postgres snapshot list --instance ${instance.name}`,
    });
  return { database, mark, size_bytes: facts.size_bytes };
}

/** Is there a database-level snapshot NAME? False when the server does not run (it cannot have one taken then). */
export async function hasDatabaseSnapshot(
  ctx: Context,
  instance: Instance,
  name: string,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  const engine = await ctx.engine(instance.engine);
  if ((await engine.inspect(instance)).state !== 'running') return false;
  return withAdmin(
    ctx,
    instance,
    signal,
    async (s) => (await databaseFacts(s.client, snapshotDatabase(name))) !== undefined,
  );
}

/**
 * The instance-level snapshot NAME, looked up again inside the instance's lock (it may have
 * been removed meanwhile). A database-level snapshot of the same name (possible before names
 * were checked across levels with the instance stopped) makes the name ambiguous: refused,
 * rather than acting on the one the user may not mean.
 */
export async function lockedInstanceSnapshot(
  ctx: Context,
  instance: Instance,
  name: string,
  signal: AbortSignal | undefined,
): Promise<InstanceSnapshot> {
  const snap = await findInstanceSnapshot(ctx, instance.name, name);
  if (!snap)
    throw new CliError('not-found', `no snapshot ${name} in instance ${instance.name} (removed meanwhile)`, {
      hint: `see the snapshots: resource-postgres snapshot list --instance ${instance.name}`,
    });
  if (await hasDatabaseSnapshot(ctx, instance, name, signal))
    throw new CliError(
      'conflict',
      `snapshot ${name} of instance ${instance.name} exists at both levels (instance and database): refusing to guess which one`,
      {
        hint: `the database-level one is database ${snapshotDatabase(name)}; drop it as the instance's superuser (credentials --admin) to act on the instance-level one`,
      },
    );
  return snap;
}
