// npm run bench: every measurement side by side with its raw baseline in the same run
// (alternating, several rounds, medians), a table on stdout and JSON in bench/results/.
// BENCH_ROUNDS (default 5) sets the rounds of the heavy measurements, BENCH_FLOOR_ROUNDS
// (default 4x, at least 10) those of the cheap ones; BENCH_ONLY=floor,scale,docker,native,
// concurrent,peers,versions,pooler,snapshot,spares,content picks suites; BENCH_BIN measures another executable.
import { existsSync, renameSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBinary, makeExecutable } from '../scripts/build-binary.mjs';
import { buildCli } from '../scripts/build.mjs';
import { cleanupAll, onCleanup } from './lib/cleanup.mjs';
import { exec } from './lib/exec.mjs';
import { sweepClusters } from './lib/peers.mjs';
import { serverUser } from './lib/raw-native.mjs';
import { sweepContainers } from './lib/raw-docker.mjs';
import { skipped, table } from './lib/stats.mjs';
import { Tool } from './lib/tool.mjs';
import { concurrent } from './suites/concurrent.mjs';
import { contentExecute } from './suites/content.mjs';
import { dockerNew, dockerWarm } from './suites/docker.mjs';
import { floor } from './suites/floor.mjs';
import { nativeNew, nativeNewWithDatabase, nativeWarm } from './suites/native.mjs';
import { createclusterPeer, testcontainersPeer } from './suites/peers.mjs';
import { scale } from './suites/scale.mjs';
import { versionsInstall } from './suites/versions.mjs';
import { poolerThroughput } from './suites/pooler.mjs';
import { snapshots } from './suites/snapshot.mjs';
import { dockerSpare, nativeSpare } from './suites/spares.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const int = (v, d) => (v && Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : d);
const rounds = int(process.env.BENCH_ROUNDS, 5);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const log = (m) => process.stderr.write(`[bench] ${m}\n`);

/** [group, label, needs docker, run] in run order. */
const SUITES = [
  ['floor', 'CLI floor', false, floor],
  ['scale', 'status with 1, 10, 40 instances', true, scale],
  ['docker', 'new instance, docker', true, dockerNew],
  ['docker', 'warm start/stop, docker', true, dockerWarm],
  ['concurrent', '8 concurrent starts, docker', true, (ctx) => concurrent(ctx, 'docker')],
  ['peers', 'testcontainers-node', true, testcontainersPeer],
  ['native', 'new instance, native', false, nativeNew],
  ['spares', 'new instance from a spare, native', false, nativeSpare],
  ['spares', 'new instance from a spare, docker', true, dockerSpare],
  ['native', 'new instance, native, vs a baseline with CREATE DATABASE', false, nativeNewWithDatabase],
  ['native', 'warm start/stop, native', false, nativeWarm],
  ['concurrent', '8 concurrent starts, native', false, (ctx) => concurrent(ctx, 'native')],
  ['peers', 'pg_createcluster', false, createclusterPeer],
  ['versions', 'versions install, native runtime', false, versionsInstall],
  ['pooler', 'pgbench -S -c 50 through the pooler vs direct', false, poolerThroughput],
  ['snapshot', 'database snapshots and branches, native', false, snapshots],
  ['content', 'content execute --file vs psql -f', false, contentExecute],
];

async function setup() {
  const root = await mkdtemp(join(tmpdir(), 'rp-bench-'));
  await chmod(root, 0o755); // the server user must reach the native data directories
  onCleanup(`temp root ${root}`, () => rm(root, { recursive: true, force: true }));
  const executable = process.env.BENCH_BIN ?? join(ROOT, 'dist', 'resource-postgres');
  await buildCli(); // the checkout launcher's bundle, measured in the floor
  if (!process.env.BENCH_BIN && !existsSync(executable)) {
    log('building the single executable (npm run build:binary)');
    await buildBinary();
  }
  // The bare runtime: the same kind of executable with an empty program.
  await mkdir(join(root, 'bare'));
  await writeFile(join(root, 'bare', 'main.cjs'), '');
  const bareExecutable = join(root, 'bare', 'bare');
  renameSync(makeExecutable(join(root, 'bare', 'main.cjs'), bareExecutable, join(root, 'bare')), bareExecutable);
  const image = process.env.RESOURCE_POSTGRES_TEST_IMAGE ?? 'resource-postgres-test:17';
  const docker = (await exec('docker', ['image', 'inspect', image]).catch(() => ({ code: 1 }))).code === 0;
  return {
    root,
    rounds,
    image,
    docker,
    executable,
    bareExecutable,
    floorRounds: int(process.env.BENCH_FLOOR_ROUNDS, Math.max(10, rounds * 4)),
    tool: new Tool([executable]),
    launcher: new Tool([process.execPath, join(ROOT, 'bin', 'resource-postgres')]),
    serverUser: await serverUser(),
    clusterPrefix: `rpbench${process.pid}x`,
  };
}

async function main() {
  const started = new Date();
  const rows = [];
  let failed = 0;
  await sweepContainers();
  await sweepClusters('rpbench');
  const ctx = await setup();
  log(
    `rounds ${ctx.rounds} (floor ${ctx.floorRounds}), executable ${ctx.executable}, docker ${ctx.docker ? ctx.image : 'unavailable'}`,
  );
  if (ctx.docker && (!only || only.has('floor') || only.has('scale') || only.has('docker'))) {
    ctx.oneHome = await ctx.tool.home(ctx.root, 'one');
    await ctx.tool.run(ctx.oneHome, ['manage', 'start', '--engine', 'docker', '--image', ctx.image]);
  }
  for (const [group, label, needsDocker, run] of SUITES) {
    if (only && !only.has(group)) continue;
    if (needsDocker && !ctx.docker) {
      rows.push(skipped(label, `skipped: no Docker daemon or no image ${ctx.image} (bash test/image/build.sh)`));
      continue;
    }
    log(`${label} ...`);
    try {
      rows.push(...(await run(ctx)));
    } catch (e) {
      failed++;
      log(`${label} failed: ${e.stack ?? e}`);
      rows.push(skipped(label, `FAILED: ${String(e.message).split('\n')[0]}`));
    }
  }
  const out = table(rows);
  process.stdout.write(`\n${out}\n`);
  const file = join(ROOT, 'bench', 'results', `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  const machine = {
    cpus: cpus().length,
    cpu: cpus()[0]?.model,
    memory_gib: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
  await writeFile(
    file,
    `${JSON.stringify({ started: started.toISOString(), finished: new Date().toISOString(), machine, config: { rounds: ctx.rounds, floor_rounds: ctx.floorRounds, image: ctx.image, executable: ctx.executable }, rows, table: out }, null, 2)}\n`,
  );
  log(`results: ${file}`);
  return failed;
}

let code = 1;
try {
  code = (await main()) > 0 ? 1 : 0;
} catch (e) {
  log(`failed: ${e.stack ?? e}`);
} finally {
  await cleanupAll();
  await sweepContainers().catch(() => {});
  await sweepClusters('rpbench').catch(() => {});
}
process.exit(code);
