#!/usr/bin/env node
// Large-SQL-file benchmark: `content execute --file` next to `psql -f` on the same file and
// the same instance, alternating runs, reporting throughput (MB/s) and peak RSS of each.
//
//   node bench/content.mjs                     # ~200 MB file, 2 rounds, a throwaway native instance
//   node bench/content.mjs --size-mb 1024      # the 1 GB case
//   node bench/content.mjs --home H --instance main   # an existing instance instead
//   node bench/content.mjs --cli path/to/launcher      # another build of the CLI (default bin/resource-postgres)
//   node bench/content.mjs --pagila                    # the pagila-like dump (bench/lib/pagila.mjs) instead
//   node bench/content.mjs --template development      # a durable instance (default: testing, fsync off)
//
// `BENCH_ONLY=content npm run bench` measures the three content rows of issue 17 (suites/content.mjs).
//
// Needs the built CLI (npm run build), psql on PATH (or --psql), and /usr/bin/time.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeInserts, writePagila } from './lib/sql-files.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    cli: { type: 'string', default: join(root, 'bin', 'resource-postgres') },
    'size-mb': { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    home: { type: 'string' },
    instance: { type: 'string', default: 'bench' },
    engine: { type: 'string', default: 'native' },
    psql: { type: 'string', default: 'psql' },
    file: { type: 'string' },
    pagila: { type: 'boolean', default: false },
    template: { type: 'string', default: 'testing' },
  },
});
const cli = args.cli;
const sizeBytes = Number(args['size-mb']) * 1024 * 1024;
const rounds = Number(args.rounds);

function cliRun(argv, home) {
  const r = spawnSync(process.execPath, [cli, ...argv], {
    env: { ...process.env, RESOURCE_POSTGRES_HOME: home },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`resource-postgres ${argv.join(' ')} failed:\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Runs a command under /usr/bin/time -v; stdout to /dev/null. Returns seconds and peak RSS. */
async function measure(cmd, argv, env) {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-v', cmd, ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const [code] = await once(child, 'close');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${cmd} failed (${code}):\n${stderr.slice(-2000)}`);
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]);
  return { seconds, peak_rss_mb: Math.round(rssKb / 1024) };
}

const ownHome = !args.home;
const home = args.home ?? mkdtempSync(join(tmpdir(), 'rp-bench-'));
try {
  if (ownHome)
    cliRun(
      ['manage', 'start', '--instance', args.instance, '--engine', args.engine, '--template', args.template],
      home,
    );
  const env = Object.fromEntries(
    cliRun(['credentials', '--instance', args.instance, '--format', 'env', '--show-secrets'], home)
      .trim()
      .split('\n')
      .map((l) => /^([A-Z_]+)='(.*)'$/.exec(l))
      .filter(Boolean)
      .map((m) => [m[1], m[2].replace(/'\\''/g, "'")]),
  );
  const file = args.file ?? join(tmpdir(), args.pagila ? 'rp-bench-pagila.sql' : `rp-bench-${args['size-mb']}mb.sql`);
  if (args.pagila) writePagila(file);
  else if (!args.file) {
    process.stderr.write(`generating ${file} (${args['size-mb']} MB) ...\n`);
    await writeInserts(file, sizeBytes);
  }
  const fileBytes = statSync(file).size;
  const tools = {
    'resource-postgres': () =>
      measure(process.execPath, [cli, 'content', 'execute', '--file', file, '--instance', args.instance, '--quiet'], {
        ...process.env,
        RESOURCE_POSTGRES_HOME: home,
      }),
    psql: () =>
      measure(
        args.psql,
        [
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-h',
          env.POSTGRES_HOST,
          '-p',
          env.POSTGRES_PORT,
          '-U',
          env.POSTGRES_USER,
          '-d',
          env.POSTGRES_DB,
          '-f',
          file,
        ],
        { ...process.env, PGPASSWORD: env.POSTGRES_PASSWORD },
      ),
  };
  const runs = [];
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first so cache warmth and table bloat do not favour one tool.
    for (const tool of round % 2 ? ['resource-postgres', 'psql'] : ['psql', 'resource-postgres']) {
      const m = await tools[tool]();
      const run = { round, tool, ...m, mb_per_s: Number((fileBytes / 1024 / 1024 / m.seconds).toFixed(2)) };
      runs.push(run);
      process.stderr.write(
        `round ${round} ${tool.padEnd(17)} ${m.seconds.toFixed(1)} s  ${run.mb_per_s} MB/s  peak RSS ${m.peak_rss_mb} MB\n`,
      );
    }
  }
  const summary = Object.fromEntries(
    Object.keys(tools).map((tool) => {
      const mine = runs.filter((r) => r.tool === tool);
      const rates = mine.map((r) => r.mb_per_s).sort((a, b) => a - b);
      const mid = rates.length / 2;
      const median = rates.length % 2 ? rates[Math.floor(mid)] : (rates[mid - 1] + rates[mid]) / 2;
      return [
        tool,
        { median_mb_per_s: Number(median.toFixed(2)), max_peak_rss_mb: Math.max(...mine.map((r) => r.peak_rss_mb)) },
      ];
    }),
  );
  const psqlVersion = spawnSync(args.psql, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const result = {
    benchmark: 'content-execute-large-file',
    date: new Date().toISOString(),
    file_bytes: fileBytes,
    engine: ownHome ? args.engine : 'existing',
    node: process.version,
    psql: psqlVersion,
    runs,
    summary,
  };
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const out = join(
    root,
    'bench',
    'results',
    `content-${args.pagila ? 'pagila' : `${args['size-mb']}mb`}-${result.date.replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\nwritten to ${out}\n`);
} finally {
  if (ownHome) {
    spawnSync(process.execPath, [cli, 'manage', 'uninstall', '--force'], {
      env: { ...process.env, RESOURCE_POSTGRES_HOME: home },
    });
    rmSync(home, { recursive: true, force: true });
  }
}
