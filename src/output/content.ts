import type { ContentAddData } from '../commands/content/add.js';
import { renderConnection } from './connection.js';
import type { ContentChangeData, ContentGetData, ContentListData } from '../commands/content/databases.js';
import type { ContentMigrateData } from '../commands/content/migrate.js';
import { table } from './table.js';

/** Text renderers of the content verbs (execute streams through execute.ts); registered in render.ts. */
type Renderer = (data: never) => string;

export function size(bytes: number | null): string {
  if (bytes === null) return '-';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : v.toFixed(1)} ${units[u]}`;
}

function renderList(d: ContentListData): string {
  const rows = [['NAME', 'OWNER', 'ENCODING', 'SIZE', 'DEFAULT']];
  for (const db of d.databases)
    rows.push([db.name, db.owner, db.encoding, size(db.size_bytes), db.is_default ? 'yes' : '']);
  return `${table(rows)}\n(${d.databases.length} database${d.databases.length === 1 ? '' : 's'} in instance ${d.instance})`;
}

function renderGet(d: ContentGetData): string {
  return renderConnection(d.views[0]!, d.connections[0]!.metadata.url);
}

function renderAdd(d: ContentAddData): string {
  const where = `database ${d.database} of instance ${d.instance}`;
  if (d.dry_run) {
    return [
      ...(d.database_created ? [`would create ${where}`] : []),
      ...d.files.map((f) => `would apply ${f.file}`),
      `dry run: nothing changed`,
    ].join('\n');
  }
  const n = d.files.length;
  return [
    ...(d.database_created ? [`created ${where}`] : []),
    ...d.files.map(
      (f) => `applied ${f.file} (${f.statements} statement${f.statements === 1 ? '' : 's'}, ${f.duration_ms} ms)`,
    ),
    `applied ${n} file${n === 1 ? '' : 's'} to ${where}`,
  ].join('\n');
}

function renderMigrate(d: ContentMigrateData): string {
  const p = d.plan;
  const where = `database ${d.database} of instance ${d.instance}`;
  const lines: string[] = [];
  if (d.mode === 'status') {
    lines.push(
      `migrations in ${d.directory} for ${where}${d.database_exists ? '' : ' (the database does not exist yet)'}:`,
    );
    for (const a of p.applied) lines.push(`  applied  ${a.file}  ${a.applied_at}  ${a.duration_ms} ms`);
    for (const c of p.changed)
      lines.push(
        `  CHANGED  ${c.file}  applied with checksum ${c.recorded.slice(0, 12)}, file now ${c.current.slice(0, 12)}`,
      );
    for (const m of p.pending)
      lines.push(`  pending  ${m.file}${p.out_of_order.includes(m) ? '  (numbered below an applied migration)' : ''}`);
    for (const m of p.beyond_target) lines.push(`  pending  ${m.file}  (beyond --target ${d.target})`);
    for (const m of p.missing)
      lines.push(`  missing  ${String(m.version).padStart(3, '0')}_${m.name}.sql  (recorded as applied; no such file)`);
    lines.push(
      `${p.applied.length} applied, ${p.pending.length + p.beyond_target.length} pending${p.changed.length ? `, ${p.changed.length} changed` : ''}`,
    );
  } else if (d.mode === 'dry-run') {
    if (!d.database_exists) lines.push(`would create ${where}`);
    for (const m of p.pending) lines.push(`would apply ${m.file}${m.no_transaction ? ' (no transaction)' : ''}`);
    lines.push(
      p.pending.length
        ? `dry run: ${p.pending.length} migration${p.pending.length === 1 ? '' : 's'} pending, nothing changed`
        : `${where} is up to date (dry run)`,
    );
  } else {
    for (const a of d.applied_now) lines.push(`applied ${a.file} (${a.duration_ms} ms)`);
    const total = p.applied.length + d.applied_now.length;
    const later = p.beyond_target.length ? `; ${p.beyond_target.length} pending beyond --target ${d.target}` : '';
    const n = d.applied_now.length;
    lines.push(
      n
        ? `applied ${n} migration${n === 1 ? '' : 's'} to ${where} (${total} applied in all${later})`
        : `${where} is up to date: nothing to apply (${total} applied${later})`,
    );
  }
  for (const m of d.mode === 'status' ? [] : p.missing)
    lines.push(`note: version ${m.version} (${m.name}) is recorded as applied but has no file in ${d.directory}`);
  for (const f of d.ignored) lines.push(`ignored ${f.file} (${f.reason})`);
  return lines.join('\n');
}

export const contentTextRenderers: Record<string, Renderer> = {
  'content-list': renderList as Renderer,
  'content-change': ((d: ContentChangeData) => d.message) as Renderer,
  'content-get': renderGet as Renderer,
  'content-add': renderAdd as Renderer,
  'content-migrate': renderMigrate as Renderer,
};

/** The flat views feed the text and env renderers; the JSON document leaves them out. */
export const contentJsonViews: Record<string, (data: never) => unknown> = {
  'content-get': (({ views: _views, ...rest }: ContentGetData) => rest) as (d: never) => unknown,
};
