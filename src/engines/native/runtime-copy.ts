import { lstat, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from './exec.js';
import { CliError } from '../../core/errors.js';
import { rootTrustPolicy, untrustedBinDirReasons } from './trusted-bin-dir.js';
import type { Progress } from '../engine.js';
import { bundledBinDir, bundledPackage, bundledPackageName } from './bundled.js';
import { installRuntime } from './runtime-install.js';
import { findRuntime, type InstalledRuntime, RUNTIME_PINS, runtimeDir, runtimeRoot } from './runtimes.js';

/**
 * A runtime of major M that extensions can be added to: <runtimes>/M. When it does not exist
 * and the bundled npm package is M, it is made from that package as a hard-linked copy (no
 * second 60 MB on disk, nothing written into node_modules: files are only ever replaced in
 * the copy, never changed in place, so the package's own files stay as npm left them);
 * otherwise M's package is installed as `versions install` does.
 */
export async function ensureWritableRuntime(
  major: string,
  opts: { env: NodeJS.ProcessEnv; progress: Progress },
): Promise<{ runtime: InstalledRuntime; made: 'existing' | 'bundled copy' | 'installed' }> {
  const existing = await findRuntime(major, opts.env);
  if (existing) return { runtime: existing, made: 'existing' };
  const bundled = bundledBinDir();
  const pkg = bundledPackage(bundled);
  if (bundled && pkg?.major === major) {
    opts.progress(`making ${runtimeDir(major, opts.env)} from the bundled ${bundledPackageName()} ${pkg.version}`);
    return { runtime: await copyBundled(major, dirname(bundled), pkg.version, opts.env), made: 'bundled copy' };
  }
  if (!RUNTIME_PINS[major])
    throw new CliError('usage', `no PostgreSQL ${major} runtime can be made`, {
      hint: `choose one of ${Object.keys(RUNTIME_PINS).join(', ')}`,
    });
  const { runtime } = await installRuntime(major, { env: opts.env, progress: opts.progress });
  return { runtime, made: 'installed' };
}

/** cp -al, or cp -a when the runtimes live on another file system; one rename makes it visible. */
async function copyBundled(major: string, native: string, version: string, env: NodeJS.ProcessEnv) {
  const root = runtimeRoot(env);
  await mkdir(root, { recursive: true, mode: 0o755 });
  await assertTrustedTarget([root], env);
  const staging = await mkdtemp(join(root, `.staging-${major}-`));
  const copy = join(staging, 'runtime');
  try {
    // -P never follows the package's library links: they are copied as links.
    const linked = await execa('cp', ['-alP', '--', native, copy], { reject: false, all: true });
    if (linked.exitCode !== 0) {
      await rm(copy, { recursive: true, force: true });
      const copied = await execa('cp', ['-aP', '--', native, copy], { reject: false, all: true });
      if (copied.exitCode !== 0)
        throw new CliError('failed', `could not copy ${native} to ${copy}: ${String(copied.all).trim()}`);
    }
    const info = { package: bundledPackageName(), version, installed: new Date().toISOString(), extensions: [] };
    // runtime.json is new in the copy (the package has none), so writing it touches no linked file.
    await rm(join(copy, 'runtime.json'), { force: true });
    await writeFile(join(copy, 'runtime.json'), `${JSON.stringify(info, null, 2)}\n`, { mode: 0o644 });
    await rename(copy, runtimeDir(major, env)).catch(async (e: NodeJS.ErrnoException) => {
      // Another process made it meanwhile: theirs stands.
      if (!((e.code === 'ENOTEMPTY' || e.code === 'EEXIST') && (await findRuntime(major, env)))) throw e;
    });
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const runtime = await findRuntime(major, env);
  if (!runtime || !(await lstat(join(runtime.dir, 'bin', 'postgres')).catch(() => undefined)))
    throw new CliError('failed', `${runtimeDir(major, env)} is not a runtime after copying ${native}`);
  return runtime;
}

/** As root, the runtime's directories written into must be root's alone (else a link there could redirect the writes). */
export async function assertTrustedTarget(dirs: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const policy = rootTrustPolicy(env);
  if (!policy) return;
  const reasons = new Set<string>();
  for (const dir of dirs) for (const r of await untrustedBinDirReasons(dir, [], policy)) reasons.add(r);
  if (reasons.size)
    throw new CliError('refused', `refusing to write extensions into ${dirs[0]} as root: ${[...reasons].join('; ')}`, {
      hint: 'only root may be able to change the runtimes directory: chown root and chmod go-w each path named, or choose another RESOURCE_POSTGRES_RUNTIMES',
    });
}
