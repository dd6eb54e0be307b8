#!/usr/bin/env node
// The `content` suite of npm run bench on its own (BENCH_ONLY=content npm run bench does the
// same inside the full runner, which also sweeps the bench's docker containers and clusters
// first: this one touches nothing but what it makes). A table on stdout, JSON in
// bench/results/content-suite-<time>.json.
//
//   BENCH_ROUNDS=3 node bench/content-suite.mjs
//   BENCH_BIN=/path/to/resource-postgres BENCH_CONTENT_MB=0 node bench/content-suite.mjs   # another build, no large file
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupAll, onCleanup } from './lib/cleanup.mjs';
import { table } from './lib/stats.mjs';
import { Tool } from './lib/tool.mjs';
import { contentExecute } from './suites/content.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const executable = process.env.BENCH_BIN ?? join(ROOT, 'dist', 'resource-postgres');
if (!existsSync(executable)) {
  process.stderr.write(`no executable at ${executable}: npm run build:binary first (or set BENCH_BIN)\n`);
  process.exit(1);
}
const started = new Date();
let code = 1;
try {
  const root = await mkdtemp(join(tmpdir(), 'rp-bench-content-'));
  await chmod(root, 0o755); // the server user must reach the native data directories
  onCleanup(`temp root ${root}`, () => rm(root, { recursive: true, force: true }));
  const rows = await contentExecute({ root, rounds, tool: new Tool([executable]) });
  const out = table(rows);
  process.stdout.write(`\n${out}\n`);
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  const file = join(ROOT, 'bench', 'results', `content-suite-${started.toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { cpus: cpus().length, node: process.version };
  const config = { rounds, executable, large_mb: Number(process.env.BENCH_CONTENT_MB ?? 200) };
  await writeFile(
    file,
    `${JSON.stringify({ started: started.toISOString(), finished: new Date().toISOString(), machine, config, rows, table: out }, null, 2)}\n`,
  );
  process.stderr.write(`results: ${file}\n`);
  code = 0;
} catch (e) {
  process.stderr.write(`failed: ${e.stack ?? e}\n`);
} finally {
  await cleanupAll();
}
process.exit(code);
