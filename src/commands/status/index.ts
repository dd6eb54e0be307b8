import { type SpareStatus, sparesStatus } from './spares.js';
import type { Context } from '../../context.js';
import { connectionUrl, connectionView } from '../../core/connection.js';
import { DEFAULTS, MAX_INSTANCES } from '../../core/defaults.js';
import { type AppRole, appRoleOf, type Instance } from '../../core/instance.js';
import { validateInstanceName } from '../../core/instance.js';
import { PORT_RANGE } from '../../core/ports.js';
import type { EngineState } from '../../engines/engine.js';
import { isolationNotes, serverUserOf } from './server-users.js';
import { instanceHealth, type InstanceStateName, prefetchStates } from './health.js';
import type { StatusOptions } from '../options.js';
import { type CommandResult, mapLimit, result } from '../result.js';
import { poolerHealth, type PoolerHealth } from '../pooler/hooks.js';
import { replicaMap, replicationOf, type ReplicationStatus } from './replication.js';

export interface InstanceStatus {
  name: string;
  engine: string;
  state: InstanceStateName;
  healthy: boolean;
  desired_state: string;
  port: number | null;
  template: string | null;
  database: string | null;
  user: string | null;
  /** owner: `user` only owns its database and the program keeps its own superuser; superuser: `user` is it. */
  app_role: AppRole | null;
  version: string | null;
  image: string | null;
  /** The OS user the server runs as (native), null for docker or when not recorded. */
  server_user: string | null;
  health_message: string;
  /** Its PgBouncer (`pooler start`), only for instances that have one. */
  pooler?: PoolerHealth;
  /** primary or replica (streaming replicas, --replica-of). */
  role?: ReplicationStatus['role'];
  replicas?: string[];
  replication?: ReplicationStatus['replication'];
}

export interface StatusData {
  name: string;
  category: string;
  description: string;
  installed: boolean;
  running: boolean;
  healthy: boolean;
  health_message: string;
  total_instances: number;
  running_instances: number;
  healthy_instances: number;
  port: number | null;
  database: string | null;
  user: string | null;
  connection_string: string | null;
  image: string;
  max_instances: number;
  port_range_start: number;
  port_range_end: number;
  home: string;
  home_source: string;
  default_instance: string;
  instances: InstanceStatus[];
  /** With --verbose: notes on how instances are isolated from each other. */
  notes?: string[];
  /** With --verbose: the home's spares (ready, or being built). */
  spares?: SpareStatus[];
}

const RUNNING_STATES: InstanceStateName[] = ['running', 'starting', 'unhealthy'];

async function describeInstance(
  ctx: Context,
  instance: Instance,
  fast: boolean,
  unknown: Set<string>,
  replicas: Map<string, string[]>,
  known?: EngineState,
): Promise<InstanceStatus> {
  const h = await instanceHealth(ctx, instance, fast, known);
  if (!h.engineState) unknown.add(instance.name);
  const { note, ...repl } = await replicationOf(instance, replicas, h.healthy && !fast);
  return {
    name: instance.name,
    engine: instance.engine,
    state: h.state,
    healthy: h.healthy,
    desired_state: instance.desiredState,
    port: instance.port,
    template: instance.template,
    database: instance.database,
    user: instance.user,
    app_role: appRoleOf(instance),
    version: h.version ?? instance.version ?? null,
    image: instance.engine === 'docker' ? (instance.image ?? null) : null,
    server_user: serverUserOf(instance),
    health_message: note ? `${h.message}; ${note}` : h.message,
    ...repl,
    ...(instance.pooler ? { pooler: await poolerHealth(ctx, instance, fast) } : {}),
  };
}

export async function status(ctx: Context, opts: StatusOptions): Promise<CommandResult<StatusData>> {
  const defaultName = opts.instance ?? ctx.env.RESOURCE_POSTGRES_INSTANCE ?? DEFAULTS.instance;
  validateInstanceName(defaultName);
  const entries = opts.instance
    ? [(await ctx.registry.find(opts.instance)) ?? null].filter((x) => x !== null)
    : await ctx.registry.list();

  // The probes need pg: it loads while the engines are asked (a docker inspect is a round trip).
  if (!opts.fast && entries.length > 0)
    void import('../../postgres/client.js').then(
      (m) => m.loadPg(),
      () => {},
    );
  // Whose server state nobody could learn (damaged instance.conf, engine unreachable): unhealthy,
  // but never counted as running, since nothing says it is.
  const unknown = new Set<string>();
  const known = await prefetchStates(
    ctx,
    entries.filter((e): e is Instance => !('error' in e)),
  );
  const valid = entries.filter((e): e is Instance => !('error' in e));
  const replicas = await replicaMap(ctx, valid, !opts.instance);
  // A probe is a SCRAM login and a server backend each; a --fast check only a TCP connect.
  const instances = await mapLimit(entries, opts.fast ? 32 : 8, async (entry): Promise<InstanceStatus> => {
    if ('error' in entry) {
      unknown.add(entry.name);
      return {
        name: entry.name,
        engine: 'unknown',
        state: 'unhealthy',
        healthy: false,
        desired_state: 'unknown',
        port: null,
        template: null,
        database: null,
        user: null,
        app_role: null,
        version: null,
        image: null,
        server_user: null,
        health_message: entry.error.message,
      };
    }
    return describeInstance(ctx, entry, opts.fast, unknown, replicas, known.get(entry.name));
  });

  const running = instances.filter((i) => RUNNING_STATES.includes(i.state) && !unknown.has(i.name));
  const healthy = instances.filter((i) => i.healthy);
  const failing = instances.filter((i) => !i.healthy && i.desired_state !== 'stopped');
  const isHealthy = running.length > 0 && failing.length === 0;

  const main =
    entries.find((e): e is Instance => !('error' in e) && e.name === defaultName) ??
    entries.find((e): e is Instance => !('error' in e));
  let health_message: string;
  if (instances.length === 0)
    health_message = `not installed: no instances in ${ctx.home.dir}; run: resource-postgres manage start`;
  else if (isHealthy) health_message = `${healthy.length} of ${instances.length} instance(s) healthy`;
  else if (failing.length === 0)
    health_message = `not running: ${instances.length} instance(s), none running; run: resource-postgres manage start`;
  else health_message = failing.map((i) => `${i.name}: ${i.health_message}`).join('; ');

  const data: StatusData = {
    name: DEFAULTS.resourceName,
    category: DEFAULTS.category,
    description: 'PostgreSQL instances on Docker or native binaries',
    installed: instances.length > 0,
    running: running.length > 0,
    healthy: isHealthy,
    health_message,
    total_instances: instances.length,
    running_instances: running.length,
    healthy_instances: healthy.length,
    port: main?.port ?? null,
    database: main?.database ?? null,
    user: main?.user ?? null,
    connection_string: main ? connectionUrl(connectionView(main, false), { withPassword: false }) : null,
    image: main?.image ?? ctx.env.RESOURCE_POSTGRES_IMAGE ?? DEFAULTS.image,
    max_instances: MAX_INSTANCES,
    port_range_start: PORT_RANGE.start,
    port_range_end: PORT_RANGE.end,
    home: ctx.home.dir,
    home_source: ctx.home.source,
    default_instance: defaultName,
    instances,
    ...(opts.verbose ? { notes: isolationNotes(entries.filter((e): e is Instance => !('error' in e))) } : {}),
    ...(opts.verbose ? { spares: await sparesStatus(ctx) } : {}),
  };
  // 2 only when nothing is meant to run (none installed, or all stopped on purpose); an
  // instance that should run but died, vanished or cannot be checked is a failure: 1.
  const exitCode = isHealthy ? 0 : failing.length > 0 ? 1 : 2;
  return result('status', data, exitCode);
}
