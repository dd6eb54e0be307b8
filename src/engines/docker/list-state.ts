import type Dockerode from 'dockerode';
import { LABELS } from '../../core/defaults.js';
import type { EngineState } from '../engine.js';
import { labelFilters, SERVER_PORT } from './container-spec.js';

/** The parts of a container list entry this module reads; fixtures need only these. */
export type ListedLike = Pick<Dockerode.ContainerInfo, 'Id' | 'State' | 'Labels'> & {
  Ports: Array<Pick<Dockerode.Port, 'PrivatePort' | 'PublicPort' | 'Type'>>;
};

const PRIVATE_PORT = Number.parseInt(SERVER_PORT, 10);

/**
 * A list entry says as much as an inspect for a running container (what mapInspect returns
 * for it). Anything else (exited, restarting, paused, created) needs the inspect's details:
 * undefined, so the caller inspects that one.
 */
export function stateFromListed(c: ListedLike): EngineState | undefined {
  if (c.State !== 'running') return undefined;
  const port = c.Ports.find((p) => p.PrivatePort === PRIVATE_PORT && p.Type === 'tcp' && p.PublicPort > 0)?.PublicPort;
  return { state: 'running', containerId: c.Id, dataExists: true, ...(port ? { port } : {}) };
}

/** One list call for the whole home: the running instances among `names`, by instance name. */
export async function runningStates(
  docker: Dockerode,
  home: string,
  names: readonly string[],
): Promise<Map<string, EngineState>> {
  const wanted = new Set(names);
  const states = new Map<string, EngineState>();
  for (const c of await docker.listContainers({ all: true, filters: labelFilters(home) })) {
    const name = c.Labels?.[LABELS.instance];
    const state = name !== undefined && wanted.has(name) && !states.has(name) ? stateFromListed(c) : undefined;
    if (name !== undefined && state) states.set(name, state);
  }
  return states;
}
