import type { Context } from '../../context.js';
import { usageError } from '../../core/errors.js';
import { alignedTable, csvLines, jsonRows } from '../../output/rows.js';
import { type ExecEvent, runScript, type StatementResult } from '../../postgres/sql/execute.js';
import { fileSource, type SqlSource, sqlItems, stdinSource, textSource } from '../../postgres/sql/stream.js';
import type { ContentFormat, OptionsOf } from './options.js';
import { connect, contentTarget } from './session.js';
import type { CommandResult } from '../result.js';

/**
 * `content execute`: SQL from an argument, --sql, --file or stdin, run statement by statement
 * and printed as it runs (psql-aligned, CSV, or one JSON document at the end). The result is
 * a line stream, so a large script's output never piles up in memory either.
 */
export async function execute(
  ctx: Context,
  opts: OptionsOf<'execute'>,
  signal?: AbortSignal,
): Promise<CommandResult<null>> {
  const { instance, database } = await contentTarget(ctx, opts.instance, opts.database);
  const source = await pickSource(ctx, opts);
  if (opts.dryRun)
    return {
      kind: 'content-execute',
      exitCode: 0,
      data: null,
      lines: dryRun(source, opts.format, `database ${database} of instance ${instance.name}`),
    };
  // Connect before answering, so a refused connection is an error rather than an empty stream.
  const session = await connect(ctx, instance, database, signal);
  async function* lines(): AsyncGenerator<string> {
    try {
      const render = renderer(opts.format, opts.quiet, { instance: instance.name, database });
      const run = runScript(session, source);
      let step = await run.next();
      while (!step.done) {
        yield* render.event(step.value);
        step = await run.next();
      }
      yield* render.end(step.value);
    } finally {
      await session.close();
    }
  }
  return { kind: 'content-execute', exitCode: 0, data: null, lines: lines() };
}

async function pickSource(ctx: Context, opts: OptionsOf<'execute'>): Promise<SqlSource> {
  if (opts.file !== undefined) return fileSource(opts.file);
  if (opts.sql !== undefined) return textSource(opts.sql, '<argument>');
  if (ctx.io.stdinIsTTY) {
    throw usageError(
      'no SQL given',
      'pass it as an argument ("SELECT 1"), with --sql or --file, or pipe it on standard input',
    );
  }
  return stdinSource(ctx.io.stdin);
}

interface Renderer {
  event(e: ExecEvent): Iterable<string>;
  end(statements: number): Iterable<string>;
}

function renderer(format: ContentFormat, quiet: boolean, where: { instance: string; database: string }): Renderer {
  if (format === 'csv') {
    return {
      *event(e) {
        if (e.type === 'copy-out') yield e.data.replace(/\n$/, '');
        else if (e.result.fields) yield* csvLines({ fields: e.result.fields, rows: e.result.rows });
      },
      *end() {},
    };
  }
  if (format === 'json') {
    // Rows are data and are kept; other statements are tallied, so a script of a million
    // INSERTs still ends in a small document.
    const results: unknown[] = [];
    const tally = new Map<string, { command: string; statements: number; rows: number }>();
    let copyOut = '';
    return {
      *event(e) {
        if (e.type === 'copy-out') {
          copyOut += e.data;
          return;
        }
        const r: StatementResult = e.result;
        if (r.fields) {
          results.push({
            line: r.line,
            command: r.command,
            row_count: r.rowCount ?? r.rows.length,
            columns: r.fields.map((f) => ({ name: f.name, type_oid: f.dataTypeID })),
            rows: jsonRows({ fields: r.fields, rows: r.rows }),
          });
          return;
        }
        const t = tally.get(r.command) ?? { command: r.command, statements: 0, rows: 0 };
        t.statements++;
        t.rows += r.rowCount ?? 0;
        tally.set(r.command, t);
      },
      *end(statements) {
        yield JSON.stringify(
          {
            ...where,
            statements,
            results,
            commands: [...tally.values()],
            ...(copyOut ? { copy_output: copyOut } : {}),
          },
          null,
          2,
        );
      },
    };
  }
  return {
    *event(e) {
      if (e.type === 'copy-out') {
        yield e.data.replace(/\n$/, '');
        return;
      }
      if (e.result.fields) yield* alignedTable({ fields: e.result.fields, rows: e.result.rows });
      else if (!quiet) yield e.result.tag;
    },
    *end() {},
  };
}

/** --dry-run: split the SQL and say what would be sent; nothing is. */
async function* dryRun(source: SqlSource, format: ContentFormat, where: string): AsyncGenerator<string> {
  let n = 0;
  for await (const item of sqlItems(source)) {
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
