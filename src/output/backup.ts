import type { BackupListData, BackupPruneData, BackupRemoveData } from '../commands/backup/catalog.js';
import type { BackupCreateData } from '../commands/backup/create.js';
import { formatBytes } from '../commands/backup/progress.js';
import type { BackupRestoreData } from '../commands/backup/restore.js';
import type { BackupVerifyData } from '../commands/backup/verify.js';
import { table } from './table.js';

/** Text renderers of the backup verbs; registered in render.ts. */
type Renderer = (data: never) => string;

function renderList(d: BackupListData): string {
  if (!d.backups.length) return `no backups (${d.location})`;
  const rows = [['NAME', 'INSTANCE', 'STATUS', 'METHOD', 'SIZE', 'FINISHED', 'DATABASES']];
  for (const b of d.backups) {
    rows.push([
      b.name,
      b.instance,
      b.status,
      b.method ?? '-',
      b.total_bytes === undefined ? '-' : formatBytes(b.total_bytes),
      b.finished_at ?? '-',
      b.databases?.join(',') ?? b.note ?? '',
    ]);
  }
  return table(rows);
}

function renderVerify(d: BackupVerifyData): string {
  const lines = d.files.map((f) => `${f.ok ? 'ok ' : 'BAD'}  ${f.path}${f.problem ? `: ${f.problem}` : ''}`);
  for (const t of d.restore_test?.tables ?? [])
    lines.push(
      `${t.ok ? 'ok ' : 'BAD'}  ${t.database}.${t.table}: ${t.actual ?? 'missing'} row(s), backup had ${t.expected}`,
    );
  return [...lines, d.message].join('\n');
}

function renderPrune(d: BackupPruneData): string {
  const verb = d.dry_run ? 'would remove' : 'removed';
  const lines = d.removed.map((r) => `${verb} ${r.name} (${r.instance}, ${r.status})`);
  return [...lines, `${d.removed.length} backup(s) ${verb}, ${d.kept} kept`].join('\n');
}

export const backupTextRenderers: Record<string, Renderer> = {
  'backup-create': ((d: BackupCreateData) => d.message) as Renderer,
  'backup-list': renderList as Renderer,
  'backup-restore': ((d: BackupRestoreData) => d.message) as Renderer,
  'backup-verify': renderVerify as Renderer,
  'backup-prune': renderPrune as Renderer,
  'backup-remove': ((d: BackupRemoveData) => d.message) as Renderer,
};
