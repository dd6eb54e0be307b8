import type Dockerode from 'dockerode';
import { LABELS } from '../../core/defaults.js';
import type { EngineState } from '../engine.js';
import { SERVER_PORT } from './container-spec.js';
import { shellWord } from '../../core/shell.js';

/** The parts of a container inspect this module reads; fixtures need only these. */
export type InspectLike = {
  Id: string;
  State: Pick<
    Dockerode.ContainerInspectInfo['State'],
    'Status' | 'Running' | 'Restarting' | 'OOMKilled' | 'Dead' | 'ExitCode' | 'Error' | 'FinishedAt'
  >;
  RestartCount?: number;
  HostConfig?: { PortBindings?: unknown };
  NetworkSettings?: { Ports?: unknown };
};

type Binding = { HostIp?: string; HostPort?: string };

function firstPort(map: unknown): number | undefined {
  const bindings = (map as Record<string, Binding[] | null> | null | undefined)?.[SERVER_PORT];
  for (const b of bindings ?? []) {
    const port = Number(b.HostPort);
    if (Number.isInteger(port) && port > 0) return port;
  }
  return undefined;
}

/**
 * The host port PostgreSQL is published on. A stopped container has no NetworkSettings.Ports,
 * so fall back to what it was created with (HostConfig.PortBindings): that is what it will
 * bind when started, and what holds the port for allocation purposes.
 */
export function publishedPort(info: Pick<InspectLike, 'HostConfig' | 'NetworkSettings'>): number | undefined {
  return firstPort(info.NetworkSettings?.Ports) ?? firstPort(info.HostConfig?.PortBindings);
}

/** Docker's zero time means "never finished". */
function finishedAt(raw: string): string | undefined {
  return raw && !raw.startsWith('0001-01-01') ? raw : undefined;
}

function stoppedDetail(s: InspectLike['State']): string {
  const at = finishedAt(s.FinishedAt);
  const when = at ? ` at ${at}` : '';
  if (s.OOMKilled) return `OOM killed (exit code ${s.ExitCode})${when}: raise the template's memory limit`;
  if (s.Dead) return `dead (the daemon could not remove or stop it cleanly)${when}`;
  if (s.Status === 'created') return 'created but never started';
  if (s.Status === 'paused') return 'paused (docker unpause to resume)';
  const error = s.Error ? `: ${s.Error}` : '';
  return `exited with code ${s.ExitCode}${when}${error}`;
}

/** Translates a container inspect (undefined when the daemon said 404) into an EngineState. */
export function mapInspect(info: InspectLike | undefined): EngineState {
  if (info === undefined) return { state: 'absent' };
  const port = publishedPort(info);
  const base: EngineState = { state: 'stopped', containerId: info.Id, dataExists: true, ...(port ? { port } : {}) };
  const s = info.State;
  if (s.Restarting) {
    // The server keeps dying and Docker keeps restarting it: "running" to the lifecycle, but say so.
    const last = s.OOMKilled ? 'OOM killed' : `exited with code ${s.ExitCode}`;
    return { ...base, state: 'running', detail: `restarting (restart #${info.RestartCount ?? 0}; last run ${last})` };
  }
  // Paused containers report Running=true but serve nothing: treat them as stopped.
  if (s.Running && s.Status !== 'paused') return { ...base, state: 'running' };
  return { ...base, detail: stoppedDetail(s) };
}

/** Every TCP host port in a Ports/PortBindings map (all container ports, not just 5432). */
export function boundTcpPorts(map: unknown): number[] {
  const ports = new Set<number>();
  for (const [key, bindings] of Object.entries((map as Record<string, Binding[] | null> | null | undefined) ?? {})) {
    if (!key.endsWith('/tcp')) continue;
    for (const b of bindings ?? []) {
      const port = Number(b.HostPort);
      if (Number.isInteger(port) && port > 0) ports.add(port);
    }
  }
  return [...ports];
}

/**
 * The command that frees a port a container holds. Stopping is not enough (a stopped
 * container still claims its bindings), so it is removal; for an instance of some home,
 * the uninstall that keeps its data.
 */
export function holderFix(name: string, running: boolean, labels: Record<string, string> | undefined): string {
  const home = labels?.[LABELS.home];
  const instance = labels?.[LABELS.instance];
  if (labels?.[LABELS.managed] === 'true' && home && instance) {
    return `resource-postgres --home ${shellWord(home)} manage uninstall --instance ${shellWord(instance)} --keep-data`;
  }
  return running ? `docker stop ${name} && docker rm ${name}` : `docker rm ${name}`;
}
