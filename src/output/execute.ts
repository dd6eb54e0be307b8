import type { ExecEvent, ExecuteStream, StatementResult } from '../commands/content/execute.js';
import type { ContentFormat } from '../commands/content/options.js';
import { alignedTable, csvLines, jsonRows } from './rows.js';

/**
 * `content execute` output, line by line as the statements run: psql-aligned tables and
 * command tags, CSV rows, or one JSON document at the end.
 */
export async function* executeLines(d: ExecuteStream): AsyncGenerator<string> {
  const render = renderer(d.format, d.quiet, { instance: d.instance, database: d.database });
  let step = await d.events.next();
  while (!step.done) {
    yield* render.event(step.value);
    step = await d.events.next();
  }
  yield* render.end(step.value);
}

interface Renderer {
  event(e: ExecEvent): Iterable<string>;
  end(statements: number): Iterable<string>;
}

function renderer(format: ContentFormat, quiet: boolean, where: { instance: string; database: string }): Renderer {
  if (format === 'csv') {
    return {
      *event(e) {
        if (e.type === 'copy-out' || e.type === 'echo') yield e.data.replace(/\n$/, '');
        else if (e.type === 'result' && e.result.fields)
          yield* csvLines({ fields: e.result.fields, rows: e.result.rows });
      },
      end: () => [],
    };
  }
  if (format === 'json') {
    // Rows are data and are kept; other statements are tallied, so a script of a million
    // INSERTs still ends in a small document.
    const results: unknown[] = [];
    const tally = new Map<string, { command: string; statements: number; rows: number }>();
    let copyOut = '';
    // Nothing is printed until the end: event() collects and returns no lines.
    return {
      event(e) {
        if (e.type === 'copy-out') {
          copyOut += e.data;
          return [];
        }
        if (e.type !== 'result') return []; // \echo text and \connect notes are for people
        const r: StatementResult = e.result;
        if (r.fields) {
          results.push({
            line: r.line,
            command: r.command,
            row_count: r.rowCount ?? r.rows.length,
            columns: r.fields.map((f) => ({ name: f.name, type_oid: f.dataTypeID })),
            rows: jsonRows({ fields: r.fields, rows: r.rows }),
          });
          return [];
        }
        const t = tally.get(r.command) ?? { command: r.command, statements: 0, rows: 0 };
        t.statements++;
        t.rows += r.rowCount ?? 0;
        tally.set(r.command, t);
        return [];
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
      if (e.type === 'copy-out' || e.type === 'echo') yield e.data.replace(/\n$/, '');
      else if (e.type === 'connected') {
        if (!quiet) yield `You are now connected to database "${e.database}" as user "${e.user}".`;
      } else if (e.type === 'result') {
        if (e.result.fields) yield* alignedTable({ fields: e.result.fields, rows: e.result.rows });
        // psql prints no tag after COPY ... TO STDOUT: the rows were the output.
        else if (!quiet && !e.result.copyOut) yield e.result.tag;
      }
      // 'error' events (ON_ERROR_STOP off) go to stderr through the command, never to stdout.
    },
    end: () => [],
  };
}
