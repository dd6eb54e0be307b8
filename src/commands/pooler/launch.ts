import type { Context } from '../../context.js';
import { CliError } from '../../core/errors.js';
import { generatePassword, type Instance } from '../../core/instance.js';
import { type PoolerMode, POOLER_PORT_RANGE } from '../../core/pooler.js';
import { choosePort } from '../../core/ports.js';
import { waitFor } from '../../core/wait.js';
import { PortTakenError } from '../../engines/engine.js';
import type { PoolerHost } from '../../engines/native/pooler/pooler-host.js';
import { gatherClaims } from '../manage/create.js';

/**
 * Starting an instance's pooler: a port from the pooler range (recorded in instance.conf and
 * claimed in the machine-wide ledger, like a server's), a fresh password for PgBouncer's
 * lookup role, the process, and proof that an application's login goes through it.
 */

const PORT_RETRIES = 5;

/** The host that runs poolers; loaded on demand (it brings execa). */
export async function poolerHost(ctx: Context): Promise<PoolerHost> {
  const { PoolerHost: Host } = await import('../../engines/native/pooler/pooler-host.js');
  return new Host(ctx.home.dir, ctx.env);
}

/**
 * The pooler's port, recorded with its mode under the home lock: the recorded one unless it
 * turned out to be taken, else the first in the range that no instance of any home records,
 * no container publishes and nothing listens on.
 */
async function recordPort(ctx: Context, name: string, mode: PoolerMode, skip: Set<number>): Promise<Instance> {
  return ctx.registry.locked(async () => {
    const fresh = await ctx.registry.get(name);
    const owner = { home: ctx.home.dir, name };
    let port = fresh.pooler?.port;
    if (port === undefined || skip.has(port)) {
      const claims = await gatherClaims(ctx);
      for (const entry of await ctx.registry.list()) {
        if ('error' in entry || !entry.pooler) continue;
        claims.claimed.set(entry.pooler.port, { kind: 'instance', name: `the pooler of ${entry.name}` });
      }
      const tried = new Set(skip);
      for (;;) {
        port = await choosePort(claims, ctx.ports, undefined, tried, POOLER_PORT_RANGE);
        if (await ctx.ledger.claim(port, owner)) break;
        tried.add(port); // another home claimed it between our look and our claim
      }
    } else {
      await ctx.ledger.claim(port, owner); // a ledger emptied by a reboot learns it again
    }
    const recorded = { ...fresh, pooler: { port, mode } };
    await ctx.registry.save(recorded);
    if (fresh.pooler && fresh.pooler.port !== port) await ctx.ledger.release(fresh.pooler.port, owner);
    return recorded;
  });
}

/** Prepares the server, records the port and starts PgBouncer; the server must be running. */
export async function launchPooler(
  ctx: Context,
  host: PoolerHost,
  instance: Instance,
  mode: PoolerMode,
): Promise<Instance> {
  const auth = await import('../../postgres/pooler-auth.js');
  const password = generatePassword();
  try {
    await auth.ensurePoolerAuth(instance, password);
  } catch (e) {
    throw new CliError('failed', `cannot prepare instance ${instance.name} for its pooler: ${(e as Error).message}`, {
      hint: `check that the instance answers: resource-postgres status --instance ${instance.name}`,
    });
  }
  const skip = new Set<number>();
  let recorded: Instance;
  for (let attempt = 0; ; attempt++) {
    recorded = await recordPort(ctx, instance.name, mode, skip);
    const port = recorded.pooler!.port;
    try {
      await host.start(recorded, { port, mode, authPassword: password });
      break;
    } catch (e) {
      if (!(e instanceof PortTakenError) || attempt >= PORT_RETRIES) throw e;
      // Said loudly: clients that kept the old port must take the new one from credentials --pooler.
      ctx.talk.warn(
        `pooler port ${port} of instance ${instance.name} is taken by another program; moving the pooler to another port`,
      );
      skip.add(port);
    }
  }
  const port = recorded.pooler!.port;
  await waitFor(
    async () => {
      const r = await auth.probePooler(recorded, port);
      return r.ok ? undefined : r.message;
    },
    {
      timeoutMs: 15_000,
      intervalMs: 20,
      what: `the pooler of instance ${instance.name} to pass an authenticated query on port ${port}`,
      evidence: async () => `pooler log:\n${await host.logTail(recorded)}`,
      hint: `stop it with: resource-postgres pooler stop --instance ${instance.name}`,
    },
  );
  return recorded;
}
