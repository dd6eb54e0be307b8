// content execute --file against psql -f on the same file and the same instance, alternating
// runs (issue 17): 7 MB of single-row INSERTs, a pagila-like dump (mostly COPY ... FROM
// stdin blocks, lib/pagila.mjs: the real pagila cannot be downloaded here) and a 200 MB file
// (BENCH_CONTENT_MB). Higher is better: each row's value is MB/s, its ratio tool/psql.
// The 7 MB and pagila rows run on a durable instance (the default template: fsync on, as a
// real load runs); the large file on a testing one (fsync off) so a run takes a minute, not
// ten, and the 7 MB file once more there: with the server that fast, what is left is the
// client's own cost per statement, which a "node floor" row bounds (one Query message per
// line on a bare socket, no parsing: what any node client costs per round trip).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/stats.mjs';
import { writeInserts, writePagila } from '../lib/sql-files.mjs';

const PSQL = process.env.BENCH_PSQL ?? 'psql';
const LARGE_MB = Number(process.env.BENCH_CONTENT_MB ?? 200);
const RSS_LIMIT_MB = 100;
const FLOOR = fileURLToPath(new URL('../lib/node-floor.mjs', import.meta.url));

/** Runs a program under /usr/bin/time -v with stdout discarded; seconds and peak RSS. */
async function measure(argv, env) {
  const started = process.hrtime.bigint();
  const child = spawn('/usr/bin/time', ['-v', ...argv], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const [code] = await once(child, 'close');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (code !== 0) throw new Error(`${argv.join(' ')} failed (${code}):\n${stderr.slice(-2000)}`);
  return { seconds, rss: Math.round(Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]) / 1024) };
}

async function instance(ctx, name, template) {
  const home = await ctx.tool.home(ctx.root, name);
  await ctx.tool.run(home, ['manage', 'start', '--engine', 'native', '--template', template]);
  const c = JSON.parse((await ctx.tool.run(home, ['credentials', '--json', '--show-secrets'])).stdout).connections[0];
  const pgEnv = {
    ...process.env,
    PGHOST: c.connection.host,
    PGPORT: String(c.connection.port),
    PGUSER: c.auth.user ?? c.auth.username,
    PGPASSWORD: c.auth.password,
    PGDATABASE: c.connection.database,
  };
  return { home, pgEnv, template };
}

function runners(ctx, inst, file) {
  return {
    tool: () =>
      measure([...ctx.tool.command, 'content', 'execute', '--file', file, '--quiet'], {
        ...process.env,
        RESOURCE_POSTGRES_HOME: inst.home,
        RESOURCE_POSTGRES_SPARES: 'off',
      }),
    psql: () => measure([PSQL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], inst.pgEnv),
    floor: () => measure([process.execPath, FLOOR, file], inst.pgEnv),
  };
}

/** Alternating rounds of the tool and psql (and the node floor, when asked): one row, MB/s. */
async function compare(ctx, name, inst, file, bytes, { target, rssLimit, withFloor }) {
  const run = runners(ctx, inst, file);
  const order = withFloor ? ['tool', 'psql', 'floor'] : ['tool', 'psql'];
  const s = { tool: [], psql: [], floor: [] };
  const rss = { tool: 0, psql: 0, floor: 0 };
  for (let r = 0; r < ctx.rounds; r++) {
    for (const who of r % 2 ? [...order].reverse() : order) {
      const m = await run[who]();
      s[who].push(bytes / 2 ** 20 / m.seconds);
      rss[who] = Math.max(rss[who], m.rss);
    }
  }
  const ratio = median(s.tool) / median(s.psql);
  const rssOk = rssLimit === undefined || rss.tool <= rssLimit;
  const floor = withFloor ? median(s.floor) / median(s.psql) : undefined;
  const r2 = (v) => Math.round(v * 100) / 100;
  return {
    name,
    baseline_name: 'psql -X -q -v ON_ERROR_STOP=1 -f',
    unit: 'MB/s',
    higher_is_better: true,
    tool_ms: r2(median(s.tool)),
    baseline_ms: r2(median(s.psql)),
    ratio: r2(ratio),
    target,
    met: ratio >= target && rssOk,
    note:
      `${inst.template} template, ${(bytes / 2 ** 20).toFixed(1)} MB; peak RSS tool ${rss.tool} MB, psql ${rss.psql} MB` +
      `${rssLimit ? ` (limit ${rssLimit} MB)` : ''}${floor ? `; node floor (bare socket) ${r2(floor)}x psql` : ''}`,
    peak_rss_mb: { tool: rss.tool, psql: rss.psql, ...(withFloor ? { node_floor: rss.floor } : {}) },
    ...(withFloor ? { node_floor_ratio: r2(floor) } : {}),
    samples: { tool: s.tool.map(r2), baseline: s.psql.map(r2), ...(withFloor ? { node_floor: s.floor.map(r2) } : {}) },
  };
}

export async function contentExecute(ctx) {
  const dir = ctx.root;
  const small = join(dir, 'inserts-7mb.sql');
  const smallBytes = await writeInserts(small, 7 * 2 ** 20);
  const pagila = join(dir, 'pagila-like.sql');
  const pagilaBytes = writePagila(pagila);
  const durable = await instance(ctx, 'content-durable', 'development');
  const fast = await instance(ctx, 'content-testing', 'testing');
  const rows = [
    await compare(ctx, 'content execute, 7 MB of single-row INSERTs vs psql -f', durable, small, smallBytes, {
      target: 0.95,
      withFloor: true,
    }),
    await compare(ctx, 'content execute, pagila-like dump (3.3 MB) vs psql -f', durable, pagila, pagilaBytes, {
      target: 0.9,
    }),
    await compare(ctx, 'content execute, 7 MB of INSERTs, fsync off vs psql -f', fast, small, smallBytes, {
      target: 0.95,
      withFloor: true,
    }),
  ];
  if (LARGE_MB > 0) {
    const large = join(dir, `inserts-${LARGE_MB}mb.sql`);
    const largeBytes = await writeInserts(large, LARGE_MB * 2 ** 20);
    rows.push(
      await compare(ctx, `content execute --file, ${LARGE_MB} MB vs psql -f`, fast, large, largeBytes, {
        target: 0.95,
        rssLimit: RSS_LIMIT_MB,
      }),
    );
  }
  if (!existsSync(FLOOR)) throw new Error(`missing ${FLOOR}`);
  return rows;
}
