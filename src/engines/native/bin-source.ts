import { join, resolve } from 'node:path';
import { ENV } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Progress } from '../engine.js';
import { bundledBinDir, bundledPackage, bundledPackageName } from './bundled.js';
import { installRuntime } from './runtime-install.js';
import { findRuntime, RUNTIME_PINS, runtimeDir } from './runtimes.js';

export type BinSource = 'instance' | 'env' | 'runtime' | 'bundled';

export interface BinChoice {
  dir: string;
  source: BinSource;
  /** Where the directory came from, for messages. */
  from: string;
}

export const PG_BIN_HINT = `name a PostgreSQL bin directory with --pg-bin or ${ENV.pgBin} (e.g. /usr/lib/postgresql/15/bin)`;

/** Set by the single-executable build: the package version this program was built against. */
declare const __RESOURCE_POSTGRES_PG_PACKAGE__: string | undefined;

/** The single executable cannot carry the binaries: they go into node_modules beside it. */
function installHint(): string {
  if (typeof __RESOURCE_POSTGRES_PG_PACKAGE__ !== 'string') return 'run npm ci in the resource-postgres checkout';
  return `install them beside this executable: npm install --prefix ${resolve(process.execPath, '..')} ${__RESOURCE_POSTGRES_PG_PACKAGE__}`;
}

/**
 * The resolver. For an instance of major M: its pg_bin, else RESOURCE_POSTGRES_PG_BIN, else
 * M's runtime (<runtimes>/M/bin, which may carry added extensions), else the bundled npm
 * package when it is M, else (creating only) M's runtime installed now. Without a major
 * (instances recorded before majors existed): the bundled package.
 */
export async function chooseBinDir(opts: {
  pgBin?: string;
  env?: NodeJS.ProcessEnv;
  major?: string;
  install?: Progress;
}): Promise<BinChoice> {
  const env = opts.env ?? process.env;
  if (opts.pgBin)
    return { dir: resolve(opts.pgBin), source: 'instance', from: 'the pg_bin recorded in instance.conf (--pg-bin)' };
  const fromEnv = env[ENV.pgBin];
  if (fromEnv) return { dir: resolve(fromEnv), source: 'env', from: ENV.pgBin };
  const major = opts.major;
  const runtimeFrom = (m: string) => `the PostgreSQL ${m} runtime in ${runtimeDir(m, env)}`;
  if (major && RUNTIME_PINS[major]) {
    const rt = await findRuntime(major, env);
    if (rt) return { dir: join(rt.dir, 'bin'), source: 'runtime', from: runtimeFrom(major) };
  }
  const bundled = bundledBinDir();
  const bundledMajor = bundledPackage(bundled)?.major;
  if (bundled && (!major || bundledMajor === major))
    return { dir: bundled, source: 'bundled', from: `the npm package ${bundledPackageName()}` };
  if (major && RUNTIME_PINS[major]) {
    if (opts.install) {
      const { runtime } = await installRuntime(major, { env, progress: opts.install });
      return { dir: join(runtime.dir, 'bin'), source: 'runtime', from: runtimeFrom(major) };
    }
    throw new CliError('engine', `PostgreSQL ${major} is not installed: no runtime in ${runtimeDir(major, env)}`, {
      hint: `install it with: resource-postgres versions install ${major}; or ${PG_BIN_HINT}`,
    });
  }
  if (major && bundled)
    throw new CliError('engine', `PostgreSQL ${major} has no native runtime (the bundled package is ${bundledMajor})`, {
      hint: PG_BIN_HINT.replace('15', major),
    });
  throw new CliError(
    'engine',
    `PostgreSQL server binaries not found: the npm package ${bundledPackageName()} is not installed`,
    {
      hint: `${installHint()}, or ${PG_BIN_HINT}`,
    },
  );
}
