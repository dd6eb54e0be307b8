import { lstat, readdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { ENV, ROOT_RUNTIMES_DIR } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { isSupportedMajor } from '../../core/pg-version.js';
import { bundledPackageName } from './bundled.js';

/**
 * Native runtimes: one self-contained PostgreSQL per major under <root>/<major>/ (bin, lib,
 * share: the npm package's native/ directory) plus runtime.json. A runtime appears with one
 * rename, so a directory that exists is complete (runtime-install.ts).
 */
export interface RuntimeInfo {
  package: string;
  version: string;
  installed: string;
  /** Extensions added to this runtime after install (by `versions install-extension`). */
  extensions: string[];
}

export interface InstalledRuntime {
  major: string;
  dir: string;
  info: RuntimeInfo | undefined;
}

/** The pinned package version per major: the newest published when this was written. */
export const RUNTIME_PINS: Record<string, string> = {
  '15': '15.18.0-beta.17',
  '16': '16.14.0-beta.17',
  '17': '17.10.0-beta.17',
  '18': '18.4.0-beta.17',
};

/**
 * RESOURCE_POSTGRES_RUNTIMES if set; else, for root, a machine-wide directory the instances'
 * own users can read; else the user's cache. Never the checkout's node_modules.
 */
export function runtimeRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[ENV.runtimes];
  if (fromEnv) {
    if (!isAbsolute(fromEnv))
      throw new CliError('usage', `${ENV.runtimes} must be an absolute path, not ${JSON.stringify(fromEnv)}`, {
        hint: `e.g. ${ENV.runtimes}=/var/cache/resource-postgres/runtimes`,
      });
    return resolve(fromEnv);
  }
  if (process.geteuid?.() === 0) return ROOT_RUNTIMES_DIR;
  const cache = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cache, 'resource-postgres', 'runtimes');
}

/** Where major M's runtime is (or would be) installed. */
export function runtimeDir(major: string, env: NodeJS.ProcessEnv = process.env): string {
  if (!isSupportedMajor(major) && !/^\d{1,2}$/.test(major))
    throw new CliError('usage', `not a PostgreSQL major: ${JSON.stringify(major)}`);
  return join(runtimeRoot(env), major);
}

/** The installed runtime of a major, or undefined. Does not follow a link in place of the directory. */
export async function findRuntime(
  major: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<InstalledRuntime | undefined> {
  const dir = runtimeDir(major, env);
  const st = await lstat(join(dir, 'bin', 'postgres')).catch(() => undefined);
  const top = await lstat(dir).catch(() => undefined);
  if (!st?.isFile() || !top?.isDirectory()) return undefined;
  return { major, dir, info: await readRuntimeInfo(dir) };
}

export async function readRuntimeInfo(dir: string): Promise<RuntimeInfo | undefined> {
  try {
    const raw = JSON.parse(await readFile(join(dir, 'runtime.json'), 'utf8')) as Partial<RuntimeInfo>;
    return {
      package: String(raw.package ?? bundledPackageName()),
      version: String(raw.version ?? ''),
      installed: String(raw.installed ?? ''),
      extensions: Array.isArray(raw.extensions) ? raw.extensions.map(String) : [],
    };
  } catch {
    return undefined;
  }
}

/** Every installed runtime, by major (numerically). */
export async function listRuntimes(env: NodeJS.ProcessEnv = process.env): Promise<InstalledRuntime[]> {
  const names = await readdir(runtimeRoot(env)).catch(() => [] as string[]);
  const found: InstalledRuntime[] = [];
  for (const name of names.filter((n) => /^\d{1,2}$/.test(n)).sort((a, b) => Number(a) - Number(b))) {
    const rt = await findRuntime(name, env);
    if (rt) found.push(rt);
  }
  return found;
}

/**
 * The extensions a PostgreSQL installation offers: the *.control files of its share
 * directory (share/postgresql/extension in the npm package; share/extension elsewhere).
 */
export async function availableExtensions(installDir: string): Promise<string[]> {
  const names = new Set<string>();
  for (const sub of [join('share', 'postgresql', 'extension'), join('share', 'extension')]) {
    for (const f of await readdir(join(installDir, sub)).catch(() => [] as string[]))
      if (f.endsWith('.control')) names.add(basename(f, '.control'));
  }
  return [...names].sort();
}

/**
 * Removes major M's runtime: first renamed aside (instances see it gone at once, never half
 * deleted), then deleted. Callers check that no instance uses it. False when it was not installed.
 */
export async function removeRuntime(major: string, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const rt = await findRuntime(major, env);
  if (!rt) return false;
  const aside = join(runtimeRoot(env), `.removing-${major}-${process.pid}-${Date.now()}`);
  await rename(rt.dir, aside);
  await rm(aside, { recursive: true, force: true });
  return true;
}
