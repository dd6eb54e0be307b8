// Throughput through the pooler: pgbench -S with 50 clients through the instance's PgBouncer
// against the same pgbench straight to its server, alternating runs, medians of TPS. Higher
// is better here, so the row's ratio is pooled/direct and the target a floor (>= 0.8x).
import { existsSync } from 'node:fs';
import { must } from '../lib/exec.mjs';
import { median } from '../lib/stats.mjs';

const PGBENCH = process.env.BENCH_PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench';
const SECONDS = Number(process.env.BENCH_POOLER_SECONDS ?? 10);
const CLIENTS = 50;
const TARGET = 0.8;

async function tps(port, password) {
  const res = await must(
    PGBENCH,
    [
      '-S',
      '-n',
      '-c',
      String(CLIENTS),
      '-j',
      '2',
      '-T',
      String(SECONDS),
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'vrooli',
      'vrooli',
    ],
    { env: { ...process.env, PGPASSWORD: password } },
  );
  const m = /tps = ([\d.]+)/.exec(res.stdout);
  if (!m || !/number of failed transactions: 0 /.test(res.stdout))
    throw new Error(`pgbench said:\n${res.stdout}${res.stderr}`);
  return Number(m[1]);
}

async function measure(ctx, engine) {
  const name = `pgbench -S -c ${CLIENTS} through the pooler vs direct, ${engine} (TPS)`;
  const home = await ctx.tool.home(ctx.root, `pooler-${engine}`);
  const create = engine === 'docker' ? ['--engine', 'docker', '--image', ctx.image] : ['--engine', 'native'];
  await ctx.tool.run(home, ['manage', 'start', ...create]);
  await ctx.tool.run(home, ['pooler', 'start']);
  const creds = async (extra) =>
    JSON.parse((await ctx.tool.run(home, ['credentials', '--json', '--show-secrets', ...extra])).stdout).connections[0];
  const direct = await creds([]);
  const pooled = await creds(['--pooler']);
  const password = direct.auth.password;
  await must(
    PGBENCH,
    ['-i', '-q', '-s', '1', '-h', '127.0.0.1', '-p', String(direct.connection.port), '-U', 'vrooli', 'vrooli'],
    {
      env: { ...process.env, PGPASSWORD: password },
    },
  );
  const t = [];
  const b = [];
  for (let r = 0; r < ctx.rounds; r++) {
    // The order flips every round, so drift in machine load hits both sides alike.
    if (r % 2 === 0) {
      t.push(await tps(pooled.connection.port, password));
      b.push(await tps(direct.connection.port, password));
    } else {
      b.push(await tps(direct.connection.port, password));
      t.push(await tps(pooled.connection.port, password));
    }
  }
  const ratio = median(t) / median(b);
  return {
    name,
    baseline_name: 'the same pgbench straight to the server',
    unit: 'tps',
    higher_is_better: true,
    tool_ms: Math.round(median(t)),
    baseline_ms: Math.round(median(b)),
    ratio: Math.round(ratio * 100) / 100,
    target: TARGET,
    met: ratio >= TARGET,
    note: `${SECONDS} s runs, ${ctx.rounds} rounds each; values are TPS`,
    samples: { tool: t.map(Math.round), baseline: b.map(Math.round) },
  };
}

export async function poolerThroughput(ctx) {
  if (!existsSync(PGBENCH)) throw new Error(`no pgbench at ${PGBENCH} (set BENCH_PGBENCH)`);
  const rows = [await measure(ctx, 'native')];
  if (ctx.docker) rows.push(await measure(ctx, 'docker'));
  return rows;
}
