import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENV } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { withLock } from '../../core/lock.js';
import { Registry } from '../../core/registry.js';
import { assertTrustedRoot } from '../../engines/native/runtime-install.js';
import { RUNTIME_PINS, runtimeDir, runtimeRoot } from '../../engines/native/runtimes.js';
import { usesRuntime } from './users.js';

/**
 * Who uses a runtime, across homes. Root's runtimes are machine-wide and a user's are shared
 * by all their homes, but each home only knows its own instances. So:
 * - <root>/.lock-<M>: held shared by a native create from prepare (which resolves, maybe
 *   installs, the runtime) until its instance.conf is written, and exclusively by
 *   `versions remove`, which therefore sees every create that started before it.
 * - <root>/.users/<M>/<sha256 of home>: the home's path, written by such a create, so remove
 *   can look into the other homes. A marker whose home no longer has an instance of M is stale.
 */

/** A create may wait for a remove; a remove for creates still installing the runtime. */
const LOCK_TIMEOUT_MS = 10 * 60_000;

/** The runtime major a native instance runs (undefined: none, e.g. pg_bin named elsewhere). */
export function runtimeMajorOf(instance: Instance, env: NodeJS.ProcessEnv): string | undefined {
  const m = instance.version;
  if (instance.engine !== 'native' || !m || !RUNTIME_PINS[m]) return undefined;
  return usesRuntime(instance, m, runtimeDir(m, env)) ? m : undefined;
}

export async function withRuntimeLock<T>(
  env: NodeJS.ProcessEnv,
  major: string,
  mode: 'shared' | 'exclusive',
  fn: () => Promise<T>,
): Promise<T> {
  const root = runtimeRoot(env);
  await mkdir(root, { recursive: true, mode: 0o755 }).catch((e: Error) => {
    throw new CliError('config', `cannot make the runtime directory ${root}: ${e.message}`, {
      hint: `set ${ENV.runtimes} to a directory you may write`,
    });
  });
  // As root, the lock and the use markers are written here: only root may be able to change it.
  await assertTrustedRoot(root, env);
  return withLock(join(root, `.lock-${major}`), fn, { shared: mode === 'shared', timeoutMs: LOCK_TIMEOUT_MS });
}

const markerDir = (env: NodeJS.ProcessEnv, major: string) => join(runtimeRoot(env), '.users', major);
const markerName = (home: string) => createHash('sha256').update(home).digest('hex');

/** Records that `home` has (or is about to have) an instance running major M's runtime. */
export async function markRuntimeUse(env: NodeJS.ProcessEnv, major: string, home: string): Promise<void> {
  const dir = markerDir(env, major);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW;
  await writeFile(join(dir, markerName(home)), `${home}\n`, { mode: 0o600, flag: flags });
}

/** Each other home still using M's runtime, with its instances that do; stale markers go. */
export async function otherHomesUsing(
  env: NodeJS.ProcessEnv,
  major: string,
  home: string,
): Promise<Array<{ home: string; instances: string[] }>> {
  const dir = markerDir(env, major);
  const found: Array<{ home: string; instances: string[] }> = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const other = (
      await readFile(path, { encoding: 'utf8', flag: constants.O_RDONLY | constants.O_NOFOLLOW }).catch(() => '')
    ).trim();
    if (other === home) continue; // this home's instances are counted from its own registry
    const users = other ? await homeUsers(other, major, runtimeDir(major, env)) : [];
    if (users.length > 0) found.push({ home: other, instances: users });
    else await rm(path, { force: true });
  }
  return found;
}

/** Forgets every marker of M: its runtime is gone. */
export async function clearRuntimeUse(env: NodeJS.ProcessEnv, major: string): Promise<void> {
  await rm(markerDir(env, major), { recursive: true, force: true });
}

async function homeUsers(home: string, major: string, dir: string): Promise<string[]> {
  if (!(await lstat(home).catch(() => undefined))?.isDirectory()) return [];
  const names: string[] = [];
  for (const entry of await new Registry(home).list().catch(() => [])) {
    if ('error' in entry) names.push(`${entry.name} (unreadable instance.conf)`);
    else if (usesRuntime(entry, major, dir)) names.push(entry.name);
  }
  return names;
}
