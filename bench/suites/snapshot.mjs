// Database snapshots and branches of a ~100 MB database on a native instance, each against
// the raw CREATE DATABASE ... TEMPLATE (psql -c, FILE_COPY) it is built on, in the same run.
import { must } from '../lib/exec.mjs';
import { paired } from '../lib/stats.mjs';

const PSQL = process.env.BENCH_PSQL ?? 'psql';
const TARGET = 1.2;
const ROWS = Number(process.env.BENCH_SNAPSHOT_ROWS ?? 750_000); // ~100 MB with the filler below

export async function snapshots(ctx) {
  const home = await ctx.tool.home(ctx.root, 'snapshot');
  await ctx.tool.run(home, ['manage', 'start', '--engine', 'native']);
  const creds = JSON.parse((await ctx.tool.run(home, ['credentials', '--json', '--show-secrets'])).stdout)
    .connections[0];
  const { port } = creds.connection;
  const env = { ...process.env, PGPASSWORD: creds.auth.password };
  const sql = (db, text) =>
    must(
      PSQL,
      [
        '-X',
        '-q',
        '-v',
        'ON_ERROR_STOP=1',
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'vrooli',
        '-d',
        db,
        '-c',
        text,
      ],
      { env },
    );
  await sql(
    'vrooli',
    `CREATE TABLE filler AS SELECT g AS id, repeat(md5(g::text), 3) AS payload FROM generate_series(1, ${ROWS}) g; CHECKPOINT`,
  );
  const size = (await sql('postgres', "SELECT pg_size_pretty(pg_database_size('vrooli'))")).stdout;
  const tool = (args) => async () => {
    const t0 = performance.now();
    await ctx.tool.run(home, args);
    return performance.now() - t0;
  };
  const raw = async () => {
    await sql('postgres', 'DROP DATABASE IF EXISTS raw_copy');
    const t0 = performance.now();
    await sql('postgres', 'CREATE DATABASE raw_copy TEMPLATE vrooli STRATEGY FILE_COPY');
    return performance.now() - t0;
  };
  const baselineName = 'psql -c CREATE DATABASE ... TEMPLATE (FILE_COPY)';
  const note = `vrooli database ${size.trim()}`;
  const rows = [];
  rows.push(
    await paired('snapshot create, native (~100 MB database)', ctx.rounds, {
      tool: async (r) => {
        await ctx.tool.run(home, ['snapshot', 'remove', `bench${r}`], { okCodes: [0, 2] });
        return tool(['snapshot', 'create', `bench${r}`])();
      },
      baseline: raw,
      target: TARGET,
      baselineName,
      note,
    }),
  );
  rows.push(
    await paired('snapshot restore, native (~100 MB database)', ctx.rounds, {
      tool: tool(['snapshot', 'restore', 'bench0']),
      baseline: raw,
      target: TARGET,
      baselineName,
      note,
    }),
  );
  rows.push(
    await paired('content create-database --from, native (~100 MB database)', ctx.rounds, {
      tool: async (r) => {
        await ctx.tool.run(home, ['content', 'remove', `branch${r}`, '--force'], { okCodes: [0, 2] });
        return tool(['content', 'create-database', `branch${r}`, '--from', 'vrooli'])();
      },
      baseline: raw,
      target: TARGET,
      baselineName,
      note,
    }),
  );
  return rows;
}
