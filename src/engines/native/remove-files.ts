import { readdir, rm } from 'node:fs/promises';
import { dirname, relative, sep } from 'node:path';
import { CliError } from '../../core/errors.js';
import { type Instance, instancePaths } from '../../core/instance.js';
import { type NativeLayout, RELOCATION_ROOT } from './layout.js';
import { removeTree } from './safe-fs.js';

/**
 * uninstall without --keep-data: the data directory (or its relocated root), the server's
 * configuration, the socket directory we made in /tmp, and the relocation base once nothing
 * else lives there. Trees the server user could write are removed by GNU rm, which never
 * follows a link (safe-fs.ts removeTree).
 */
export async function removeServerFiles(home: string, instance: Instance, layout: NativeLayout): Promise<void> {
  await removeDir(layout.relocatedRoot ?? layout.data, home, instance);
  if (!layout.relocatedRoot) await removeTree(layout.confDir);
  if (layout.socketDir.startsWith('/tmp/resource-postgres-')) await removeTree(layout.socketDir);
  if (layout.relocatedRoot) {
    const base = dirname(layout.relocatedRoot);
    const left = await readdir(base).catch(() => ['?']);
    if (left.every((e) => e === 'HOME')) await rm(base, { recursive: true, force: true });
  }
}

/**
 * Deletes only what is plainly ours: under the instance's directory or the relocation root.
 * Holding a cluster is no licence: a data_dir pointing at someone else's cluster is theirs.
 */
async function removeDir(dir: string, home: string, instance: Instance): Promise<void> {
  const inside = (parent: string) => {
    const rel = relative(parent, dir);
    return rel !== '' && !rel.startsWith('..') && !rel.startsWith(sep);
  };
  if (!inside(instancePaths(home, instance.name).root) && !inside(RELOCATION_ROOT)) {
    throw new CliError('refused', `not deleting ${dir}: it is outside the directories resource-postgres manages`, {
      hint: `remove it by hand if it is yours (managed: ${instancePaths(home, instance.name).root}, ${RELOCATION_ROOT})`,
    });
  }
  await removeTree(dir);
}
