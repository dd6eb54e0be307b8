import { countNewlines } from './lexing.js';
import { newWordState, type WordState } from './words.js';

/**
 * An incremental SQL script splitter: feed it text in chunks of any size and it hands back
 * complete statements (one at a time is how psql sends them, so transaction and error
 * semantics match), COPY ... FROM stdin data as pass-through chunks, and psql backslash
 * lines. Memory is bounded by the largest single statement, never by the script: a 1 GB
 * dump is a stream of small items, and a 1 GB COPY block is a stream of data chunks.
 *
 * It understands what can hide a semicolon: 'strings' (and E'\'' escapes), "identifiers",
 * $tag$ dollar quotes $tag$, -- line and nested block comments, parentheses, and
 * CREATE FUNCTION ... BEGIN ATOMIC ... END bodies (psql's own heuristic).
 */
export type SqlItem =
  | { kind: 'statement'; text: string; line: number; copy?: 'in' | 'out'; dataLine?: number }
  | { kind: 'copy-data'; data: string }
  | { kind: 'copy-end'; line: number }
  | { kind: 'meta'; text: string; line: number };

export type State =
  | 'normal'
  | 'squote'
  | 'dquote'
  | 'dollar'
  | 'line-comment'
  | 'block-comment'
  | 'long-word'
  | 'meta'
  | 'copy-skip'
  | 'copy-data';

/**
 * The splitter's buffer and bookkeeping: the text of the open statement across chunks, the
 * items ready to hand out, and the lexer state the scanner (splitter.ts) moves through.
 */
export abstract class SplitterState {
  /** Text not scanned yet: the chunk, plus the few characters carried from the last one. */
  protected buf = '';
  protected parts: string[] = [];
  /** Start of the current statement in buf; -1 until its first significant character. */
  protected segStart = -1;
  protected line = 1;
  protected stmtLine = 1;
  protected state: State = 'normal';
  protected escapes = false;
  protected eQuoteNext = false;
  protected tag = '';
  protected commentDepth = 0;
  protected parenDepth = 0;
  protected words: WordState = newWordState();
  protected copyDataStart = -1;
  /** COPY data: is i at the start of a line (where a `\.` terminator may begin)? */
  protected copyLineStart = false;
  protected out: SqlItem[] = [];

  /** Inside a quoted string or identifier: jumps past the closing quote (or to the end of the buffer), counting lines. */
  protected skipQuoted(b: string, i: number, quote: string): number {
    const q = b.indexOf(quote, i);
    this.line += countNewlines(b, i, q === -1 ? b.length : q);
    if (q === -1) return b.length;
    this.state = 'normal';
    return q + 1;
  }

  protected drain(): SqlItem[] {
    const items = this.out;
    this.out = [];
    return items;
  }

  protected flushCopyData(end: number): void {
    if (this.copyDataStart >= 0 && end > this.copyDataStart)
      this.out.push({ kind: 'copy-data', data: this.buf.slice(this.copyDataStart, end) });
    this.copyDataStart = -1;
  }

  /** Saves what this chunk contributed to the open statement; buf keeps only unscanned text. */
  protected carry(pos: number): void {
    if (this.state === 'copy-data') this.flushCopyData(pos);
    else if (this.segStart >= 0 && pos > this.segStart) this.parts.push(this.buf.slice(this.segStart, pos));
    this.buf = this.buf.slice(pos);
    if (this.segStart >= 0) this.segStart = 0;
    this.copyDataStart = this.state === 'copy-data' ? 0 : -1;
  }

  protected joined(end: number): string {
    const tail = this.buf.slice(Math.max(this.segStart, 0), end);
    return this.parts.length ? this.parts.join('') + tail : tail;
  }

  protected emitStatement(end: number, atEof: boolean): void {
    const text = this.joined(end);
    if (text === ';') {
      this.reset();
      return;
    } // an empty statement: nothing to send
    const copy = this.words.copy;
    const item: SqlItem = { kind: 'statement', text: atEof ? text.trimEnd() : text, line: this.stmtLine };
    if (copy) item.copy = copy;
    if (copy === 'in') item.dataLine = this.line + 1;
    this.out.push(item);
    this.reset();
    if (copy === 'in') this.state = 'copy-skip';
  }

  protected reset(): void {
    this.parts = [];
    this.segStart = -1;
    this.state = 'normal';
    this.parenDepth = 0;
    this.eQuoteNext = false;
    this.words = newWordState();
  }
}
