import type { SnapshotChangeData, SnapshotListData } from '../commands/snapshot/index.js';
import { table } from './table.js';
import { size } from './content.js';

/** `snapshot` verbs as text; registered in render.ts. */
function renderList(d: SnapshotListData): string {
  if (d.snapshots.length === 0) return `no snapshots in instance ${d.instance}`;
  const rows = [['NAME', 'LEVEL', 'DATABASE', 'CREATED', 'SIZE']];
  for (const s of d.snapshots)
    rows.push([s.name, s.level, s.level === 'instance' ? '(all)' : s.database, s.created, size(s.size_bytes)]);
  const n = d.snapshots.length;
  return `${table(rows)}\n(${n} snapshot${n === 1 ? '' : 's'} in instance ${d.instance})`;
}

export const snapshotTextRenderers = {
  'snapshot-list': renderList,
  'snapshot-change': (d: SnapshotChangeData) => d.message,
};
