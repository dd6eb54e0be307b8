#!/usr/bin/env node
// `manage upgrade` next to doing the same upgrade by hand with the raw tools, on the same data
// (issue 13: a 200 MB database, target <= 1.2x), alternating tool and baseline each round,
// medians reported, JSON to bench/results/.
//
//   node bench/upgrade.mjs                            # docker 15 -> 17, 1M rows (~210 MB), 3 rounds
//   node bench/upgrade.mjs --rows 200000 --rounds 2   # a quick run
//
// tool: `manage upgrade --pg-version 17` of a 15 instance holding the data (a fresh one each
//   round: an upgrade is one-way; making it is not timed). It creates the 17 server, dumps with
//   17's pg_dump, restores, counts every table on both sides, and swaps the servers.
// baseline: what a person would run: `docker run` a 17 container and wait until it answers,
//   then inside it `pg_dumpall -g | psql` and `pg_dump -Fc | pg_restore --create` per
//   database from the 15 server: no checks, no swap, the old server left as it is.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cleanupAll, onCleanup } from './lib/cleanup.mjs';
import { exec, must } from './lib/exec.mjs';
import { paired, table } from './lib/stats.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    cli: { type: 'string', default: join(root, 'bin', 'resource-postgres') },
    rows: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    from: { type: 'string', default: 'resource-postgres-test:15' },
    to: { type: 'string', default: 'resource-postgres-test:17' },
  },
});
const rounds = Number(args.rounds);
const work = await mkdtemp(join(tmpdir(), 'rp-bench-upgrade-'));
onCleanup(`scratch ${work}`, () => rm(work, { recursive: true, force: true }));
process.on('SIGINT', () => cleanupAll().then(() => process.exit(130)));

const cli = (home, argv) =>
  must(process.execPath, [args.cli, ...argv], { env: { ...process.env, RESOURCE_POSTGRES_HOME: home, NO_COLOR: '1' } });
const timed = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};
const log = (m) => process.stderr.write(`[upgrade bench] ${m}\n`);

/** A 15 instance with the bench table in its database; returns how to reach it. */
async function source(tag) {
  const home = join(work, tag);
  await mkdir(home, { recursive: true });
  const name = `ub${tag}${Math.random().toString(36).slice(2, 6)}`;
  onCleanup(`instance ${name}`, async () => {
    await exec(process.execPath, [args.cli, 'manage', 'uninstall', '--force'], {
      env: { ...process.env, RESOURCE_POSTGRES_HOME: home },
    });
    // manage upgrade keeps the old major's volume for the user to remove; the bench does.
    await exec('docker', ['volume', 'rm', '-f', `resource-postgres-${name}-data`]);
  });
  await cli(home, ['manage', 'start', '--instance', name, '--engine', 'docker', '--image', args.from]);
  const admin = JSON.parse(
    (await cli(home, ['credentials', '--instance', name, '--json', '--show-secrets', '--admin'])).stdout,
  ).connections[0];
  const conn = {
    host: '127.0.0.1',
    port: admin.connection.port,
    user: admin.auth.username,
    password: admin.auth.password,
    database: admin.connection.database,
  };
  const client = new pg.Client(conn);
  await client.connect();
  await client.query(
    `CREATE TABLE bench AS SELECT g AS id, md5(g::text) AS h, repeat('x', 100) AS pad, now() AS at FROM generate_series(1, ${Number(args.rows)}) g`,
  );
  await client.query('ALTER TABLE bench ADD PRIMARY KEY (id)');
  await client.query('CHECKPOINT');
  const mb = Number((await client.query('SELECT pg_database_size(current_database()) AS s')).rows[0].s) / 1e6;
  const dbs = (
    await client.query('SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1')
  ).rows.map((r) => r.datname);
  await client.end();
  return { home, name, conn, mb, dbs };
}

/** The by-hand upgrade of `s` into a fresh 17 container (removed afterwards, untimed). */
async function byHand(s, round) {
  const container = `rp-bench-upgrade-${process.pid}-${round}`;
  const inspect = await must('docker', [
    'inspect',
    '-f',
    '{{.NetworkSettings.IPAddress}}',
    `resource-postgres-${s.name}`,
  ]);
  const oldIp = inspect.stdout.trim();
  process.env.PGPASSWORD = s.conn.password; // copied into the container by -e PGPASSWORD, never argv
  process.env.POSTGRES_PASSWORD = s.conn.password;
  const removeIt = onCleanup(`container ${container}`, () => exec('docker', ['rm', '-f', container]));
  const ms = await timed(async () => {
    await must('docker', [
      'run',
      '-d',
      '--name',
      container,
      '-e',
      'POSTGRES_PASSWORD',
      '-e',
      `POSTGRES_USER=${s.conn.user}`,
      '-e',
      'POSTGRES_DB=postgres',
      args.to,
    ]);
    for (let i = 0; ; i++) {
      const r = await exec('docker', [
        'exec',
        '-e',
        'PGPASSWORD',
        container,
        'psql',
        '-h',
        '127.0.0.1',
        '-U',
        s.conn.user,
        '-d',
        'postgres',
        '-c',
        'select 1',
      ]);
      if (r.code === 0) break;
      if (i > 1200) throw new Error(`the 17 container did not answer: ${r.stderr}`);
      await new Promise((done) => setTimeout(done, 50));
    }
    const from = `-h ${oldIp} -U ${s.conn.user}`;
    const to = `-h 127.0.0.1 -U ${s.conn.user}`;
    const script = [
      `pg_dumpall -g ${from} | psql -q ${to} -d postgres >/dev/null 2>&1`,
      ...s.dbs.map((db) =>
        db === 'postgres'
          ? `pg_dump -Fc ${from} -d postgres | pg_restore ${to} -d postgres`
          : `pg_dump -Fc ${from} -d ${db} | pg_restore ${to} --create -d postgres`,
      ),
    ].join(' && ');
    await must('docker', ['exec', '-e', 'PGPASSWORD', container, 'sh', '-c', `set -o pipefail 2>/dev/null; ${script}`]);
  });
  await exec('docker', ['rm', '-f', container]);
  removeIt();
  return ms;
}

try {
  log(`docker ${args.from} -> ${args.to}, ${args.rows} rows, ${rounds} rounds`);
  const reference = await source('base');
  log(`${reference.mb.toFixed(1)} MB in database ${reference.conn.database}`);
  let mb = reference.mb;
  const result = await paired('docker: manage upgrade 15 -> 17 vs docker run 17 + pg_dump | pg_restore', rounds, {
    tool: async (r) => {
      const s = await source(`t${r}`);
      mb = s.mb;
      return timed(() =>
        cli(s.home, ['manage', 'upgrade', '--instance', s.name, '--pg-version', '17', '--image', args.to]),
      );
    },
    baseline: (r) => byHand(reference, r),
    baselineName: 'docker run + pg_dump | pg_restore',
    target: 1.2,
    note: 'tool also counts every table on both servers and swaps the servers onto the instance port',
  });
  const rows = [{ ...result, engine: 'docker', data_mb: Math.round(mb * 10) / 10 }];
  console.log(table(rows));
  const out = join(root, 'bench', 'results', `upgrade-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ bench: 'upgrade', rows: Number(args.rows), rounds, machine: { cpus: cpus().length }, results: rows }, null, 2)}\n`,
  );
  log(`results: ${out}`);
} finally {
  await cleanupAll();
}
