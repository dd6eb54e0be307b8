import {
  AMP,
  BACKSLASH,
  COLON,
  commentAt,
  countNewlines,
  CR,
  DOLLAR,
  dollarTagAt,
  DQUOTE,
  isSpace,
  isWordStart,
  LPAREN,
  NL,
  QUOTE,
  RPAREN,
  SEMI,
  variableAt,
  wordEnd,
} from './lexing.js';
import { SplitterScan } from './splitter-scan.js';
import type { SqlItem } from './splitter-state.js';
import { escapeIdentifier, escapeLiteral } from './variables.js';
import { classifyWord, type QuotePrefix, wordsMatter } from './words.js';

export type { SqlItem } from './splitter-state.js';

/** A word longer than this is data (a huge number), not a keyword: stop carrying it. */
const MAX_CARRIED_WORD = 256;

/**
 * An incremental SQL script splitter that hands out one item at a time: push() text, take
 * items with next() until it returns undefined (it needs more text), end() at the end of
 * the input. Between items the caller may change how the rest is read, as psql does:
 * standard_conforming_strings (after a SET), variables (after \set), COPY data (after the
 * server answered CopyInResponse), or the text itself (re-read in a new client_encoding).
 *
 * It understands what can hide a semicolon: 'strings' (with backslash escapes in E'' and
 * while standard_conforming_strings is off, and continued across a newline), "identifiers",
 * $tag$ dollar quotes $tag$, -- line and nested block comments, parentheses, and
 * CREATE FUNCTION ... BEGIN ATOMIC ... END bodies (psql's own heuristic).
 */
export class SqlSplitter extends SplitterScan {
  /** As the server reports it; off makes every plain '' string an escape string. */
  standardStrings = true;
  /** psql variables for :name interpolation; without it, colons are plain text. */
  variables?: (name: string) => string | undefined;
  /** A variable's value spliced into buf is not expanded again (psql refuses the recursion). */
  private noVariablesBefore = -1;

  push(text: string): void {
    this.buf = this.buf.length ? this.buf + text : text;
  }

  /** No more text: what is open (a statement without `;`, COPY data) is finished by next(). */
  end(): void {
    this.final = true;
  }

  next(): SqlItem | undefined {
    if (!this.out.length && this.scan() && this.final) this.finish();
    return this.out.shift();
  }

  /** Right after a statement: what follows its line, up to `\.`, is COPY data. Returns the line it starts on. */
  beginCopyData(): number {
    this.state = 'copy-skip';
    this.afterCopy = '';
    return this.line + 1;
  }

  /**
   * Right after an item: the text not scanned yet, taken out to be decoded again. Pristine
   * when all of it came from the source (no variable's value or moved text in it).
   */
  takeRest(): { text: string; pristine: boolean } {
    const rest = { text: this.buf.slice(this.pos), pristine: this.splicedEnd <= this.pos };
    this.buf = '';
    this.pos = 0;
    this.splicedEnd = -1;
    this.noVariablesBefore = -1;
    this.final = false; // the rest comes back through push(), and end() again after it
    return rest;
  }

  /** Scans until an item is out (false) or the buffer is used up (true; the rest is carried). */
  private scan(): boolean {
    let i = this.pos;
    while (i < this.buf.length) {
      i = this.state === 'normal' ? this.stepNormal(i) : this.stepOther(i);
      if (this.needMore) {
        this.needMore = false;
        break;
      }
      if (this.out.length) {
        this.pos = i;
        return false;
      }
    }
    this.noVariablesBefore -= i;
    this.carry(i);
    return true;
  }

  private finish(): void {
    if (this.state === 'copy-data' || this.state === 'copy-skip') {
      this.out.push({ kind: 'copy-end', line: this.line });
      this.state = 'normal';
      this.resumeAfterCopy(this.buf.length);
    } else if (this.state === 'meta') this.emitMeta(this.buf.length);
    else if (this.segStart >= 0) this.emitStatement(this.buf.length, true);
  }

  private stepNormal(i: number): number {
    const b = this.buf;
    const c = b.charCodeAt(i);
    const comment = c === 45 /* - */ || c === 47 /* / */ ? commentAt(b, i, this.final) : null;
    if (comment === undefined) return this.wait(i);
    if (comment) {
      this.state = comment === 'line' ? 'line-comment' : 'block-comment';
      if (comment === 'block') this.cont = null;
      this.commentDepth = 1;
      return i + 2;
    }
    if (this.segStart < 0) {
      if (isSpace(c)) {
        if (c === NL) this.line++;
        return i + 1;
      }
      this.segStart = i;
      this.stmtLine = this.line;
      if (c === BACKSLASH) {
        this.state = 'meta';
        return i + 1;
      }
    }
    if (isWordStart(c)) return this.word(i);
    const prefix = this.quoteNext;
    this.quoteNext = null;
    if (c === QUOTE) return this.openString(i, prefix);
    if (this.cont && this.continues(c)) return i + 1;
    this.cont = null;
    switch (c) {
      case NL:
        this.line++;
        break;
      case DQUOTE:
        this.state = 'dquote';
        break;
      case LPAREN:
        this.parenDepth++;
        break;
      case RPAREN:
        if (this.parenDepth > 0) this.parenDepth--;
        break;
      case AMP:
        if (prefix === 'u') this.quoteNext = 'raw'; // U&'...': backslash is a Unicode escape, never a quote escape
        break;
      case DOLLAR:
        return this.dollar(i);
      case COLON:
        return this.colon(i);
      case BACKSLASH:
        return this.interrupt(i);
      case SEMI:
        if (this.parenDepth === 0 && this.words.beginDepth === 0) this.emitStatement(i + 1, false);
        break;
    }
    return i + 1;
  }

  private word(i: number): number {
    const j = wordEnd(this.buf, i);
    this.cont = null;
    if (j >= this.buf.length && !this.final) {
      if (j - i <= MAX_CARRIED_WORD) return this.wait(i);
      this.state = 'long-word';
      this.quoteNext = classifyWord(this.words, '', this.parenDepth);
      return j;
    }
    if (j - i > 1 && !wordsMatter(this.words)) {
      this.words.count++; // nothing else of a word this far in is needed (words.ts)
      this.quoteNext = null;
      return j;
    }
    this.quoteNext = classifyWord(this.words, this.buf.slice(i, j), this.parenDepth);
    return j;
  }

  /** A quote right after a closed string (or after whitespace with a newline) continues it, in its mode. */
  private openString(i: number, prefix: QuotePrefix): number {
    const cont = this.cont;
    this.cont = null;
    this.state = 'squote';
    if (cont && (cont.newline || !cont.space)) this.escapes = cont.escapes;
    else this.escapes = prefix === 'e' || (prefix !== 'raw' && !this.standardStrings);
    return i + 1;
  }

  /** Whitespace after a closed string: true while a quote could still continue it. */
  private continues(c: number): boolean {
    const cont = this.cont!;
    if (c === NL || c === CR) {
      if (c === NL) this.line++;
      cont.newline = true;
      return true;
    }
    if (c === 32 || c === 9 || c === 12 || (c === 11 && cont.newline)) {
      cont.space = true;
      return true;
    }
    return false;
  }

  private dollar(i: number): number {
    const tag = dollarTagAt(this.buf, i, this.final);
    if (tag === undefined) return this.wait(i);
    if (!tag) return i + 1;
    this.tag = tag;
    this.state = 'dollar';
    return i + tag.length;
  }

  /** :name, :'name', :"name" of a set variable become its value, as psql interpolates them. */
  private colon(i: number): number {
    if (!this.variables || i < this.noVariablesBefore) return i + 1;
    const ref = variableAt(this.buf, i, this.final);
    if (ref === undefined) return this.wait(i);
    if (ref === null) return i + 1;
    if (ref === 'cast') return i + 2;
    const value = this.variables(ref.name);
    if (value === undefined) return i + 1; // psql sends an unset variable's reference as written
    if (ref.quote) {
      const text = ref.quote === "'" ? escapeLiteral(value) : escapeIdentifier(value);
      this.splice(i, ref.end, text);
      return i + text.length;
    }
    // A bare :name is lexed again (its value may hold quotes or even a semicolon), as in psql.
    this.splice(i, ref.end, value);
    this.noVariablesBefore = i + value.length;
    this.line -= countNewlines(value, 0, value.length);
    return i;
  }

  /** A backslash inside a statement starts a meta-command (\g, \gset, \;); the statement is never sent. */
  private interrupt(i: number): number {
    this.interrupted = this.stmtLine;
    this.parts = [];
    this.segStart = i;
    this.stmtLine = this.line;
    this.state = 'meta';
    return i + 1;
  }
}
