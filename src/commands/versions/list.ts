import { dirname } from 'node:path';
import type { Context } from '../../context.js';
import { SUPPORTED_MAJORS } from '../../core/pg-version.js';
import { bundledBinDir, bundledPackage } from '../../engines/native/bundled.js';
import { availableExtensions, listRuntimes, RUNTIME_PINS, runtimeRoot } from '../../engines/native/runtimes.js';
import { type CommandResult, result } from '../result.js';
import { runtimeUsers } from './users.js';

export interface VersionEntry {
  major: string;
  installed: boolean;
  /** What an instance of this major runs: the runtime when there is one, else the bundled package. */
  source: 'runtime' | 'bundled' | null;
  /** The installation's directory (bin/, lib/, share/). */
  dir: string | null;
  /** The npm package version installed, or that `versions install` would install. */
  package_version: string | null;
  installable: boolean;
  also_bundled: boolean;
  /** Extensions the installation offers (share/.../extension/*.control); empty when not installed. */
  extensions: string[];
  /** Extensions added to the runtime after it was installed. */
  added_extensions: string[];
  /** Native instances of this home that run it. */
  instances: string[];
}

export interface VersionsListData {
  runtimes_dir: string;
  bundled: { major: string; package_version: string; dir: string } | null;
  versions: VersionEntry[];
}

/** Installed and installable majors, where each comes from and the extensions each offers. */
export async function listVersions(ctx: Context): Promise<CommandResult<VersionsListData>> {
  const root = runtimeRoot(ctx.env);
  const binDir = bundledBinDir();
  const pkg = bundledPackage(binDir);
  const bundled = binDir && pkg ? { major: pkg.major, package_version: pkg.version, dir: dirname(binDir) } : null;
  const runtimes = await listRuntimes(ctx.env);
  const majors = new Set<string>([...SUPPORTED_MAJORS, ...runtimes.map((r) => r.major)]);
  if (bundled) majors.add(bundled.major);
  const versions: VersionEntry[] = [];
  for (const major of [...majors].sort((a, b) => Number(a) - Number(b))) {
    const rt = runtimes.find((r) => r.major === major);
    const isBundled = bundled?.major === major;
    const dir = rt?.dir ?? (isBundled ? bundled.dir : null);
    versions.push({
      major,
      installed: dir !== null,
      source: rt ? 'runtime' : isBundled ? 'bundled' : null,
      dir,
      package_version: rt?.info?.version ?? (isBundled ? bundled.package_version : (RUNTIME_PINS[major] ?? null)),
      installable: RUNTIME_PINS[major] !== undefined,
      also_bundled: Boolean(rt && isBundled),
      extensions: dir ? await availableExtensions(dir) : [],
      added_extensions: rt?.info?.extensions ?? [],
      instances: dir ? await runtimeUsers(ctx, major, rt?.dir ?? bundled!.dir) : [],
    });
  }
  return result('versions.list', { runtimes_dir: root, bundled, versions });
}
