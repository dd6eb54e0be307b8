import { connect } from 'node:net';
import type { Context } from '../../context.js';
import { CliError, describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import { connectHost } from '../../core/connection.js';
import type { EngineState } from '../../engines/engine.js';

export type InstanceStateName = 'absent' | 'stopped' | 'starting' | 'running' | 'unhealthy';

export interface InstanceHealth {
  state: InstanceStateName;
  healthy: boolean;
  message: string;
  version?: string;
  engineState?: EngineState;
}

/** A plain TCP connect: what --fast checks instead of the authenticated query. */
export function tcpCheck(host: string, port: number, timeoutMs = 1_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (failure: string | undefined) => {
      socket.destroy();
      resolve(failure);
    };
    socket.setTimeout(timeoutMs, () => done(`TCP connect to ${host}:${port} timed out`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (e) => done(`TCP connect to ${host}:${port}: ${describeError(e)}`));
  });
}

/**
 * The engine's view plus the health probe, mapped to the contract's states. Never starts,
 * repairs or deletes anything.
 */
export async function instanceHealth(
  ctx: Context,
  instance: Instance,
  fast: boolean,
  known?: EngineState,
): Promise<InstanceHealth> {
  let engineState: EngineState;
  try {
    engineState = known ?? (await (await ctx.engine(instance.engine)).inspect(instance));
  } catch (e) {
    const why = e instanceof CliError ? e.message : describeError(e);
    return { state: 'unhealthy', healthy: false, message: `cannot inspect the ${instance.engine} engine: ${why}` };
  }
  const onPurpose = instance.desiredState === 'stopped';
  if (engineState.state === 'absent') {
    const data = engineState.dataExists ? ' (its data is kept)' : '';
    return {
      state: 'absent',
      healthy: false,
      engineState,
      message: onPurpose
        ? `not running (stopped on purpose)${data}`
        : `no ${instance.engine === 'docker' ? 'container' : 'server'} found${data}; run: resource-postgres manage start --instance ${instance.name}`,
    };
  }
  if (engineState.state === 'stopped') {
    const detail = engineState.detail ? `: ${engineState.detail}` : '';
    return {
      state: 'stopped',
      healthy: false,
      engineState,
      message: onPurpose
        ? 'stopped (on purpose)'
        : `stopped unexpectedly${detail}; run: resource-postgres manage start --instance ${instance.name}`,
    };
  }
  if (fast) {
    const failure = await tcpCheck(connectHost(instance.host), instance.port);
    return failure
      ? { state: 'unhealthy', healthy: false, engineState, message: failure }
      : {
          state: 'running',
          healthy: true,
          engineState,
          message: `accepting TCP connections on port ${instance.port} (fast check)`,
        };
  }
  const probe = await ctx.probe(instance);
  if (probe.ok) return { state: 'running', healthy: true, engineState, message: probe.message, version: probe.version };
  return { state: probe.transient ? 'starting' : 'unhealthy', healthy: false, engineState, message: probe.message };
}

/**
 * Engine states of many instances from the engines that can batch (Engine.inspectMany): one
 * daemon round trip instead of one per instance. Best effort: whatever is missing, or an
 * engine that fails here, is inspected per instance by instanceHealth as before.
 */
export async function prefetchStates(ctx: Context, instances: Instance[]): Promise<Map<string, EngineState>> {
  const known = new Map<string, EngineState>();
  for (const name of new Set(instances.map((i) => i.engine))) {
    const group = instances.filter((i) => i.engine === name);
    if (group.length < 2) continue; // a single instance gains nothing
    try {
      const engine = await ctx.engine(name);
      for (const [k, v] of (await engine.inspectMany?.(group)) ?? []) known.set(k, v);
    } catch {
      /* reported per instance by instanceHealth */
    }
  }
  return known;
}
