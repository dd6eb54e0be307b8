import type { Client, QueryArrayConfig } from 'pg';
import { CliError } from '../core/errors.js';
import { statementError } from './errors.js';

/** What the web console's SQL box shows: column names and rows, every value as PostgreSQL's text. */
export interface ConsoleResult {
  command: string;
  columns: string[];
  rows: Array<Array<string | null>>;
  /** Rows the statement returned or touched (the command tag's count). */
  row_count: number | null;
  /** More rows came back than are kept; rows holds the first maxRows. */
  truncated: boolean;
  read_only: boolean;
}

export interface ConsoleQueryOptions {
  readOnly: boolean;
  maxRows: number;
  timeoutMs: number;
}

/** Every value as the server's text (dates, json, bytea alike): the page shows text, never objects. */
const asText = { getTypeParser: () => (value: string) => value };

/**
 * Runs ONE statement from the console. The extended query protocol refuses a second statement,
 * so `COMMIT; DELETE ...` cannot end the read-only transaction and go on writing. Read-only:
 * inside BEGIN READ ONLY, always rolled back (a lone COMMIT ends a transaction that wrote
 * nothing; a DO block cannot commit inside a transaction block). Writes: autocommit, as psql.
 */
export async function runConsoleStatement(
  client: Client,
  sql: string,
  opts: ConsoleQueryOptions,
): Promise<ConsoleResult> {
  if (sql.trim() === '') throw new CliError('usage', 'no SQL given', { hint: 'type a statement, e.g. SELECT 1' });
  await client.query(`SET statement_timeout = ${Math.max(1, Math.floor(opts.timeoutMs))}`);
  if (opts.readOnly) await client.query('BEGIN TRANSACTION READ ONLY');
  try {
    // queryMode is pg's (8.11+), missing from its type definitions.
    const config: QueryArrayConfig & { queryMode: 'extended' } = {
      text: sql,
      rowMode: 'array',
      queryMode: 'extended',
      types: asText,
    };
    const res = await client.query(config);
    const rows = (res.rows ?? []) as Array<Array<string | null>>;
    return {
      command: res.command ?? '',
      columns: (res.fields ?? []).map((f) => f.name),
      rows: rows.slice(0, opts.maxRows),
      row_count: typeof res.rowCount === 'number' ? res.rowCount : null,
      truncated: rows.length > opts.maxRows,
      read_only: opts.readOnly,
    };
  } catch (e) {
    throw consoleError(e, sql, opts.readOnly);
  } finally {
    if (opts.readOnly) await client.query('ROLLBACK').catch(() => {});
  }
}

function consoleError(e: unknown, sql: string, readOnly: boolean): CliError {
  const code = (e as { code?: string }).code;
  const err = statementError(e, { source: 'console', statement: sql, line: 1 });
  if (code === '25006' && readOnly) {
    return new CliError('refused', err.message, {
      details: err.details,
      hint: 'the console is read-only by default: tick "allow writes" to change data',
      cause: e,
    });
  }
  if (code === '42601' && /multiple commands/.test(String((e as Error).message))) {
    return new CliError('usage', 'the console runs one statement at a time', {
      hint: 'run the statements one by one, or the whole script with: resource-postgres content execute --file FILE',
      cause: e,
    });
  }
  return err;
}
