import { constants } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError } from '../../core/errors.js';

/**
 * Writes the export's files into --out: the directory is made 0700 when new and must be a
 * real directory (not a link); each file is opened without following a link planted in its
 * place, and written 0600, since a --show-secrets export holds passwords.
 */
export async function writeFiles(dir: string, files: Array<{ name: string; text: string }>): Promise<string[]> {
  const root = resolve(dir);
  const made = await mkdir(root, { recursive: true, mode: 0o700 }).then(
    () => undefined,
    (e: Error) => e,
  );
  const st = await lstat(root).catch(() => undefined);
  if (!st)
    throw new CliError('failed', `cannot make the --out directory ${dir}: ${made?.message ?? 'it vanished'}`, {
      hint: 'choose a directory you can write into',
    });
  if (!st.isDirectory())
    throw new CliError('usage', `--out ${dir} is not a directory (a link or a file)`, {
      hint: 'name a directory to write the files into; it is made when missing',
    });
  const written: string[] = [];
  for (const f of files) {
    const path = join(root, f.name);
    const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
    let handle;
    try {
      handle = await open(path, flags, 0o600);
    } catch (e) {
      throw new CliError('failed', `cannot write ${path}: ${(e as Error).message}`, {
        hint: 'a link or a directory stands where the file goes: remove it, or choose another --out',
        cause: e,
      });
    }
    try {
      await handle.chmod(0o600); // a file that was there keeps no looser mode
      await handle.writeFile(f.text);
    } finally {
      await handle.close();
    }
    written.push(path);
  }
  return written;
}
