import type { Context } from '../context.js';
import { DEFAULTS } from '../core/defaults.js';
import { CliError } from '../core/errors.js';

/**
 * What the console can do, each through the same command function the CLI runs (same
 * locks, same checks, same messages). The routes see only this interface, so their tests
 * use a fake and no server.
 */
export type Lifecycle = 'start' | 'stop' | 'restart';

export interface QueryInput {
  database?: string;
  sql: string;
  allowWrites: boolean;
}

export interface ConnectionInfo {
  instance: string;
  url: string;
  host: string;
  port: number;
  database: string;
  user: string;
  /** Only from reveal(): the password itself. */
  password?: string;
}

export interface Actions {
  status(): Promise<unknown>;
  lifecycle(instance: string, action: Lifecycle): Promise<unknown>;
  logs(instance: string, tail: number): Promise<{ lines: string[] }>;
  databases(instance: string): Promise<unknown>;
  query(instance: string, input: QueryInput): Promise<unknown>;
  connection(instance: string, reveal: boolean): Promise<ConnectionInfo>;
}

export const MAX_ROWS = 1000;
export const QUERY_TIMEOUT_MS = 30_000;

export function commandActions(ctx: Context, signal: AbortSignal): Actions {
  return {
    async status() {
      const { status } = await import('../commands/status/index.js');
      return (await status(ctx, { fast: false })).data;
    },
    async lifecycle(instance, action) {
      // The console acts on instances that exist; `manage start` would create a missing one.
      await ctx.registry.get(instance);
      const m = await import('../commands/manage/index.js');
      const sel = { instance, all: false };
      if (action === 'stop')
        return (await m.stop(ctx, { ...sel, force: false, timeoutSec: DEFAULTS.stopTimeoutSec, dryRun: false })).data;
      if (action === 'restart') return (await m.restart(ctx, { ...sel, dryRun: false })).data;
      return (await m.start(ctx, { ...sel, engine: 'auto', wait: true, force: false, dryRun: false })).data;
    },
    async logs(instance, tail) {
      const { logs } = await import('../commands/logs.js');
      const res = await logs(ctx, { instance, tail, follow: false }, signal);
      const lines: string[] = [];
      for await (const line of res.lines ?? []) lines.push(line);
      return { lines };
    },
    async databases(instance) {
      const { list } = await import('../commands/content/databases.js');
      return (await list(ctx, { action: 'list', instance, format: 'json', quiet: true }, signal)).data;
    },
    async query(instance, input) {
      const { query } = await import('../commands/query.js');
      const opts = { instance, ...input, maxRows: MAX_ROWS, timeoutMs: QUERY_TIMEOUT_MS };
      return (await query(ctx, opts, signal)).data;
    },
    async connection(instance, reveal) {
      const { credentials } = await import('../commands/credentials.js');
      const res = await credentials(ctx, { instance, all: false, showSecrets: reveal });
      const c = 'connections' in res.data ? res.data.connections[0] : undefined;
      if (!c) throw new CliError('not-found', `no instance ${instance} in ${ctx.home.dir}`);
      return {
        instance,
        url: c.metadata.url,
        host: c.connection.host,
        port: c.connection.port,
        database: c.connection.database,
        user: c.auth.username,
        ...(reveal ? { password: c.auth.password } : {}),
      };
    },
  };
}
