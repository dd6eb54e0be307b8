import type { MigrationFile } from './files.js';

/** One row of the tracking table. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
  applied_at: string;
  duration_ms: number;
}

export interface ScannedMigration extends MigrationFile {
  checksum: string;
  no_transaction: boolean;
}

export interface MigrationPlan {
  /** Files already applied with the same checksum. */
  applied: Array<ScannedMigration & { applied_at: string; duration_ms: number }>;
  /** What a run would apply, in order (after --target). */
  pending: ScannedMigration[];
  /** Pending beyond --target: left for a later run. */
  beyond_target: ScannedMigration[];
  /** Applied files whose content changed since: an error for a run. */
  changed: Array<{ file: string; version: number; recorded: string; current: string }>;
  /** Pending files numbered below the newest applied one: an error for a run. */
  out_of_order: ScannedMigration[];
  /** Recorded versions with no file in the directory: reported, never undone. */
  missing: AppliedMigration[];
}

/**
 * Compares the directory with the tracking table. Pure, so the rules are unit-tested:
 * an applied file must keep its checksum; a new file may not slip in below the newest
 * applied version (it would run after later migrations in some databases and before them in
 * fresh ones); --target N stops after version N.
 */
export function planMigrations(files: ScannedMigration[], applied: AppliedMigration[], target?: number): MigrationPlan {
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  const newest = applied.reduce((max, a) => Math.max(max, a.version), -1);
  const plan: MigrationPlan = {
    applied: [],
    pending: [],
    beyond_target: [],
    changed: [],
    out_of_order: [],
    missing: [],
  };
  for (const f of files) {
    const rec = byVersion.get(f.version);
    if (rec) {
      if (rec.checksum !== f.checksum)
        plan.changed.push({ file: f.file, version: f.version, recorded: rec.checksum, current: f.checksum });
      else plan.applied.push({ ...f, applied_at: rec.applied_at, duration_ms: rec.duration_ms });
    } else if (target !== undefined && f.version > target) {
      plan.beyond_target.push(f);
    } else {
      if (f.version < newest) plan.out_of_order.push(f);
      plan.pending.push(f);
    }
  }
  const versions = new Set(files.map((f) => f.version));
  plan.missing = applied.filter((a) => !versions.has(a.version)).sort((a, b) => a.version - b.version);
  return plan;
}
