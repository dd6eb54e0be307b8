// The executable's start-up code cache, taken after the program ran. Node's own SEA code cache
// (useCodeCache) is made right after compiling, before anything ran: every function a run
// calls (yargs' parser and help, the status command) is still compiled lazily on every start.
// Here the bundle runs a few typical commands (help, --version, status in an empty home) in
// one process, and V8's cache of the script is taken afterwards, holding all that bytecode.
// The executable's main is then a small loader compiling the bundle (a SEA asset) with it;
// a cache V8 rejects (another node) only means compiling as before.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The bundle is compiled as one function, as CommonJS would wrap it (same text at build and run). */
const HEAD = '(function (exports, require, module, __filename, __dirname) {';
const TAIL = '\n})';
const FILENAME = 'resource-postgres.cjs';
const RUNS = [['--help'], ['--version'], ['status', '--json'], ['info', '--json']];

const loader = `'use strict';
const { getAsset } = require('node:sea');
const { Script } = require('node:vm');
const source = ${JSON.stringify(HEAD)} + getAsset('main.cjs', 'utf8') + ${JSON.stringify(TAIL)};
const cachedData = Buffer.from(getAsset('main.cache'));
new Script(source, { filename: ${JSON.stringify(FILENAME)}, cachedData }).runInThisContext()(module.exports, require, module, __filename, __dirname);
`;

/** Runs the bundle once per argv in this process (output and exits swallowed), then writes V8's cache. */
const generator = `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
const [, , bundle, out, runs] = process.argv;
const source = ${JSON.stringify(HEAD)} + readFileSync(bundle, 'utf8') + ${JSON.stringify(TAIL)};
const script = new Script(source, { filename: ${JSON.stringify(FILENAME)} });
const fn = script.runInThisContext();
const queue = JSON.parse(runs);
const exit = process.exit;
const quiet = (chunk, enc, cb) => { (typeof enc === 'function' ? enc : cb)?.(); return true; };
process.stdout.write = quiet;
process.stderr.write = quiet;
function next() {
  const argv = queue.shift();
  if (!argv) { writeFileSync(out, script.createCachedData()); exit(0); }
  process.argv = [process.argv[0], 'resource-postgres', ...argv];
  process.exit = () => setImmediate(next);
  const m = { exports: {} };
  fn(m.exports, require, m, __filename, __dirname);
}
next();
`;

/** Writes loader.cjs and main.cache beside the bundle; returns the SEA main and its assets. */
export function warmCodeCache(bundleFile, workDir) {
  const home = mkdtempSync(join(tmpdir(), 'rp-code-cache-'));
  try {
    const gen = join(workDir, 'code-cache-gen.cjs');
    const cache = join(workDir, 'main.cache');
    writeFileSync(gen, generator);
    const res = spawnSync(process.execPath, [gen, bundleFile, cache, JSON.stringify(RUNS)], {
      encoding: 'utf8',
      env: { ...process.env, RESOURCE_POSTGRES_HOME: join(home, 'home'), NO_COLOR: '1', NODE_OPTIONS: '' },
      timeout: 60_000,
    });
    if (res.status !== 0) throw new Error(`taking the code cache failed (exit ${res.status}): ${res.stderr}`);
    const main = join(workDir, 'loader.cjs');
    writeFileSync(main, loader);
    return { main, assets: { 'main.cjs': bundleFile, 'main.cache': cache } };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
