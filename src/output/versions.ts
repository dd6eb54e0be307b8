import type { VersionInstallData } from '../commands/versions/install.js';
import type { VersionsListData } from '../commands/versions/list.js';
import type { VersionRemoveData } from '../commands/versions/remove.js';
import { table } from './table.js';

/** Text renderers of the versions verbs; registered in render.ts. */
type Renderer = (data: never) => string;

function renderList(d: VersionsListData): string {
  const rows = [['MAJOR', 'INSTALLED', 'FROM', 'PACKAGE', 'INSTANCES', 'EXTENSIONS']];
  for (const v of d.versions) {
    const from =
      v.source === 'runtime'
        ? `runtime ${v.dir}${v.also_bundled ? ' (also bundled)' : ''}`
        : v.source === 'bundled'
          ? `bundled ${v.dir}`
          : v.installable
            ? 'installable (versions install)'
            : '-';
    const added = v.added_extensions.length ? ` (+${v.added_extensions.join(',')})` : '';
    rows.push([
      v.major,
      v.installed ? 'yes' : 'no',
      from,
      v.package_version ?? '-',
      v.instances.join(',') || '-',
      v.installed ? `${v.extensions.length}${added}` : '-',
    ]);
  }
  const lines = [table(rows), '', `runtimes: ${d.runtimes_dir}`];
  for (const v of d.versions.filter((x) => x.installed))
    lines.push(`extensions of ${v.major}: ${v.extensions.join(', ') || 'none'}`);
  return lines.join('\n');
}

export const versionsTextRenderers: Record<string, Renderer> = {
  'versions.list': renderList as Renderer,
  'versions.install': ((d: VersionInstallData) => d.message) as Renderer,
  'versions.remove': ((d: VersionRemoveData) => d.message) as Renderer,
};
