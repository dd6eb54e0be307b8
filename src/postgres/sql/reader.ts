import { CliError } from '../../core/errors.js';
import { DecodeError, TextFeed } from './decoder.js';
import { type SqlItem, SqlSplitter } from './splitter.js';
import type { SqlSource } from './stream.js';

/**
 * One script source being read: its bytes decoded (TextFeed) and split (SqlSplitter), one
 * item at a time, so that what a statement changes (the client encoding, standard strings,
 * COPY mode) applies to everything after it, as in psql.
 */
export class ScriptReader {
  readonly splitter = new SqlSplitter();
  private readonly feed: TextFeed;
  private ended = false;

  constructor(
    readonly source: SqlSource,
    encoding: string,
  ) {
    this.feed = new TextFeed(source.chunks(), encoding);
  }

  get encoding(): string {
    return this.feed.encoding;
  }

  get line(): number {
    return this.splitter.currentLine;
  }

  async next(): Promise<SqlItem | undefined> {
    for (;;) {
      const item = this.splitter.next();
      if (item || this.ended) return item;
      let text: string | null;
      try {
        text = await this.feed.next();
      } catch (e) {
        throw e instanceof DecodeError ? this.invalidBytes(e) : e;
      }
      if (text === null) {
        this.splitter.end();
        this.ended = true;
      } else this.splitter.push(text);
    }
  }

  /** After the server asked for COPY data: the lines up to `\.`. Returns the line the data starts on. */
  beginCopyData(): number {
    return this.splitter.beginCopyData();
  }

  /** The COPY data items up to `\.`, as text (the caller decides whether they reach the server). */
  async *copyData(): AsyncGenerator<string> {
    for (;;) {
      const item = await this.next();
      if (!item || item.kind === 'copy-end') return;
      if (item.kind === 'copy-data') yield item.data;
    }
  }

  /** Right after an item: reads the rest of the source in another encoding. */
  setEncoding(encoding: string): void {
    if (encoding === this.feed.encoding) return;
    const rest = this.splitter.takeRest();
    if (!rest.pristine)
      throw new CliError(
        'usage',
        `${this.source.name}:${this.line}: the client encoding changed inside a variable's value`,
        {
          hint: 'set client_encoding in a statement of its own line',
        },
      );
    this.feed.switchTo(encoding, rest.text);
    this.ended = false;
  }

  private invalidBytes(e: DecodeError): CliError {
    return new CliError('failed', `${this.source.name}:${this.line}: ${e.message}`, {
      hint:
        e.encoding === 'UTF8'
          ? 'the script is not UTF-8: name its encoding (PGCLIENTENCODING=LATIN1, ...), or put SET client_encoding TO ... at its top, as pg_dump does'
          : `the script says it is in ${e.encoding} but these bytes are not; check its SET client_encoding or --encoding`,
      cause: e,
    });
  }
}

/**
 * Items of a source without a server (content execute --dry-run): COPY data is taken where
 * a statement is spelled COPY ... FROM stdin, since no server answers to say so.
 */
export async function* sqlItems(source: SqlSource, encoding = 'UTF8'): AsyncGenerator<SqlItem> {
  const reader = new ScriptReader(source, encoding);
  for (let item = await reader.next(); item; item = await reader.next()) {
    yield item;
    if (item.kind === 'statement' && item.copyHint === 'in') reader.beginCopyData();
  }
}
