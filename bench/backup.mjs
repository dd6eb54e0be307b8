#!/usr/bin/env node
// Backup and restore throughput of resource-postgres next to the raw tools on the same data,
// alternating tool and baseline each round, medians reported, JSON to bench/results/.
//
//   node bench/backup.mjs                          # both engines, 1M rows (~150 MB), 3 rounds
//   node bench/backup.mjs --engines docker --rows 200000 --rounds 5
//
// docker: `backup create` (logical: pg_dumpall -g + pg_dump -Fc per database, inside the
//   container) vs the same programs run by `docker exec` into a host file; `backup restore
//   --force` (staging database + swap) vs `docker exec -i pg_restore --clean` per database;
//   `backup create --method physical` vs `docker exec tar -c` of the data directory.
// native: `backup create --method physical` (low-level base backup API: checkpoint, tar of the
//   data directory without pg_wal, the WAL of the backup, sha256 of every file) vs GNU tar of
//   the live data directory (pg_wal included, no checksum); `backup restore --force` (stop,
//   swap the data directory, start, replay WAL, wait until it answers) vs extracting the
//   same tar into a fresh directory (the file work alone, no server restart).
// Ratios are throughput, raw ms / tool ms (1.0x = as fast as raw, higher is better); the
// targets are issue 17's. Neither side compresses beyond what the raw tools do: pg_dump -Fc's
// default compression on both sides, tar uncompressed on both sides.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cleanupAll, onCleanup } from './lib/cleanup.mjs';
import { exec, must } from './lib/exec.mjs';
import { paired, table } from './lib/stats.mjs';
import { fromFile, toFile } from './lib/file-io.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    cli: { type: 'string', default: join(root, 'bin', 'resource-postgres') },
    engines: { type: 'string', default: 'docker,native' },
    rows: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '3' },
    image: { type: 'string', default: 'resource-postgres-test:17' },
  },
});
const rounds = Number(args.rounds);
const work = await mkdtemp(join(tmpdir(), 'rp-bench-backup-'));
onCleanup(`scratch ${work}`, () => rm(work, { recursive: true, force: true }));
process.on('SIGINT', () => cleanupAll().then(() => process.exit(130)));

const cli = (home, argv) =>
  must(process.execPath, [args.cli, ...argv], { env: { ...process.env, RESOURCE_POSTGRES_HOME: home, NO_COLOR: '1' } });
const timed = async (fn) => {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
};

async function setup(engine) {
  const home = join(work, engine);
  await mkdir(home, { recursive: true });
  const name = `bb${Math.random().toString(36).slice(2, 7)}`;
  onCleanup(`home ${home}`, () =>
    exec(process.execPath, [args.cli, 'manage', 'uninstall', '--force'], {
      env: { ...process.env, RESOURCE_POSTGRES_HOME: home },
    }),
  );
  await cli(home, [
    'manage',
    'start',
    '--instance',
    name,
    '--engine',
    engine,
    ...(engine === 'docker' ? ['--image', args.image] : []),
  ]);
  const c = JSON.parse((await cli(home, ['credentials', '--instance', name, '--json', '--show-secrets'])).stdout)
    .connections[0];
  const conn = {
    host: '127.0.0.1',
    port: c.connection.port,
    user: c.auth.username,
    password: c.auth.password,
    database: c.connection.database,
  };
  const client = new pg.Client(conn);
  await client.connect();
  await client.query(
    `CREATE TABLE bench AS SELECT g AS id, md5(g::text) AS h, repeat('x', 100) AS pad, now() AS at FROM generate_series(1, ${Number(args.rows)}) g`,
  );
  await client.query('ALTER TABLE bench ADD PRIMARY KEY (id)');
  await client.query('CHECKPOINT');
  const mb =
    Number(
      (await client.query('SELECT sum(pg_database_size(datname)) AS s FROM pg_database WHERE NOT datistemplate'))
        .rows[0].s,
    ) / 1e6;
  const dbs = (
    await client.query('SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1')
  ).rows.map((r) => r.datname);
  await client.end();
  return { home, name, conn, mb, dbs };
}

/** Throughput: MB/s both sides, the ratio as raw ms / tool ms against a floor (issue 17's target). */
const mbps = (mb, rowOf, target) => {
  const ratio = Math.round((rowOf.baseline_ms / rowOf.tool_ms) * 100) / 100;
  return {
    ...rowOf,
    ratio,
    higher_is_better: true,
    target: target ?? null,
    met: target === undefined ? null : ratio >= target,
    tool_mb_per_s: Math.round((mb / (rowOf.tool_ms / 1000)) * 10) / 10,
    baseline_mb_per_s: rowOf.baseline_ms ? Math.round((mb / (rowOf.baseline_ms / 1000)) * 10) / 10 : null,
  };
};

async function dockerRows(s) {
  const container = `resource-postgres-${s.name}`;
  // The password reaches docker exec through our environment (-e NAME copies it), never argv.
  process.env.PGPASSWORD = s.conn.password;
  const env = ['-e', 'PGPASSWORD', '-e', 'PGHOST=127.0.0.1', '-e', `PGUSER=${s.conn.user}`];
  const rawDir = join(work, 'raw-docker');
  const rawDump = async (compress = []) => {
    await rm(rawDir, { recursive: true, force: true });
    await mkdir(rawDir);
    await toFile('docker', ['exec', ...env, container, 'pg_dumpall', '--globals-only'], join(rawDir, 'globals.sql'));
    for (const db of s.dbs)
      await toFile(
        'docker',
        ['exec', ...env, container, 'pg_dump', '-Fc', ...compress, '-d', db],
        join(rawDir, `${db}.dump`),
      );
  };
  const backup = await paired('docker: backup create (logical) vs docker exec pg_dumpall -g + pg_dump -Fc', rounds, {
    tool: (r) =>
      timed(async () => {
        await cli(s.home, ['backup', 'create', '--instance', s.name, '--name', `b${r}`]);
      }),
    baseline: () => timed(() => rawDump()),
    baselineName: 'docker exec pg_dump',
  });
  // Like with like: the tool writes zstd level 1 where pg_dump has it (logical-dump.ts).
  const sameCompression = await paired(
    'docker: backup create (logical) vs the same raw dumps with --compress=zstd:1 (the same compression)',
    rounds,
    {
      tool: (r) =>
        timed(async () => {
          await cli(s.home, ['backup', 'create', '--instance', s.name, '--name', `z${r}`]);
        }),
      baseline: () => timed(() => rawDump(['--compress=zstd:1'])),
      baselineName: 'docker exec pg_dump zstd:1',
    },
  );
  // The restore baseline below restores the default-compression dumps.
  await rawDump();
  const restore = await paired('docker: backup restore --force vs docker exec -i pg_restore --clean', rounds, {
    tool: () =>
      timed(async () => {
        await cli(s.home, ['backup', 'restore', 'b0', '--instance', s.name, '--force']);
      }),
    baseline: () =>
      timed(async () => {
        await fromFile(
          'docker',
          ['exec', '-i', ...env, container, 'psql', '-X', '-q', '-d', 'postgres'],
          join(rawDir, 'globals.sql'),
        );
        for (const db of s.dbs)
          await fromFile(
            'docker',
            ['exec', '-i', ...env, container, 'pg_restore', '--clean', '--if-exists', '-d', db],
            join(rawDir, `${db}.dump`),
          );
      }),
    baselineName: 'docker exec pg_restore',
  });
  const physical = await paired(
    'docker: backup create --method physical vs docker exec tar -c of the data directory',
    rounds,
    {
      tool: (r) =>
        timed(async () => {
          await cli(s.home, ['backup', 'create', '--instance', s.name, '--name', `p${r}`, '--method', 'physical']);
        }),
      baseline: () =>
        timed(() =>
          toFile(
            'docker',
            ['exec', container, 'tar', '-c', '-f', '-', '-C', '/var/lib/postgresql/data', '.'],
            join(work, 'raw-docker.tar'),
          ),
        ),
      baselineName: 'docker exec tar -c',
    },
  );
  return [mbps(s.mb, backup, 0.95), mbps(s.mb, sameCompression), mbps(s.mb, restore, 0.9), mbps(s.mb, physical)];
}

async function nativeRows(s) {
  // Relocated under /var/lib/resource-postgres when the server user cannot reach the home.
  const conf = await readFile(join(s.home, s.name, 'config', 'instance.conf'), 'utf8');
  const dataDir = /^data_dir="?([^"\n]+)"?$/m.exec(conf)?.[1] ?? join(s.home, s.name, 'data');
  const rawTar = join(work, 'raw-native.tar');
  const backup = await paired('native: backup create --method physical vs tar of the live data directory', rounds, {
    tool: (r) =>
      timed(async () => {
        await cli(s.home, ['backup', 'create', '--instance', s.name, '--name', `b${r}`, '--method', 'physical']);
      }),
    baseline: () =>
      timed(async () => {
        await rm(rawTar, { force: true });
        await must('tar', ['-cf', rawTar, '-C', dataDir, '--exclude=./postmaster.pid', '.'], { okCodes: [1] });
      }),
    baselineName: 'tar -c data/',
  });
  const target = join(work, 'raw-native-restore');
  const restore = await paired(
    'native: backup restore --force (stop, swap, start, replay) vs tar -x into a fresh directory',
    rounds,
    {
      tool: () =>
        timed(async () => {
          await cli(s.home, ['backup', 'restore', 'b0', '--instance', s.name, '--force']);
        }),
      baseline: () =>
        timed(async () => {
          await rm(target, { recursive: true, force: true });
          await mkdir(target);
          await must('tar', ['-xf', rawTar, '-C', target]);
        }),
      baselineName: 'tar -x',
    },
  );
  return [mbps(s.mb, backup, 0.9), mbps(s.mb, restore)];
}

try {
  const results = [];
  for (const engine of args.engines.split(',')) {
    const s = await setup(engine);
    console.error(
      `${engine}: ${s.mb.toFixed(1)} MB in ${s.dbs.length} databases (${args.rows} rows), ${rounds} rounds`,
    );
    const rows = engine === 'docker' ? await dockerRows(s) : await nativeRows(s);
    results.push(...rows.map((r) => ({ ...r, engine, data_mb: Math.round(s.mb * 10) / 10 })));
  }
  console.log(table(results));
  for (const r of results)
    console.log(
      `${r.name}: tool ${r.tool_mb_per_s} MB/s, baseline ${r.baseline_mb_per_s} MB/s, throughput ${r.ratio}x`,
    );
  const out = join(root, 'bench', 'results', `backup-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await mkdir(join(root, 'bench', 'results'), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify({ bench: 'backup', rows: Number(args.rows), rounds, machine: { cpus: (await import('node:os')).cpus().length }, results }, null, 2)}\n`,
  );
  console.error(`results: ${out}`);
} finally {
  await cleanupAll();
}
