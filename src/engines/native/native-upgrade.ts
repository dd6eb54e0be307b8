import { access } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, describeError } from '../../core/errors.js';
import type { Engine, EngineUpgradeCapabilities } from '../engine.js';
import type { PgBinaries } from './binaries.js';
import { type Instance, instancePaths } from '../../core/instance.js';
import { layoutOf, relocatedDataDir } from './layout.js';
import { removeTree } from './safe-fs.js';

/**
 * Major upgrades on native. The new major's cluster is initialised beside the instance's own,
 * as the same OS user, in <instance dir>/pg<major>/data (its logs, run and server-conf beside
 * it, as a relocated layout has them), on a temporary port. Once it holds every row, the
 * instance is recorded with that data directory and major: the old data directory stays
 * exactly where it was, untouched, until the user removes it.
 */
const TARGET_DIR = /^pg\d{1,2}$/;

/** The directory an upgrade to `major` builds in: beside the instance's data, never inside the new one. */
export function upgradeBase(home: string, instance: Instance): string {
  const relocated = relocatedBase(home, instance.name);
  return layoutOf(home, instance).data.startsWith(`${relocated}/`)
    ? relocated
    : instancePaths(home, instance.name).root;
}

/** RELOCATION_ROOT/<hash>/<name>: where an instance of an untraversable home keeps its server files. */
const relocatedBase = (home: string, name: string) => dirname(relocatedDataDir(home, name));

export function nativeUpgradeTarget(home: string, instance: Instance, major: number, port: number): Instance {
  return {
    ...instance,
    version: String(major),
    port,
    // The new major's server binaries are found for its major (runtimes), never the old pg_bin.
    pgBin: undefined,
    dataDir: join(upgradeBase(home, instance), `pg${major}`, 'data'),
    desiredState: 'running',
  };
}

export function nativeUpgradedInstance(instance: Instance, target: Instance): Instance {
  return { ...instance, version: target.version, dataDir: target.dataDir, pgBin: target.pgBin };
}

/** <base>/pg<N>: the whole tree an upgrade target owns. Refuses anything else. */
export function targetRoot(home: string, target: Instance): string {
  if (!target.dataDir) throw new CliError('failed', `upgrade target of ${target.name} has no data directory`);
  const root = dirname(resolve(target.dataDir));
  const bases = [instancePaths(home, target.name).root, relocatedBase(home, target.name)];
  if (!TARGET_DIR.test(basename(root)) || basename(target.dataDir) !== 'data' || !bases.includes(dirname(root)))
    throw new CliError('refused', `not removing ${root}: it is not an upgrade's directory of instance ${target.name}`);
  return root;
}

export async function nativeTargetExists(home: string, target: Instance): Promise<boolean> {
  return access(targetRoot(home, target)).then(
    () => true,
    () => false,
  );
}

/** The target's server stops, then its whole directory (data, logs, run, server-conf) goes. */
export async function discardNativeTarget(home: string, target: Instance, stop: () => Promise<void>): Promise<void> {
  if (!(await nativeTargetExists(home, target))) return;
  await stop();
  await removeTree(targetRoot(home, target));
}

/** Client programs of the new major reach the old server as any client does: over TCP on its port. */
export function nativePeerEnv(instance: Instance): Record<string, string> {
  return {
    PGHOST: !instance.host || instance.host === '0.0.0.0' ? '127.0.0.1' : instance.host,
    PGPORT: String(instance.port),
  };
}

/** --dry-run: the new major's server binaries if present (never installed here). */
export async function describeNativeTarget(
  target: Instance,
  locate: () => Promise<PgBinaries>,
): Promise<{ server: string; ready: boolean }> {
  try {
    const bins = await locate();
    const ready = bins.major === target.version;
    const which = ready ? '' : ` (not ${target.version})`;
    return { server: `PostgreSQL ${bins.version} server in ${bins.dir}${which}; data in ${target.dataDir}`, ready };
  } catch (e) {
    return {
      server: `PostgreSQL ${target.version} server binaries not installed (${describeError(e)}); the upgrade installs them; data in ${target.dataDir}`,
      ready: false,
    };
  }
}

/** The upgrade capabilities of the native engine (engine.ts EngineUpgradeCapabilities). */
export function nativeUpgrades(
  home: string,
  locate: (target: Instance) => Promise<PgBinaries>,
  engine: Pick<Engine, 'stop'>,
): EngineUpgradeCapabilities {
  return {
    upgradeTarget: (instance, major, opts) => nativeUpgradeTarget(home, instance, major, opts.port),
    upgradedInstance: nativeUpgradedInstance,
    upgradeTargetExists: (target) => nativeTargetExists(home, target),
    discardUpgradeTarget: (target) =>
      discardNativeTarget(home, target, () =>
        engine.stop(target, { timeoutSec: DEFAULTS.stopTimeoutSec, force: true }),
      ),
    peerEnv: async (instance) => nativePeerEnv(instance),
    describeUpgradeTarget: (target) => describeNativeTarget(target, () => locate(target)),
  };
}
