import { CliError, usageError } from '../../core/errors.js';

/** manifest.json of one backup: everything restore and verify need, and what a person wants to know. */
export type BackupMethod = 'logical' | 'physical';

export interface ManifestFile {
  /** Relative to the backup directory, "/"-separated. */
  path: string;
  bytes: number;
  sha256: string;
}

export interface ManifestDatabase {
  name: string;
  owner: string;
  encoding: string;
  collate: string;
  ctype: string;
  /** logical: the pg_dump custom-format archive of this database. */
  file?: string;
  /** Exact row counts at backup time (logical: in the dump's own snapshot). */
  tables: Array<{ table: string; rows: number }>;
}

export interface Manifest {
  format: 1;
  name: string;
  instance: string;
  engine: 'docker' | 'native';
  /** docker: the image; native: the server's major, for a clone's binaries. */
  image?: string;
  template: string;
  /** The source's --extensions: a clone preloads the same libraries its data expects. */
  extensions?: string[];
  user: string;
  database: string;
  server_version: string;
  server_major: number;
  method: BackupMethod;
  scope: 'all-databases' | 'database';
  databases: ManifestDatabase[];
  /** logical: pg_dumpall --globals-only (roles, tablespaces). */
  globals?: string;
  /** physical: base.tar, wal.tar, backup_label, tablespace_map and the WAL range. */
  physical?: {
    base: string;
    wal: string;
    backup_label: string;
    tablespace_map?: string;
    start_lsn: string;
    stop_lsn: string;
    wal_from: string;
    wal_to: string;
  };
  tool: string;
  files: ManifestFile[];
  total_bytes: number;
  started_at: string;
  finished_at: string;
  status: 'complete';
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export function validateBackupName(name: unknown): string {
  if (typeof name === 'string' && NAME_RE.test(name)) return name;
  throw usageError(
    `invalid backup name ${JSON.stringify(String(name ?? ''))}`,
    'use 1-100 characters: letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. main-before-upgrade)',
  );
}

/** "<instance>-20260131T120000Z": sorts by time, unique per second. */
export function defaultBackupName(instance: string, at: Date): string {
  return `${instance}-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}`;
}

/** Parses manifest.json, refusing what this version cannot restore. */
export function parseManifest(text: string, path: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CliError('config', `damaged backup manifest ${path}: ${(e as Error).message}`, {
      hint: 'the backup cannot be trusted; remove it with backup remove NAME --force',
    });
  }
  const m = data as Partial<Manifest>;
  const missing = (['name', 'instance', 'engine', 'method', 'files', 'status', 'server_major'] as const).filter(
    (k) => m[k] === undefined,
  );
  if (missing.length || m.format !== 1 || !Array.isArray(m.files) || !Array.isArray(m.databases)) {
    throw new CliError(
      'config',
      `backup manifest ${path} is not a format-1 manifest${missing.length ? ` (missing ${missing.join(', ')})` : ''}`,
      { hint: 'it was not written by this version, or is damaged' },
    );
  }
  return m as Manifest;
}

/** Every file a manifest names must be a plain relative path inside the backup directory. */
export function unsafeManifestPath(path: string): boolean {
  return path.startsWith('/') || path.split('/').some((p) => p === '..' || p === '') || path === 'manifest.json';
}
