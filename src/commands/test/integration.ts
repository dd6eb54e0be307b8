import { randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import type { Context } from '../../context.js';
import type { Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import { serverFacts } from '../../postgres/backup/catalog.js';
import * as sql from '../../postgres/selftest-sql.js';
import { dropNewerSettings, settingsUnknownTo } from '../backup/clients.js';
import { type CheckResult, expectThat, runCheck } from './check.js';

/**
 * pg_dump -Fc of one table into memory, then pg_restore of it, with the engine's own client
 * programs. Programs newer than the server restore through a script with the settings the
 * server lacks dropped (as backup restores do: clients.ts dropNewerSettings).
 */
async function roundTripWithTools(
  engine: Engine,
  instance: Instance,
  schema: string,
  toolMajor: number,
  serverMajor: number,
): Promise<void> {
  const dumped: Buffer[] = [];
  const sink = new PassThrough();
  sink.on('data', (b: Buffer) => dumped.push(b));
  const env = { PGDATABASE: instance.database };
  const dump = await engine.runClient!(
    instance,
    'pg_dump',
    ['--format=custom', '--no-password', `--table=${sql.qualified(schema, 'roundtrip')}`],
    { stdout: sink, env },
  );
  expectThat(dump.exitCode === 0, `pg_dump failed: ${dump.stderr.trim()}`);
  await sql.dropTable(instance, schema);
  const archive = () => Readable.from(Buffer.concat(dumped));
  if (toolMajor <= serverMajor) {
    const restore = await engine.runClient!(
      instance,
      'pg_restore',
      ['--exit-on-error', '--no-password', `--dbname=${instance.database}`],
      { stdin: archive(), env },
    );
    expectThat(restore.exitCode === 0, `pg_restore failed: ${restore.stderr.trim()}`);
    return;
  }
  const filter = dropNewerSettings(settingsUnknownTo(serverMajor));
  const psql = engine.runClient!(instance, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--no-password'], {
    stdin: filter,
    env,
  });
  const script = await engine.runClient!(instance, 'pg_restore', ['--file=-'], {
    stdin: archive(),
    stdout: filter,
    env,
  }).finally(() => filter.end());
  const applied = await psql;
  expectThat(script.exitCode === 0, `pg_restore failed: ${script.stderr.trim()}`);
  expectThat(applied.exitCode === 0, `psql failed while restoring: ${applied.stderr.trim()}`);
}

/**
 * create/insert/count/drop; a dump -> drop -> restore round trip of a table (pg_dump and
 * pg_restore where the engine has suitable ones, else the SQL-level COPY dump); five
 * concurrent pg_sleep(1) sessions. All inside one uniquely named schema dropped at the end.
 */
export async function integrationChecks(ctx: Context, engine: Engine, instance: Instance): Promise<CheckResult[]> {
  const schema = `rp_selftest_${randomBytes(5).toString('hex')}`;
  const checks: CheckResult[] = [];
  const check = async (name: string, fn: () => Promise<string | void>, ms = 30_000) =>
    checks.push(await runCheck('integration', name, fn, ms));
  try {
    await check('create table, insert 2 rows, count 2, drop', async () => {
      await sql.createSchema(instance, schema);
      const n = await sql.tableLifecycle(instance, schema);
      expectThat(n === 2, `counted ${n} rows, expected 2`);
      return `in schema ${schema}`;
    });
    await check(
      'dump -> drop -> restore round trip of a table',
      async () => {
        await sql.createSample(instance, schema);
        const before = await sql.fingerprint(instance, schema);
        const serverMajor = (await serverFacts(instance)).major;
        const tools =
          engine.clientTools && engine.runClient ? await engine.clientTools(instance, serverMajor) : undefined;
        let how: string;
        if (tools?.ok) {
          await roundTripWithTools(engine, instance, schema, tools.major, serverMajor);
          how = `pg_dump/pg_restore ${tools.version} (${tools.where})`;
        } else {
          const dump = await sql.dumpTableSql(instance, schema);
          await sql.dropTable(instance, schema);
          await sql.restoreTableSql(instance, dump, schema);
          how = `SQL-level dump (catalog definition + COPY): ${tools && !tools.ok ? tools.reason : 'no client programs on this engine'}`;
        }
        const after = await sql.fingerprint(instance, schema);
        expectThat(after === before, `restored table differs: before ${before}, after ${after}`);
        return `${after} identical; ${how}`;
      },
      60_000,
    );
    await check('5 concurrent sessions each run pg_sleep(1)', async () => {
      const ms = await sql.concurrentSleeps(instance, 5, 1);
      expectThat(ms < 4_500, `took ${ms} ms: the sessions did not run concurrently`);
      return `all 5 done in ${ms} ms`;
    });
  } finally {
    await check('nothing left behind', async () => {
      await sql.dropSchema(instance, schema);
      expectThat(!(await sql.schemaExists(instance, schema)), `schema ${schema} is still there`);
      return `schema ${schema} dropped`;
    });
  }
  return checks;
}
