import type { Connection, Submittable } from 'pg';

/** One command's result as the server sent it: the tag, and rows when it returned any. */
export interface RawResult {
  tag: string;
  fields?: Array<{ name: string; dataTypeID: number }>;
  /** Values in the server's text output; null is SQL NULL. */
  rows: Array<Array<string | null>>;
}

export interface StatementRun {
  results: RawResult[];
  /** What the server answered: it wanted COPY data from us ('in') or sent us some ('out'). */
  copy?: 'in' | 'out';
  /** The server's error (pg's DatabaseError), or a lost connection. */
  error?: Error;
  /** Reading the script's COPY data failed (invalid bytes): the COPY was abandoned with CopyFail. */
  readError?: unknown;
}

/** Rows of a command that returns none: shared, never written to. */
const NO_ROWS: RawResult['rows'] = Object.freeze([]) as unknown as RawResult['rows'];

/** The parts of pg's Connection used here that its type declarations leave out. */
interface WireConnection extends Connection {
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

export interface StatementIo {
  /** The server asked for COPY data: the script's data lines, up to `\.`. */
  copyIn(): AsyncIterable<string>;
  /** The server sent COPY data. */
  copyOut(chunk: Buffer): void;
  /** Ctrl-C: stop reading COPY data (the server's cancel ends the COPY). */
  stopped(): boolean;
  /** The server is ready for the next statement (and the script is read past this one's COPY data). */
  done(run: StatementRun): void;
}

/**
 * pg's client does not route CopyOutResponse to the active query (a COPY of no rows sends no
 * data, only this). One listener per connection, installed at its first statement, tells the
 * statement that runs; adding and removing one per statement cost more than the statement's
 * own handling on a script of small INSERTs.
 */
const copyOutTargets = new WeakMap<Connection, { current?: ScriptStatement }>();

function copyOutTarget(connection: Connection): { current?: ScriptStatement } {
  let target = copyOutTargets.get(connection);
  if (!target) {
    const t: { current?: ScriptStatement } = {};
    connection.on('copyOutResponse', () => t.current?.copyOutStarted());
    copyOutTargets.set(connection, t);
    target = t;
  }
  return target;
}

/**
 * One statement sent as a simple Query, handled whatever the server makes of it: rows,
 * command tags, COPY IN (the script's data lines are streamed to it, with backpressure)
 * or COPY OUT. What happens is decided by the server's answer (CopyInResponse,
 * CopyOutResponse), never by how the statement is spelled, as in psql: COPY t FROM STDOUT
 * reads from the client, and a COPY the server rejects asks for no data.
 */
export class ScriptStatement implements Submittable {
  private readonly run: StatementRun = { results: [] };
  private fields?: RawResult['fields'];
  private rows: RawResult['rows'] = [];
  private connection?: Connection;
  private target?: { current?: ScriptStatement };
  private pumping?: Promise<void>;
  /** The server gave up (an error): COPY data is still read to its end, but no longer sent. */
  private failed = false;
  private lost = false;
  private settled = false;

  constructor(
    private readonly text: string,
    private readonly io: StatementIo,
  ) {}

  submit(connection: Connection): void {
    this.connection = connection;
    this.target = copyOutTarget(connection);
    this.target.current = this;
    connection.query(this.text);
  }

  copyOutStarted(): void {
    this.run.copy = 'out';
  }

  handleRowDescription(msg: { fields: Array<{ name: string; dataTypeID: number }> }): void {
    this.fields = msg.fields.map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
    this.rows = [];
  }

  handleDataRow(msg: { fields: Array<string | null> }): void {
    this.rows.push(msg.fields);
  }

  handleCommandComplete(msg: { text: string }): void {
    if (this.fields) {
      this.run.results.push({ tag: msg.text, fields: this.fields, rows: this.rows });
      this.fields = undefined;
      this.rows = [];
    } else this.run.results.push({ tag: msg.text, rows: NO_ROWS });
  }

  handleEmptyQuery(): void {}

  handlePortalSuspended(): void {}

  handleCopyInResponse(connection: Connection): void {
    this.run.copy = 'in';
    this.pumping = this.pump(connection as WireConnection);
  }

  handleCopyData(msg: { chunk: Buffer }): void {
    this.io.copyOut(msg.chunk);
  }

  /** pg calls this for the server's ErrorResponse (and then no handleReadyForQuery) or for a lost connection. */
  handleError(err: Error): void {
    this.run.error ??= err;
    this.failed = true;
    if (typeof (err as { severity?: unknown }).severity !== 'string') this.lost = true;
    this.finish();
  }

  handleReadyForQuery(): void {
    this.finish();
  }

  /** Copy-out backpressure: stop reading the socket while the consumer catches up. */
  pause(): void {
    this.connection?.stream.pause();
  }

  resume(): void {
    this.connection?.stream.resume();
  }

  private async pump(connection: WireConnection): Promise<void> {
    const stream = connection.stream;
    try {
      for await (const data of this.io.copyIn()) {
        if (this.lost) return;
        if (this.io.stopped()) {
          if (!this.failed) connection.sendCopyFail('interrupted');
          return;
        }
        if (this.failed) continue; // the lines are data even when the server gave up: read on to `\.`
        stream.write(copyDataMessage(data));
        if (stream.writableNeedDrain) await drained(stream);
      }
      if (!this.failed) connection.endCopyFrom();
    } catch (e) {
      this.run.readError = e;
      if (!this.failed) connection.sendCopyFail('the script could not be read');
    }
  }

  private finish(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.target?.current === this) this.target.current = undefined;
    // The script is read past the data before the next statement is taken from it.
    if (this.pumping) void this.pumping.then(() => this.io.done(this.run));
    else this.io.done(this.run);
  }
}

/**
 * A CopyData message ('d', length, bytes) with the text encoded straight into it: pg's
 * sendCopyFromChunk would copy the encoded chunk into its writer and out again, two more
 * copies and allocations of every 64 KiB of a dump's COPY data.
 */
function copyDataMessage(data: string): Buffer {
  const bytes = Buffer.byteLength(data, 'utf8');
  const message = Buffer.allocUnsafe(5 + bytes);
  message[0] = 0x64;
  message.writeInt32BE(4 + bytes, 1);
  message.write(data, 5, 'utf8');
  return message;
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
