import { DEFAULTS } from './defaults.js';
import { CliError, usageError } from './errors.js';

/** Who holds a port, in words a user can act on. */
export interface PortHolder {
  kind: 'instance' | 'container' | 'process';
  /** instance name, container name, or "pid 123 (nginx)". */
  name: string;
  /** The command that frees it, when there is one. */
  fix?: string;
}

export interface PortClaims {
  /** Ports recorded in any instance.conf of the home (running or stopped). */
  claimed: Map<number, PortHolder>;
  /** Ports published by any container, running or stopped. */
  published: Map<number, PortHolder>;
}

/** Checks that need the machine: is something listening, and who. Injected for tests. */
export interface PortProbe {
  isFree(port: number): Promise<boolean>;
  findListener(port: number): Promise<PortHolder | undefined>;
}

export const PORT_RANGE = { start: DEFAULTS.portRangeStart, end: DEFAULTS.portRangeEnd } as const;

export function parsePort(value: unknown, flag = '--port'): number {
  const text = String(value);
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < PORT_RANGE.start || port > PORT_RANGE.end) {
    throw usageError(
      `invalid ${flag} ${JSON.stringify(text)}: ports must be whole numbers in ${PORT_RANGE.start}-${PORT_RANGE.end}`,
      `pick one in the range, or leave ${flag} out to get the first free one`,
    );
  }
  return port;
}

function takenError(port: number, holder: PortHolder): CliError {
  const what = holder.kind === 'process' ? holder.name : `${holder.kind} ${holder.name}`;
  return new CliError('conflict', `port ${port} is already taken by ${what}`, {
    hint: holder.fix ?? 'choose another with --port, or leave --port out to get the first free one',
  });
}

/** Explicit --port: in range, claimed by no instance or container, nothing listening. */
export async function checkExplicitPort(
  port: number,
  claims: PortClaims,
  probe: PortProbe,
  self?: string,
): Promise<void> {
  const owner = claims.claimed.get(port);
  if (owner && owner.name !== self) throw takenError(port, owner);
  const container = claims.published.get(port);
  if (container) throw takenError(port, container);
  if (!(await probe.isFree(port))) {
    throw takenError(
      port,
      (await probe.findListener(port)) ?? {
        kind: 'process',
        name: 'another process (unknown: not visible to this user)',
      },
    );
  }
}

/**
 * The first port in the range that no instance claims, no container publishes and nothing
 * listens on. `preferred` is tried first. Callers hold the home lock while they choose and
 * record the port, so concurrent creates in one home never pick the same one.
 */
export async function choosePort(
  claims: PortClaims,
  probe: PortProbe,
  preferred?: number,
  skip: Set<number> = new Set(),
  range: { start: number; end: number } = PORT_RANGE,
): Promise<number> {
  const order: number[] = [];
  if (preferred !== undefined) order.push(preferred);
  for (let p = range.start; p <= range.end; p++) if (p !== preferred) order.push(p);
  for (const port of order) {
    if (skip.has(port) || claims.claimed.has(port) || claims.published.has(port)) continue;
    if (await probe.isFree(port)) return port;
  }
  throw new CliError(
    'conflict',
    `no free port in ${range.start}-${range.end}: every port is claimed by an instance, a container or another process`,
    {
      hint: 'remove instances you no longer need: resource-postgres manage uninstall --instance NAME',
    },
  );
}
