import type { Session } from '../session.js';
import { type RawResult, ScriptStatement, type StatementRun } from './statement.js';

/** Above this much unread COPY output, the socket is paused until the consumer catches up. */
const HIGH_WATER = 1 << 20;

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
  /** COPY ... TO STDOUT: its rows were the output, and psql prints no tag after them. */
  copyOut?: boolean;
}

/**
 * Sends one statement and yields COPY output as it arrives (text, in pieces that end on a
 * row); returns what the server answered. COPY data for a CopyInResponse comes from
 * `copyIn`, which is asked only when the server wants it.
 */
export async function* execStatement(
  session: Session,
  text: string,
  copyIn: () => AsyncIterable<string>,
): AsyncGenerator<string, StatementRun> {
  const queue: Buffer[] = [];
  let queued = 0;
  let wake: (() => void) | undefined;
  const statement: ScriptStatement = new ScriptStatement(text, {
    copyIn,
    copyOut(chunk) {
      queue.push(chunk);
      queued += chunk.length;
      if (queued > HIGH_WATER) statement.pause();
      wake?.();
    },
    stopped: () => {
      try {
        session.checkInterrupted();
        return false;
      } catch {
        return true;
      }
    },
  });
  let run: StatementRun | undefined;
  void statement.done.then((r) => {
    run = r;
    wake?.();
  });
  session.client.query(statement);
  // The connection speaks UTF-8; a row may still end mid-character between messages only in binary COPY.
  const utf8 = new TextDecoder();
  try {
    for (;;) {
      if (queue.length) {
        const chunks = queue.splice(0);
        queued = 0;
        statement.resume();
        const out = utf8.decode(Buffer.concat(chunks), { stream: true });
        if (out) yield out;
        continue;
      }
      if (run) break;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  } finally {
    statement.resume(); // a consumer that stops early must not leave the socket paused (close would hang)
  }
  const tail = utf8.decode();
  if (tail) yield tail;
  return run;
}

export function toResult(r: RawResult, line: number, copyOut: boolean): StatementResult {
  const count = / (\d+)$/.exec(r.tag);
  return {
    tag: r.tag,
    // "CREATE TABLE" rather than a first word; counts stripped ("INSERT 0 3" -> INSERT).
    command: r.tag.replace(/(?: \d+)+$/, ''),
    rowCount: count ? Number(count[1]) : r.fields ? r.rows.length : null,
    ...(r.fields ? { fields: r.fields } : {}),
    rows: r.rows,
    line,
    ...(copyOut ? { copyOut: true } : {}),
  };
}
