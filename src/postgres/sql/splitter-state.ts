import { countNewlines } from './lexing.js';
import { newWordState, type QuotePrefix, type WordState } from './words.js';

/**
 * What a script splits into. Statements are handed out one at a time, as psql sends them,
 * so transaction and error semantics match; COPY data passes through in chunks; psql
 * backslash lines come out as meta items (with `statementLine` when one interrupts an
 * unfinished statement, which is never sent).
 */
export type SqlItem =
  | { kind: 'statement'; text: string; line: number; copyHint?: 'in' | 'out' }
  | { kind: 'copy-data'; data: string }
  | { kind: 'copy-end'; line: number }
  | { kind: 'meta'; text: string; line: number; statementLine?: number };

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
 * A closed string that the next quote may continue: the server reads `'a'` newline `'b'`
 * as one literal (in the first one's escape mode), and `'a' 'b'` on one line as two.
 */
export interface Continuation {
  escapes: boolean;
  newline: boolean;
  space: boolean;
}

/**
 * The splitter's buffer and bookkeeping: the text of the open statement across chunks, the
 * items ready to hand out, and the lexer state the scanner moves through. Memory is bounded
 * by the largest single statement (or line of COPY data), never by the script.
 */
export abstract class SplitterState {
  /** Text not handed out yet; scanning resumes at pos. */
  protected buf = '';
  protected pos = 0;
  protected final = false;
  protected parts: string[] = [];
  /** Start of the current statement in buf; -1 until its first significant character. */
  protected segStart = -1;
  protected line = 1;
  protected stmtLine = 1;
  protected state: State = 'normal';
  protected escapes = false;
  protected quoteNext: QuotePrefix = null;
  protected cont: Continuation | null = null;
  protected tag = '';
  protected commentDepth = 0;
  protected parenDepth = 0;
  protected words: WordState = newWordState();
  protected copyDataStart = -1;
  /** COPY data: is i at the start of a line (where a `\.` terminator may begin)? */
  protected copyLineStart = false;
  /** Text after `COPY ... FROM stdin;` on its own line: psql runs it after the data. */
  protected afterCopy = '';
  /** A meta-command that interrupted a statement: the line that statement began on. */
  protected interrupted = 0;
  /** buf before this index holds text that did not come from the source (a variable's value). */
  protected splicedEnd = -1;
  /** Set by a step that needs more input before it can decide. */
  protected needMore = false;
  protected out: SqlItem[] = [];

  /** The line the scanner is on (for errors about the input itself). */
  get currentLine(): number {
    return this.line;
  }

  /** Inside a quoted string or identifier: jumps past the closing quote (or to the end of the buffer), counting lines. */
  protected skipQuoted(i: number, quote: string): number {
    const q = this.buf.indexOf(quote, i);
    this.line += countNewlines(this.buf, i, q === -1 ? this.buf.length : q);
    if (q === -1) return this.buf.length;
    this.state = 'normal';
    return q + 1;
  }

  protected flushCopyData(end: number): void {
    if (this.copyDataStart >= 0 && end > this.copyDataStart)
      this.out.push({ kind: 'copy-data', data: this.buf.slice(this.copyDataStart, end) });
    this.copyDataStart = -1;
  }

  /** Saves what the buffer contributed to the open statement; buf keeps only unscanned text. */
  protected carry(at: number): void {
    if (this.state === 'copy-data') this.flushCopyData(at);
    else if (this.segStart >= 0 && at > this.segStart) this.parts.push(this.buf.slice(this.segStart, at));
    this.buf = this.buf.slice(at);
    this.pos = 0;
    if (this.segStart >= 0) this.segStart = 0;
    this.splicedEnd = Math.max(-1, this.splicedEnd - at);
    this.copyDataStart = this.state === 'copy-data' ? 0 : -1;
  }

  protected joined(end: number): string {
    const tail = this.buf.slice(Math.max(this.segStart, 0), end);
    return this.parts.length ? this.parts.join('') + tail : tail;
  }

  protected emitStatement(end: number, atEof: boolean): void {
    const text = this.joined(end);
    const copyHint = this.words.copy;
    this.reset();
    if (text === ';') return; // an empty statement: nothing to send
    const item: SqlItem = { kind: 'statement', text: atEof ? text.trimEnd() : text, line: this.stmtLine };
    if (copyHint) item.copyHint = copyHint;
    this.out.push(item);
  }

  protected emitMeta(end: number): void {
    const text = this.joined(end).trim();
    this.out.push({
      kind: 'meta',
      text,
      line: this.stmtLine,
      ...(this.interrupted ? { statementLine: this.interrupted } : {}),
    });
    this.reset();
  }

  /** Puts text into the buffer at i (a variable's value; the statement after a COPY's data). */
  protected splice(i: number, end: number, text: string): void {
    this.buf = this.buf.slice(0, i) + text + this.buf.slice(end);
    this.splicedEnd = Math.max(this.splicedEnd, i + text.length);
  }

  protected reset(): void {
    this.parts = [];
    this.segStart = -1;
    this.state = 'normal';
    this.parenDepth = 0;
    this.quoteNext = null;
    this.cont = null;
    this.interrupted = 0;
    this.words = newWordState();
  }
}
