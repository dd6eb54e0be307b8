import { BACKSLASH, blockCommentStep, copyTerminatorAt, countNewlines, NL, QUOTE, wordEnd } from './lexing.js';
import { SplitterState } from './splitter-state.js';

/**
 * The splitter's steps inside things that hide semicolons: strings, identifiers, dollar
 * quotes, comments, a meta-command line, COPY data. Each step takes the index it is at and
 * returns the next; a step that cannot decide before more input arrives sets needMore.
 */
export abstract class SplitterScan extends SplitterState {
  protected wait(i: number): number {
    this.needMore = true;
    return i;
  }

  protected stepOther(i: number): number {
    const b = this.buf;
    switch (this.state) {
      case 'squote':
        return this.escapes ? this.escapeString(i) : this.plainString(i);
      case 'dquote':
        return this.skipQuoted(i, '"');
      case 'dollar': {
        const q = b.indexOf(this.tag, i);
        if (q === -1) {
          // Keep the last tag-length characters: the closing tag may straddle chunks.
          const safe = this.final ? b.length : Math.max(i, b.length - this.tag.length + 1);
          this.line += countNewlines(b, i, safe);
          return this.final ? safe : this.wait(safe);
        }
        this.line += countNewlines(b, i, q);
        this.state = 'normal';
        return q + this.tag.length;
      }
      case 'line-comment': {
        const q = b.indexOf('\n', i);
        if (q === -1) return b.length;
        this.state = 'normal';
        this.line++;
        // `'a' -- note` newline `'b'` is still one literal to the server.
        if (this.cont) this.cont.newline = true;
        return q + 1;
      }
      case 'block-comment':
        return this.blockComment(i);
      case 'long-word': {
        const j = wordEnd(b, i - 1);
        if (j < b.length) this.state = 'normal';
        return j;
      }
      case 'meta': {
        const q = b.indexOf('\n', i);
        if (q === -1) return b.length;
        this.emitMeta(q);
        this.line++;
        return q + 1;
      }
      case 'copy-skip':
        return this.copyCommandLine(i);
      case 'copy-data':
        return this.copyData(i);
      default:
        throw new Error(`splitter: no step for state ${this.state}`);
    }
  }

  private plainString(i: number): number {
    const next = this.skipQuoted(i, "'");
    if (this.state === 'normal') this.cont = { escapes: false, newline: false, space: false };
    return next;
  }

  /** E'...' (or any string while standard_conforming_strings is off): a backslash escapes the next character. */
  private escapeString(i: number): number {
    const b = this.buf;
    let j = i;
    for (; j < b.length; j++) {
      const c = b.charCodeAt(j);
      if (c === BACKSLASH || c === QUOTE) break;
    }
    this.line += countNewlines(b, i, j);
    if (j >= b.length) return j;
    if (b.charCodeAt(j) === BACKSLASH) {
      if (j + 1 >= b.length && !this.final) return this.wait(j);
      if (b.charCodeAt(j + 1) === NL) this.line++;
      return j + 2;
    }
    this.state = 'normal';
    this.cont = { escapes: true, newline: false, space: false };
    return j + 1;
  }

  private blockComment(i: number): number {
    const c = this.buf.charCodeAt(i);
    if (c === NL) {
      this.line++;
      return i + 1;
    }
    const step = blockCommentStep(this.buf, i, this.final);
    if (step === undefined) return this.wait(i);
    if (step === 0) return i + 1;
    this.commentDepth += step;
    if (this.commentDepth === 0) this.state = 'normal';
    return i + 2;
  }

  /** The rest of a COPY's line: data starts on the next line, as in psql, which runs any SQL here after the data. */
  private copyCommandLine(i: number): number {
    const b = this.buf;
    const q = b.indexOf('\n', i);
    this.afterCopy += b.slice(i, q === -1 ? b.length : q);
    if (q === -1) return b.length;
    this.line++;
    this.state = 'copy-data';
    this.copyDataStart = q + 1;
    this.copyLineStart = true;
    return q + 1;
  }

  private copyData(i: number): number {
    const b = this.buf;
    if (this.copyLineStart && b.charCodeAt(i) === BACKSLASH) {
      const end = copyTerminatorAt(b, i, this.final);
      if (end === undefined) return this.wait(i);
      if (end >= 0) {
        this.flushCopyData(i);
        this.out.push({ kind: 'copy-end', line: this.line });
        this.line++;
        this.state = 'normal';
        this.resumeAfterCopy(end);
        return end;
      }
    }
    const q = b.indexOf('\n', i);
    if (q === -1) {
      this.copyLineStart = false;
      return b.length;
    }
    this.line++;
    this.copyLineStart = true;
    return q + 1;
  }

  /** SQL that shared the COPY's line is scanned next, as psql does. */
  protected resumeAfterCopy(at: number): void {
    if (this.afterCopy.trim()) {
      this.splice(at, at, `${this.afterCopy}\n`);
      this.line--; // the newline added above is not a line of the script
    }
    this.afterCopy = '';
  }
}
