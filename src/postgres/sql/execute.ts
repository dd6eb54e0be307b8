import { CliError } from '../../core/errors.js';
import { statementError } from '../errors.js';
import type { Session } from '../session.js';
import { StatementExec, type StatementResult, toResult } from './exec-statement.js';
import { interpretMeta } from './meta.js';
import { ScriptReader } from './reader.js';
import { ScriptRun, type ScriptOptions } from './script-run.js';
import type { SqlItem } from './splitter.js';
import type { StatementRun } from './statement.js';
import { fileSource, type SqlSource } from './stream.js';

export type { StatementResult } from './exec-statement.js';
export type { ScriptOptions } from './script-run.js';

/** What running a script produces, in order; consumers render as they go. */
export type ExecEvent =
  | { type: 'result'; result: StatementResult }
  | { type: 'copy-out'; data: string }
  /** \echo text (with its newline, unless \echo -n). */
  | { type: 'echo'; data: string }
  | { type: 'connected'; database: string; user: string }
  /** A statement failed while the script had ON_ERROR_STOP off: the run goes on. */
  | { type: 'error'; error: CliError };

/** \i inside \i inside ...: a file that includes itself would never end. */
const MAX_INCLUDE_DEPTH = 16;

/**
 * Runs a script one statement at a time, like `psql -X -v ON_ERROR_STOP=1 -f`: each
 * statement autocommits unless the script opens a transaction; the first error stops the
 * run and is reported with its file and line (unless the script turns ON_ERROR_STOP off:
 * then each error is an event and the run ends in an error that counts them). Statements
 * are pulled from the source only as fast as the server takes them, so memory stays at
 * one statement (COPY data streams through). Returns the number of statements run.
 */
export async function* runScript(
  session: Session,
  source: SqlSource,
  opts: ScriptOptions = {},
): AsyncGenerator<ExecEvent, number> {
  const run = await ScriptRun.start(session, opts);
  const count = yield* runSource(run, source, 0);
  if (run.failures.length) throw run.failureSummary(source.name);
  return count;
}

async function* runSource(run: ScriptRun, source: SqlSource, depth: number): AsyncGenerator<ExecEvent, number> {
  const reader = new ScriptReader(source, run.encoding.current);
  let count = 0;
  for (;;) {
    run.session.checkInterrupted();
    run.prepare(reader);
    const item = await reader.next();
    if (!item) return count;
    if (item.kind === 'meta') count += yield* runMeta(run, reader, item, depth);
    else if (item.kind === 'statement') {
      count++;
      // Inline rather than a generator of its own: this runs once per statement, between the
      // server's answer and the next send, and a script of small INSERTs feels every step here.
      let dataLine: number | undefined;
      const copyIn = () => {
        dataLine = reader.beginCopyData();
        return reader.copyData();
      };
      const statement = new StatementExec(run.session, item.text, copyIn);
      const first = await statement.output();
      if (first !== undefined) yield* copyOutput(statement, first);
      const events = outcomeEvents(run, reader, item, statement.run!, dataLine);
      if (events.skipCopyData) {
        // The server answered with an error, not CopyInResponse: the data lines that follow
        // are still data, skipped up to their `\.`, never read as SQL.
        reader.beginCopyData();
        for await (const _ of reader.copyData());
      }
      for (const e of events.list) yield e;
      if (run.encodingReported()) await run.afterStatement(reader, `${reader.source.name}:${item.line}`);
    }
    // COPY data outside a COPY cannot come: the reader is put in COPY mode only for one.
  }
}

/** COPY ... TO STDOUT: its output as it arrives, after the first piece. */
async function* copyOutput(statement: StatementExec, first: string): AsyncGenerator<ExecEvent> {
  try {
    for (let out: string | undefined = first; out !== undefined; out = await statement.output())
      yield { type: 'copy-out', data: out };
  } finally {
    statement.release();
  }
}

/** What a finished statement adds to the run: its results, or the error (thrown when the run stops on it). */
function outcomeEvents(
  run: ScriptRun,
  reader: ScriptReader,
  item: Extract<SqlItem, { kind: 'statement' }>,
  outcome: StatementRun,
  dataLine: number | undefined,
): { list: ExecEvent[]; skipCopyData: boolean } {
  if (outcome.readError) throw outcome.readError;
  if (!outcome.error) {
    const list: ExecEvent[] = [];
    for (const r of outcome.results)
      if (run.reports(!!r.fields))
        list.push({ type: 'result', result: toResult(r, item.line, outcome.copy === 'out') });
    return { list, skipCopyData: false };
  }
  run.session.checkInterrupted();
  const error = statementError(outcome.error, {
    source: reader.source.name,
    statement: item.text,
    line: item.line,
    dataLine,
  });
  if (!(error.cause as { severity?: string } | undefined)?.severity || run.stopOnError()) throw error;
  run.failures.push(error.message);
  return { list: [{ type: 'error', error }], skipCopyData: !outcome.copy && item.copyHint === 'in' };
}

async function* runMeta(
  run: ScriptRun,
  reader: ScriptReader,
  item: Extract<SqlItem, { kind: 'meta' }>,
  depth: number,
): AsyncGenerator<ExecEvent, number> {
  const at = `${reader.source.name}:${item.line}`;
  if (item.statementLine !== undefined) {
    const name = item.text.split(/\s/, 1)[0];
    throw new CliError(
      'usage',
      `${at}: psql meta-command ${name} inside the statement that starts at line ${item.statementLine}; that statement was not sent`,
      {
        hint: 'end the statement with ; before a meta-command (\\g, \\gset, \\; and the like need psql: run the file with psql)',
      },
    );
  }
  const action = interpretMeta(item.text, run.meta, { at, dir: reader.source.dir ?? process.cwd() });
  switch (action.kind) {
    case 'echo':
      yield { type: 'echo', data: action.text };
      return 0;
    case 'connect':
      yield await run.connect(action.database, at);
      return 0;
    case 'encoding':
      if (action.name === undefined) yield { type: 'echo', data: `${run.encoding.current}\n` };
      else await run.setEncoding(action.name, reader, at);
      return 0;
    case 'include':
      if (depth >= MAX_INCLUDE_DEPTH)
        throw new CliError('usage', `${at}: \\i nested more than ${MAX_INCLUDE_DEPTH} deep`, {
          hint: 'a file that includes itself never ends',
        });
      return yield* runSource(run, await fileSource(action.path), depth + 1);
    default:
      return 0;
  }
}
