import type { Context } from '../context.js';
import { type ConsoleResult, runConsoleStatement } from '../postgres/console-query.js';
import { connect, contentTarget } from './content/session.js';
import { type CommandResult, result } from './result.js';

/** The web console's SQL box: one statement, read-only unless writes are allowed explicitly. */
export interface QueryOptions {
  instance: string;
  /** Undefined: the instance's default database. */
  database?: string;
  sql: string;
  allowWrites: boolean;
  /** Rows kept for display; the rest are counted, not shown. */
  maxRows: number;
  timeoutMs: number;
}

export type QueryData = ConsoleResult & { instance: string; database: string };

/** Runs as the application's role, like `content execute`: the console reaches what applications reach. */
export async function query(ctx: Context, opts: QueryOptions, signal?: AbortSignal): Promise<CommandResult<QueryData>> {
  const { instance, database } = await contentTarget(ctx, opts.instance, opts.database);
  const session = await connect(ctx, instance, database, signal);
  try {
    const res = await runConsoleStatement(session.client, opts.sql, {
      readOnly: !opts.allowWrites,
      maxRows: opts.maxRows,
      timeoutMs: opts.timeoutMs,
    });
    return result('query', { instance: instance.name, database, ...res });
  } finally {
    await session.close();
  }
}
