import { execa } from './exec.js';
import { CliError } from '../../core/errors.js';
import { localUser } from './os-users.js';
import type { ServerUser } from './run-as.js';

/**
 * Instances made by older versions ran as one shared user (`postgres`, else `resource-postgres`).
 * On their first start now, their directories are handed to the instance's own user.
 */

/** The uids of the shared users older versions ran every instance as. */
export async function legacyServerUids(): Promise<number[]> {
  // Older versions made them with useradd (a distribution's postgres user is local too): the
  // local file answers, without a getent process for users that do not exist, on every start.
  const users = await Promise.all(['postgres', 'resource-postgres'].map(localUser));
  return users.filter((u) => u !== undefined && u.uid !== 0).map((u) => u!.uid);
}

/**
 * Gives a whole tree to the instance's user with GNU chown -R -P: it walks with directory
 * descriptors and changes links themselves, never what they point to, so a link planted in
 * the tree cannot make root change a file outside it. (A hard link to another file the old
 * shared user owned would move with it; under the shared user that file was already open to
 * this instance, so nothing new is exposed, and it happens once, at the upgrade.)
 */
export async function takeOverTree(dir: string, user: ServerUser): Promise<void> {
  const res = await execa('chown', ['-R', '-P', '--no-dereference', `${user.uid}:${user.gid}`, '--', dir], {
    reject: false,
    all: true,
    timeout: 600_000,
  });
  if (res.exitCode !== 0)
    throw new CliError('failed', `cannot give ${dir} to ${user.name}`, {
      details: String(res.all ?? res.shortMessage).trim(),
    });
}

/** Shared users of older versions, whose files an instance's own user takes over (only with a user of its own). */
export const legacyUidsFor = async (user: ServerUser | undefined): Promise<number[]> =>
  user ? legacyServerUids() : [];
