// Bundles the CLI into dist/resource-postgres.mjs (our code only; dependencies stay in
// node_modules). Runs on `npm ci` (prepare) and before the tests (test/global-setup.ts).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export async function buildCli() {
  await build({
    absWorkingDir: root,
    entryPoints: ['src/bin.ts'],
    outfile: 'dist/resource-postgres.mjs',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    loader: { '.yaml': 'text' },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildCli();
}
