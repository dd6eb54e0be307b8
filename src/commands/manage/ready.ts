import type { Context } from '../../context.js';
import { DEFAULTS } from '../../core/defaults.js';
import { CliError, describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { waitFor } from '../../core/wait.js';
import type { Engine } from '../../engines/engine.js';

/** Server log lines for error evidence; never fails. */
async function logTail(engine: Engine, instance: Instance, lines = 20): Promise<string | undefined> {
  try {
    const out: string[] = [];
    for await (const line of engine.logs(instance, { tail: lines })) out.push(line);
    return out.length
      ? `last ${out.length} lines of the server log:\n${out.map((l) => `  ${l}`).join('\n')}`
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The instance's own database, made when the probe finds it missing (3D000): a create cut
 * short (the CLI killed after the server first came up, before the database was made) is
 * finished by the next start. Asking only then spares every start a connection of its own.
 */
async function finishCreate(instance: Instance): Promise<void> {
  try {
    await (await import('../../postgres/databases.js')).ensureInstanceDatabase(instance);
  } catch (e) {
    throw new CliError(
      'failed',
      `could not create database ${instance.database} in instance ${instance.name}: ${describeError(e)}`,
      {
        hint: `the server is running; retry with: resource-postgres content create-database ${instance.database} --instance ${instance.name}`,
      },
    );
  }
}

/** Polls the authenticated probe until it passes; on timeout names the last failure and shows the log. */
export async function waitReady(ctx: Context, engine: Engine, instance: Instance, timeoutSec: number): Promise<void> {
  let madeDatabase = false;
  await waitFor(
    async () => {
      const r = await ctx.probe(instance, Math.min(DEFAULTS.probeTimeoutMs, timeoutSec * 1000));
      if (r.ok) return undefined;
      // Never on a replica (read-only: its databases are its primary's), and once only.
      if (r.code === '3D000' && !madeDatabase && !instance.replicaOf && instance.database !== 'postgres') {
        madeDatabase = true;
        await finishCreate(instance);
        ctx.talk.info(`instance ${instance.name} had no database ${instance.database}; made it (empty)`);
      }
      return r.message;
    },
    {
      timeoutMs: timeoutSec * 1000,
      // A failed attempt is cheap (connection refused); backing off to 250 ms left start
      // up to 250 ms behind a server that was already ready.
      intervalMs: 10,
      maxIntervalMs: 20,
      what: `instance ${instance.name} to answer an authenticated query on port ${instance.port}`,
      evidence: () => logTail(engine, instance),
      hint: `see the full log with: resource-postgres logs --instance ${instance.name}; raise --timeout if the machine is slow`,
    },
  );
}
