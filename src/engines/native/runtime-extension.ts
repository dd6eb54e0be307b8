import { constants } from 'node:fs';
import { lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { CliError } from '../../core/errors.js';
import type { Progress } from '../engine.js';
import { extensionDirs } from './extension-files.js';
import { assertTrustedTarget, ensureWritableRuntime } from './runtime-copy.js';
import { readRuntimeInfo } from './runtimes.js';
import { rootTrustPolicy, untrustedBinDirReasons } from './trusted-bin-dir.js';

/**
 * `versions install-extension MAJOR DIR`: DIR/lib/*.so and DIR/share/extension/* go into
 * major M's runtime, which every native instance of M then runs. Every server of M will
 * load these files, so as root the source must be as trusted as a pg_bin (only root can
 * change it), and no link is followed: DIR and its files are taken only as real
 * directories and regular files, read through descriptors opened with O_NOFOLLOW. Each file
 * is written beside its target and renamed over it (a hard-linked file of the npm package
 * is replaced, never changed in place); control files come last, so a server never sees a
 * control file whose library or scripts are not there yet.
 */
export interface ExtensionInstall {
  major: string;
  runtimeDir: string;
  runtime: 'existing' | 'bundled copy' | 'installed';
  extensions: string[];
  files: number;
}

const FILE_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/;

async function realDir(path: string, what: string): Promise<boolean> {
  const st = await lstat(path).catch(() => undefined);
  if (!st) return false;
  if (st.isSymbolicLink() || !st.isDirectory())
    throw new CliError('usage', `${what} ${path} is not a directory (links are not followed)`, {
      hint: 'name the directory itself, laid out as DIR/lib/*.so and DIR/share/extension/*',
    });
  return true;
}

/** The regular files of dir with one of the endings, refusing links and odd names. */
async function sourceFiles(dir: string, endings: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!endings.some((e) => entry.name.endsWith(e))) continue;
    if (!entry.isFile() || !FILE_RE.test(entry.name))
      throw new CliError('usage', `${join(dir, entry.name)} is not a regular file with a plain name`, {
        hint: 'copy the real files into the directory (links are not followed)',
      });
    out.push(entry.name);
  }
  return out.sort();
}

/** Each directory and each file to be copied: owned by root (or the sudo caller), not writable by others. */
async function assertTrustedSource(
  dir: string,
  files: { lib: string[]; share: string[] },
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const policy = rootTrustPolicy(env);
  if (!policy) return;
  const reasons: string[] = [];
  for (const [sub, names] of [
    ['', []],
    ['lib', files.lib],
    [join('share', 'extension'), files.share],
  ] as const)
    reasons.push(...(await untrustedBinDirReasons(join(dir, sub), names, policy)));
  if (reasons.length)
    throw new CliError(
      'refused',
      `refusing to install extensions from ${dir} as root: ${[...new Set(reasons)].join('; ')}`,
      {
        hint: 'every server of this major would load them: only root may be able to change the directory (chown -R root:root DIR && chmod -R go-w DIR)',
      },
    );
}

/** Copies src into dir/name through a temporary file and one rename; src is opened without following links. */
async function replaceFile(src: string, dir: string, name: string, mode: number): Promise<void> {
  const tmp = join(dir, `.${name}.rp-${process.pid}`);
  await rm(tmp, { force: true }); // left by a killed run that had our pid
  const input = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!(await input.stat()).isFile()) throw new CliError('usage', `${src} is not a regular file`);
    const output = await open(
      tmp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      mode,
    );
    try {
      for await (const chunk of input.createReadStream({ autoClose: false })) await output.write(chunk as Buffer);
      await output.chmod(mode);
      await output.sync();
    } finally {
      await output.close();
    }
    await rename(tmp, join(dir, name));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  } finally {
    await input.close();
  }
}

/** The first existing real directory among the candidates (the runtime's sharedir or pkglibdir). */
async function targetDir(candidates: string[], what: string): Promise<string> {
  for (const dir of candidates) if (await realDir(dir, what)) return dir;
  throw new CliError('failed', `the runtime has no ${what} (looked in ${candidates.join(', ')})`);
}

export async function installExtension(
  major: string,
  source: string,
  opts: { env: NodeJS.ProcessEnv; progress: Progress },
): Promise<ExtensionInstall> {
  if (!isAbsolute(source)) source = resolve(source);
  if (!(await realDir(source, 'the extension directory')))
    throw new CliError('usage', `no directory ${source}`, {
      hint: 'name a directory holding lib/ and share/extension/',
    });
  const [lib, share] = [join(source, 'lib'), join(source, 'share', 'extension')];
  const hasLib = await realDir(lib, 'the library directory');
  if (
    !(await realDir(join(source, 'share'), 'the share directory')) ||
    !(await realDir(share, 'the extension directory'))
  )
    throw new CliError('usage', `${source} has no share/extension directory`, {
      hint: 'lay it out as DIR/lib/*.so and DIR/share/extension/NAME.control, NAME--VERSION.sql',
    });
  const libs = hasLib ? await sourceFiles(lib, ['.so']) : [];
  const scripts = await sourceFiles(share, ['.sql', '.control']);
  await assertTrustedSource(source, { lib: libs, share: scripts }, opts.env);
  const controls = scripts.filter((f) => f.endsWith('.control'));
  if (controls.length === 0)
    throw new CliError('usage', `${share} holds no .control file`, {
      hint: 'an extension is NAME.control plus its scripts',
    });

  const { runtime, made } = await ensureWritableRuntime(major, opts);
  const dirs = extensionDirs(join(runtime.dir, 'bin'));
  const [libTarget, shareTarget] = [
    await targetDir(dirs.lib, 'library directory'),
    await targetDir(dirs.share, 'extension directory'),
  ];
  await assertTrustedTarget([runtime.dir, libTarget, shareTarget], opts.env);
  for (const f of libs) await replaceFile(join(lib, f), libTarget, f, 0o755);
  for (const f of scripts.filter((s) => !s.endsWith('.control')))
    await replaceFile(join(share, f), shareTarget, f, 0o644);
  for (const f of controls) await replaceFile(join(share, f), shareTarget, f, 0o644);

  const names = controls.map((f) => basename(f, '.control'));
  const info = (await readRuntimeInfo(runtime.dir)) ?? { package: '', version: '', installed: '', extensions: [] };
  const listed = [...new Set([...info.extensions, ...names])].sort();
  const json = `${JSON.stringify({ ...info, extensions: listed }, null, 2)}\n`;
  const tmp = join(runtime.dir, `.runtime.json.rp-${process.pid}`);
  const fh = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  await fh.writeFile(json).finally(() => fh.close());
  await rename(tmp, join(runtime.dir, 'runtime.json'));
  opts.progress(`installed ${names.join(', ')} into PostgreSQL ${major} (${runtime.dir})`);
  return { major, runtimeDir: runtime.dir, runtime: made, extensions: names, files: libs.length + scripts.length };
}
