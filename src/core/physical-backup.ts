/**
 * Pure rules of PostgreSQL's low-level base backup ("Making a Base Backup Using the Low
 * Level API" in the manual): what to copy from the data directory and which WAL makes
 * the copy consistent.
 */

/** Directories whose contents are rebuilt at start-up (or must not be copied); the directory itself is kept. */
const EMPTIED_DIRS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);
/** Top-level files that describe the running server, or that we write ourselves from pg_backup_stop. */
const SKIPPED_TOP_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'tablespace_map',
  'backup_label.old',
  'tablespace_map.old',
]);

/** Is this data-directory path ("./base/1/1259") part of a base backup? */
export function isBaseBackupPath(path: string, isDir: boolean): boolean {
  const parts = path.replace(/^\.\//, '').split('/').filter(Boolean);
  const name = parts[parts.length - 1] ?? '';
  if (parts.length === 0) return false;
  if (name.startsWith('pgsql_tmp') || name === 'pg_internal.init') return false;
  if (parts.length === 1 && !isDir && SKIPPED_TOP_FILES.has(name)) return false;
  if (parts.length >= 2 && EMPTIED_DIRS.has(parts[0]!)) return false;
  return true;
}

const SEGMENT_RE = /^[0-9A-F]{24}$/;
const HISTORY_RE = /^[0-9A-F]{8}\.history$/;

/**
 * WAL segment names from `from` to `to` inclusive on from's timeline (fixed-width upper-case
 * hex sorts like the positions it names), plus timeline history files, sorted.
 */
export function walFilesBetween(names: readonly string[], from: string, to: string): string[] {
  const timeline = from.slice(0, 8);
  return names
    .filter((n) => (SEGMENT_RE.test(n) && n.startsWith(timeline) && n >= from && n <= to) || HISTORY_RE.test(n))
    .sort();
}

/** The WAL file the backup starts in, from pg_backup_stop's labelfile. */
export function startWalFile(label: string): string | undefined {
  return /^START WAL LOCATION: \S+ \(file ([0-9A-F]{24})\)$/m.exec(label)?.[1];
}

/** Why a server cannot take an online physical backup, or undefined when it can. */
export function physicalBlocker(settings: { wal_level: string; server_major: number }): string | undefined {
  if (settings.wal_level === 'minimal')
    return 'wal_level is minimal (the testing template sets it for speed); online physical backups need wal_level replica or logical';
  if (settings.server_major < 10) return `PostgreSQL ${settings.server_major} is too old for this backup method`;
  return undefined;
}
