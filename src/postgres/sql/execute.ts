import type { QueryArrayResult } from 'pg';
import { CliError } from '../../core/errors.js';
import { copyIn, copyOut } from './copy.js';
import { statementError } from '../errors.js';
import type { Session } from '../session.js';
import type { SqlItem } from './splitter.js';
import { type SqlSource, sqlItems } from './stream.js';

/** What running a script produces, in order; consumers render as they go. */
export type ExecEvent = { type: 'result'; result: StatementResult } | { type: 'copy-out'; data: string };

export interface StatementResult {
  /** Full command tag: "SELECT 2", "CREATE TABLE", "INSERT 0 1". */
  tag: string;
  /** The tag without its counts: "SELECT", "CREATE TABLE", "INSERT". */
  command: string;
  rowCount: number | null;
  /** Present when the statement returns rows (even zero of them). */
  fields?: Array<{ name: string; dataTypeID: number }>;
  /** Values as the server's text output; null is SQL NULL. */
  rows: Array<Array<string | null>>;
  line: number;
}

/** Every value as the server printed it: psql-exact text, lossless numbers, no Date guessing. */
const RAW_TYPES = { getTypeParser: () => (value: string) => value };

/** psql prints these for its own use; they do not matter when SQL is run without psql. */
const IGNORED_META = /^\\(restrict|unrestrict)\b/;

/**
 * Runs a script one statement at a time, like `psql -v ON_ERROR_STOP=1 -f`: each statement
 * autocommits unless the script opens a transaction; the first error stops the run and is
 * reported with its file and line. Statements are pulled from the source only as fast as the
 * server takes them, so memory stays at one statement (COPY data streams through).
 */
export async function* runScript(session: Session, source: SqlSource): AsyncGenerator<ExecEvent, number> {
  const items = sqlItems(source)[Symbol.asyncIterator]();
  let count = 0;
  for (;;) {
    session.checkInterrupted();
    const next = await items.next();
    if (next.done) return count;
    const item = next.value;
    if (item.kind === 'meta') {
      if (IGNORED_META.test(item.text)) continue;
      throw new CliError(
        'usage',
        `${source.name}:${item.line}: psql meta-command ${item.text.split(/\s/)[0]} is not supported`,
        {
          hint: 'only SQL is sent to the server; remove the line (use COPY ... FROM stdin instead of \\copy), or run the file with psql',
        },
      );
    }
    if (item.kind !== 'statement') continue; // stray COPY data after a failed COPY never reaches here: errors stop the run
    count++;
    const at = { source: source.name, statement: item.text, line: item.line, dataLine: item.dataLine };
    try {
      if (item.copy === 'in') {
        const rowCount = await copyIn(session.client, item.text, copyData(items));
        yield {
          type: 'result',
          result: { tag: `COPY ${rowCount}`, command: 'COPY', rowCount, rows: [], line: item.line },
        };
      } else if (item.copy === 'out') {
        let rowCount = 0;
        for await (const chunk of copyOut(session.client, item.text, (n) => {
          rowCount = n;
        }))
          yield { type: 'copy-out', data: chunk };
        yield {
          type: 'result',
          result: { tag: `COPY ${rowCount}`, command: 'COPY', rowCount, rows: [], line: item.line },
        };
      } else {
        const res = (await session.client.query({ text: item.text, rowMode: 'array', types: RAW_TYPES })) as
          QueryArrayResult | QueryArrayResult[];
        // A statement the splitter could not separate still returns one result per part.
        for (const r of Array.isArray(res) ? res : [res]) {
          if (r.command === null) continue; // only comments
          yield { type: 'result', result: toResult(r, session.lastTag(), item.line) };
        }
      }
    } catch (e) {
      session.checkInterrupted();
      throw statementError(e, at);
    }
  }
}

/** The COPY data items that follow a COPY ... FROM stdin statement, up to its `\.`. */
async function* copyData(items: AsyncIterator<SqlItem>): AsyncGenerator<string> {
  for (;;) {
    const next = await items.next();
    if (next.done || next.value.kind === 'copy-end') return;
    if (next.value.kind === 'copy-data') yield next.value.data;
  }
}

function toResult(r: QueryArrayResult, tag: string | undefined, line: number): StatementResult {
  const fields = r.fields.length ? r.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID })) : undefined;
  const full = tag ?? [r.command, r.rowCount].filter((x) => x !== null && x !== '').join(' ');
  return {
    tag: full,
    // "CREATE TABLE" rather than pg's first word; counts stripped ("INSERT 0 3" -> INSERT).
    command: full.replace(/(?: \d+)+$/, ''),
    rowCount: r.rowCount,
    ...(fields ? { fields } : {}),
    rows: r.rows as Array<Array<string | null>>,
    line,
  };
}
