import type { Context } from '../../context.js';
import { usageError } from '../../core/errors.js';
import { type ExecEvent, runScript } from '../../postgres/sql/execute.js';
import { sqlItems } from '../../postgres/sql/reader.js';
import { fileSource, type SqlSource, stdinSource, textSource } from '../../postgres/sql/stream.js';
import type { ContentFormat, OptionsOf } from './options.js';
import { connect, contentTarget, reportPassedError, scriptOptions } from './session.js';
import { stdinWithSql } from './stdin-sql.js';
import { withExtensionHint } from './extension-hint.js';
import type { CommandResult } from '../result.js';

export type { ExecEvent, StatementResult } from '../../postgres/sql/execute.js';

/** What `content execute` hands to output/: results as the server sends them, rendered as they come. */
export interface ExecuteStream {
  instance: string;
  database: string;
  format: ContentFormat;
  quiet: boolean;
  /** One event per statement result or COPY chunk; returns the number of statements run. */
  events: AsyncGenerator<ExecEvent, number>;
}

/**
 * `content execute`: SQL from an argument, --sql, --file or stdin, run statement by statement
 * and printed as it runs (psql-aligned, CSV, or one JSON document at the end). The result is
 * an event stream, so a large script's output never piles up in memory either.
 */
export async function execute(
  ctx: Context,
  opts: OptionsOf<'execute'>,
  signal?: AbortSignal,
): Promise<CommandResult<ExecuteStream | null>> {
  const { instance, database } = await contentTarget(ctx, opts.instance, opts.database);
  const source = await pickSource(ctx, opts);
  if (opts.dryRun)
    return {
      kind: 'content-execute',
      exitCode: 0,
      data: null,
      lines: dryRun(source, opts.format, `database ${database} of instance ${instance.name}`, opts.encoding),
    };
  // Connect before answering, so a refused connection is an error rather than an empty stream.
  const session = await connect(ctx, instance, database, signal);
  async function* events(): AsyncGenerator<ExecEvent, number> {
    try {
      // Quiet text and CSV print no command tags: results without rows need not come up at all.
      const results = opts.format === 'csv' || (opts.format === 'text' && opts.quiet) ? 'rows' : 'all';
      const run = runScript(session, source, { ...scriptOptions(ctx, opts.encoding), results });
      let step = await run.next();
      for (; !step.done; step = await run.next()) {
        if (step.value.type === 'error') reportPassedError(ctx, step.value);
        else yield step.value;
      }
      return step.value;
    } catch (e) {
      throw withExtensionHint(e, instance.name);
    } finally {
      await session.close();
    }
  }
  const data: ExecuteStream = {
    instance: instance.name,
    database,
    format: opts.format,
    quiet: opts.quiet,
    events: events(),
  };
  return { kind: 'content-execute', exitCode: 0, data };
}

async function pickSource(ctx: Context, opts: OptionsOf<'execute'>): Promise<SqlSource> {
  if (opts.file !== undefined) return fileSource(opts.file);
  if (opts.sql !== undefined) return textSource(opts.sql, '<argument>');
  // Nothing to run is a caller's mistake, not a success: say how to pass SQL.
  const stdin = ctx.io.stdinIsTTY ? undefined : await stdinWithSql(ctx.io.stdin);
  if (!stdin) {
    throw usageError(
      `no SQL given: no argument, no --sql, no --file, and standard input ${ctx.io.stdinIsTTY ? 'is a terminal' : 'is empty'}`,
      'pass it as an argument (content execute "SELECT 1"), with --sql "SELECT 1" or --file script.sql, or pipe it: echo "SELECT 1" | resource-postgres content execute',
    );
  }
  return stdinSource(stdin);
}

/** --dry-run: split the SQL and say what would be sent; nothing is. */
async function* dryRun(
  source: SqlSource,
  format: ContentFormat,
  where: string,
  encoding?: string,
): AsyncGenerator<string> {
  let n = 0;
  for await (const item of sqlItems(source, encoding)) {
    if (item.kind !== 'statement') continue;
    n++;
    if (format === 'text') yield `line ${item.line}: ${firstLine(item.text)}`;
  }
  if (format === 'json') yield JSON.stringify({ dry_run: true, source: source.name, statements: n }, null, 2);
  else
    yield `would run ${n} statement${n === 1 ? '' : 's'} from ${source.name} on ${where} (dry run: nothing was sent)`;
}

function firstLine(text: string): string {
  const line = text.split('\n', 1)[0]!;
  return line.length > 100 || text.includes('\n') ? `${line.slice(0, 100)} ...` : line;
}
