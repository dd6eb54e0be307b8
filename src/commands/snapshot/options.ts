/** Options of the snapshot verbs, produced by cli/snapshot.ts; one shape per action. */
export type SnapshotLevel = 'database' | 'instance';

type Base = {
  instance: string;
};

export type SnapshotOptions =
  /** database undefined: the instance's own database. force: end the database's sessions. */
  /** level instance: the whole instance's data (instance-create.ts); database: one database, by template. */
  | (Base & {
      action: 'create';
      name: string;
      database?: string;
      level: SnapshotLevel;
      force: boolean;
      dryRun: boolean;
    })
  /** Restore always ends the database's sessions (said first); force is accepted and changes nothing more. */
  | (Base & { action: 'restore'; name: string; force: boolean; dryRun: boolean })
  | (Base & { action: 'list' })
  | (Base & { action: 'remove'; name: string; dryRun: boolean });

export type SnapshotAction = SnapshotOptions['action'];
export type SnapshotOptionsOf<A extends SnapshotAction> = Extract<SnapshotOptions, { action: A }>;

/** What create, restore and remove hand back (rendered as `message`). */
export interface SnapshotChangeData {
  action: 'create' | 'restore' | 'remove';
  instance: string;
  snapshot: string;
  level: SnapshotLevel;
  /** The database it was taken of; '' for an instance-level snapshot (all of them). */
  database: string;
  outcome: 'created' | 'restored' | 'removed' | 'dry-run';
  message: string;
  terminated_sessions: number;
  size_bytes: number | null;
  duration_ms: number;
}

export interface SnapshotListData {
  instance: string;
  snapshots: Array<{
    name: string;
    instance: string;
    level: SnapshotLevel;
    /** '' for an instance-level snapshot (all databases). */
    database: string;
    created: string;
    size_bytes: number;
  }>;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
