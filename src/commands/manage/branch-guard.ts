import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import type { Context } from '../../context.js';
import { CliError, usageError } from '../../core/errors.js';
import { instancePaths, type Instance } from '../../core/instance.js';
import { readJournalFile, writeJournalFile } from '../../core/journal-file.js';

/**
 * What keeps a `manage start --from` cut short (a second Ctrl-C, SIGKILL, a crash) from
 * looking complete: NEW carries a mark from its creation until its copy is checked, and a
 * start of a marked instance is refused, naming the fix. The temporary instances an
 * instance-level snapshot is read through (rp-tmp-<hex>) are the program's: that prefix is
 * reserved, `--all` passes them by, and the next --from removes any nobody holds (branch-sweep.ts).
 */

export const TEMP_PREFIX = 'rp-tmp-';

export const isTempInstance = (name: string) => name.startsWith(TEMP_PREFIX);

interface BranchMark {
  from: string;
}

const FILE = 'branch-journal.json';
const path = (home: string, name: string) => join(instancePaths(home, name).config, FILE);

export async function markBranch(ctx: Context, name: string, from: string): Promise<void> {
  await writeJournalFile(path(ctx.home.dir, name), { from } satisfies BranchMark, 'branch mark', 'nothing was copied');
}

export async function clearBranchMark(ctx: Context, name: string): Promise<void> {
  await rm(path(ctx.home.dir, name), { force: true });
}

/** Refuses to start an instance whose copy never completed (its data is partial). */
export async function refuseUnfinishedBranch(ctx: Context, instance: Instance): Promise<void> {
  const mark = await readJournalFile<BranchMark>(
    path(ctx.home.dir, instance.name),
    (m) => typeof m.from === 'string',
    'branch mark',
    `remove the instance: resource-postgres manage uninstall --instance ${instance.name}`,
  );
  if (!mark) return;
  throw new CliError(
    'refused',
    `instance ${instance.name} is an unfinished copy of ${mark.from}: manage start --from was interrupted before its data was complete`,
    {
      hint: `remove it and copy again: resource-postgres manage uninstall --instance ${instance.name}, then resource-postgres manage start --instance ${instance.name} --from ${mark.from}`,
    },
  );
}

/** A new instance may not take a name of the program's temporary ones. */
export async function refuseReservedName(ctx: Context, name: string): Promise<void> {
  if (isTempInstance(name) && !(await ctx.registry.exists(name)))
    throw usageError(
      `instance names starting with ${TEMP_PREFIX} are reserved for the program's temporary instances`,
      'choose another name for --instance',
    );
}
