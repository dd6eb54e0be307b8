import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from './exec.js';
import { CliError } from '../../core/errors.js';
import type { Progress } from '../engine.js';
import { chooseBinDir, type BinSource, PG_BIN_HINT } from './bin-source.js';
import { bundledPackageName } from './bundled.js';
import { assertTrustedBinDir } from './trusted-bin-dir.js';

export { bundledBinDir, bundledPackageName } from './bundled.js';
export type { BinSource } from './bin-source.js';

/** The three server programs the native engine runs; the npm package ships nothing else. */
export const SERVER_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'] as const;

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

/** "postgres (PostgreSQL) 16.14 (Debian ...)" -> { version: "16.14", major: "16" }. */
export function parsePostgresVersion(output: string): { version: string; major: string } | undefined {
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(output);
  if (!m) return undefined;
  const [first, second] = [Number(m[1]), m[2]];
  const version = second === undefined ? m[1]! : `${m[1]}.${second}`;
  return { version, major: first >= 10 || second === undefined ? m[1]! : version };
}

export interface LocateOptions {
  pgBin?: string;
  env?: NodeJS.ProcessEnv;
  /** The instance's major: picks its runtime (or the bundled package when that is this major). */
  major?: string;
  /** Creating an instance: a missing runtime is installed, talking through this. */
  install?: Progress;
}

/**
 * Finds initdb, pg_ctl and postgres (bin-source.ts says where from). Checks each is
 * executable and asks postgres for its version, which also proves the shared libraries load.
 * Binaries named by the user (pg_bin) must be of the instance's major when it has one.
 */
export async function locateBinaries(opts: LocateOptions = {}): Promise<PgBinaries> {
  const { dir, source, from } = await chooseBinDir(opts);
  // Before anything of it runs: a directory another user can change would run their code as root.
  // The bundled package too: it is found by walking up to any node_modules, e.g. /tmp/node_modules.
  await assertTrustedBinDir(dir, SERVER_PROGRAMS, from);
  const missing: string[] = [];
  for (const program of SERVER_PROGRAMS) {
    await access(join(dir, program), constants.X_OK).catch(() => missing.push(program));
  }
  if (missing.length > 0) {
    throw new CliError('engine', `${dir} (from ${from}) has no executable ${missing.join(', ')}`, {
      hint: {
        bundled: `reinstall with npm ci, or ${PG_BIN_HINT}`,
        runtime: `reinstall it: resource-postgres versions remove ${opts.major} && resource-postgres versions install ${opts.major}`,
        instance: `point it at a directory holding initdb, pg_ctl and postgres, or unset it to use the bundled PostgreSQL`,
        env: `point it at a directory holding initdb, pg_ctl and postgres, or unset it to use the bundled PostgreSQL`,
      }[source],
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
          : source === 'runtime'
            ? `reinstall it: resource-postgres versions remove ${opts.major} && resource-postgres versions install ${opts.major}`
            : `check that ${dir} holds a working PostgreSQL installation`,
    });
  }
  if (opts.major && parsed.major !== opts.major && (source === 'instance' || source === 'env')) {
    throw new CliError(
      'usage',
      `${dir} (from ${from}) holds PostgreSQL ${parsed.major}, but the instance is PostgreSQL ${opts.major}`,
      { hint: `name PostgreSQL ${opts.major} binaries, or leave --pg-version out to use ${parsed.major}` },
    );
  }
  return { dir, source, initdb: join(dir, 'initdb'), pgCtl: join(dir, 'pg_ctl'), postgres, ...parsed };
}
