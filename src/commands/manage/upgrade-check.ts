import { CliError, usageError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { SUPPORTED_MAJORS } from '../../core/pg-version.js';
import type { TableCount } from '../../postgres/backup/catalog.js';

/** The majors an instance can be upgraded to: those it can be created with (runtimes and images). */
export const UPGRADE_MAJORS: readonly number[] = SUPPORTED_MAJORS.map(Number);

/** The major an instance records (instance.conf version, else its image's tag), before asking its server. */
export function recordedMajor(instance: Pick<Instance, 'version' | 'image'>): number | undefined {
  const fromVersion = /^(\d{1,2})(?:\.\d+)?$/.exec(instance.version ?? '');
  if (fromVersion) return Number(fromVersion[1]);
  const fromTag = /:(\d{1,2})(?:[.-]|$)/.exec(instance.image ?? '');
  return fromTag ? Number(fromTag[1]) : undefined;
}

/** Refuses an upgrade that cannot be done before anything changes: the message names the input and the fix. */
export function checkUpgradeRequest(
  instance: Pick<Instance, 'name' | 'engine'>,
  current: number | undefined,
  target: number,
  image: string | undefined,
): void {
  if (!Number.isInteger(target) || !UPGRADE_MAJORS.includes(target))
    throw usageError(
      `unknown PostgreSQL major --pg-version ${target}`,
      `upgrade to one of: ${UPGRADE_MAJORS.join(', ')} (a major, such as 17)`,
    );
  if (image !== undefined && instance.engine !== 'docker')
    throw usageError(
      `--image applies to docker instances; instance ${instance.name} runs on ${instance.engine}`,
      'leave out --image: the native engine uses the runtime of the new major',
    );
  if (current === undefined) return; // asked of the server once it runs
  if (target === current)
    throw new CliError('conflict', `instance ${instance.name} already runs PostgreSQL ${current}; nothing to upgrade`, {
      hint: `name a newer major: --pg-version ${Math.min(current + 1, 18)}`,
    });
  if (target < current)
    throw usageError(
      `--pg-version ${target} is older than instance ${instance.name}'s PostgreSQL ${current}: downgrades are not supported`,
      `to move data to an older major, dump it with the older major's pg_dump into a new instance (backup create, then backup restore --to-instance NEW)`,
    );
}

export interface TableMismatch {
  database: string;
  table: string;
  expected: number;
  /** null: the table is missing on the new server. */
  actual: number | null;
}

/**
 * Exact per-table row counts, database by database: every table counted in the old server's
 * snapshot must hold the same number of rows on the new one. A table only the new one has
 * is reported too (expected 0): an upgrade must not invent data either.
 */
export function compareTableCounts(
  expected: Array<{ name: string; tables: TableCount[] }>,
  actual: Map<string, TableCount[]>,
): TableMismatch[] {
  const out: TableMismatch[] = [];
  for (const db of expected) {
    const got = new Map((actual.get(db.name) ?? []).map((t) => [t.table, t.rows]));
    for (const t of db.tables) {
      const rows = got.has(t.table) ? got.get(t.table)! : null;
      if (rows !== t.rows) out.push({ database: db.name, table: t.table, expected: t.rows, actual: rows });
      got.delete(t.table);
    }
    for (const [table, rows] of got) out.push({ database: db.name, table, expected: 0, actual: rows });
  }
  return out;
}

export function describeMismatches(list: TableMismatch[], max = 5): string {
  const shown = list
    .slice(0, max)
    .map((m) => `${m.database}: ${m.table} expected ${m.expected} row(s), got ${m.actual ?? 'no table'}`);
  return `${shown.join('; ')}${list.length > max ? `; and ${list.length - max} more` : ''}`;
}
