import { usageError } from '../core/errors.js';

/**
 * Database-level snapshots are databases of the instance itself, named `rp_snap_<name>`: the
 * server keeps them, so they survive restarts and go with the instance's data. The prefix plus
 * the name must fit PostgreSQL's 63-byte identifiers, hence 55 characters at most. Pure: no pg.
 */
export const SNAPSHOT_PREFIX = 'rp_snap_';
/** Copies being restored live under this prefix until they are renamed over the database. */
export const RESTORE_PREFIX = 'rp_restore_';
/** manage start --from SRC@SNAPSHOT reads a snapshot through a copy of this prefix in SRC, under SRC's lock. */
export const BRANCH_PREFIX = 'rp_branch_';

const SNAPSHOT_NAME_RE = /^[a-z0-9][a-z0-9_]{0,54}$/;

/** Returns the name when valid, else a usage error naming the value and the rule. */
export function validateSnapshotName(name: unknown): string {
  if (typeof name === 'string' && SNAPSHOT_NAME_RE.test(name)) return name;
  const shown = JSON.stringify(String(name ?? ''));
  throw usageError(
    `invalid snapshot name ${shown.length > 80 ? `${shown.slice(0, 77)}..."` : shown}`,
    'use 1-55 characters: lower-case letters, digits and "_", starting with a letter or digit (e.g. before_migration)',
  );
}

export function snapshotDatabase(name: string): string {
  return `${SNAPSHOT_PREFIX}${validateSnapshotName(name)}`;
}

/** The name a snapshot database carries, or undefined for any other database. */
export function snapshotNameOf(database: string): string | undefined {
  if (!database.startsWith(SNAPSHOT_PREFIX)) return undefined;
  const name = database.slice(SNAPSHOT_PREFIX.length);
  return SNAPSHOT_NAME_RE.test(name) ? name : undefined;
}

/** Databases the program keeps for itself: never snapshotted or branched from. */
export function isInternalDatabase(database: string): boolean {
  return [SNAPSHOT_PREFIX, RESTORE_PREFIX, BRANCH_PREFIX].some((p) => database.startsWith(p));
}

/**
 * What a snapshot database's COMMENT records: the database it was taken of, that database's
 * owner (a restore gives the copy back to it) and when. JSON, so `list` reads it back exactly.
 */
export interface SnapshotMark {
  tool: 'resource-postgres';
  database: string;
  owner: string;
  created: string;
}

export function parseSnapshotMark(comment: string | null): SnapshotMark | undefined {
  if (!comment) return undefined;
  try {
    const v = JSON.parse(comment) as Partial<SnapshotMark>;
    if (v.tool !== 'resource-postgres' || typeof v.database !== 'string' || typeof v.owner !== 'string')
      return undefined;
    return { tool: v.tool, database: v.database, owner: v.owner, created: String(v.created ?? '') };
  } catch {
    return undefined;
  }
}
