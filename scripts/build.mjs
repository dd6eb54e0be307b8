// Bundles the CLI into dist/resource-postgres.mjs (our code only; dependencies stay in
// node_modules). Runs on `npm ci` (prepare) and before the tests (test/global-setup.ts).
import { readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildCli() {
  await build({
    absWorkingDir: root,
    entryPoints: { 'resource-postgres': 'src/bin.ts' },
    outdir: 'dist',
    outExtension: { '.js': '.mjs' },
    // Each lazy import() becomes its own chunk. Without splitting, esbuild hoists the external
    // imports of lazily imported modules (dockerode, pg, execa) to the top of the one file,
    // and `--help` would load them all. Stale chunks are left alone: a concurrent run may use them.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    loader: { '.yaml': 'text', '.html': 'text' },
    // --version: the bundle cannot read package.json at run time.
    define: {
      __RESOURCE_POSTGRES_VERSION__: JSON.stringify(
        JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version,
      ),
    },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}
