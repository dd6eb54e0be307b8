import { chmod, lstat } from 'node:fs/promises';
import { CliError } from '../core/errors.js';

/**
 * A directory only this user may change: a real directory (not a link), owned by us, with no
 * group or other write. Anyone else able to write it could plant or delete what we keep
 * there (claims, locks), so we refuse it rather than act inside it. A directory of ours with
 * looser modes (made by an older version) is tightened to 0700.
 */
export async function checkPrivateDir(dir: string, what: string): Promise<void> {
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new CliError('refused', `${what} directory ${dir} is not a directory owned by this user (uid ${st.uid})`, {
      hint: `someone else made it: inspect and remove it, then run the command again`,
    });
  }
  if ((st.mode & 0o077) !== 0) await chmod(dir, 0o700);
}
