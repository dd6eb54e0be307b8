import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CliError } from '../../core/errors.js';

type File = { name: string; text: string };

/**
 * Writes the export's files into --out: the directory is made 0700 when new and must be a
 * real directory (not a link); each file is created new (O_EXCL, never through a link planted
 * in its place) and 0600, since a --show-secrets export holds passwords. A file already there
 * is refused before anything is written: replacing it in place would keep its old mode (a
 * 0644 file would then hold passwords) and silently drop the user's own compose.yaml.
 * --force replaces such files: each is written new beside it, then renamed over it.
 */
export async function writeFiles(dir: string, files: File[], opts: { force?: boolean } = {}): Promise<string[]> {
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
  if (!opts.force) {
    const there: string[] = [];
    for (const f of files) if (await lstat(join(root, f.name)).catch(() => undefined)) there.push(f.name);
    if (there.length > 0)
      throw new CliError(
        'refused',
        `--out ${dir} already holds ${there.join(', ')}: remove it or choose another --out`,
        {
          hint: 'or pass --force to replace them (written new, mode 0600)',
        },
      );
  }
  const written: string[] = [];
  for (const f of files) {
    const path = join(root, f.name);
    if (!opts.force) await createNew(path, f.text);
    else {
      const temp = join(root, `.${f.name}.${randomBytes(6).toString('hex')}.tmp`);
      await createNew(temp, f.text);
      await rename(temp, path).catch(async (e: Error) => {
        await rm(temp, { force: true });
        throw new CliError('failed', `cannot replace ${path}: ${e.message}`, {
          hint: 'a directory stands where the file goes: remove it, or choose another --out',
          cause: e,
        });
      });
    }
    written.push(path);
  }
  return written;
}

/** A new 0600 file: fails rather than open anything already at `path`. */
async function createNew(path: string, text: string): Promise<void> {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  let handle;
  try {
    handle = await open(path, flags, 0o600);
  } catch (e) {
    throw new CliError('failed', `cannot write ${path}: ${(e as Error).message}`, {
      hint: 'something appeared where the file goes: remove it, or choose another --out',
      cause: e,
    });
  }
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
}
