import type { BackupMethod } from './manifest.js';

/** Options of the backup verbs, produced by cli/backup.ts; one shape per action. */
type Base = {
  /** --backup-dir / RESOURCE_POSTGRES_BACKUP_DIR: backups under <dir>/<instance>/ instead of the home. */
  backupDir?: string;
};

export type BackupOptions =
  | (Base & {
      action: 'create';
      instance: string;
      database?: string;
      name?: string;
      method?: BackupMethod;
      pgBin?: string;
      dryRun: boolean;
    })
  | (Base & { action: 'list'; instance?: string })
  | (Base & {
      action: 'restore';
      name: string;
      instance?: string;
      toInstance?: string;
      database?: string;
      force: boolean;
      pgBin?: string;
      dryRun: boolean;
    })
  | (Base & { action: 'verify'; name: string; instance?: string; restoreTest: boolean; pgBin?: string })
  | (Base & { action: 'prune'; instance?: string; keep?: number; olderThan?: string; dryRun: boolean })
  | (Base & { action: 'remove'; name: string; instance?: string; force: boolean; dryRun: boolean });

export type BackupAction = BackupOptions['action'];
export type BackupOptionsOf<A extends BackupAction> = Extract<BackupOptions, { action: A }>;

export const BACKUP_DIR_ENV = 'RESOURCE_POSTGRES_BACKUP_DIR';
