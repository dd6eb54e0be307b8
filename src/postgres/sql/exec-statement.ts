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
 * One statement on its way: sent on construction; COPY output is taken with output() as it
 * arrives (text, in pieces that end on a row), and `run` is what the server answered once
 * output() says there is no more. COPY data for a CopyInResponse comes from `copyIn`, which
 * is asked only when the server wants it.
 *
 * Most statements of a script (an INSERT, a CREATE) have no output: for them this costs one
 * promise, settled by the server's ReadyForQuery. It is on every statement's path, between
 * the server's answer and the next statement's send, so it stays lean.
 */
export class StatementExec {
  run?: StatementRun;
  private readonly statement: ScriptStatement;
  private queue: Buffer[] = [];
  private queued = 0;
  private wake?: () => void;
  /** Made at the first COPY output only: a row may end mid-character between messages in binary COPY. */
  private utf8?: TextDecoder;

  constructor(
    private readonly session: Session,
    text: string,
    copyIn: () => AsyncIterable<string>,
  ) {
    this.statement = new ScriptStatement(text, {
      copyIn,
      copyOut: (chunk) => {
        this.queue.push(chunk);
        this.queued += chunk.length;
        if (this.queued > HIGH_WATER) this.statement.pause();
        this.wakeUp();
      },
      stopped: () => this.stopped(),
      done: (run) => {
        this.run = run;
        this.wakeUp();
      },
    });
    session.client.query(this.statement);
  }

  /** The next piece of COPY output; undefined once the statement is done (`run` is then set). */
  async output(): Promise<string | undefined> {
    for (;;) {
      if (this.queue.length) {
        const chunks = this.queue;
        this.queue = [];
        this.queued = 0;
        this.statement.resume();
        this.utf8 ??= new TextDecoder();
        const out = this.utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), { stream: true });
        if (out) return out;
        continue;
      }
      if (this.run) {
        const tail = this.utf8?.decode();
        this.utf8 = undefined;
        return tail || undefined;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** A consumer that stops early must not leave the socket paused (close would hang). */
  release(): void {
    this.statement.resume();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private stopped(): boolean {
    try {
      this.session.checkInterrupted();
      return false;
    } catch {
      return true;
    }
  }
}

export function toResult(r: RawResult, line: number, copyOut: boolean): StatementResult {
  const count = / (\d+)$/.exec(r.tag);
  return {
    tag: r.tag,
    // "CREATE TABLE" rather than a first word; counts stripped ("INSERT 0 3" -> INSERT).
    command: count ? r.tag.replace(/(?: \d+)+$/, '') : r.tag,
    rowCount: count ? Number(count[1]) : r.fields ? r.rows.length : null,
    ...(r.fields ? { fields: r.fields } : {}),
    rows: r.rows,
    line,
    ...(copyOut ? { copyOut: true } : {}),
  };
}
