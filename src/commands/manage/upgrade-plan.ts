import type { Context } from '../../context.js';
import { CliError, describeError } from '../../core/errors.js';
import type { Instance } from '../../core/instance.js';
import type { Engine } from '../../engines/engine.js';
import { withClient } from '../../postgres/client.js';
import { formatBytes } from '../backup/progress.js';
import { result } from '../result.js';
import { recordedMajor } from './upgrade-check.js';

export interface UpgradeOptions {
  instance: string;
  /** The major to upgrade to (--pg-version). */
  pgVersion: number;
  /** docker: the new major's image (default postgres:<major>-alpine). */
  image?: string;
  dryRun: boolean;
  timeoutSec?: number;
}

export interface UpgradeData {
  instance: string;
  engine: string;
  from: number | null;
  to: number;
  dry_run: boolean;
  databases: Array<{ name: string; bytes: number | null; tables: number }>;
  /** Roles that move with the data (login roles and groups; not the server's predefined pg_* roles). */
  roles: string[];
  /** What runs the new major: binaries or image, and where its data goes. */
  server: string;
  /** The client programs that dump and restore. */
  clients: string;
  /** Where the old data stays after the upgrade. */
  old_data?: string;
  tables_checked?: number;
  duration_ms: number;
  message: string;
}

/** Engines without the upgrade capability say so before anything happens. */
export function requireUpgradable(engine: Engine): void {
  if (!engine.upgradeTarget || !engine.upgradedInstance || !engine.peerEnv || !engine.runClient)
    throw new CliError('engine', `the ${engine.name} engine cannot upgrade instances`, {
      hint: 'use the docker or native engine',
    });
}

interface Contents {
  databases: UpgradeData['databases'];
  roles: string[];
  major: number;
}

/** What the running server holds, read as its superuser; nothing is changed. */
async function contents(instance: Instance): Promise<Contents> {
  return withClient(instance, { database: 'postgres', timeoutMs: 15_000 }, async (c) => {
    const dbs = await c.query<{ name: string; bytes: string }>(
      `SELECT datname AS name, pg_database_size(datname)::text AS bytes
         FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY datname`,
    );
    const roles = await c.query<{ rolname: string }>(
      "SELECT rolname FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY rolname",
    );
    const num = await c.query<{ n: string }>("SELECT current_setting('server_version_num') AS n");
    return {
      databases: dbs.rows.map((d) => ({ name: d.name, bytes: Number(d.bytes), tables: 0 })),
      roles: roles.rows.map((r) => r.rolname),
      major: Math.floor(Number(num.rows[0]!.n) / 10000),
    };
  });
}

/** --dry-run: the databases, roles, new server and client programs an upgrade would use; changes nothing. */
export async function planUpgrade(ctx: Context, engine: Engine, instance: Instance, opts: UpgradeOptions) {
  const running = (await engine.inspect(instance)).state === 'running' && (await ctx.probe(instance)).ok;
  const held: Contents | undefined = running ? await contents(instance).catch(() => undefined) : undefined;
  const from = held?.major ?? recordedMajor(instance) ?? null;
  // Port 0: the plan names no port; the real run claims a free one.
  const target = engine.upgradeTarget!(instance, opts.pgVersion, { port: 0, image: opts.image });
  const server = (await engine.describeUpgradeTarget?.(target)) ?? { server: 'unknown', ready: false };
  const clients = await clientsLine(engine, target, opts.pgVersion);
  const databases = held?.databases ?? [];
  const lines = [
    `would upgrade instance ${instance.name} (${instance.engine}, port ${instance.port}) from PostgreSQL ${from ?? '?'} to ${opts.pgVersion}`,
    running
      ? `  databases: ${databases.map((d) => `${d.name} (${formatBytes(d.bytes ?? 0)})`).join(', ')}`
      : `  databases: not listed: the instance is not running (the upgrade starts it to read them, then stops it again)`,
    ...(held ? [`  roles: ${held.roles.join(', ')}`] : []),
    `  new server: ${server.server}`,
    `  client programs: ${clients}`,
    `  method: roles with pg_dumpall --globals-only, each database with pg_dump -Fc | pg_restore, exact row counts compared per table; the old data is kept`,
  ];
  return result<UpgradeData>('manage-upgrade', {
    instance: instance.name,
    engine: instance.engine,
    from,
    to: opts.pgVersion,
    dry_run: true,
    databases,
    roles: held?.roles ?? [],
    server: server.server,
    clients,
    duration_ms: 0,
    message: lines.join('\n'),
  });
}

/** Native: the host's client programs of the new major, found now; docker: the new image's own. */
async function clientsLine(engine: Engine, target: Instance, major: number): Promise<string> {
  if (engine.name === 'docker') return `pg_dump, pg_restore, psql inside image ${target.image}`;
  try {
    const check = await engine.clientTools!(target, major);
    return check.ok ? `pg_dump ${check.version} in ${check.where}` : `NOT FOUND: ${check.reason} (${check.hint})`;
  } catch (e) {
    return `NOT FOUND: ${describeError(e)}`;
  }
}
