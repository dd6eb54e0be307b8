import { readdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Where a PostgreSQL installation keeps extensions, found from its bin directory without
 * running it: PostgreSQL resolves sharedir and pkglibdir relative to its programs, and adds
 * "/postgresql" to share/ and lib/ when the prefix does not name PostgreSQL (as in the npm
 * package: native/share/postgresql/extension, native/lib/postgresql). Debian puts the programs
 * in /usr/lib/postgresql/N/bin and the control files in /usr/share/postgresql/N/extension.
 */
export interface ExtensionDirs {
  /** Directories that may hold <name>.control and its scripts (the first that exists is the real one). */
  share: string[];
  /** Directories that may hold the modules ($libdir). */
  lib: string[];
}

export function extensionDirs(binDir: string): ExtensionDirs {
  const prefix = dirname(binDir);
  const share = [join(prefix, 'share', 'postgresql', 'extension'), join(prefix, 'share', 'extension')];
  const lib = [join(prefix, 'lib', 'postgresql'), join(prefix, 'lib')];
  const debian = /^\/usr\/lib\/postgresql\/(\d+)$/.exec(prefix);
  if (debian) share.unshift(`/usr/share/postgresql/${debian[1]}/extension`);
  return { share, lib };
}

async function firstListing(dirs: string[]): Promise<{ dir: string; names: string[] } | undefined> {
  for (const dir of dirs) {
    const names = await readdir(dir).catch(() => undefined);
    if (names) return { dir, names };
  }
  return undefined;
}

/** The extensions (control files) and modules (.so) of the installation whose programs live in binDir. */
export async function installedExtensions(
  binDir: string,
): Promise<{ extensions: string[]; libraries: string[]; where: string }> {
  const dirs = extensionDirs(binDir);
  const share = await firstListing(dirs.share);
  const lib = await firstListing(dirs.lib);
  const pick = (names: string[] | undefined, ext: string) =>
    (names ?? [])
      .filter((n) => n.endsWith(ext))
      .map((n) => basename(n, ext))
      .sort();
  return {
    extensions: pick(share?.names, '.control'),
    libraries: pick(lib?.names, '.so'),
    where: share?.dir ?? dirs.share[0]!,
  };
}
